// Many rows: the global summary of an attribute_many run, redrawn as chunks arrive.
// Mean |attribution| bars; a beeswarm on a canvas (one row of dots per feature, x the
// attribution, colour the feature's value, spread by local density so 100k+ points
// stay fast); a dependence scatter (a feature's value against its attribution, coloured
// by another feature). Clicking a dot asks Python for that row (`select`) and shows its
// explanation below. Names reach the page as textContent only. The points live in the
// model's store (many_store.js): chunks are appended as they arrive, drawn once a frame.
import { NEG, POS } from "../colors.js";
import { h } from "../theme.js";
import { pointsOf, storeOf } from "./many_store.js";
import { fmt } from "./tabular.js";

export const TOP = 12; // features in the beeswarm
const W = 620;
const ROW_H = 26;
const PAD_L = 150;

/** Feature indices by mean |attribution|, largest first. */
export function order(meanAbs) {
  return Array.from(meanAbs.keys()).sort((a, b) => meanAbs[b] - meanAbs[a]);
}

/** [lo, hi] of finite entries (strided column `j` of an (n, d) array when d given). */
export function range(arr, j = 0, d = 1) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = j; i < arr.length; i += d) {
    const v = arr[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi === lo ? lo + 1 : hi] : [0, 1];
}

const PALETTE = Array.from({ length: 65 }, (_, k) => {
  const t = k / 63;
  return k === 64 ? [150, 150, 150] : NEG.map((n, i) => Math.round(n + (POS[i] - n) * t));
});

/** Blue (low) to red (high) for t in [0, 1]; grey for a missing or non-numeric value. */
export function colour(t) {
  const c = PALETTE[Number.isFinite(t) ? Math.round(Math.min(1, Math.max(0, t)) * 63) : 64];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** About `n` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** An x axis along `y` from the scale `sx` over [lo, hi]: domain line, ticks, labels. */
function xAxis(ctx, sx, lo, hi, y, x0, x1) {
  ctx.beginPath();
  ctx.moveTo(x0, y);
  ctx.lineTo(x1, y);
  for (const t of niceTicks(lo, hi)) {
    ctx.moveTo(sx(t), y);
    ctx.lineTo(sx(t), y + 4);
  }
  ctx.stroke();
  ctx.textAlign = "center";
  for (const t of niceTicks(lo, hi)) ctx.fillText(fmt(t), sx(t), y + 15);
  ctx.textAlign = "left";
}

/** A y axis along `x` from the scale `sy` over [lo, hi]. */
function yAxis(ctx, sy, lo, hi, x, y0, y1) {
  ctx.beginPath();
  ctx.moveTo(x, y0);
  ctx.lineTo(x, y1);
  for (const t of niceTicks(lo, hi, 4)) {
    ctx.moveTo(x - 4, sy(t));
    ctx.lineTo(x, sy(t));
  }
  ctx.stroke();
  ctx.textAlign = "right";
  for (const t of niceTicks(lo, hi, 4)) ctx.fillText(fmt(t), x - 6, sy(t) + 4);
  ctx.textAlign = "left";
}

/** The colour bar of the feature value: blue (low) to red (high), with its name. */
function colourBar(ctx, x, y, label) {
  for (let k = 0; k < 64; k++) {
    ctx.fillStyle = colour(k / 63);
    ctx.fillRect(x + k * 1.5, y, 1.6, 8);
  }
  ctx.fillStyle = "rgb(110,110,110)";
  ctx.fillText("low", x - 24, y + 8);
  ctx.fillText(`high · colour: ${label}`, x + 100, y + 8);
}

/** Vertical offsets in [-1, 1] for a beeswarm row: spread ∝ how many dots share the bin,
 * alternating sides, deterministic (the same picture for the same rows). */
export function swarm(xs, bins = 80) {
  const counts = new Int32Array(bins);
  const seen = new Int32Array(bins);
  const bin = (x) => Math.min(bins - 1, Math.max(0, Math.floor(x * bins)));
  for (const x of xs) counts[bin(x)] += 1;
  const most = Math.max(1, ...counts);
  const out = new Float32Array(xs.length);
  xs.forEach((x, i) => {
    const b = bin(x);
    const k = seen[b]++;
    const spread = counts[b] / most;
    // golden-ratio fractions fill the band evenly whatever the count
    const f = (k * 0.618034) % 1;
    out[i] = (k % 2 ? -1 : 1) * f * spread;
  });
  return out;
}

function canvas(width, height) {
  const c = h("canvas", "ll-many-canvas");
  const ratio = globalThis.devicePixelRatio || 1;
  c.width = Math.round(width * ratio);
  c.height = Math.round(height * ratio);
  c.style.width = `${width}px`;
  c.style.height = `${height}px`;
  const ctx = c.getContext("2d");
  return { c, ctx, ratio };
}

/** Dots written straight into the canvas's pixels (100k+ points in a few ms), then the
 * labels drawn on top with the 2-D context in CSS pixels. */
export function dots(cv, size) {
  const { c, ctx, ratio } = cv;
  const img = ctx.createImageData(c.width, c.height);
  const px = img.data;
  const s = Math.max(1, Math.round(size * ratio));
  return {
    add(x, y, t) {
      const rgb = PALETTE[Number.isFinite(t) ? Math.round(Math.min(1, Math.max(0, t)) * 63) : 64];
      const x0 = Math.round(x * ratio - s / 2);
      const y0 = Math.round(y * ratio - s / 2);
      const r2 = (s / 2) ** 2 + 0.25; // round dots: the pixels whose centre is inside
      const cx = x0 + s / 2 - 0.5;
      const cy = y0 + s / 2 - 0.5;
      for (let yy = Math.max(0, y0); yy < Math.min(c.height, y0 + s); yy++) {
        for (let xx = Math.max(0, x0); xx < Math.min(c.width, x0 + s); xx++) {
          if (s > 2 && (xx - cx) ** 2 + (yy - cy) ** 2 > r2) continue;
          const k = (yy * c.width + xx) * 4;
          px[k] = rgb[0];
          px[k + 1] = rgb[1];
          px[k + 2] = rgb[2];
          px[k + 3] = 255;
        }
      }
    },
    finish() {
      ctx.putImageData(img, 0, 0);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = "rgb(110,110,110)";
      ctx.strokeStyle = "rgba(128,128,128,.6)";
      ctx.font = "12px sans-serif";
      return ctx;
    },
  };
}

/** Per row, the sum of the attributions of the features not in `feats` ("N others"). */
export function othersSum(values, d, n, feats) {
  const shown = new Set(feats);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) if (!shown.has(j)) sum += values[i * d + j];
    out[i] = sum;
  }
  return out;
}

