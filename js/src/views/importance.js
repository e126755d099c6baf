// Global importance (permutation importance): mean drop in score per feature with its
// standard error, filling in one repeat at a time.
import { decodeArray, row } from "../buffers.js";
import { chartSlot } from "../charts.js";
import { signColours } from "../colors.js";
import { h, isDark, onThemeChange } from "../theme.js";
import { barRows, fmt } from "./tabular.js";

export function render({ model, el }) {
  const box = h("div", "ll-importance");
  const title = h("div", "ll-title");
  title.style.cssText = "font-weight:600;margin:4px 0 6px";
  const chart = h("div", "ll-chart");
  const note = h("div", "ll-note");
  note.style.cssText = "opacity:.75;font-size:12px";
  box.append(title, chart, note);
  el.append(box);
  const slot = chartSlot(model, chart);

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
  for (const ev of ["change:_arrays", "change:_meta", "change:_specs"]) model.on(ev, draw);
  const offTheme = onThemeChange(el, draw);
  draw();
  return () => {
    for (const ev of ["change:_arrays", "change:_meta", "change:_specs"]) model.off(ev, draw);
    offTheme();
    slot.destroy();
    box.remove();
  };
}

export default { render };
