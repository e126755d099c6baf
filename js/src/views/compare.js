// Compare view: one panel per method, each drawn by its modality's own view (bars, tokens
// or maps) on a stand-in model holding that method's state, with its quality badges; the
// agreement table (Spearman, top-k overlap, sign disagreements per pair) below.
import { mountQuality } from "../quality.js";
import { standInModel } from "../standin.js";
import { h } from "../theme.js";
import * as image from "./image.js";
import * as importance from "./importance.js";
import * as tabular from "./tabular.js";
import * as text from "./text.js";

const PANEL_VIEWS = { tabular, text, image, importance };

/** A stand-in model for one panel whose messages go through the widget's own model (the
 * chart renderer request, the "check faithfulness" button). */
export function childModel(parent, state) {
  const sub = standInModel(state, { onSend: (msg) => parent.send(msg) });
  const { on, off } = sub;
  sub.on = (ev, f) => (ev === "msg:custom" ? parent.on(ev, f) : on(ev, f));
  sub.off = (ev, f) => (ev === "msg:custom" ? parent.off(ev, f) : off(ev, f));
  return sub;
}

/** Panel `i`'s own `_arrays` from the prefixed entries `m{i}:name`. */
export function panelArrays(arrays, i) {
  const out = {};
  const prefix = `m${i}:`;
  for (const [k, v] of Object.entries(arrays || {})) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Table rows (strings) of the agreement records. */
export function agreementRows(records) {
  return (records || []).map((r) => [
    `${r.method_a} vs ${r.method_b}`,
    Number.isFinite(r.spearman) ? r.spearman.toFixed(3) : "–",
    `${Math.round(r.top_k * r.k)}/${r.k}`,
    r.sign_disagreements?.length ? r.sign_disagreements.join(", ") : "none",
  ]);
}

const CSS = `
.ll-compare .ll-panels{display:flex;flex-wrap:wrap;gap:12px}
.ll-compare .ll-panel{flex:1 1 300px;min-width:280px;border:1px solid var(--jp-border-color2,#ddd);border-radius:6px;padding:4px 8px}
.ll-compare .ll-panel-title{font-weight:600;margin:2px 0}
.ll-compare table{border-collapse:collapse;font-size:12px;margin:8px 0}
.ll-compare td,.ll-compare th{border:1px solid var(--jp-border-color2,#ddd);padding:2px 8px;text-align:left}
.ll-compare tr.ll-disagree td:last-child{color:var(--jp-error-color1,#d32f2f)}
`;

export function render({ model, el }) {
  const box = h("div", "ll-compare");
  const style = h("style");
  style.textContent = CSS;
  const panels = h("div", "ll-panels");
  const table = h("table", "ll-agreement");
  box.append(style, panels, table);
  el.append(box);
  const mounted = []; // {label, view, sub, cleanup}

  function subState(panel, i) {
    return {
      _view: panel.view,
      _meta: panel.meta,
      _arrays: panelArrays(model.get("_arrays"), i),
      _specs: model.get("_specs") || {},
      output_index: null,
      _static: Boolean(model.get("_static")),
    };
  }

  function draw() {
    const meta = model.get("_meta") || {};
    (meta.panels || []).forEach((panel, i) => {
      let m = mounted[i];
      if (!m || m.view !== panel.view) {
        m?.cleanup?.();
        const el2 = h("div", "ll-panel");
        el2.dataset.method = panel.label;
        const head = h("div", "ll-panel-title", panel.label);
        const body = h("div");
        el2.append(head, body);
        if (m) m.el.replaceWith(el2);
        else panels.append(el2);
        m = { view: panel.view, el: el2, sub: null, cleanup: null };
        mounted[i] = m;
        if (!panel.view) {
          body.append(h("div", "ll-empty", "waiting…"));
          return;
        }
        m.sub = childModel(model, subState(panel, i));
        const off = PANEL_VIEWS[panel.view].render({ model: m.sub, el: body });
        const offQ = mountQuality(m.sub, body);
        m.cleanup = () => {
          off?.();
          offQ();
        };
        return;
      }
      if (m.sub) {
        const s = subState(panel, i);
        m.sub.set("_arrays", s._arrays);
        m.sub.set("_meta", s._meta);
      }
    });
    table.replaceChildren();
    const rows = agreementRows(meta.agreement);
    if (!rows.length) return;
    const hr = h("tr");
    for (const c of ["methods", "Spearman", `top-${meta.k} overlap`, "sign disagreements"]) hr.append(h("th", null, c));
    table.append(hr);
    rows.forEach((cells, i) => {
      const tr = h("tr", meta.agreement[i].sign_disagreements?.length ? "ll-disagree" : null);
      for (const c of cells) tr.append(h("td", null, c));
      table.append(tr);
    });
  }
  model.on("change:_meta", draw);
  draw();
  return () => {
    model.off("change:_meta", draw);
    for (const m of mounted) m?.cleanup?.();
    box.remove();
  };
}

export default { render };