/** Draw the beeswarm (the top features, then "N other features" summed); returns the
 * dots' screen positions for clicks. */
export function drawBeeswarm(state, feats) {
  const { values, data, d, n } = state;
  const others = d - feats.length;
  const lines = feats.length + (others > 0 ? 1 : 0);
  const rest = others > 0 ? othersSum(values, d, n, feats) : null;
  const cv = canvas(W, ROW_H * lines + 52);
  let [lo, hi] = range(values);
  if (rest) [lo, hi] = [Math.min(lo, range(rest)[0]), Math.max(hi, range(rest)[1])];
  const sx = (v) => PAD_L + ((v - lo) / (hi - lo)) * (W - PAD_L - 10);
  const px = new Float32Array(n * lines);
  const py = new Float32Array(n * lines);
  const ink = dots(cv, n > 20000 ? 1.5 : n > 2000 ? 2.5 : n > 300 ? 3.5 : 5);
  const line = (r, value, tint) => {
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = (value(i) - lo) / (hi - lo);
    const dy = swarm(xs);
    for (let i = 0; i < n; i++) {
      const x = sx(value(i));
      const y = r * ROW_H + ROW_H / 2 + dy[i] * (ROW_H / 2 - 2);
      px[r * n + i] = x;
      py[r * n + i] = y;
      ink.add(x, y, tint(i));
    }
  };
  feats.forEach((j, r) => {
    const [dl, dh] = range(data, j, d);
    line(r, (i) => values[i * d + j], (i) => (data[i * d + j] - dl) / (dh - dl));
  });
  if (rest) line(feats.length, (i) => rest[i], () => Number.NaN);
  const ctx = ink.finish();
  ctx.beginPath();
  ctx.moveTo(sx(0), 0);
  ctx.lineTo(sx(0), ROW_H * lines);
  ctx.stroke();
  feats.forEach((j, r) => {
    ctx.fillText(state.names[j].slice(0, 22), 4, r * ROW_H + ROW_H / 2 + 4);
  });
  if (rest) ctx.fillText(`${others} other feature${others > 1 ? "s" : ""}`, 4, feats.length * ROW_H + ROW_H / 2 + 4);
  xAxis(ctx, sx, lo, hi, ROW_H * lines + 2, PAD_L, W - 10);
  ctx.fillText("attribution", 4, ROW_H * lines + 17);
  colourBar(ctx, PAD_L + 30, ROW_H * lines + 34, "feature value");
  const c = cv.c;
  return { el: c, px, py, rowOf: (k) => k % n };
}

/** Draw the dependence scatter of feature `j` (x: its value, y: its attribution), coloured
 * by feature `by`; returns the dots' positions. */
