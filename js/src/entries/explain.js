// Explanations (text, image, tabular, importance) and the trust views.
import * as compare from "../views/compare.js";
import * as dependence from "../views/dependence.js";
import * as elimination from "../views/elimination.js";
import * as surrogate from "../views/surrogate.js";
import { entry } from "../widget.js";

export default entry({ compare, surrogate, dependence, elimination });
