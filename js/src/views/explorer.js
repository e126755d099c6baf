// Explorer view: a whole data set (filters, a canvas scatter, a virtualised sortable table),
// the selected row's explanation in a panel (the tabular/text/image view, fed by the same
// model with `_view` read as `_panel`), and global views (importance bars, a beeswarm).
// Every name reaches the page through textContent.
import { decodeArray } from "../buffers.js";
import { mountSnapshot } from "../snapshot.js";
import { NEG, POS } from "../colors.js";
import { h, isDark } from "../theme.js";
import { extent, filterIndices, nearestPoint, rgb, sortRows, visibleRange } from "./explorer_core.js";
import { mountGlobal } from "./explorer_global.js";
import { mountGrid } from "./explorer_grid.js";
import * as image from "./image.js";
import * as importance from "./importance.js";
import * as tabular from "./tabular.js";
import { fmt } from "./tabular.js";
import * as text from "./text.js";

export { filterIndices, nearestPoint, sortRows, visibleRange };

const PANELS = { tabular, importance, text, image };
const ROW_H = 22;
const TABLE_H = 300;
const CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const CSS = `
.ll-ex-bar{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:4px 0;font-size:12px}
.ll-ex-bar input[type=number]{width:70px;font:inherit}
.ll-ex-top{display:flex;gap:8px;align-items:flex-start}
.ll-ex-scatter{flex:0 0 auto;border:1px solid var(--jp-border-color2,#ddd);cursor:crosshair}
.ll-ex-table{flex:1 1 auto;min-width:0;height:${TABLE_H}px;overflow:auto;position:relative;border:1px solid var(--jp-border-color2,#ddd);outline:none}
.ll-ex-head{position:sticky;top:0;z-index:2;display:flex;background:var(--jp-layout-color1,#fff);border-bottom:1px solid var(--jp-border-color2,#ddd);font-weight:600}
.ll-ex-row{position:absolute;left:0;display:flex;height:${ROW_H}px;line-height:${ROW_H}px;cursor:pointer;white-space:nowrap}
.ll-ex-row:hover{background:var(--jp-layout-color2,#f2f2f2)}
.ll-ex-row.ll-sel{background:var(--jp-brand-color3,#bbdefb)}
.ll-ex-cell{flex:0 0 84px;overflow:hidden;text-overflow:ellipsis;padding:0 4px;text-align:right}
.ll-ex-head .ll-ex-cell{cursor:pointer;text-align:center;line-height:${ROW_H}px}
.ll-ex-panel{margin-top:8px;border-top:1px solid var(--jp-border-color2,#ddd);padding-top:4px}
.ll-ex-title{font-weight:600;margin:4px 0}
.ll-ex-global{display:flex;gap:12px;flex-wrap:wrap;margin-top:8px}
.ll-ex-imp{display:grid;grid-template-columns:auto 160px auto;gap:2px 6px;font-size:12px;align-items:center}
.ll-ex-impbar{height:10px;background:var(--jp-brand-color1,#1976d2)}
.ll-ex-swarm{cursor:pointer}
.ll-ex-key{font-weight:normal;opacity:.75}
`;

/** Typed arrays and metadata of the data set, decoded from the model. */
function readData(model) {
  const meta = model.get("_data_meta") || {};
  const arrays = model.get("_data_arrays") || {};
  const n = meta.n || 0;
  return {
    meta,
    n,
    classifier: meta.kind === "classifier",
    table: decodeArray(arrays.table) || new Float32Array(0),
    ncols: (meta.columns || []).length,
    xy: decodeArray(arrays.xy) || new Float32Array(0),
    pred: decodeArray(arrays.pred) || new Float32Array(n),
    score: decodeArray(arrays.score) || new Float32Array(n),
    label: decodeArray(arrays.label) || new Float32Array(n),
    error: decodeArray(arrays.error) || new Float32Array(n),
    thumbs: decodeArray(arrays.thumbs),
    thumbShape: arrays.thumbs?.shape,
  };
}

