// The widget's one ESM entry (anywidget): the explanation widget's view (widget.js) for
// every view named by `_view`: text, image, tabular, importance, explorer (the explorer
// widget), structure, layers and monitor (limelight.modelviz) and many (explain_many).
import * as explorer from "./views/explorer.js";
import * as layers from "./views/layers.js";
import * as many from "./views/many.js";
import * as monitor from "./views/monitor.js";
import * as structure from "./views/structure.js";
import { mountWidget, registerView } from "./widget.js";

export { standInModel } from "./standin.js";
export { registerView };

for (const [name, view] of Object.entries({ explorer, structure, layers, monitor, many })) registerView(name, view);

function render({ model, el, host }) {
  return mountWidget(model, el, host);
}

export default { render };
