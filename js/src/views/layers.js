// Layers view: a table of layers (type, parameters, activation mean / std / zeros / dead
// units) and, for the selected one, its detail: weight and gradient histograms, the
// first conv filters, and the activation maps of its channels upsampled onto the input
// picture. The detail panel is shared with the structure view. Two-way `selected`.
// User text goes in with textContent.
import { decodeArray } from "../buffers.js";
import { h, isDark, onThemeChange } from "../theme.js";
import { lut } from "./image.js";

export const CSS = `
.ll-layers{display:flex;gap:14px;flex-wrap:wrap;align-items:flex-start}
.ll-layers-table{border-collapse:collapse;font-size:12px;max-height:520px;overflow:auto;display:block}
.ll-layers-table th,.ll-layers-table td{padding:2px 8px;text-align:right;border-bottom:1px solid var(--jp-border-color2,#eee);white-space:nowrap}
.ll-layers-table th:first-child,.ll-layers-table td:first-child,.ll-layers-table td:nth-child(2){text-align:left}
.ll-layers-table tbody tr{cursor:pointer}
.ll-layers-table tr.ll-selected{background:var(--jp-brand-color3,#bbdefb);color:#000}
.ll-dead{color:var(--jp-error-color1,#d32f2f);font-weight:600}
.ll-detail{min-width:320px;flex:1;font-size:12px}
.ll-detail h4{margin:4px 0;font-size:13px}
.ll-detail-section{margin:6px 0 10px}
.ll-detail-label{font-weight:600;margin:0 0 2px}
.ll-detail canvas{display:block;image-rendering:pixelated;max-width:100%}
.ll-tiles{display:flex;flex-wrap:wrap;gap:4px}
.ll-tiles figure{margin:0;text-align:center;font-size:10px}
`;

/** Bars of a histogram: [{x, y, w, hgt}] in canvas pixels for counts over `width`. */
export function histogramBars(counts, width, height) {
  let top = 0;
  for (const c of counts) top = Math.max(top, c);
  const bw = width / Math.max(counts.length, 1);
  return Array.from(counts, (c, i) => {
    const hgt = top > 0 ? (c / top) * height : 0;
    return { x: i * bw, y: height - hgt, w: Math.max(bw - 1, 1), hgt };
  });
}

function fmt(v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return "";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

function histogramCanvas(entry, edgesEntry, colour, dark) {
  const counts = decodeArray(entry);
  const edges = decodeArray(edgesEntry);
  const W = 300;
  const H = 80;
  const c = h("canvas", "ll-hist");
  c.width = W;
  c.height = H + 14;
  const ctx = c.getContext("2d");
  ctx.fillStyle = colour;
  for (const b of histogramBars(counts, W, H)) ctx.fillRect(b.x, b.y, b.w, b.hgt);
  ctx.fillStyle = dark ? "#ddd" : "#333";
  ctx.font = "10px system-ui,sans-serif";
  ctx.textBaseline = "top";
  ctx.fillText(fmt(edges[0]), 0, H + 2);
  ctx.textAlign = "right";
  ctx.fillText(fmt(edges[edges.length - 1]), W, H + 2);
  let total = 0;
  for (const v of counts) total += v;
  c.dataset.total = String(total);
  return c;
}

/** RGBA of a (c, kh, kw) filter: RGB when c = 3, else grey; scaled symmetric around 0. */
export function filterPixels(values, channels, kh, kw, scale) {
  const out = new Uint8ClampedArray(kh * kw * 4);
  const s = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < kh * kw; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = values[(channels === 3 ? ch : 0) * kh * kw + i];
      out[i * 4 + ch] = Math.round(127.5 + 127.5 * Math.max(-1, Math.min(1, v * s)));
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}

function tile(pixels, w, hgt, zoom, caption) {
  const fig = h("figure");
  const c = h("canvas");
  c.width = w;
  c.height = hgt;
  c.style.width = `${w * zoom}px`;
  c.style.height = `${hgt * zoom}px`;
  c.getContext("2d").putImageData(new ImageData(pixels, w, hgt), 0, 0);
  fig.append(c, h("figcaption", null, caption));
  return fig;
}

function filterGrid(entry) {
  const [k, ch, kh, kw] = entry.shape;
  const all = decodeArray(entry);
  let scale = 0;
  for (const v of all) scale = Math.max(scale, Math.abs(v));
  const box = h("div", "ll-tiles ll-filters");
  const zoom = Math.max(4, Math.floor(40 / Math.max(kh, kw)));
  for (let i = 0; i < k; i++) {
    const vals = all.subarray(i * ch * kh * kw, (i + 1) * ch * kh * kw);
    box.append(tile(filterPixels(vals, ch, kh, kw, scale), kw, kh, zoom, String(i)));
  }
  return box;
}

/** One channel's map (hm, wm) coloured (magma, alpha by value) over the picture,
 * upsampled to the picture's size (nearest), as RGBA pixels. */
export function overlayPixels(map, hm, wm, image, hi, wi, table) {
  let lo = Number.POSITIVE_INFINITY;
  let top = Number.NEGATIVE_INFINITY;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > top) top = v;
  }
  const span = top > lo ? top - lo : 1;
  const out = new Uint8ClampedArray(hi * wi * 4);
  for (let y = 0; y < hi; y++) {
    const my = Math.min(hm - 1, Math.floor((y * hm) / hi));
    for (let x = 0; x < wi; x++) {
      const mx = Math.min(wm - 1, Math.floor((x * wm) / wi));
      const t = (map[my * wm + mx] - lo) / span;
      const idx = Math.round(t * 255) * 3;
      const o = (y * wi + x) * 4;
      const a = image ? 0.35 + 0.65 * t : 1;
      for (let c = 0; c < 3; c++) {
        const base = image ? image[(y * wi + x) * 3 + c] * 0.6 : 0;
        out[o + c] = Math.round(base * (1 - a) + table[idx + c] * a);
      }
      out[o + 3] = 255;
    }
  }
  return out;
}