/** Table columns: index, prediction, label, error (with labels), then the features. */
function tableColumns(data) {
  const { meta, classifier, table, ncols } = data;
  const outs = meta.output_names || [];
  const named = (v) => (classifier ? (outs[v] ?? "") : fmt(v));
  const cols = [
    { name: "#", key: (i) => i, show: (i) => String(i) },
    { name: "prediction", key: (i) => data.pred[i], show: (i) => named(data.pred[i]) },
  ];
  if (meta.has_label) {
    cols.push({ name: "label", key: (i) => data.label[i], show: (i) => (Number.isNaN(data.label[i]) ? "?" : named(data.label[i])) });
    cols.push({ name: classifier ? "wrong" : "|error|", key: (i) => data.error[i], show: (i) => (classifier ? (data.error[i] > 0 ? "✗" : "") : fmt(data.error[i])) });
  }
  if (data.thumbs) {
    const [, side, , c] = data.thumbShape;
    cols.push({ name: "image", width: 48, key: (i) => i, show: () => "", node: (i) => thumbnail(data.thumbs, i, side, c) });
  }
  if (Array.isArray(meta.texts)) {
    const texts = meta.texts;
    cols.push({ name: "text", width: 420, left: true, key: (i) => texts[i]?.length ?? 0, show: (i) => texts[i] ?? "" });
  }
  (meta.columns || []).forEach((name, j) => {
    const cats = meta.categories?.[name];
    cols.push({
      name,
      key: (i) => table[i * ncols + j],
      show: (i) => (cats ? (cats[table[i * ncols + j]] ?? "") : fmt(table[i * ncols + j])),
    });
  });
  return cols;
}

