// Dependence view: partial dependence (thick) over ICE curves (thin, one per row), or a
// heat map of the average over two features. The Vega-Lite specs come from Python
// (altair); the rows are built here from binary buffers, and redrawn as more grid points
// stream in (points not computed yet are NaN and left out).
import { decodeArray, row } from "../buffers.js";
import { chartPanel } from "../charts.js";

/** `{ice, avg}` rows for the one-feature chart. */
export function curveRows(meta, arrays) {
  const grid = decodeArray(arrays.grid0) || [];
  const xs = meta.categorical ? (meta.grid_labels?.[0] ?? []) : Array.from(grid);
  const avg = [];
  const mean = decodeArray(arrays.average) || [];
  mean.forEach((y, j) => {
    if (Number.isFinite(y)) avg.push({ x: xs[j], y });
  });
  const ice = [];
  const n = arrays.ice?.shape?.[0] ?? 0;
  for (let r = 0; r < n; r++) {
    const curve = row(arrays.ice, r);
    curve.forEach((y, j) => {
      if (Number.isFinite(y)) ice.push({ row: r, x: xs[j], y });
    });
  }
  return { ice, avg };
}

/** Heat-map cells for two features; a categorical axis by its labels. */
export function cellRows(arrays, meta = {}) {
  const a = decodeArray(arrays.grid0) || [];
  const b = decodeArray(arrays.grid1) || [];
  const v = decodeArray(arrays.average) || [];
  const [la, lb] = meta.grid_labels || [];
  const cells = [];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const value = v[i * b.length + j];
      if (Number.isFinite(value)) cells.push({ x: la ? la[i] : a[i], y: lb ? lb[j] : b[j], value });
    }
  }
  return cells;
}

export function render({ model, el }) {
  const { title, note, slot, follow } = chartPanel(model, el, "ll-dependence");

  function draw() {
    const meta = model.get("_meta") || {};
    const arrays = model.get("_arrays") || {};
    const specs = model.get("_specs") || {};
    if (!arrays.average) return;
    const feats = meta.features || [];
    title.textContent = `partial dependence of ${meta.output} on ${feats.join(" × ")}${meta.centered ? " (centred ICE)" : ""}`;
    const parts = [`${meta.n_rows} rows`];
    if (meta.n_ice) parts.push(`${meta.n_ice} ICE curves drawn`);
    if (!meta.done) parts.push("computing…");
    note.textContent = parts.join(" · ");
    if (feats.length === 2 && specs.dependence2d) {
      slot.draw(specs.dependence2d, { cells: cellRows(arrays, meta) }, "2d");
    } else if (specs.dependence) {
      slot.draw(specs.dependence, curveRows(meta, arrays), "1d");
    }
  }
  return follow(draw);
}

export default { render };
