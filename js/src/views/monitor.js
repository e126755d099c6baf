// Monitor view: live training curves on canvases, one panel per metric, one colour per
// run. Points arrive as custom messages of binary chunks (only the new points), sent by
// the kernel unasked and held by the model's feed (monitor_feed.js), so they draw while
// the kernel is busy with the user's loop; drawing is coalesced to one frame per
// animation frame, and each line is decimated to the pixels it covers, so thousands of
// points a second draw without flicker. Controls: smoothing, log scale, zoom (drag a
// range, wheel; double-click resets). Exports carry every point in `_arrays` and draw the
// same way. User text goes in with textContent.
import { h, isDark, onThemeChange } from "../theme.js";
import { decimate, ema, SeriesStore, ticks } from "./monitor_core.js";
import { feedFor, initialize } from "./monitor_feed.js";

export { decimate, ema, initialize, SeriesStore, ticks };

export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const DARK = ["#6baed6", "#fdae6b", "#74c476", "#fb6a4a", "#bcbddc", "#c49c94", "#f7b6d2", "#bdbdbd", "#dbdb8d", "#9edae5"];
const PAD = { l: 52, r: 10, t: 8, b: 22 };

const CSS = `
.ll-monitor-bar{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:2px 0 6px;font-size:12px}
.ll-monitor-bar label{display:inline-flex;gap:4px;align-items:center}
.ll-monitor-legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin:0 0 4px}
.ll-monitor-legend span::before{content:"";display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle;background:var(--c)}
.ll-monitor-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.ll-monitor-panel{position:relative;border:1px solid var(--jp-border-color2,#ddd);border-radius:4px;padding:4px}
.ll-monitor-panel canvas{display:block;width:100%;height:190px;cursor:crosshair}
.ll-monitor-title{font-weight:600;font-size:12px;margin:0 0 2px}
.ll-monitor-read{font-size:11px;opacity:.8;min-height:14px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ll-monitor-sel{position:absolute;top:22px;bottom:24px;background:rgba(100,150,255,.2);pointer-events:none}
.ll-monitor-empty{opacity:.7;padding:8px}
`;

