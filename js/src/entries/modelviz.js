// Seeing the model: structure, layers, live training curves.
import * as layers from "../views/layers.js";
import * as monitor from "../views/monitor.js";
import * as structure from "../views/structure.js";
import { entry } from "../widget.js";

export default entry({ structure, layers, monitor });
