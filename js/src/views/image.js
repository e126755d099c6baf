// Image view: the picture with a saliency heat map over it (one canvas), or the picture
// and the map side by side. Controls: class switcher (two-way `output_index`), sign mode
// (captum's names), colour map and opacity. The colourised map is computed once per
// class / sign / colour-map change; moving the opacity slider only composites two
// canvases, so a 1024x1024 map redraws in a few milliseconds.
// All user text (class names, method) goes into the DOM with textContent.

import { decodeArray } from "../buffers.js";
import { NEG, POS } from "../colors.js";

export { decodeArray };
export const SIGNS = ["all", "positive", "negative", "absolute_value"];
const SIGN_LABELS = {
  all: "all",
  positive: "positive",
  negative: "negative",
  absolute_value: "absolute",
};

// Diverging ends shared with every view (blue = against the class, red = for it).
const WHITE = [247, 247, 247];
const STOPS = {
  diverging: [NEG, WHITE, POS],
  reds: [WHITE, POS],
  blues: [WHITE, NEG],
  viridis: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ],
  magma: [
    [0, 0, 4],
    [81, 18, 124],
    [183, 55, 121],
    [252, 137, 97],
    [252, 253, 191],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
};
export const CMAPS = ["auto", "diverging", "reds", "blues", "viridis", "magma", "gray"];
const AUTO = { all: "diverging", positive: "reds", negative: "blues", absolute_value: "magma" };

/** 256-entry RGB lookup table (Uint8Array of 768) interpolating a list of colour stops. */
export function lut(name) {
  const stops = STOPS[name] || STOPS.diverging;
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(pos));
    const t = pos - k;
    for (let c = 0; c < 3; c++) {
      out[i * 3 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * t);
    }
  }
  return out;
}

/**
 * The value at the `q` quantile of the sign-selected magnitudes (captum's outlier
 * normalisation: q = 0.98), by a 2048-bin histogram: O(n), no sort.
 */
export function scaleFor(values, sign, q = 0.98) {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const m = magnitude(values[i], sign);
    if (m > max) max = m;
  }
  if (!(max > 0)) return 1;
  const BINS = 2048;
  const hist = new Uint32Array(BINS);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const m = magnitude(values[i], sign);
    if (m > 0) {
      hist[Math.min(BINS - 1, Math.floor((m / max) * BINS))]++;
      n++;
    }
  }
  const want = q * n;
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += hist[b];
    if (seen >= want) return ((b + 1) / BINS) * max;
  }
  return max;
}

function magnitude(v, sign) {
  if (!Number.isFinite(v)) return 0;
  if (sign === "positive") return v > 0 ? v : 0;
  if (sign === "negative") return v < 0 ? -v : 0;
  return Math.abs(v);
}

/**
 * RGBA pixels (Uint8ClampedArray, w*h*4) of a map: colour from the LUT, alpha from the
 * normalised magnitude, so unimportant pixels leave the picture visible.
 */
export function colourise(values, sign, cmapName, scale) {
  const name = cmapName === "auto" || !cmapName ? AUTO[sign] : cmapName;
  const table = lut(name);
  const out = new Uint8ClampedArray(values.length * 4);
  const inv = scale > 0 ? 1 / scale : 0;
  const diverging = sign === "all";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let t; // in [-1, 1] for "all", [0, 1] otherwise
    if (diverging) t = Math.max(-1, Math.min(1, (Number.isFinite(v) ? v : 0) * inv));
    else t = Math.min(1, magnitude(v, sign) * inv);
    const idx = diverging ? Math.round((t + 1) * 127.5) : Math.round(t * 255);
    const o = i * 4;
    out[o] = table[idx * 3];
    out[o + 1] = table[idx * 3 + 1];
    out[o + 2] = table[idx * 3 + 2];
    out[o + 3] = Math.round(Math.abs(t) * 255);
  }
  return out;
}

/** The width a picture is drawn at: small ones (an 8x8 digit) enlarged by a whole factor
 * to at least 256 px, with crisp pixels; large ones as they are. */
export function shownWidth(w) {
  if (!(w > 0) || w >= 256) return w;
  return Math.ceil(256 / w) * w;
}

/** The legend's ramp: `n` values from -scale to +scale ("all") or 0 to scale. */
export function legendRamp(sign, scale, n = 160) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    if (sign === "all") out[i] = (2 * t - 1) * scale;
    else out[i] = (sign === "negative" ? -t : t) * scale;
  }
  return out;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

