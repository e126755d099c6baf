// Explorer view: a whole data set (filters, a canvas scatter, a virtualised sortable table),
// the selected row's explanation in a panel, and global views (importance bars, a
// beeswarm). The panel is a child widget (the explorer's `panel`, an explanation widget
// with its own model) drawn here through anywidget's host, so its progress strip, chart
// and Snapshot control are the explanation widget's own. Every name reaches the page
// through textContent.
import { decodeArray } from "../buffers.js";
import { h } from "../theme.js";
import { mountWidget } from "../widget.js";
import { filterIndices, nearestPoint, sortRows, visibleRange } from "./explorer_core.js";
import { mountGlobal } from "./explorer_global.js";
import { mountGrid } from "./explorer_grid.js";
import { mountScatter, packColour } from "./explorer_scatter.js";
import { mountTable, ROW_H, TABLE_H, tableColumns, thumbnail } from "./explorer_table.js";

export { filterIndices, nearestPoint, packColour, sortRows, thumbnail, visibleRange };

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

/** The filter bar (misclassified, predicted class, prediction range, colouring). */
function mountFilterBar({ model, bar, state, onColour }) {
  const count = h("span");
  function draw() {
    bar.replaceChildren();
    const { data } = state;
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
    by.value = state.colourBy;
    by.addEventListener("change", () => {
      state.colourBy = by.value;
      onColour();
    });
    bar.append(by, count);
  }
  const counted = () => {
    count.textContent = `${state.rows.length.toLocaleString("en-US")} of ${state.data.n.toLocaleString("en-US")} rows`;
  };
  return { draw, counted };
}

/**
 * The panel: the explorer's child explanation widget, drawn into `el`. `panel` is
 * anywidget's reference to it (drawn through `host`), or, on pages without a widget
 * host (tests), the child's model itself. `onModel(child)` gets the child's model.
 */
function mountPanel({ ref, host, el, onModel }) {
  const controller = new AbortController();
  if (ref && typeof ref === "object" && typeof ref.get === "function") {
    onModel(ref);
    const off = mountWidget(ref, el, host);
    return () => off();
  }
  if (typeof ref === "string" && host?.getWidget) {
    host
      .getModel(ref)
      .then((child) => controller.signal.aborted || onModel(child))
      .then(() => host.getWidget(ref))
      .then((w) => controller.signal.aborted || w.render({ el, signal: controller.signal }))
      .catch((err) => el.append(h("div", "ll-error", `the explanation panel failed: ${err?.message || err}`)));
  } else {
    el.append(h("div", "ll-error", "this page cannot draw the explanation panel (it needs anywidget 0.11 or later)"));
  }
  return () => controller.abort();
}

/** The view's elements, in page order. */
function layout(el) {
  const root = h("div", "ll-explorer");
  root.tabIndex = 0;
  const style = h("style");
  style.textContent = CSS;
  const parts = {
    root,
    bar: h("div", "ll-ex-bar"),
    canvas: h("canvas", "ll-ex-scatter"),
    tableBox: h("div", "ll-ex-table"),
    gridSlot: h("div"),
    panelTitle: h("div", "ll-ex-title", "click a point or a row to explain it"),
    panelBody: h("div"),
    global: h("div", "ll-ex-global"),
  };
  const top = h("div", "ll-ex-top");
  top.append(parts.canvas, parts.tableBox);
  const panel = h("div", "ll-ex-panel");
  panel.append(parts.panelTitle, parts.panelBody);
  root.append(style, parts.bar, top, parts.gridSlot, panel, parts.global);
  el.append(root);
  return parts;
}

export function render({ model, el, host }) {
  const parts = layout(el);
  const state = { data: readData(model), cols: [], rows: new Uint32Array(0), sortCol: 0, sortDir: 1, colourBy: "prediction" };
  state.cols = tableColumns(state.data);
  let child = null; // the panel's model, once known
  const select = (i) => {
    if (i === model.get("selected")) return;
    model.set("selected", i);
    model.save_changes();
  };
  const scatter = mountScatter({ model, el, canvas: parts.canvas, H: TABLE_H, state, select });
  const filters = mountFilterBar({ model, bar: parts.bar, state, onColour: () => scatter.draw() });
  const grid = mountGrid({ model, el, parent: parts.gridSlot, getData: () => state.data, getRows: () => state.rows, select });
  const globals = mountGlobal({ model, el, parent: parts.global, getData: () => state.data, getPanel: () => child, select });
  function refilter() {
    const all = filterIndices(state.data, model.get("filters"));
    const c = state.cols[state.sortCol] || state.cols[0];
    state.rows = state.sortCol === 0 && state.sortDir === 1 ? all : sortRows(all, c.key, state.sortDir);
    filters.counted();
    table.drawHead();
    table.drawRows(true);
    scatter.draw();
    grid.draw();
  }
  const table = mountTable({ model, box: parts.tableBox, state, onSort: refilter, select });
  function onSelected() {
    const sel = model.get("selected");
    parts.panelTitle.textContent = sel === null || sel === undefined ? "click a point or a row to explain it" : `row ${sel}`;
    table.reveal(sel);
    table.drawRows(true);
    scatter.draw();
    globals.drawSwarm();
    grid.draw();
  }
  parts.root.addEventListener("keydown", (ev) => {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[ev.key];
    if (!step || !state.rows.length || ev.target?.tagName === "INPUT" || ev.target?.tagName === "SELECT") return;
    ev.preventDefault();
    const r = state.rows.indexOf(model.get("selected"));
    select(state.rows[r < 0 ? 0 : Math.max(0, Math.min(state.rows.length - 1, r + step))]);
  });
  function onData() {
    state.data = readData(model);
    state.cols = tableColumns(state.data);
    filters.draw();
    refilter();
    globals.drawSwarm();
  }
  const childHandlers = [
    ["change:output_index", globals.drawSwarm],
    ["change:_arrays", globals.swarmSoon],
  ];
  const offPanel = mountPanel({
    ref: model.get("panel"),
    host,
    el: parts.panelBody,
    onModel: (m) => {
      child = m;
      for (const [ev, f] of childHandlers) m.on(ev, f);
    },
  });
  const handlers = [
    ["change:_data_arrays", onData],
    ["change:_data_meta", onData],
    ["change:filters", () => {
      filters.draw();
      refilter();
    }],
    ["change:selected", onSelected],
    ["change:_global_arrays", globals.drawGlobal],
    ["change:_global_meta", globals.drawGlobal],
  ];
  for (const [ev, f] of handlers) model.on(ev, f);
  onData();
  globals.drawImportance();
  onSelected();
  return () => {
    globals.cleanup();
    grid.cleanup();
    for (const [ev, f] of handlers) model.off(ev, f);
    for (const [ev, f] of childHandlers) child?.off(ev, f);
    offPanel();
    parts.root.remove();
  };
}

export default { render };
