// Many rows and many texts: the streamed summaries.
import * as many from "../views/many.js";
import * as many_text from "../views/many_text.js";
import { entry } from "../widget.js";

export default entry({ many, many_text });
