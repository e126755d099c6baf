// The explorer's scatter: every row as a point on a canvas (written straight into pixels,
// so 100,000 points draw fast), coloured by class, score or error; a click picks the
// nearest point, the selected row is ringed.
import { NEG, POS } from "../colors.js";
import { isDark } from "../theme.js";
import { extent, nearestPoint, rgb } from "./explorer_core.js";

export const W = 340;
const CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

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

/** What the colours mean: one entry per class shown (its name and colour), "wrong" and
 * "right" for a classifier's errors, or a low→high ramp (`ramp: true`) for scores. */
export function legendItems(data, by) {
  const names = data.meta.output_names || [];
  if (by === "error" && data.meta.has_label) {
    if (data.classifier)
      return [
        { label: "wrong", colour: "rgba(214,39,40,0.9)" },
        { label: "right", colour: "rgba(127,127,127,0.35)" },
      ];
    const [lo, hi] = extent(data.error);
    return [{ ramp: true, label: "error", lo, hi }];
  }
  if (data.classifier) {
    const seen = new Set();
    for (let i = 0; i < data.n; i++) seen.add(data.pred[i]);
    return [...seen]
      .sort((a, b) => a - b)
      .slice(0, 12)
      .map((k) => ({ label: `predicted ${names[k] ?? k}`, colour: CLASS_COLOURS[k % CLASS_COLOURS.length] }));
  }
  const [lo, hi] = extent(data.score);
  return [{ ramp: true, label: names[0] ? `prediction (${names[0]})` : "prediction", lo, hi }];
}

function drawLegend(ctx, items, right, dark) {
  ctx.font = "11px system-ui";
  ctx.textAlign = "right";
  let y = 14;
  for (const it of items) {
    if (it.ramp) {
      for (let k = 0; k < 40; k++) {
        const u = k / 39;
        ctx.fillStyle = `rgb(${NEG.map((v, c) => Math.round(v + (POS[c] - v) * u)).join(",")})`;
        ctx.fillRect(right - 40 + k, y - 8, 1.2, 8);
      }
      ctx.fillStyle = dark ? "#ccc" : "#555";
      ctx.fillText(`${it.label}: ${it.lo.toPrecision(3)}`, right - 44, y);
      ctx.textAlign = "left";
      ctx.fillText(it.hi.toPrecision(3), right + 2, y);
      ctx.textAlign = "right";
    } else {
      ctx.fillStyle = it.colour;
      ctx.beginPath();
      ctx.arc(right - 4, y - 4, 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = dark ? "#ccc" : "#555";
      ctx.fillText(it.label, right - 12, y);
    }
    y += 14;
  }
  ctx.textAlign = "left";
}

/** Square points of `size` device pixels into `px` (a canvas's pixels as Uint32). */
function paint(px, cw, ch, xs, ys, rows, colour, size, dpr) {
  const packed = new Map();
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const c = colour(i);
    let v = packed.get(c);
    if (v === undefined) {
      v = packColour(c);
      packed.set(c, v);
    }
    const x0 = Math.round(xs[i] * dpr - size / 2);
    const y0 = Math.round(ys[i] * dpr - size / 2);
    for (let dy = 0; dy < size; dy++) {
      const yy = y0 + dy;
      if (yy < 0 || yy >= ch) continue;
      const base = yy * cw;
      for (let dx = 0; dx < size; dx++) {
        const xx = x0 + dx;
        if (xx >= 0 && xx < cw) px[base + xx] = v;
      }
    }
  }
}

/** The scatter on `canvas` (height `H`); `state` holds `data`, `rows` and `colourBy`. */
export function mountScatter({ model, el, canvas, H, state, select }) {
  const dpr = window.devicePixelRatio || 1;
  const sx = { x: new Float32Array(0), y: new Float32Array(0) };
  const pad = 8;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  function place(data) {
    const n = data.n;
    const [x0, x1] = extent(data.xy, 2, 0);
    const [y0, y1] = extent(data.xy, 2, 1);
    if (sx.x.length !== n) {
      sx.x = new Float32Array(n);
      sx.y = new Float32Array(n);
    }
    for (let i = 0; i < n; i++) {
      sx.x[i] = pad + ((data.xy[2 * i] - x0) / (x1 - x0)) * (W - 2 * pad);
      sx.y[i] = H - pad - ((data.xy[2 * i + 1] - y0) / (y1 - y0)) * (H - 2 * pad);
    }
  }
  function axes(ctx, data) {
    ctx.fillStyle = isDark(el) ? "#ccc" : "#555";
    ctx.font = "11px system-ui";
    const names = data.meta.axes || ["", ""];
    ctx.fillText(`${names[0]} →`, pad, H - 1);
    ctx.save();
    ctx.translate(10, H - pad - 30);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`${names[1]} →`, 0, 0);
    ctx.restore();
  }
  function draw() {
    const { data, rows } = state;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const n = data.n;
    if (!n || data.xy.length < 2 * n) return;
    place(data);
    const img = ctx.createImageData(canvas.width, canvas.height);
    const size = Math.max(1, Math.round((n > 20000 ? 2 : n > 2000 ? 3 : 5) * dpr));
    paint(new Uint32Array(img.data.buffer), canvas.width, canvas.height, sx.x, sx.y, rows, pointColour(data, state.colourBy), size, dpr);
    ctx.putImageData(img, 0, 0);
    const sel = model.get("selected");
    if (sel !== null && sel !== undefined && sel < n) {
      ctx.strokeStyle = isDark(el) ? "#fff" : "#000";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx.x[sel], sx.y[sel], 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
    axes(ctx, data);
    drawLegend(ctx, legendItems(data, state.colourBy), W - 36, isDark(el));
  }
  canvas.addEventListener("click", (ev) => {
    const box = canvas.getBoundingClientRect();
    const px = ((ev.clientX - box.left) * W) / box.width;
    const py = ((ev.clientY - box.top) * H) / box.height;
    const i = nearestPoint(sx.x, sx.y, state.rows, px, py, 20);
    if (i >= 0) select(i);
  });
  return { draw };
}
