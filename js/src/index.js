// The widget's one ESM entry (anywidget): the explanation widget's view (widget.js) for
// every view named by `_view`: text, image, tabular, importance, and explorer.
import * as explorer from "./views/explorer.js";
import { mountWidget, registerView } from "./widget.js";

export { standInModel } from "./standin.js";
export { registerView };

registerView("explorer", explorer);

function render({ model, el, host }) {
  return mountWidget(model, el, host);
}

export default { render };
