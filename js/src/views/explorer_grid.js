// The explorer's thumbnail grid for image data sets: every kept row as a small picture in
// table order, drawn on one canvas that only paints the rows scrolled into view. A click
// selects the image under the pointer; the selected one is outlined.
import { h, isDark } from "../theme.js";

const CELL = 28;
const HEIGHT = 196;

/** The grid cell (index into `rows`) under a point, or -1. */
export function gridIndex(x, y, scrollTop, width, count) {
  const perRow = Math.max(1, Math.floor(width / CELL));
  const col = Math.floor(x / CELL);
  const row = Math.floor((y + scrollTop) / CELL);
  if (col < 0 || col >= perRow || row < 0) return -1;
  const k = row * perRow + col;
  return k < count ? k : -1;
}

/** Mount into `parent`; `getData()` gives the data set, `getRows()` the kept rows in order. */
export function mountGrid({ model, el, parent, getData, getRows, select }) {
  const box = h("div", "ll-ex-grid");
  box.style.cssText = `position:relative;height:${HEIGHT}px;overflow:auto;margin-top:6px;border:1px solid var(--jp-border-color2,#ddd)`;
  const spacer = h("div");
  const canvas = h("canvas");
  canvas.style.cssText = "position:absolute;left:0;top:0;cursor:pointer";
  box.append(spacer, canvas);
  parent.append(box);
  const small = document.createElement("canvas");
  const dpr = window.devicePixelRatio || 1;

  function draw() {
    const data = getData();
    if (!data.thumbs) {
      box.style.display = "none";
      return;
    }
    box.style.display = "";
    const rows = getRows();
    const [, side, , c] = data.thumbShape;
    const width = box.clientWidth || 960;
    const perRow = Math.max(1, Math.floor(width / CELL));
    spacer.style.height = `${Math.ceil(rows.length / perRow) * CELL}px`;
    canvas.style.top = `${box.scrollTop}px`;
    canvas.width = width * dpr;
    canvas.height = HEIGHT * dpr;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${HEIGHT}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    small.width = side;
    small.height = side;
    const sctx = small.getContext("2d");
    const img = sctx.createImageData(side, side);
    const first = Math.floor(box.scrollTop / CELL);
    const last = Math.ceil((box.scrollTop + HEIGHT) / CELL);
    const sel = model.get("selected");
    let selAt = null;
    for (let r = first; r < last; r++) {
      for (let col = 0; col < perRow; col++) {
        const k = r * perRow + col;
        if (k >= rows.length) break;
        const i = rows[k];
        const base = i * side * side * c;
        for (let p = 0; p < side * side; p++) {
          const v = base + p * c;
          img.data[4 * p] = data.thumbs[v];
          img.data[4 * p + 1] = data.thumbs[c === 3 ? v + 1 : v];
          img.data[4 * p + 2] = data.thumbs[c === 3 ? v + 2 : v];
          img.data[4 * p + 3] = 255;
        }
        sctx.putImageData(img, 0, 0);
        const x = col * CELL;
        const y = r * CELL - box.scrollTop;
        ctx.drawImage(small, x + 1, y + 1, CELL - 2, CELL - 2);
        if (i === sel) selAt = [x, y];
      }
    }
    if (selAt) {
      ctx.strokeStyle = isDark(el) ? "#fff" : "#d62728";
      ctx.lineWidth = 2;
      ctx.strokeRect(selAt[0] + 1, selAt[1] + 1, CELL - 2, CELL - 2);
    }
  }
  const onScroll = () => draw();
  box.addEventListener("scroll", onScroll);
  canvas.addEventListener("click", (ev) => {
    const r = canvas.getBoundingClientRect();
    const x = ((ev.clientX - r.left) * (canvas.width / dpr)) / r.width;
    const y = ((ev.clientY - r.top) * HEIGHT) / r.height;
    const rows = getRows();
    const k = gridIndex(x, y, box.scrollTop, canvas.width / dpr, rows.length);
    if (k >= 0) select(rows[k]);
  });
  return { draw, cleanup: () => box.removeEventListener("scroll", onScroll) };
}
