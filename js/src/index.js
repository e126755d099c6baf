// The widget's one ESM entry (anywidget): the explanation widget's view (widget.js) for
// every view named by `_view`: text, image, tabular, importance, explorer (the explorer
// widget), structure, layers and monitor (limelight.modelviz), many and many_text
// (explain_many over rows and over texts) and
// compare, surrogate, dependence, elimination (the trust and global views).
import * as compare from "./views/compare.js";
import * as dependence from "./views/dependence.js";
import * as elimination from "./views/elimination.js";
import * as explorer from "./views/explorer.js";
import * as layers from "./views/layers.js";
import * as many from "./views/many.js";
import * as many_text from "./views/many_text.js";
import * as monitor from "./views/monitor.js";
import * as structure from "./views/structure.js";
import * as surrogate from "./views/surrogate.js";
import { mountWidget, registerView } from "./widget.js";

export { standInModel } from "./standin.js";
export { registerView };

const EXTRA = { explorer, structure, layers, monitor, many, many_text, compare, surrogate, dependence, elimination };
for (const [name, view] of Object.entries(EXTRA)) registerView(name, view);

function render({ model, el, host }) {
  return mountWidget(model, el, host);
}

export default { render };