function mapGrid(entry, imageEntry) {
  const [c, hm, wm] = entry.shape;
  const all = decodeArray(entry);
  const image = imageEntry ? decodeArray(imageEntry) : null;
  const [hi, wi] = imageEntry ? imageEntry.shape : [hm, wm];
  const table = lut("magma");
  const box = h("div", "ll-tiles ll-maps");
  const zoom = Math.max(1, Math.floor(96 / Math.max(hi, wi)));
  for (let i = 0; i < c; i++) {
    const m = all.subarray(i * hm * wm, (i + 1) * hm * wm);
    box.append(tile(overlayPixels(m, hm, wm, image, hi, wi, table), wi, hi, zoom, `ch ${i}`));
  }
  return box;
}

function section(label, node) {
  const s = h("div", "ll-detail-section");
  s.append(h("div", "ll-detail-label", label), node);
  return s;
}

/** Fill `box` with the detail of one layer: `meta` from `_detail`, `arrays` `_arrays`. */
export function renderDetail(box, meta, arrays, dark) {
  box.replaceChildren();
  if (!meta?.name) {
    box.append(h("div", "ll-empty", "select a layer to see its weights and activations"));
    return;
  }
  const head = meta.params !== undefined ? ` · ${meta.params.toLocaleString("en-US")} parameters` : "";
  box.append(h("h4", null, `${meta.name} (${meta.type})${head}`));
  if (meta.stats) {
    const s = meta.stats;
    const line = `activation mean ${fmt(s.mean)} · std ${fmt(s.std)} · zeros ${(100 * s.fraction_zero).toFixed(1)}% · dead units ${(100 * s.dead_fraction).toFixed(1)}%`;
    box.append(h("div", "ll-detail-stats", line));
  }
  const blue = dark ? "#6baed6" : "#1f77b4";
  const orange = dark ? "#fdae6b" : "#e6550d";
  if (arrays.hist) box.append(section("weights", histogramCanvas(arrays.hist, arrays.hist_edges, blue, dark)));
  if (arrays.grad) box.append(section("gradients", histogramCanvas(arrays.grad, arrays.grad_edges, orange, dark)));
  if (arrays.filters) box.append(section(`first ${arrays.filters.shape[0]} filters`, filterGrid(arrays.filters)));
  if (arrays.maps) {
    const label = `activation maps (${arrays.maps.shape[0]} of ${meta.channels} channels)`;
    box.append(section(label, mapGrid(arrays.maps, arrays.image)));
  }
}

const COLUMNS = [
  ["name", "layer"],
  ["type", "type"],
  ["params", "parameters"],
  ["mean", "mean"],
  ["std", "std"],
  ["fraction_zero", "zeros"],
  ["dead_fraction", "dead"],
];

export function render({ model, el }) {
  const meta = model.get("_meta") || {};
  const root = h("div", "ll-layers");
  const style = h("style");
  style.textContent = CSS;
  const table = h("table", "ll-layers-table");
  const thead = h("thead");
  const hr = h("tr");
  for (const [, label] of COLUMNS) hr.append(h("th", null, label));
  thead.append(hr);
  const tbody = h("tbody");
  const rows = new Map();
  for (const layer of meta.layers || []) {
    const tr = h("tr");
    tr.dataset.name = layer.name;
    for (const [key] of COLUMNS) {
      let v = layer[key];
      if (key === "params") v = v === null || v === undefined ? "" : v.toLocaleString("en-US");
      else if (key === "fraction_zero" || key === "dead_fraction") v = v === undefined ? "" : `${(100 * v).toFixed(1)}%`;
      else if (key === "mean" || key === "std") v = fmt(v);
      const td = h("td", null, v ?? "");
      if (key === "dead_fraction" && layer.dead_fraction > 0) td.className = "ll-dead";
      tr.append(td);
    }
    tr.addEventListener("click", () => {
      model.set("selected", layer.name);
      model.save_changes();
    });
    rows.set(layer.name, tr);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const detailBox = h("div", "ll-detail");
  root.append(style, table, detailBox);
  el.append(root);
  const update = () => {
    const sel = model.get("selected");
    for (const [name, tr] of rows) tr.classList.toggle("ll-selected", name === sel);
    renderDetail(detailBox, model.get("_detail"), model.get("_arrays") || {}, isDark(el));
  };
  model.on("change:_detail", update);
  model.on("change:_arrays", update);
  model.on("change:selected", update);
  const offTheme = onThemeChange(el, update);
  update();
  return () => {
    model.off("change:_detail", update);
    model.off("change:_arrays", update);
    model.off("change:selected", update);
    offTheme();
    root.remove();
  };
}
