// Feature-elimination view: the score against the number of features kept, the
// recommended count marked, and the recommended features listed.
import { decodeArray } from "../buffers.js";
import { chartPanel } from "../charts.js";

export function eliminationRows(meta, arrays) {
  const n = decodeArray(arrays.n) || [];
  const s = decodeArray(arrays.score) || [];
  const e = decodeArray(arrays.std) || [];
  const rows = Array.from(n, (k, i) => ({ n: k, score: s[i], lo: s[i] - (e[i] || 0), hi: s[i] + (e[i] || 0) }));
  const pick = [{ n: meta.n_recommended, label: `keep ${meta.n_recommended}` }];
  return { rows, pick };
}

export function render({ model, el }) {
  const { title, note: keep, slot, follow } = chartPanel(model, el, "ll-elimination");
  keep.className = "ll-keep";
  keep.style.cssText = "font-size:12px;margin-top:4px";

  function draw() {
    const meta = model.get("_meta") || {};
    const arrays = model.get("_arrays") || {};
    const specs = model.get("_specs") || {};
    if (!arrays.score || !specs.elimination) return;
    const how = meta.method === "rfecv" ? "recursive elimination, cross-validated (RFECV)" : "permutation importance, removed columns shuffled";
    title.textContent = `${meta.scoring} against features kept · ${how}`;
    keep.textContent = `recommended (${meta.n_recommended}): ${(meta.recommended || []).join(", ")}`;
    slot.draw(specs.elimination, eliminationRows(meta, arrays), "elim");
  }
  return follow(draw);
}

export default { render };