const CSS = `
.ll-image{font:13px/1.4 var(--ll-font, system-ui, sans-serif);color:var(--ll-fg, inherit)}
.ll-image-controls{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:4px 0 8px}
.ll-image-controls label{display:inline-flex;gap:4px;align-items:center}
.ll-image-panes{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-start}
.ll-image-panes canvas{max-width:100%;height:auto;border:1px solid var(--ll-border, #ccc)}
.ll-image-pixelated canvas{image-rendering:pixelated}
.ll-image-caption{font-size:12px;color:var(--ll-muted, #666)}
.ll-image-legend{display:flex;gap:6px;align-items:center;font-size:12px;margin:4px 0}
.ll-image-legend canvas{width:160px;height:12px;border:1px solid var(--ll-border, #ccc);image-rendering:auto}
.ll-image-note{font-size:12px;color:var(--ll-warn, #b35900);font-weight:600}
`;

/** Render the image view into `el`; returns a cleanup function. */
export function render({ model, el: root }) {
  const box = el("div", "ll-image");
  const style = el("style");
  style.textContent = CSS;
  const title = el("div", "ll-image-title");
  const controls = el("div", "ll-image-controls");
  const panes = el("div", "ll-image-panes");
  box.append(style, title, controls, panes);
  root.appendChild(box);

  const classSel = el("select", "ll-image-class");
  const signSel = el("select", "ll-image-sign");
  for (const s of SIGNS) signSel.append(new Option(SIGN_LABELS[s], s));
  const cmapSel = el("select", "ll-image-cmap");
  for (const c of CMAPS) cmapSel.append(new Option(c, c));
  const opacity = el("input", "ll-image-opacity");
  Object.assign(opacity, { type: "range", min: "0", max: "1", step: "0.01", value: "0.6" });
  const sideBySide = el("input", "ll-image-side");
  sideBySide.type = "checkbox";
  const labelled = (text, input) => {
    const l = el("label");
    l.append(el("span", "", text), input);
    return l;
  };
  controls.append(
    labelled("class", classSel),
    labelled("sign", signSel),
    labelled("colours", cmapSel),
    labelled("opacity", opacity),
    labelled("side by side", sideBySide),
  );

  const overlay = el("canvas", "ll-image-overlay");
  const original = el("canvas", "ll-image-original");
  const mapCanvas = el("canvas", "ll-image-map");
  const caption = el("div", "ll-image-caption");
  const note = el("div", "ll-image-note");
  const legend = el("div", "ll-image-legend");
  const legendLow = el("span", "ll-image-legend-low");
  const legendBar = el("canvas");
  legendBar.width = 160;
  legendBar.height = 1;
  const legendHigh = el("span", "ll-image-legend-high");
  const legendText = el("span", "ll-image-caption");
  legend.append(legendLow, legendBar, legendHigh, legendText);
  panes.append(overlay, original, mapCanvas);
  box.append(legend, caption, note);
  const picture = document.createElement("canvas"); // offscreen, picture size
  const heat = document.createElement("canvas"); // offscreen, map size

  const state = { meta: {}, values: null, mapShape: [0, 0], scale: 1, picShape: [0, 0] };

  function outputIndex() {
    const n = (state.meta.output_names || []).length;
    const i = model.get("output_index");
    return Number.isInteger(i) && i >= 0 && i < n ? i : state.meta.predicted || 0;
  }

  function loadPicture() {
    const arrays = model.get("_arrays") || {};
    const entry = arrays.picture;
    if (!entry) return;
    const [h, w] = entry.shape;
    if (picture.width !== w || picture.height !== h) {
      for (const c of [picture, overlay, original, mapCanvas]) {
        c.width = w;
        c.height = h;
      }
    }
    const px = decodeArray(entry);
    const data = new Uint8ClampedArray(px.buffer, px.byteOffset, w * h * 4);
    picture.getContext("2d").putImageData(new ImageData(data, w, h), 0, 0);
    original.getContext("2d").drawImage(picture, 0, 0);
    // small pictures (digits) are shown larger, with crisp pixels
    const shown = shownWidth(w);
    for (const c of [overlay, original, mapCanvas]) c.style.width = `${shown}px`;
    box.classList.toggle("ll-image-pixelated", shown > w);
    state.picShape = [h, w];
  }

  function colourMap() {
    const arrays = model.get("_arrays") || {};
    const entry = arrays.values;
    if (!entry) return;
    const [, h, w] = entry.shape;
    const all = decodeArray(entry);
    const i = outputIndex();
    const values = all.subarray(i * h * w, (i + 1) * h * w);
    const sign = signSel.value;
    state.scale = scaleFor(values, sign);
    heat.width = w;
    heat.height = h;
    const rgba = colourise(values, sign, cmapSel.value, state.scale);
    heat.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
    const m = mapCanvas.getContext("2d");
    m.clearRect(0, 0, mapCanvas.width, mapCanvas.height);
    m.fillStyle = "#fff";
    m.fillRect(0, 0, mapCanvas.width, mapCanvas.height);
    m.imageSmoothingEnabled = w < mapCanvas.width;
    m.drawImage(heat, 0, 0, mapCanvas.width, mapCanvas.height);
    drawLegend(sign);
  }

  function drawLegend(sign) {
    const ramp = legendRamp(sign, state.scale, legendBar.width);
    const rgba = colourise(ramp, sign, cmapSel.value, state.scale);
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255; // the colours, opaque
    legendBar.getContext("2d").putImageData(new ImageData(rgba, legendBar.width, 1), 0, 0);
    const fmt = (v) => (v >= 0 ? "+" : "") + v.toPrecision(3);
    legendLow.textContent = fmt(ramp[0]);
    legendHigh.textContent = fmt(ramp[ramp.length - 1]);
    const name = (state.meta.output_names || [])[outputIndex()] ?? "the output";
    legendText.textContent =
      sign === "all" ? `red raises ${name}, blue lowers it` : `${SIGN_LABELS[sign] || sign} attribution`;
  }

  /** The cheap part: picture + colourised map at the slider's opacity. */
  function composite() {
    const ctx = overlay.getContext("2d");
    ctx.globalAlpha = 1;
    ctx.drawImage(picture, 0, 0);
    ctx.globalAlpha = Number(opacity.value);
    ctx.imageSmoothingEnabled = heat.width < overlay.width;
    ctx.drawImage(heat, 0, 0, overlay.width, overlay.height);
    ctx.globalAlpha = 1;
  }

  function updateText() {
    const meta = state.meta;
    const names = meta.output_names || [];
    const pred = decodeArray((model.get("_arrays") || {}).prediction);
    const p = meta.predicted || 0;
    const score = pred && pred.length > p ? ` (${pred[p].toPrecision(3)})` : "";
    title.textContent = `Predicted: ${names[p] ?? "?"}${score} · ${meta.method || ""}`;
    const budget = meta.budget ? ` / ${meta.budget}` : "";
    const status = meta.done ? "done" : "running";
    caption.textContent = `${meta.n_evals || 0}${budget} model evaluations · ${status} · scale ±${state.scale.toPrecision(3)}`;
    note.textContent = (meta.notes || []).map((t) => `⚠ ${t}`).join(" ");
  }

  function syncClasses() {
    const names = state.meta.output_names || [];
    const same =
      classSel.options.length === names.length &&
      names.every((n, i) => classSel.options[i].text === String(n));
    if (!same) {
      classSel.replaceChildren(...names.map((n, i) => new Option(String(n), String(i))));
    }
    classSel.value = String(outputIndex());
  }

  function layout() {
    const side = sideBySide.checked;
    overlay.style.display = side ? "none" : "";
    original.style.display = side ? "" : "none";
    mapCanvas.style.display = side ? "" : "none";
  }

  function full() {
    state.meta = model.get("_meta") || {};
    loadPicture();
    syncClasses();
    colourMap();
    composite();
    updateText();
  }

  function recolour() {
    colourMap();
    composite();
    updateText();
  }

  const onClass = () => {
    model.set("output_index", Number(classSel.value));
    model.save_changes();
  };
  const onIndex = () => {
    syncClasses();
    recolour();
  };
  classSel.addEventListener("change", onClass);
  signSel.addEventListener("change", recolour);
  cmapSel.addEventListener("change", recolour);
  opacity.addEventListener("input", composite);
  sideBySide.addEventListener("change", layout);
  model.on("change:_arrays", full);
  model.on("change:_meta", full);
  model.on("change:output_index", onIndex);

  layout();
  full();

  return () => {
    model.off("change:_arrays", full);
    model.off("change:_meta", full);
    model.off("change:output_index", onIndex);
    box.remove();
  };
}

export default { render };
