// The explorer's table: columns for the index, prediction, label, error, an image or text
// column, then the features; virtualised (only the visible rows are in the DOM) and sorted
// by a header click. Every name reaches the page through textContent.
import { h } from "../theme.js";
import { visibleRange } from "./explorer_core.js";
import { fmt } from "./tabular.js";

export const ROW_H = 22;
export const TABLE_H = 300;

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

/** Table columns: index, prediction, label, error (with labels), then the features. */
export function tableColumns(data) {
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

/**
 * The table inside `box`. `state` holds `cols`, `rows` (filtered, sorted), `sortCol` and
 * `sortDir`; `onSort()` refilters after a header click, `select(i)` picks a row.
 */
export function mountTable({ model, box, state, onSort, select }) {
  const head = h("div", "ll-ex-head");
  const spacer = h("div");
  box.append(head, spacer);
  const width = () => state.cols.reduce((w, c) => w + (c.width || 84), 0);
  const cell = (c, content) => {
    const div = h("div", "ll-ex-cell", content);
    if (c.width) div.style.flexBasis = `${c.width}px`;
    if (c.left) div.style.textAlign = "left";
    return div;
  };
  function drawHead() {
    head.replaceChildren(
      ...state.cols.map((c, k) => {
        const th = cell(c, c.name + (k === state.sortCol ? (state.sortDir > 0 ? " ▲" : " ▼") : ""));
        th.title = c.name;
        th.addEventListener("click", () => {
          state.sortDir = k === state.sortCol ? -state.sortDir : 1;
          state.sortCol = k;
          onSort();
        });
        return th;
      }),
    );
    head.style.width = `${width()}px`;
    spacer.style.height = `${ROW_H + state.rows.length * ROW_H}px`;
    spacer.style.width = `${width()}px`;
  }
  let drawn = { start: -1, end: -1, sel: null };
  function drawRows(force = false) {
    const { start, end } = visibleRange(box.scrollTop, ROW_H, TABLE_H - ROW_H, state.rows.length);
    const sel = model.get("selected");
    if (!force && start === drawn.start && end === drawn.end && sel === drawn.sel) return;
    drawn = { start, end, sel };
    for (const old of box.querySelectorAll(".ll-ex-row")) old.remove();
    const frag = document.createDocumentFragment();
    for (let r = start; r < end; r++) {
      const i = state.rows[r];
      const div = h("div", `ll-ex-row${i === sel ? " ll-sel" : ""}`);
      div.style.top = `${ROW_H + r * ROW_H}px`;
      div.dataset.index = String(i);
      for (const c of state.cols) {
        const d = cell(c, c.show(i));
        if (c.node) d.append(c.node(i));
        div.append(d);
      }
      frag.append(div);
    }
    box.append(frag);
  }
  /** Bring the selected row into view. */
  function reveal(sel) {
    const r = state.rows.indexOf(sel);
    if (r < 0) return;
    const y = r * ROW_H;
    if (y < box.scrollTop || y > box.scrollTop + TABLE_H - 2 * ROW_H) box.scrollTop = Math.max(0, y - TABLE_H / 2);
  }
  box.addEventListener("scroll", () => drawRows());
  box.addEventListener("click", (ev) => {
    const target = ev.target.closest?.(".ll-ex-row");
    if (target) select(Number(target.dataset.index));
  });
  return { drawHead, drawRows, reveal };
}
