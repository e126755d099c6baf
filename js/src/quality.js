// The quality badge row under every explanation: additivity, convergence, deletion and
// insertion areas against random orders, and a plain verdict; the curves one click away.
// The numbers come from Python (`_meta.quality`, the same as `e.quality`); when the curves
// were not computed (they would have cost more than 20% of the explanation), "check"
// asks the kernel for them. All text goes in with textContent.
import { h } from "./theme.js";

const SVG = "http://www.w3.org/2000/svg";

export function num(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return v.toFixed(digits).replace(/\.?0+$/, "") || "0";
}

/** The badges as `{key, label, tone, title?}`: tone good | bad | neutral. */
export function badges(q) {
  if (!q) return [];
  const out = [];
  const bad = (q.verdict || "").startsWith("unstable") || q.faithful === false;
  out.push({ key: "verdict", label: q.verdict || "", tone: bad ? "bad" : "good" });
  if (q.additivity !== null && q.additivity !== undefined) {
    out.push({
      key: "additivity",
      label: `additivity error ${num(q.additivity * 100, 2)}%`,
      tone: q.additivity <= 0.01 ? "good" : "bad",
    });
  }
  if (q.stderr !== null && q.stderr !== undefined) {
    out.push({
      key: "stderr",
      label: `stderr ${num(q.stderr * 100, 2)}% of |prediction − base|${q.converged ? " · converged" : " · not converged"}`,
      tone: q.converged ? "good" : "bad",
    });
  }
  if (q.computed) {
    out.push({
      key: "deletion",
      label: `deletion ${num(q.deletion)} (random ${num(q.random_deletion)})`,
      tone: q.deletion < q.random_deletion ? "good" : "bad",
    });
    out.push({
      key: "insertion",
      label: `insertion ${num(q.insertion)} (random ${num(q.random_insertion)})`,
      tone: q.insertion > q.random_insertion ? "good" : "bad",
    });
  }
  for (const [name, m] of Object.entries(q.metrics || {})) {
    if (m?.value === null || m?.value === undefined) continue;
    const params = Object.entries(m.params || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
    out.push({
      key: `metric-${name}`,
      label: `${METRIC_LABELS[name] || name} ${num(m.value)}${m.passed === false ? " · fails" : ""}`,
      tone: m.passed === true ? "good" : m.passed === false ? "bad" : "neutral",
      title: params.join("\n"),
    });
  }
  if (q.error) out.push({ key: "error", label: q.error, tone: "bad" });
  return out;
}

// the standard metrics (Python's `e.quality.<name>`), shown once computed; hover: params
const METRIC_LABELS = {
  faithfulness_correlation: "faithfulness corr.",
  max_sensitivity: "max-sensitivity",
  sparseness: "sparseness (Gini)",
  complexity: "complexity (entropy)",
  randomisation: "randomisation ρ",
  stability: "seed stability ρ",
};

function polyline(svg, xs, ys, sx, sy, colour, dash) {
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", colour);
  line.setAttribute("stroke-width", dash ? "1.5" : "2.5");
  if (dash) line.setAttribute("stroke-dasharray", "4 3");
  line.setAttribute("class", `ll-curve ll-curve-${dash ? "random" : "ranked"}`);
  svg.append(line);
}

/** An SVG of the deletion and insertion curves (ranked solid, random dashed). */
export function curvesSvg(curves, width = 360, height = 150) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "ll-quality-curves");
  const all = [curves.deletion, curves.insertion, curves.random_deletion, curves.random_insertion].flat();
  const lo = Math.min(0, ...all);
  const hi = Math.max(1, ...all);
  const pad = 24;
  const sx = (x) => pad + x * (width - 2 * pad);
  const sy = (y) => height - pad - ((y - lo) / (hi - lo || 1)) * (height - 2 * pad);
  const axis = document.createElementNS(SVG, "path");
  axis.setAttribute("d", `M${pad},${pad}V${height - pad}H${width - pad}`);
  axis.setAttribute("stroke", "currentColor");
  axis.setAttribute("fill", "none");
  axis.setAttribute("opacity", "0.4");
  svg.append(axis);
  polyline(svg, curves.fractions, curves.deletion, sx, sy, "#1565c0", false);
  polyline(svg, curves.fractions, curves.random_deletion, sx, sy, "#1565c0", true);
  polyline(svg, curves.fractions, curves.insertion, sx, sy, "#e65100", false);
  polyline(svg, curves.random_insertion_fractions || curves.fractions, curves.random_insertion, sx, sy, "#e65100", true);
  const label = (x, y, t, colour) => {
    const el = document.createElementNS(SVG, "text");
    el.setAttribute("x", String(x));
    el.setAttribute("y", String(y));
    el.setAttribute("font-size", "11");
    el.setAttribute("fill", colour);
    el.textContent = t;
    svg.append(el);
  };
  label(pad + 4, 14, "deletion (blue) · insertion (orange) · dashed: random orders", "currentColor");
  label(width - pad - 70, height - 6, "share removed →", "currentColor");
  return svg;
}

const CSS = `
.ll-quality{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0 2px;font-size:12px}
.ll-badge{padding:1px 8px;border-radius:10px;border:1px solid var(--jp-border-color2,#ccc)}
.ll-badge[data-tone=good]{background:rgba(56,142,60,.12);border-color:rgba(56,142,60,.5)}
.ll-badge[data-tone=bad]{background:rgba(211,47,47,.12);border-color:rgba(211,47,47,.5)}
.ll-quality button{font:inherit;padding:0 8px;cursor:pointer}
.ll-quality-plot{margin:2px 0 6px}
`;

/** Mount the badge row into `parent` (after the view); returns a cleanup function. */
export function mountQuality(model, parent) {
  const box = h("div", "ll-quality");
  const style = h("style");
  style.textContent = CSS;
  const plot = h("div", "ll-quality-plot");
  plot.hidden = true;
  const check = h("button", "ll-quality-check", "check faithfulness");
  check.type = "button";
  check.title = "run the deletion/insertion curves (one batched model call)";
  const toggle = h("button", "ll-quality-toggle", "curves");
  toggle.type = "button";
  parent.append(style, box, plot);

  const draw = () => {
    const q = model.get("_meta")?.quality;
    box.hidden = !q;
    if (!q) return;
    const items = badges(q).map((b) => {
      const el = h("span", "ll-badge", b.label);
      el.dataset.tone = b.tone;
      el.dataset.key = b.key;
      if (b.title) el.title = b.title;
      return el;
    });
    check.hidden = Boolean(q.computed || model.get("_static"));
    check.disabled = false;
    check.textContent = "check faithfulness";
    toggle.hidden = !q.computed;
    box.replaceChildren(...items, check, toggle);
    if (!plot.hidden && q.computed) plot.replaceChildren(curvesSvg(q.curves));
  };
  check.addEventListener("click", () => {
    check.disabled = true;
    check.textContent = "checking…";
    model.send({ type: "quality" });
  });
  toggle.addEventListener("click", () => {
    const q = model.get("_meta")?.quality;
    plot.hidden = !plot.hidden;
    if (!plot.hidden && q?.computed) plot.replaceChildren(curvesSvg(q.curves));
  });
  model.on("change:_meta", draw);
  draw();
  return () => {
    model.off("change:_meta", draw);
    box.remove();
    plot.remove();
    style.remove();
  };
}
