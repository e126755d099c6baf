// Feature-elimination view: the score against the number of features kept, the
// recommended count marked, and the recommended features listed.
import { decodeArray } from "../buffers.js";
import { chartSlot } from "../charts.js";
import { h } from "../theme.js";

export function eliminationRows(meta, arrays) {
  const n = decodeArray(arrays.n) || [];
  const s = decodeArray(arrays.score) || [];
  const e = decodeArray(arrays.std) || [];
  const rows = Array.from(n, (k, i) => ({ n: k, score: s[i], lo: s[i] - (e[i] || 0), hi: s[i] + (e[i] || 0) }));
  const pick = [{ n: meta.n_recommended, label: `keep ${meta.n_recommended}` }];
  return { rows, pick };
}

export function render({ model, el }) {
  const box = h("div", "ll-elimination");
  const title = h("div", "ll-title");
  title.style.fontWeight = "600";
  const chart = h("div", "ll-chart");
  const keep = h("div", "ll-keep");
  keep.style.cssText = "font-size:12px;margin-top:4px";
  box.append(title, chart, keep);
  el.append(box);
  const slot = chartSlot(model, chart);

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
  for (const ev of ["change:_arrays", "change:_meta", "change:_specs"]) model.on(ev, draw);
  draw();
  return () => {
    for (const ev of ["change:_arrays", "change:_meta", "change:_specs"]) model.off(ev, draw);
    slot.destroy();
    box.remove();
  };
}

export default { render };
