// Text view: the original string with each token's background coloured by its
// attribution. Text between tokens (spaces, line breaks, skipped punctuation) is kept.
// Every user string reaches the DOM through text nodes / textContent, never innerHTML.
// Fast path for long documents: one DocumentFragment, colours as ~41 CSS classes (one
// className per token), one delegated listener for hover and focus.

import { decodeArray } from "../buffers.js";
import { NEG, POS } from "../colors.js";
import { isDark } from "../theme.js";

export { decodeArray };
const BINS = 20; // colour classes per sign

/** Colour bin in [-BINS, BINS] for a value on a symmetric scale. */
export function colourBin(value, scale) {
  if (!Number.isFinite(value) || !(scale > 0)) return 0;
  const t = Math.max(-1, Math.min(1, value / scale));
  return Math.round(t * BINS);
}

function mix(from, to, t) {
  return from.map((c, i) => Math.round(c + (to[i] - c) * t));
}

function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** CSS rules for every bin on a given page background: text flips to white on dark fills. */
export function paletteCss(scope, background) {
  const rules = [];
  for (let b = -BINS; b <= BINS; b++) {
    const t = Math.abs(b) / BINS;
    const fill = mix(background, b < 0 ? NEG : POS, t ** 0.8);
    // black or white, whichever contrasts more (always >= 4.58:1, WCAG AA)
    const text = luminance(fill) > 0.179 ? "#000" : "#fff";
    const name = b < 0 ? `n${-b}` : `p${b}`;
    rules.push(`${scope} .ll-c-${name}{background:rgb(${fill.join(",")});color:${text}}`);
  }
  return rules.join("\n");
}

function binClass(b) {
  return b < 0 ? `ll-c-n${-b}` : `ll-c-p${b}`;
}


const BASE_CSS = `
.ll-text{font:14px/1.7 var(--ll-font,var(--jp-content-font-family,system-ui,sans-serif));
 color:var(--ll-fg,var(--jp-content-font-color1,#222));position:relative}
.ll-text .ll-head{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin-bottom:6px}
.ll-text .ll-doc{white-space:pre-wrap;word-wrap:break-word;max-height:480px;overflow:auto;
 contain:content;padding:6px;border:1px solid var(--ll-border,var(--jp-border-color2,#ddd));border-radius:4px}
.ll-text .ll-tok{border-radius:3px;padding:0 1px;cursor:default}
.ll-text .ll-tok:focus{outline:2px solid var(--ll-focus,#f5a623);outline-offset:1px}
.ll-text .ll-tip{position:absolute;pointer-events:none;padding:3px 7px;border-radius:4px;
 background:var(--ll-tip-bg,#222);color:var(--ll-tip-fg,#fff);font-size:12px;white-space:pre;
 z-index:10;display:none}
.ll-text .ll-legend{display:flex;align-items:center;gap:6px;font-size:12px}
.ll-text .ll-bar{width:140px;height:10px;border-radius:2px}
.ll-text .ll-top{display:flex;gap:24px;font-size:12px;margin-top:6px}
.ll-text .ll-top ol{margin:2px 0;padding-left:18px}
.ll-text .ll-top .ll-none{opacity:.7;margin:2px 0}
`;

