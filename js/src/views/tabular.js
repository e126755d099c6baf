// Tabular view: why the model gave this output. A bar chart of attributions (sorted,
// signed colours, value labels, feature values beside names) or a waterfall from the base
// value to the prediction; a class switcher for multi-output models; top-N control.
// Charts are Vega-Lite specs built by altair in Python; the rows are built here from the
// binary buffers. Names reach the page as chart text or textContent, never as HTML.
import { decodeArray, row } from "../buffers.js";
import { chartSlot } from "../charts.js";
import { signColours } from "../colors.js";
import { h, isDark, onThemeChange } from "../theme.js";

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 1 : a >= 1 ? 3 : 4).replace(/\.?0+$/, "") || "0";
}

/** The additivity line: "=" only between numbers that are equal as shown; a method
 * that is not additive (LIME) says so (`caveat`, from Python) instead. */
export function sumNote(sum, gap, caveat) {
  const s = fmt(sum);
  const g = fmt(gap);
  if (caveat) return `sum of attributions ${s}; prediction − base value ${g} (${caveat})`;
  if (s === g) return `sum of attributions ${s} = prediction − base value ${g}`;
  return `sum of attributions ${s}; prediction − base value ${g}`;
}

function labels(meta) {
  const names = meta.feature_names || [];
  const shown = meta.feature_values || [];
  return names.map((n, i) => (shown[i] === undefined || shown[i] === null ? n : `${n} = ${shown[i]}`));
}

// "all" draws at most this many bars; the rest are summed into one row (a chart of
// 20,000 bars froze the tab for seconds and no one can read it)
export const MAX_BARS = 200;

/** Indices by |value| descending, cut to `top` (0: all, up to MAX_BARS) with the rest
 * reported separately. */
export function ranked(values, top) {
  const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  const want = top > 0 ? Math.min(top, MAX_BARS) : MAX_BARS;
  const k = want < order.length - 1 ? want : order.length;
  return { keep: order.slice(0, k), rest: order.slice(k) };
}

/** Rows for the bar chart: one per kept feature, plus "N other features" summed. */
export function barRows(meta, values, stderr, top, colours) {
  const names = labels(meta);
  const { keep, rest } = ranked(values, top);
  const rows = keep.map((j, order) => ({
    feature: names[j],
    value: values[j],
    lo: stderr ? values[j] - stderr[j] : values[j],
    hi: stderr ? values[j] + stderr[j] : values[j],
    order,
    text: fmt(values[j]),
    colour: values[j] < 0 ? colours[0] : colours[1],
  }));
  if (rest.length) {
    const v = rest.reduce((s, j) => s + values[j], 0);
    rows.push({
      feature: `${rest.length} other features`,
      value: v,
      lo: v,
      hi: v,
      order: rows.length,
      text: fmt(v),
      colour: v < 0 ? colours[0] : colours[1],
    });
  }
  return rows;
}

/** Rows for the waterfall: base value at the bottom, each step a bar, prediction on top. */
export function waterfallRows(meta, values, base, prediction, top, colours) {
  const names = labels(meta);
  const { keep, rest } = ranked(values, top);
  const steps = keep.map((j) => ({ feature: names[j], value: values[j] }));
  if (rest.length) {
    steps.push({ feature: `${rest.length} other features`, value: rest.reduce((s, j) => s + values[j], 0) });
  }
  // the smallest step starts at the base value, the largest ends at the prediction (as shap)
  steps.reverse();
  let at = base;
  const rows = steps.map((s, i) => {
    const start = at;
    at += s.value;
    return {
      feature: s.feature,
      start,
      end: at,
      value: s.value,
      order: steps.length - i,
      text: (s.value < 0 ? "" : "+") + fmt(s.value),
      colour: s.value < 0 ? colours[0] : colours[1],
    };
  });
  return { rows, base, prediction, gap: prediction - at };
}

const CSS = `
.ll-tabular{font:13px var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-content-font-color1,inherit)}
.ll-tabular .ll-head{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin:4px 0 6px}
.ll-tabular .ll-title{font-weight:600}
.ll-tabular label{display:inline-flex;gap:4px;align-items:center}
.ll-tabular .ll-note{opacity:.75;font-size:12px}
.ll-tabular .ll-chart{min-height:60px}
`;

