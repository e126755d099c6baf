// The explorer (its panel is an explanation widget of its own, drawn with the core views).
import * as explorer from "../views/explorer.js";
import { entry } from "../widget.js";

export default entry({ explorer });
