// The explorer's global views: permutation importance as bars and a beeswarm of local
// attributions over a sample of rows, drawn on a canvas (a dot click selects its row; the
// selected row is ringed, or marked with its own attributions when outside the sample).
import { decodeArray } from "../buffers.js";
import { NEG, POS } from "../colors.js";
import { h, isDark } from "../theme.js";
import { nearestPoint, rgb, swarmLayout } from "./explorer_core.js";
import { fmt } from "./tabular.js";

/** Permutation importance as bars (the top 12) into `box`. */
function importanceBars(box, gm, ga) {
  const imp = decodeArray(ga.importance);
  box.replaceChildren();
  if (!imp) return;
  box.append(h("div", "ll-ex-title", `permutation importance (${gm.importance_metric || "score"} drop)`));
  const grid = h("div", "ll-ex-imp");
  const order = Array.from(imp.keys()).sort((a, b) => imp[b] - imp[a]).slice(0, 12);
  const m = Math.max(...order.map((j) => Math.abs(imp[j]))) || 1;
  for (const j of order) {
    const b = h("div", "ll-ex-impbar");
    b.style.width = `${Math.max(0, (imp[j] / m) * 100)}%`;
    const track = h("div");
    track.append(b);
    grid.append(h("span", "", gm.features?.[j] ?? ""), track, h("span", "", fmt(imp[j])));
  }
  box.append(grid);
}

/** The beeswarm's dots, the selected row (ringed, or as diamonds from the panel's own
 * attributions when it is outside the sample) and the axis note, on `ctx`. */
function paintSwarm(ctx, o) {
  const { dpr, dark, lay, s, k, d, out, features, names, feat, index, labelW, width, band, height, sel, panelValues, panelMeta, outName } = o;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, labelW + width, height);
  ctx.font = "11px system-ui";
  ctx.fillStyle = dark ? "#ccc" : "#333";
  features.forEach((j, f) => {
    ctx.fillText(String(names[j] ?? j).slice(0, 20), 2, band * f + band / 2 + 4);
  });
  ctx.strokeStyle = dark ? "#666" : "#bbb";
  ctx.beginPath();
  ctx.moveTo(labelW + lay.zero, 0);
  ctx.lineTo(labelW + lay.zero, band * features.length);
  ctx.stroke();
  const ring = [];
  features.forEach((j, f) => {
    for (let r = 0; r < s; r++) {
      const t = feat ? feat[r * d + j] : Number.NaN;
      ctx.fillStyle = Number.isNaN(t) ? "rgba(127,127,127,0.7)" : rgb(NEG.map((v, c) => Math.round(v + (POS[c] - v) * t)), 0.8);
      ctx.fillRect(labelW + lay.xs[f * s + r] - 1.5, lay.ys[f * s + r] - 1.5, 3, 3);
      if (index[r] === sel) ring.push(f * s + r);
    }
  });
  ctx.strokeStyle = dark ? "#fff" : "#000";
  ctx.lineWidth = 1.5;
  for (const p of ring) {
    ctx.beginPath();
    ctx.arc(labelW + lay.xs[p], lay.ys[p], 4.5, 0, 2 * Math.PI);
    ctx.stroke();
  }
  // the selected row outside the sample: its own explanation (the panel's) as diamonds
  if (!ring.length && sel !== null && sel !== undefined && panelValues && panelMeta.modality === "tabular" && panelValues.length === k * d) {
    const scale = (lay.zero - 4) / lay.max;
    features.forEach((j, f) => {
      const x = labelW + Math.max(2, Math.min(width - 2, lay.zero + panelValues[out * d + j] * scale));
      const y = band * f + band / 2;
      ctx.beginPath();
      ctx.moveTo(x, y - 5);
      ctx.lineTo(x + 4, y);
      ctx.lineTo(x, y + 5);
      ctx.lineTo(x - 4, y);
      ctx.closePath();
      ctx.stroke();
    });
  }
  ctx.fillStyle = dark ? "#ccc" : "#555";
  ctx.fillText(`attribution to ${outName} (±${fmt(lay.max)})`, labelW, height - 3);
}

/**
 * Mount into `parent`; `getData()` gives the decoded data set, `getPanel()` the panel's
 * model (its class and the selected row's attributions) or null, `select(i)` picks a row.
 */
