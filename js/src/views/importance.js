// Global importance (permutation importance): mean drop in score per feature with its
// standard error, filling in one repeat at a time.
import { decodeArray, row } from "../buffers.js";
import { chartPanel } from "../charts.js";
import { signColours } from "../colors.js";
import { isDark } from "../theme.js";
import { barRows, fmt } from "./tabular.js";

export function render({ model, el }) {
  const { title, note, slot, follow } = chartPanel(model, el, "ll-importance");
  title.style.margin = "4px 0 6px";

  function draw() {
    const meta = model.get("_meta") || {};
    const arrays = model.get("_arrays") || {};
    const specs = model.get("_specs") || {};
    if (!arrays.values || !specs.importance) return;
    const values = row(arrays.values, 0);
    const stderr = arrays.stderr ? row(arrays.stderr, 0) : null;
    const baseline = decodeArray(arrays.base_values)[0];
    const scoring = (meta.output_names || [])[0] || "score";
    title.textContent = `Permutation importance: drop in ${scoring} (baseline ${fmt(baseline)})`;
    note.textContent = `${meta.n_repeats || 0} repeat(s) · ${values.length} features · bars ± one standard error`;
    const rows = barRows({ feature_names: meta.feature_names }, values, stderr, 0, signColours(isDark(el)));
    slot.draw(specs.importance, { rows }, `imp${isDark(el)}`);
  }
  return follow(draw, { theme: true });
}

export default { render };