function node(doc, tag, className, text) {
  const n = doc.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

function fmt(v) {
  return (v >= 0 ? "+" : "") + v.toPrecision(3);
}

export function render({ model, el }) {
  const doc = el.ownerDocument;
  const root = node(doc, "div", "ll-text");
  const scopeId = `ll-text-${Math.random().toString(36).slice(2, 9)}`;
  root.id = scopeId;
  const style = node(doc, "style");
  const head = node(doc, "div", "ll-head");
  const label = node(doc, "span", "ll-pred");
  const picker = node(doc, "select", "ll-class");
  picker.setAttribute("aria-label", "class to explain");
  const legend = node(doc, "div", "ll-legend");
  const body = node(doc, "div", "ll-doc");
  body.setAttribute("role", "document");
  body.tabIndex = 0;
  const tip = node(doc, "div", "ll-tip");
  tip.setAttribute("role", "tooltip");
  const top = node(doc, "div", "ll-top");
  head.append(label, picker, legend);
  root.append(style, head, body, top, tip);
  el.replaceChildren(root);

  let spans = [];
  let state = null; // {meta, values, stderr, k, n}

  function current() {
    const k = state.k;
    let i = model.get("output_index");
    if (!Number.isInteger(i) || i < 0 || i >= k) i = state.meta.predicted ?? 0;
    return i;
  }

  function restyle() {
    const bg = isDark(el) ? [30, 30, 30] : [255, 255, 255];
    style.textContent = BASE_CSS + paletteCss(`#${scopeId}`, bg);
  }

  function build() {
    const meta = model.get("_meta") || {};
    const arrays = model.get("_arrays") || {};
    const tokens = meta.tokens || [];
    const text = typeof meta.text === "string" ? meta.text : "";
    const sp = decodeArray(arrays.spans) || new Int32Array(0);
    const values = decodeArray(arrays.values) || new Float32Array(0);
    const n = tokens.length;
    const k = n ? Math.max(1, Math.round(values.length / n)) : 1;
    state = { meta, values, stderr: decodeArray(arrays.stderr), k, n,
              prediction: decodeArray(arrays.prediction) };
    const o = current();
    const scale = meta.scale > 0 ? meta.scale : 1;
    const frag = doc.createDocumentFragment();
    spans = new Array(n);
    let last = 0;
    for (let t = 0; t < n; t++) {
      const s = sp[2 * t], e = sp[2 * t + 1];
      if (s > last) frag.appendChild(doc.createTextNode(text.slice(last, s)));
      const span = doc.createElement("span");
      // coloured before insertion: one style pass for the whole document
      span.className = `ll-tok ${binClass(colourBin(values[o * n + t], scale))}`;
      // the original characters (offsets arrive in UTF-16 units, as JS strings index)
      span.textContent = e > s ? text.slice(s, e) : tokens[t];
      span.llIndex = t; // an expando, cheaper than a data- attribute on 10,000 spans
      frag.appendChild(span);
      spans[t] = span;
      last = e;
    }
    if (last < text.length) frag.appendChild(doc.createTextNode(text.slice(last)));
    body.replaceChildren(frag);
    // class switcher: names via textContent
    picker.replaceChildren(...(meta.output_names || []).map((name, i) => {
      const o = node(doc, "option", null, String(name));
      o.value = String(i);
      return o;
    }));
    picker.hidden = k < 2;
    recolour(false);
  }

  function recolour(paint = true) {
    if (!state) return;
    const { values, n, meta } = state;
    const o = current();
    const scale = meta.scale > 0 ? meta.scale : 1;
    if (paint) {
      for (let t = 0; t < n; t++) {
        spans[t].className = `ll-tok ${binClass(colourBin(values[o * n + t], scale))}`;
      }
    }
    picker.value = String(o);
    const name = (meta.output_names || [])[o] ?? String(o);
    const pred = state.prediction ? state.prediction[o] : NaN;
    const predicted = (meta.output_names || [])[meta.predicted] ?? "";
    label.textContent = `predicted: ${predicted}` +
      (state.prediction ? ` (${state.prediction[meta.predicted]?.toFixed(3)})` : "") +
      ` · explaining: ${name}` + (Number.isFinite(pred) ? ` = ${pred.toFixed(3)}` : "") +
      ` · ${meta.method || ""}`;
    drawLegend(scale, name);
    drawTop(o);
  }

  function drawLegend(scale, name) {
    const bar = node(doc, "span", "ll-bar");
    const dark = isDark(el) ? "30,30,30" : "255,255,255";
    bar.style.background = `linear-gradient(to right, rgb(${NEG.join(",")}), rgb(${dark}), rgb(${POS.join(",")}))`;
    legend.replaceChildren(
      node(doc, "span", null, fmt(-scale)), bar, node(doc, "span", null, fmt(scale)),
      node(doc, "span", "ll-legend-note", `red pushes toward ${name}, blue away`),
    );
  }

  function drawTop(o) {
    const { values, n, meta } = state;
    const order = Array.from({ length: n }, (_, t) => t).sort(
      (a, b) => values[o * n + b] - values[o * n + a]);
    const list = (title, idx) => {
      const box = node(doc, "div", null);
      const ol = node(doc, "ol", null);
      for (const t of idx) ol.appendChild(node(doc, "li", null, `${meta.tokens[t]}  ${fmt(values[o * n + t])}`));
      // say so when no token has that sign, rather than an empty heading
      box.append(node(doc, "strong", null, title), idx.length ? ol : node(doc, "div", "ll-none", "none"));
      return box;
    };
    const pos = order.slice(0, 5).filter((t) => values[o * n + t] > 0);
    const neg = order.slice(-5).reverse().filter((t) => values[o * n + t] < 0);
    top.replaceChildren(list("top positive", pos), list("top negative", neg));
  }

  function showTip(span) {
    const t = span.llIndex;
    const o = current();
    const v = state.values[o * state.n + t];
    const se = state.stderr ? state.stderr[o * state.n + t] : 0;
    tip.textContent = `${state.meta.tokens[t]}: ${v.toPrecision(4)}` + (se > 0 ? ` ± ${se.toPrecision(2)}` : "");
    const r = span.getBoundingClientRect(), rr = root.getBoundingClientRect();
    tip.style.left = `${r.left - rr.left}px`;
    tip.style.top = `${r.bottom - rr.top + 4}px`;
    tip.style.display = "block";
  }

  const onOver = (ev) => {
    const span = ev.target.closest?.(".ll-tok");
    if (span && state) showTip(span);
  };
  const onOut = (ev) => {
    if (!ev.relatedTarget || !ev.relatedTarget.closest?.(".ll-tok")) tip.style.display = "none";
  };
  // keyboard: Tab into the document, arrows move between tokens, the tooltip follows focus
  const onKey = (ev) => {
    if (!state || !state.n || !["ArrowRight", "ArrowLeft", "Home", "End"].includes(ev.key)) return;
    const at = ev.target.closest?.(".ll-tok");
    let t = at ? at.llIndex : -1;
    if (ev.key === "ArrowRight") t = Math.min(state.n - 1, t + 1);
    if (ev.key === "ArrowLeft") t = Math.max(0, t - 1);
    if (ev.key === "Home") t = 0;
    if (ev.key === "End") t = state.n - 1;
    if (at) at.removeAttribute("tabindex");
    spans[t].tabIndex = -1;
    spans[t].focus();
    ev.preventDefault();
  };
  const onFocus = (ev) => {
    const span = ev.target.closest?.(".ll-tok");
    if (span && state) showTip(span);
  };
  const onPick = () => {
    model.set("output_index", Number(picker.value));
    model.save_changes();
    recolour();
  };
  body.addEventListener("mouseover", onOver);
  body.addEventListener("mouseout", onOut);
  body.addEventListener("keydown", onKey);
  body.addEventListener("focusin", onFocus);
  body.addEventListener("focusout", () => { tip.style.display = "none"; });
  picker.addEventListener("change", onPick);

  // a theme switch in JupyterLab flips data-jp-theme-light on <body>
  const observer = new (doc.defaultView.MutationObserver)(restyle);
  if (doc.body) observer.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });

  const onData = () => build();
  model.on("change:_arrays", onData);
  model.on("change:_meta", onData);
  const onIndex = () => recolour();
  model.on("change:output_index", onIndex);
  restyle();
  build();

  return () => {
    observer.disconnect();
    model.off("change:_arrays", onData);
    model.off("change:_meta", onData);
    model.off("change:output_index", onIndex);
    el.replaceChildren();
  };
}

export default { render };