export function drawDependence(state, j, by) {
  const { values, data, d, n } = state;
  const H = 290;
  const cv = canvas(W, H);
  const [xl, xh] = range(data, j, d);
  const [yl, yh] = range(values, j, d);
  const [cl, ch] = range(data, by, d);
  const sx = (v) => 50 + ((v - xl) / (xh - xl)) * (W - 60);
  const sy = (v) => H - 36 - ((v - yl) / (yh - yl)) * (H - 52);
  const px = new Float32Array(n);
  const py = new Float32Array(n);
  const ink = dots(cv, n > 20000 ? 1.5 : n > 2000 ? 2.5 : n > 300 ? 3.5 : 5);
  for (let i = 0; i < n; i++) {
    px[i] = sx(data[i * d + j]);
    py[i] = sy(values[i * d + j]);
    ink.add(px[i], py[i], (data[i * d + by] - cl) / (ch - cl));
  }
  const ctx = ink.finish();
  if (yl < 0 && yh > 0) {
    ctx.beginPath();
    ctx.moveTo(50, sy(0));
    ctx.lineTo(W - 10, sy(0));
    ctx.stroke();
  }
  xAxis(ctx, sx, xl, xh, H - 28, 50, W - 10);
  yAxis(ctx, sy, yl, yh, 50, 10, H - 28);
  ctx.fillText(`${state.names[j]} (value) → its attribution ↑`, 60, 12);
  colourBar(ctx, W - 250, 4, state.names[by].slice(0, 20));
  const c = cv.c;
  return { el: c, px, py, rowOf: (k) => k };
}

/** The index of the dot nearest (x, y) within `radius` px, or -1. */
export function nearest(px, py, x, y, radius = 6) {
  let best = -1;
  let bd = radius * radius;
  for (let k = 0; k < px.length; k++) {
    const dd = (px[k] - x) ** 2 + (py[k] - y) ** 2;
    if (dd <= bd) {
      bd = dd;
      best = k;
    }
  }
  return best;
}

function bars(names, meanAbs, feats) {
  const box = h("div", "ll-many-bars");
  const most = Math.max(1e-300, ...feats.map((j) => meanAbs[j]));
  for (const j of feats) {
    const line = h("div", "ll-many-bar");
    line.append(h("span", "ll-many-name", names[j]));
    const bar = h("span", "ll-many-fill");
    bar.style.width = `${((meanAbs[j] / most) * 300).toFixed(1)}px`;
    line.append(bar, h("span", "ll-many-num", fmt(meanAbs[j])));
    box.append(line);
  }
  return box;
}

function rowPanel(meta, r) {
  const box = h("div", "ll-many-row");
  if (!r || r.row === undefined) return box;
  if (r.error) {
    box.append(h("div", "ll-error", `row ${r.row}: ${r.error}`));
    return box;
  }
  box.append(h("div", "ll-many-title", `row ${r.row}: prediction ${fmt(r.prediction)} (base ${fmt(r.base)})`));
  const idx = order(Float32Array.from(r.values.map(Math.abs))).slice(0, TOP);
  const most = Math.max(1e-300, ...idx.map((j) => Math.abs(r.values[j])));
  for (const j of idx) {
    // diverging bars as in ll.explain: negative to the left of the centre line, positive right
    const line = h("div", "ll-many-bar");
    line.append(h("span", "ll-many-name", `${meta.feature_names[j]} = ${r.data[j] ?? ""}`));
    const track = h("span", "ll-many-track");
    const bar = h("span", "ll-many-fill");
    const half = (Math.abs(r.values[j]) / most) * 150;
    bar.style.width = `${half.toFixed(1)}px`;
    bar.style.marginLeft = r.values[j] < 0 ? `${(150 - half).toFixed(1)}px` : "150px";
    bar.style.background = colour(r.values[j] < 0 ? 0 : 1);
    track.append(bar);
    line.append(track, h("span", "ll-many-num", fmt(r.values[j])));
    box.append(line);
  }
  return box;
}

const CSS = `
.ll-many-bar{display:flex;align-items:center;gap:6px;height:18px}
.ll-many-name{flex:0 0 220px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;text-align:right}
.ll-many-fill{height:12px;background:#7b8794;border-radius:2px}
.ll-many-track{position:relative;flex:0 0 300px;display:flex;border-left:0;background:linear-gradient(to right,transparent 149.5px,rgba(128,128,128,.7) 149.5px,rgba(128,128,128,.7) 150.5px,transparent 150.5px)}
.ll-many-track .ll-many-fill{flex:none}
.ll-many-num{font-variant-numeric:tabular-nums;opacity:.8}
.ll-many h4{margin:10px 0 4px;font-size:13px}
.ll-many-controls{display:flex;gap:10px;align-items:center;margin:4px 0}
.ll-many-canvas{cursor:crosshair;display:block}
.ll-many-title{font-weight:600;margin:4px 0}
`;