/** A CSS colour ("#rrggbb" or "rgba(r,g,b,a)") as one little-endian RGBA pixel. */
export function packColour(css) {
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 1;
  if (css.startsWith("#")) {
    r = Number.parseInt(css.slice(1, 3), 16);
    g = Number.parseInt(css.slice(3, 5), 16);
    b = Number.parseInt(css.slice(5, 7), 16);
  } else {
    const m = css.match(/[\d.]+/g) || [];
    [r, g, b] = m.slice(0, 3).map(Number);
    if (m.length > 3) a = Number(m[3]);
  }
  return ((Math.round(a * 255) << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Image `i` of an (n, side, side, c) uint8 stack as a small canvas. */
export function thumbnail(thumbs, i, side, c) {
  const canvas = document.createElement("canvas");
  canvas.width = side;
  canvas.height = side;
  canvas.style.cssText = "width:20px;height:20px;image-rendering:pixelated;vertical-align:middle";
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  const base = i * side * side * c;
  for (let p = 0; p < side * side; p++) {
    const v = base + p * c;
    img.data[4 * p] = thumbs[v];
    img.data[4 * p + 1] = thumbs[c === 3 ? v + 1 : v];
    img.data[4 * p + 2] = thumbs[c === 3 ? v + 2 : v];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}


/** A colour per row: its class, its error, or its score on a blue→red ramp. */
function pointColour(data, by) {
  const ramp = (t) => {
    const u = Math.max(0, Math.min(1, t));
    return rgb(NEG.map((v, c) => Math.round(v + (POS[c] - v) * u)), 0.75);
  };
  if (by === "error" && data.meta.has_label) {
    if (data.classifier) return (i) => (data.error[i] > 0 ? "rgba(214,39,40,0.9)" : "rgba(127,127,127,0.35)");
    const [lo, hi] = extent(data.error);
    return (i) => ramp((data.error[i] - lo) / (hi - lo));
  }
  if (data.classifier) return (i) => CLASS_COLOURS[data.pred[i] % CLASS_COLOURS.length];
  const [lo, hi] = extent(data.score);
  return (i) => ramp((data.score[i] - lo) / (hi - lo));
}

export function render({ model, el }) {
  const root = h("div", "ll-explorer");
  root.tabIndex = 0;
  const style = h("style");
  style.textContent = CSS;
  const bar = h("div", "ll-ex-bar");
  const top = h("div", "ll-ex-top");
  const canvas = h("canvas", "ll-ex-scatter");
  const tableBox = h("div", "ll-ex-table");
  const head = h("div", "ll-ex-head");
  const spacer = h("div");
  tableBox.append(head, spacer);
  top.append(canvas, tableBox);
  const panelTitle = h("div", "ll-ex-title", "click a point or a row to explain it");
  const panelBody = h("div");
  const panel = h("div", "ll-ex-panel");
  panel.append(panelTitle, panelBody);
  const global = h("div", "ll-ex-global");
  const gridSlot = h("div");
  root.append(style, bar, top, gridSlot, panel, global);
  el.append(root);

  let data = readData(model);
  let cols = tableColumns(data);
  let rows = new Uint32Array(0); // filtered, sorted
  let sortCol = 0;
  let sortDir = 1;
  let colourBy = "prediction";
  const sx = { x: new Float32Array(0), y: new Float32Array(0) };
  const W = 340;
  const H = TABLE_H;

  // -- filters --------------------------------------------------------------------------------
  const count = h("span");
  function filterBar() {
    bar.replaceChildren();
    const f = { ...(model.get("filters") || {}) };
    const save = (patch) => {
      model.set("filters", { ...f, ...patch });
      model.save_changes();
    };
    if (data.meta.has_label && data.classifier) {
      const lab = h("label");
      const box = h("input");
      box.type = "checkbox";
      box.className = "ll-ex-mis";
      box.checked = Boolean(f.misclassified);
      box.addEventListener("change", () => save({ misclassified: box.checked }));
      lab.append(box, document.createTextNode(" misclassified only"));
      bar.append(lab);
    }
    if (data.classifier) {
      const sel = h("select", "ll-ex-class");
      sel.append(new Option("every predicted class", ""));
      for (const [k, name] of (data.meta.output_names || []).entries()) {
        sel.append(new Option(`predicted ${name}`, String(k)));
      }
      sel.value = Array.isArray(f.classes) && f.classes.length === 1 ? String(f.classes[0]) : "";
      sel.addEventListener("change", () => save({ classes: sel.value === "" ? null : [Number(sel.value)] }));
      bar.append(sel);
    }
    const range = Array.isArray(f.prediction) ? f.prediction : [null, null];
    const inputs = [0, 1].map((k) => {
      const inp = h("input");
      inp.type = "number";
      inp.step = "any";
      inp.className = `ll-ex-range${k}`;
      inp.value = range[k] === null || range[k] === undefined ? "" : String(range[k]);
      return inp;
    });
    const onRange = () => {
      const v = inputs.map((i) => (i.value === "" ? null : Number(i.value)));
      save({ prediction: v[0] === null && v[1] === null ? null : v });
    };
    for (const i of inputs) i.addEventListener("change", onRange);
    bar.append(h("span", "", data.classifier ? "top probability" : "prediction"), inputs[0], h("span", "", "to"), inputs[1]);
    const by = h("select", "ll-ex-colour");
    by.append(new Option("colour by prediction", "prediction"));
    if (data.meta.has_label) by.append(new Option("colour by error", "error"));
    by.value = colourBy;
    by.addEventListener("change", () => {
      colourBy = by.value;
      drawScatter();
    });
    bar.append(by, count);
  }

  // -- table ----------------------------------------------------------------------------------
  function drawHead() {
    head.replaceChildren(
      ...cols.map((c, k) => {
        const head = cell(c, c.name + (k === sortCol ? (sortDir > 0 ? " ▲" : " ▼") : ""));
        head.title = c.name;
        head.addEventListener("click", () => {
          sortDir = k === sortCol ? -sortDir : 1;
          sortCol = k;
          refilter();
        });
        return head;
      }),
    );
    head.style.width = `${tableWidth()}px`;
  }
  const tableWidth = () => cols.reduce((w, c) => w + (c.width || 84), 0);
  function cell(c, content) {
    const div = h("div", "ll-ex-cell", content);
    if (c.width) div.style.flexBasis = `${c.width}px`;
    if (c.left) div.style.textAlign = "left";
    return div;
  }
  let drawn = { start: -1, end: -1, sel: null };
  function drawRows(force = false) {
    const { start, end } = visibleRange(tableBox.scrollTop, ROW_H, TABLE_H - ROW_H, rows.length);
    const sel = model.get("selected");
    if (!force && start === drawn.start && end === drawn.end && sel === drawn.sel) return;
    drawn = { start, end, sel };
    for (const old of tableBox.querySelectorAll(".ll-ex-row")) old.remove();
    const frag = document.createDocumentFragment();
    for (let r = start; r < end; r++) {
      const i = rows[r];
      const div = h("div", `ll-ex-row${i === sel ? " ll-sel" : ""}`);
      div.style.top = `${ROW_H + r * ROW_H}px`;
      div.dataset.index = String(i);
      for (const c of cols) {
        const d = cell(c, c.show(i));
        if (c.node) d.append(c.node(i));
        div.append(d);
      }
      frag.append(div);
    }
    tableBox.append(frag);
  }
  tableBox.addEventListener("scroll", () => drawRows());
  tableBox.addEventListener("click", (ev) => {
    const target = ev.target.closest?.(".ll-ex-row");
    if (target) select(Number(target.dataset.index));
  });

  function refilter() {
    const all = filterIndices(data, model.get("filters"));
    const c = cols[sortCol] || cols[0];
    rows = sortCol === 0 && sortDir === 1 ? all : sortRows(all, c.key, sortDir);
    count.textContent = `${rows.length.toLocaleString("en-US")} of ${data.n.toLocaleString("en-US")} rows`;
    spacer.style.height = `${ROW_H + rows.length * ROW_H}px`;
    spacer.style.width = `${tableWidth()}px`;
    drawHead();
    drawRows(true);
    drawScatter();
    grid.draw();
  }

  // -- scatter --------------------------------------------------------------------------------
  const dpr = window.devicePixelRatio || 1;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  function drawScatter() {
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const n = data.n;
    if (!n || data.xy.length < 2 * n) return;
    const [x0, x1] = extent(data.xy, 2, 0);
    const [y0, y1] = extent(data.xy, 2, 1);
    const pad = 8;
    if (sx.x.length !== n) {
      sx.x = new Float32Array(n);
      sx.y = new Float32Array(n);
    }
    for (let i = 0; i < n; i++) {
      sx.x[i] = pad + ((data.xy[2 * i] - x0) / (x1 - x0)) * (W - 2 * pad);
      sx.y[i] = H - pad - ((data.xy[2 * i + 1] - y0) / (y1 - y0)) * (H - 2 * pad);
    }
    // points go straight into pixels: 100,000 fillRect calls cost far more than this loop
    const colour = pointColour(data, colourBy);
    const img = ctx.createImageData(canvas.width, canvas.height);
    const px = new Uint32Array(img.data.buffer);
    const size = Math.max(1, Math.round((n > 20000 ? 2 : n > 2000 ? 3 : 5) * dpr));
    const packed = new Map();
    const cw = canvas.width;
    const ch = canvas.height;
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      const c = colour(i);
      let v = packed.get(c);
      if (v === undefined) {
        v = packColour(c);
        packed.set(c, v);
      }
      const x0p = Math.round(sx.x[i] * dpr - size / 2);
      const y0p = Math.round(sx.y[i] * dpr - size / 2);
      for (let dy = 0; dy < size; dy++) {
        const yy = y0p + dy;
        if (yy < 0 || yy >= ch) continue;
        const base = yy * cw;
        for (let dx = 0; dx < size; dx++) {
          const xx = x0p + dx;
          if (xx >= 0 && xx < cw) px[base + xx] = v;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    const sel = model.get("selected");
    if (sel !== null && sel !== undefined && sel < n) {
      ctx.strokeStyle = isDark(el) ? "#fff" : "#000";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx.x[sel], sx.y[sel], 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.fillStyle = isDark(el) ? "#ccc" : "#555";
    ctx.font = "11px system-ui";
    const axes = data.meta.axes || ["", ""];
    ctx.fillText(`${axes[0]} →`, pad, H - 1);
    ctx.save();
    ctx.translate(10, H - pad - 30);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`${axes[1]} →`, 0, 0);
    ctx.restore();
  }
  canvas.addEventListener("click", (ev) => {
    const box = canvas.getBoundingClientRect();
    const px = ((ev.clientX - box.left) * W) / box.width;
    const py = ((ev.clientY - box.top) * H) / box.height;
    const i = nearestPoint(sx.x, sx.y, rows, px, py, 20);
    if (i >= 0) select(i);
  });

  // -- selection ------------------------------------------------------------------------------
  function select(i) {
    if (i === model.get("selected")) return;
    model.set("selected", i);
    model.save_changes();
  }
  function onSelected() {
    const sel = model.get("selected");
    panelTitle.textContent = sel === null || sel === undefined ? "click a point or a row to explain it" : `row ${sel}`;
    const r = rows.indexOf(sel);
    if (r >= 0) {
      const y = r * ROW_H;
      if (y < tableBox.scrollTop || y > tableBox.scrollTop + TABLE_H - 2 * ROW_H) tableBox.scrollTop = Math.max(0, y - TABLE_H / 2);
    }
    drawRows(true);
    drawScatter();
    drawSwarm();
    grid.draw();
  }
  root.addEventListener("keydown", (ev) => {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[ev.key];
    if (!step || !rows.length || ev.target?.tagName === "INPUT" || ev.target?.tagName === "SELECT") return;
    ev.preventDefault();
    const r = rows.indexOf(model.get("selected"));
    const next = r < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, r + step));
    select(rows[next]);
  });

  // -- the panel: the explanation view, reading `_panel` as its `_view` -------------------------
  const panelModel = {
    get: (k) => (k === "_view" ? model.get("_panel") : model.get(k)),
    set: (k, v) => model.set(k, v),
    on: (ev, f) => model.on(ev === "change:_view" ? "change:_panel" : ev, f),
    off: (ev, f) => model.off(ev === "change:_view" ? "change:_panel" : ev, f),
    save_changes: () => model.save_changes(),
    send: (m) => model.send(m),
  };
  // the Snapshot control exports the selected row's explanation, chart kind as on screen
  const panelSnapshot = h("div");
  panelTitle.after(panelSnapshot);
  const offSnapshot = mountSnapshot(panelModel, panelSnapshot, {
    options: () => {
      const kind = panelBody.querySelector("select.ll-kind")?.value;
      return kind ? { kind } : {};
    },
  });
  let panelCleanup = null;
  let panelShown = null;
  function drawPanel() {
    const name = model.get("_panel");
    if (name === panelShown) return;
    panelCleanup?.();
    panelCleanup = null;
    panelBody.replaceChildren();
    panelShown = name;
    const view = PANELS[name];
    if (!view) return;
    try {
      panelCleanup = view.render({ model: panelModel, el: panelBody }) || null;
    } catch (err) {
      panelBody.append(h("div", "ll-error", `the ${name} view failed: ${err?.message || err}`));
    }
  }

  // -- global views (importance bars, beeswarm) ------------------------------------------------
  const globals = mountGlobal({ model, el, parent: global, getData: () => data, select });
  const grid = mountGrid({ model, el, parent: gridSlot, getData: () => data, getRows: () => rows, select });
  const { drawGlobal, drawSwarm, drawImportance, swarmSoon } = globals;

  // -- wiring ---------------------------------------------------------------------------------
  function onData() {
    data = readData(model);
    cols = tableColumns(data);
    filterBar();
    refilter();
    drawSwarm();
  }
  const handlers = [
    ["change:_data_arrays", onData],
    ["change:_data_meta", onData],
    ["change:filters", () => {
      filterBar();
      refilter();
    }],
    ["change:selected", onSelected],
    ["change:_panel", drawPanel],
    ["change:_global_arrays", drawGlobal],
    ["change:_global_meta", drawGlobal],
    ["change:output_index", drawSwarm],
    ["change:_arrays", swarmSoon],
  ];
  for (const [ev, f] of handlers) model.on(ev, f);
  onData();
  drawPanel();
  drawImportance();
  onSelected();
  return () => {
    globals.cleanup();
    grid.cleanup();
    for (const [ev, f] of handlers) model.off(ev, f);
    panelCleanup?.();
    offSnapshot();
    root.remove();
  };
}

export default { render };