/** The y extent of drawn lines, ignoring non-finite values (and non-positive on log). */
function extent(lines, log) {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const pts of lines) {
    for (let i = 1; i < pts.length; i += 2) {
      const v = pts[i];
      if (!Number.isFinite(v) || (log && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return null;
  if (log) [lo, hi] = [Math.log10(lo), Math.log10(hi)];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function fmt(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Draw one metric's panel. `state`: {x0, x1, smoothing, log, dark}. */
export function drawPanel(canvas, lines, state) {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300;
  const hgt = canvas.clientHeight || 190;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(hgt * dpr)) canvas.height = Math.round(hgt * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  const fg = state.dark ? "#ddd" : "#333";
  const grid = state.dark ? "rgba(255,255,255,.12)" : "rgba(0,0,0,.08)";
  const pw = w - PAD.l - PAD.r;
  const ph = hgt - PAD.t - PAD.b;
  let x0 = state.x0;
  let x1 = state.x1;
  if (x0 === null || x1 === null) {
    x0 = Number.POSITIVE_INFINITY;
    x1 = Number.NEGATIVE_INFINITY;
    for (const l of lines) {
      if (!l.n) continue;
      x0 = Math.min(x0, l.steps[0]);
      x1 = Math.max(x1, l.steps[l.n - 1]);
    }
    if (!(x1 >= x0)) return { drawn: 0 };
    if (x1 === x0) x1 = x0 + 1;
  }
  const raw = [];
  const smooth = [];
  for (const l of lines) {
    raw.push(decimate(l.steps, l.values, l.n, x0, x1, pw));
    if (state.smoothing > 0) smooth.push(decimate(l.steps, ema(l.values, l.n, state.smoothing), l.n, x0, x1, pw));
  }
  const ext = extent(state.smoothing > 0 ? smooth : raw, state.log);
  if (!ext) return { drawn: 0 };
  const [y0, y1] = ext;
  const X = (s) => PAD.l + ((s - x0) / (x1 - x0)) * pw;
  const Y = (v) => PAD.t + ph - (((state.log ? Math.log10(v) : v) - y0) / (y1 - y0)) * ph;
  ctx.font = "10px system-ui,sans-serif";
  ctx.fillStyle = fg;
  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of ticks(y0, y1, 4)) {
    const py = PAD.t + ph - ((t - y0) / (y1 - y0)) * ph;
    ctx.beginPath();
    ctx.moveTo(PAD.l, py);
    ctx.lineTo(PAD.l + pw, py);
    ctx.stroke();
    ctx.fillText(fmt(state.log ? 10 ** t : t), PAD.l - 4, py);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of ticks(x0, x1, 5)) ctx.fillText(fmt(t), X(t), PAD.t + ph + 4);
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.l, PAD.t, pw, ph);
  ctx.clip();
  let drawn = 0;
  const stroke = (pts, colour, alpha, width) => {
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < pts.length; i += 2) {
      const v = pts[i + 1];
      if (!Number.isFinite(v) || (state.log && !(v > 0))) {
        pen = false;
        continue;
      }
      const px = X(pts[i]);
      const py = Y(v);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
      drawn += 1;
    }
    ctx.stroke();
  };
  lines.forEach((l, k) => {
    const colour = l.colour;
    if (state.smoothing > 0) {
      stroke(raw[k], colour, 0.25, 1);
      stroke(smooth[k], colour, 1, 1.6);
    } else stroke(raw[k], colour, 1, 1.4);
  });
  ctx.restore();
  ctx.globalAlpha = 1;
  return { drawn, x0, x1, pw };
}

function nearest(steps, n, x) {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(steps[lo - 1] - x) < Math.abs(steps[lo] - x)) lo -= 1;
  return lo;
}

/** Zoom on a panel: drag a step range, wheel around the cursor, double-click resets;
 * moving shows each run's value at the step under the cursor. */
function attachZoom(p, view, redraw, offs) {
  let from = null;
  const toStep = (ev) => {
    const r = p.canvas.getBoundingClientRect();
    const info = p.info;
    if (!info?.pw) return null;
    return info.x0 + ((ev.clientX - r.left - PAD.l) / info.pw) * (info.x1 - info.x0);
  };
  p.canvas.addEventListener("mousedown", (ev) => {
    from = { step: toStep(ev), x: ev.clientX };
  });
  p.canvas.addEventListener("mousemove", (ev) => {
    const step = toStep(ev);
    if (step === null) return;
    if (from) {
      const r = p.canvas.getBoundingClientRect();
      const left = Math.min(from.x, ev.clientX) - r.left + 4;
      p.sel.hidden = false;
      p.sel.style.left = `${left}px`;
      p.sel.style.width = `${Math.abs(ev.clientX - from.x)}px`;
    }
    const parts = [`step ${fmt(step)}`];
    for (const l of p.lines || []) {
      if (!l.n) continue;
      const i = nearest(l.steps, l.n, step);
      parts.push(`${l.run}: ${fmt(l.values[i])}`);
    }
    p.read.textContent = parts.join(" · ");
  });
  const up = (ev) => {
    if (!from) return;
    const to = toStep(ev);
    p.sel.hidden = true;
    if (to !== null && Math.abs(ev.clientX - from.x) > 4) {
      view.x0 = Math.min(from.step, to);
      view.x1 = Math.max(from.step, to);
      redraw();
    }
    from = null;
  };
  window.addEventListener("mouseup", up);
  offs.push(() => window.removeEventListener("mouseup", up));
  p.canvas.addEventListener(
    "wheel",
    (ev) => {
      const at = toStep(ev);
      if (at === null || !p.info) return;
      ev.preventDefault();
      const k = ev.deltaY > 0 ? 1.25 : 0.8;
      view.x0 = at - (at - p.info.x0) * k;
      view.x1 = at + (p.info.x1 - at) * k;
      redraw();
    },
    { passive: false },
  );
  p.canvas.addEventListener("dblclick", () => {
    view.x0 = view.x1 = null;
    redraw();
  });
}

export function render({ model, el }) {
  const meta = model.get("_meta") || {};
  const root = h("div", "ll-monitor");
  const style = h("style");
  style.textContent = CSS;
  const title = h("div", "ll-monitor-title", meta.title || "");
  title.hidden = !meta.title;
  const bar = h("div", "ll-monitor-bar");
  const smoothLabel = h("label", null, "smoothing ");
  const smoothing = h("input", "ll-monitor-smoothing");
  Object.assign(smoothing, { type: "range", min: "0", max: "0.99", step: "0.01", value: String(meta.smoothing || 0) });
  const smoothValue = h("span", null, Number(smoothing.value).toFixed(2));
  smoothLabel.append(smoothing, smoothValue);
  const logLabel = h("label", null, "");
  const log = h("input", "ll-monitor-log");
  log.type = "checkbox";
  log.checked = Boolean(meta.log_scale);
  logLabel.append(log, document.createTextNode(" log scale"));
  const reset = h("button", "ll-monitor-reset", "Reset zoom");
  reset.type = "button";
  const count = h("span", "ll-monitor-count", "0 points");
  bar.append(smoothLabel, logLabel, reset, count);
  const legend = h("div", "ll-monitor-legend");
  const grid = h("div", "ll-monitor-grid");
  const empty = h("div", "ll-monitor-empty", "waiting for the first logged point…");
  root.append(style, title, bar, legend, grid, empty);
  el.append(root);

  const { feed, owned } = feedFor(model);
  const store = feed.store;
  const panels = new Map(); // metric -> {box, canvas, read}
  const view = { x0: null, x1: null };
  let frame = 0;
  let drawnVersion = -1;
  let frames = 0;
  let legendRuns = "";
  const offs = [];

  const colours = () => (isDark(el) ? DARK : COLORS);
  const panelFor = (metric) => {
    let p = panels.get(metric);
    if (p) return p;
    const box = h("div", "ll-monitor-panel");
    box.dataset.metric = metric;
    const head = h("div", "ll-monitor-title", metric);
    const canvas = h("canvas");
    const read = h("div", "ll-monitor-read");
    const sel = h("div", "ll-monitor-sel");
    sel.hidden = true;
    box.append(head, canvas, read, sel);
    grid.append(box);
    p = { box, canvas, read, sel, info: null, metric };
    attachZoom(p, view, redraw, offs);
    panels.set(metric, p);
    return p;
  };

  const draw = () => {
    frame = 0;
    frames += 1;
    const runs = store.runs();
    const palette = colours();
    const runColour = new Map(runs.map((r, i) => [r, palette[i % palette.length]]));
    if (runs.join("\u0000") !== legendRuns) {
      legendRuns = runs.join("\u0000");
      legend.replaceChildren(
        ...runs.map((r) => {
          const s = h("span", null, r);
          s.style.setProperty("--c", runColour.get(r));
          return s;
        }),
      );
    }
    const state = { x0: view.x0, x1: view.x1, smoothing: Number(smoothing.value), log: log.checked, dark: isDark(el) };
    for (const metric of store.metrics()) {
      const p = panelFor(metric);
      const lines = store.lines.filter((l) => l.metric === metric).map((l) => Object.assign(l, { colour: runColour.get(l.run) }));
      p.lines = lines;
      p.info = drawPanel(p.canvas, lines, state);
    }
    empty.hidden = store.total > 0;
    count.textContent = `${store.total.toLocaleString("en-US")} points`;
    root.dataset.points = String(store.total);
    root.dataset.frames = String(frames);
    root.dataset.drawn = String([...panels.values()].reduce((n, p) => n + (p.info?.drawn || 0), 0));
    drawnVersion = store.version;
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  const redraw = () => {
    drawnVersion = -1;
    schedule();
  };

  const onPoints = () => {
    if (store.version !== drawnVersion) schedule();
  };
  smoothing.addEventListener("input", () => {
    smoothValue.textContent = Number(smoothing.value).toFixed(2);
    redraw();
  });
  log.addEventListener("change", redraw);
  reset.addEventListener("click", () => {
    view.x0 = view.x1 = null;
    redraw();
  });
  const resize = new ResizeObserver(redraw);
  resize.observe(grid);
  const offTheme = onThemeChange(el, () => {
    legendRuns = "";
    redraw();
  });
  const offPoints = feed.subscribe(onPoints);
  draw();
  return () => {
    if (frame) cancelAnimationFrame(frame);
    offPoints();
    if (owned) feed.close();
    resize.disconnect();
    offTheme();
    for (const off of offs) off();
    root.remove();
  };
}