export function mountGlobal({ model, el, parent, getData, getPanel = () => null, select }) {
  const global = parent;
  const dpr = window.devicePixelRatio || 1;
  const impBox = h("div");
  const swarmBox = h("div");
  const swarmCanvas = h("canvas", "ll-ex-swarm");
  const status = h("div", "ll-ex-status");
  global.append(impBox, swarmBox);
  let swarm = null;
  function drawImportance() {
    importanceBars(impBox, model.get("_global_meta") || {}, model.get("_global_arrays") || {});
  }
  function swarmOutput(k) {
    const oi = getPanel()?.get("output_index");
    if (oi !== null && oi !== undefined && oi >= 0 && oi < k) return oi;
    return getData().classifier && k === 2 ? 1 : 0; // binary: the positive class
  }
  function drawSwarm() {
    const gm = model.get("_global_meta") || {};
    const ga = model.get("_global_arrays") || {};
    const vals = decodeArray(ga.swarm_values);
    swarmBox.replaceChildren();
    swarm = null;
    if (gm.status === "error") {
      swarmBox.append(h("div", "ll-error", gm.message || "the global views failed"));
      return;
    }
    if (!vals) {
      if (gm.status === "running") swarmBox.append(status);
      status.textContent = "computing global views…";
      return;
    }
    const [s, k, d] = ga.swarm_values.shape;
    const index = decodeArray(ga.swarm_index);
    const feat = decodeArray(ga.swarm_feature);
    const out = swarmOutput(k);
    const mean = new Float64Array(d);
    for (let r = 0; r < s; r++) for (let j = 0; j < d; j++) mean[j] += Math.abs(vals[(r * k + out) * d + j]);
    const features = Array.from(mean.keys()).sort((a, b) => mean[b] - mean[a]).slice(0, 10);
    const names = gm.features || [];
    const labelW = 130;
    const width = 320;
    const band = 26;
    const height = band * features.length + 16;
    swarmCanvas.width = (labelW + width) * dpr;
    swarmCanvas.height = height * dpr;
    swarmCanvas.style.width = `${labelW + width}px`;
    swarmCanvas.style.height = `${height}px`;
    const lay = swarmLayout(vals, s, k, d, out, features, width, band);
    const panel = getPanel();
    paintSwarm(swarmCanvas.getContext("2d"), { dpr, dark: isDark(el), lay, s, k, d, out, features, names, feat, index, labelW, width, band, height, sel: model.get("selected"), panelValues: decodeArray(panel?.get("_arrays")?.values), panelMeta: panel?.get("_meta") || {}, outName: getData().meta.output_names?.[out] ?? "" });
    swarm = { lay, index, labelW, s, nf: features.length, width: labelW + width, height };
    // the colour key is text beside the title (it wraps), not drawn past the canvas's edge
    const title = h("div", "ll-ex-title", `local attributions over ${s} rows${gm.status === "running" ? ` (of ${gm.swarm_total})` : ""}`);
    title.append(h("span", "ll-ex-key", " · colour: feature value low→high"));
    swarmBox.append(title, swarmCanvas);
  }
  swarmCanvas.addEventListener("click", (ev) => {
    if (!swarm) return;
    const box = swarmCanvas.getBoundingClientRect();
    // the canvas may be drawn smaller than its logical size (narrow output area)
    const px = ((ev.clientX - box.left) * swarm.width) / box.width - swarm.labelW;
    const py = ((ev.clientY - box.top) * swarm.height) / box.height;
    const all = new Uint32Array(swarm.s * swarm.nf);
    for (let p = 0; p < all.length; p++) all[p] = p;
    const p = nearestPoint(swarm.lay.xs, swarm.lay.ys, all, px, py, 8);
    if (p >= 0) select(swarm.index[p % swarm.s]);
  });
  let swarmFrame = 0;
  function swarmSoon() {
    // partial results arrive often: redraw at most once a frame, only when there is a swarm
    if (swarmFrame || !swarm) return;
    swarmFrame = requestAnimationFrame(() => {
      swarmFrame = 0;
      drawSwarm();
    });
  }
  function drawGlobal() {
    drawImportance();
    drawSwarm();
  }


  return { drawGlobal, drawSwarm, drawImportance, swarmSoon, cleanup: () => cancelAnimationFrame(swarmFrame) };
}