function select(options, value, onChange) {
  const s = h("select");
  options.forEach((name, i) => {
    const o = h("option", null, name);
    o.value = String(i);
    s.append(o);
  });
  s.value = String(value);
  s.addEventListener("change", () => onChange(Number(s.value)));
  return s;
}

const frame = globalThis.requestAnimationFrame || ((f) => setTimeout(f, 16));

export function render({ model, el }) {
  const root = h("div", "ll-many");
  const style = h("style");
  style.textContent = CSS;
  root.append(style);
  const body = h("div");
  const panel = h("div");
  root.append(body, panel);
  el.append(root);
  const ui = { dep: null, by: null };
  const store = storeOf(model, (model.get("_meta")?.feature_names || []).length);
  // the parts that stay (controls) and those redrawn when points arrive
  const head = h("div", "ll-many-controls");
  const barBox = h("div");
  const swarmBox = h("div");
  const depControls = h("div", "ll-many-controls");
  const depBox = h("div");
  let built = false;
  let pending = false;
  let plotted = { n: -1 };

  const clickable = (plot, rows) => {
    plot.el.addEventListener("click", (ev) => {
      const box = plot.el.getBoundingClientRect();
      const k = nearest(plot.px, plot.py, ev.clientX - box.left, ev.clientY - box.top);
      if (k >= 0) model.send({ type: "select", row: rows[plot.rowOf(k)] });
    });
    return plot.el;
  };

  const drawDep = (state, rows) => {
    depBox.replaceChildren(clickable(drawDependence(state, ui.dep, ui.by), rows));
  };

  const build = (names, ranks) => {
    ui.dep ??= ranks[0];
    ui.by ??= ranks[1] ?? ranks[0];
    const counts = h("span", "ll-many-count");
    head.append(counts);
    const meta = model.get("_meta") || {};
    if ((meta.output_names || []).length > 1) {
      head.append(select(meta.output_names, model.get("output_index") || 0, (v) => {
        model.set("output_index", v);
        model.save_changes();
      }));
    }
    head.append(h("span", "ll-many-failed"));
    depControls.append(h("span", null, "dependence of"), select(names, ui.dep, (v) => {
      ui.dep = v;
      drawDep(plotted.state, plotted.rows);
    }), h("span", null, "coloured by"), select(names, ui.by, (v) => {
      ui.by = v;
      drawDep(plotted.state, plotted.rows);
    }));
    body.replaceChildren(head, h("h4", null, "mean |attribution|"), barBox,
      h("h4", null, "beeswarm (click a dot for its row)"), swarmBox, depControls, depBox);
    built = true;
  };

  const draw = () => {
    pending = false;
    const meta = model.get("_meta") || {};
    const names = meta.feature_names || [];
    const p = pointsOf(store);
    if (!p.n || !names.length) {
      const status = model.get("_progress")?.status;
      const failed = store.failed || meta.failed;
      const why = !status || status === "running" ? "waiting for the first chunk…"
        : `no row was explained${failed ? ` (${failed} failed)` : ""}`;
      if (!built) body.replaceChildren(h("div", "ll-empty", why));
      return;
    }
    const d = names.length;
    const state = { values: p.values, data: p.data, d, n: p.n, names };
    const ranks = order(p.meanAbs);
    if (!built) build(names, ranks);
    head.querySelector(".ll-many-count").textContent =
      `${p.n.toLocaleString("en-US")} rows · ${meta.method || ""}`;
    const failed = store.failed || meta.failed;
    head.querySelector(".ll-many-failed").textContent = failed ? `${failed} rows failed` : "";
    barBox.replaceChildren(bars(names, p.meanAbs, ranks.slice(0, TOP)));
    swarmBox.replaceChildren(clickable(drawBeeswarm(state, ranks.slice(0, TOP)), p.row));
    plotted = { n: p.n, state, rows: p.row };
    drawDep(state, p.row);
  };
  // chunks that arrive between two frames are drawn once
  const later = () => {
    if (pending) return;
    pending = true;
    frame(draw);
  };
  const drawRow = () => panel.replaceChildren(rowPanel(model.get("_meta") || {}, model.get("_row")));
  store.subs.add(later);
  model.on("change:_row", drawRow);
  model.on("change:_progress", later); // a run that ends with no row says so
  draw();
  drawRow();
  return () => {
    store.subs.delete(later);
    model.off("change:_row", drawRow);
    model.off("change:_progress", later);
    root.remove();
  };
}