export function render({ model, el }) {
  const box = h("div", "ll-tabular");
  const style = h("style");
  style.textContent = CSS;
  const head = h("div", "ll-head");
  const title = h("span", "ll-title");
  const classSel = h("select", "ll-class");
  classSel.setAttribute("aria-label", "output");
  const classLabel = h("label", null, "explain ");
  classLabel.append(classSel);
  const kindSel = h("select", "ll-kind");
  kindSel.setAttribute("aria-label", "chart");
  for (const k of ["bar", "waterfall"]) kindSel.append(new Option(k, k));
  const kindLabel = h("label", null, "chart ");
  kindLabel.append(kindSel);
  const topSel = h("select", "ll-top");
  topSel.setAttribute("aria-label", "features shown");
  for (const k of [10, 20, 50, 0]) topSel.append(new Option(k ? `top ${k}` : "all", String(k)));
  topSel.value = "20";
  head.append(title, classLabel, kindLabel, topSel);
  const chart = h("div", "ll-chart");
  const note = h("div", "ll-note");
  box.append(style, head, chart, note);
  el.append(box);
  const slot = chartSlot(model, chart);

  function outputIndex(meta) {
    const n = (meta.output_names || []).length;
    const i = model.get("output_index");
    return Number.isInteger(i) && i >= 0 && i < n ? i : meta.predicted || 0;
  }

  function syncClasses(meta) {
    const names = meta.output_names || [];
    if (classSel.options.length !== names.length || [...classSel.options].some((o, i) => o.text !== names[i])) {
      classSel.replaceChildren(...names.map((n, i) => new Option(n, String(i))));
    }
    classLabel.hidden = names.length < 2;
    classSel.value = String(outputIndex(meta));
  }

  function draw() {
    const meta = model.get("_meta") || {};
    const arrays = model.get("_arrays") || {};
    const specs = model.get("_specs") || {};
    if (!arrays.values) return;
    syncClasses(meta);
    const i = outputIndex(meta);
    const values = row(arrays.values, i);
    const stderr = arrays.stderr ? row(arrays.stderr, i) : null;
    const base = decodeArray(arrays.base_values)[i];
    const pred = decodeArray(arrays.prediction)[i];
    const name = (meta.output_names || [])[i] ?? "";
    const scale = meta.output_scale ? ` (${meta.output_scale})` : "";
    title.textContent = `${name}${scale}: ${fmt(pred)} (base value ${fmt(base)})`;
    const top = Number(topSel.value);
    const dark = isDark(el);
    const colours = signColours(dark);
    const kind = kindSel.value;
    const sum = values.reduce((s, v) => s + v, 0);
    const parts = [`${meta.method || ""}`, `${values.length} features`];
    if (meta.n_evals) parts.push(`${Number(meta.n_evals).toLocaleString("en-US")} model evaluations`);
    parts.push(sumNote(sum, pred - base, meta.sum_caveat));
    if (meta.background) parts.push(meta.background);
    note.textContent = parts.filter(Boolean).join(" · ");
    if (kind === "waterfall" && specs.waterfall) {
      const w = waterfallRows(meta, values, base, pred, top, colours);
      const ends = [
        { label: `E[f(X)] = ${fmt(base)}`, x: base },
        { label: `f(x) = ${fmt(pred)}`, x: pred },
      ];
      slot.draw(specs.waterfall, { rows: w.rows, ends }, `waterfall${dark}`);
    } else if (specs.bar) {
      slot.draw(specs.bar, { rows: barRows(meta, values, stderr, top, colours) }, `bar${dark}`);
    }
  }

  const onClass = () => {
    model.set("output_index", Number(classSel.value));
    model.save_changes();
    draw();
  };
  classSel.addEventListener("change", onClass);
  kindSel.addEventListener("change", draw);
  topSel.addEventListener("change", draw);
  for (const ev of ["change:_arrays", "change:_meta", "change:output_index", "change:_specs"]) model.on(ev, draw);
  const offTheme = onThemeChange(el, draw);
  draw();
  return () => {
    for (const ev of ["change:_arrays", "change:_meta", "change:output_index", "change:_specs"]) model.off(ev, draw);
    offTheme();
    slot.destroy();
    box.remove();
  };
}

export default { render };
