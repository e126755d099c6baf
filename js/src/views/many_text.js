// Many texts: the tokens with the largest mean |attribution| over their occurrences in the
// texts, with how often they occur (click one:
// Python lists the texts it appears in, by its attribution there), those texts (click
// one for it), and the selected text with each token's background coloured by its
// attribution (red raises the output, blue lowers it). Text reaches the page as
// textContent only.
import { NEG, POS } from "../colors.js";
import { h } from "../theme.js";
import { fmt } from "./tabular.js";

const CSS = `
.ll-texts-bar{display:flex;align-items:center;gap:6px;height:18px;cursor:pointer}
.ll-texts-bar:hover .ll-texts-name{text-decoration:underline}
.ll-texts-name{flex:0 0 160px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;text-align:right}
.ll-texts-fill{height:12px;background:#7b8794;border-radius:2px}
.ll-texts-num{font-variant-numeric:tabular-nums;opacity:.8}
.ll-texts h4{margin:10px 0 4px;font-size:13px}
.ll-texts-match{cursor:pointer;padding:2px 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:720px}
.ll-texts-match:hover{text-decoration:underline}
.ll-texts-text{line-height:1.9;max-width:720px}
.ll-texts-tok{border-radius:3px;padding:1px 0}
`;

/** Background of a token with attribution `v` when the largest |attribution| is `most`. */
export function tokenColour(v, most) {
  const a = most > 0 ? Math.min(1, Math.abs(v) / most) : 0;
  const c = v < 0 ? NEG : POS;
  return `rgba(${c[0]},${c[1]},${c[2]},${(0.85 * a).toFixed(3)})`;
}

/** The text as nodes: the gaps between spans as text, each token a coloured span. */
export function textNodes(item) {
  const box = h("div", "ll-texts-text");
  const { text, spans, values } = item;
  const most = Math.max(0, ...values.map(Math.abs));
  let at = 0;
  spans.forEach(([a, b], j) => {
    if (a > at) box.append(document.createTextNode(text.slice(at, a)));
    const tok = h("span", "ll-texts-tok", text.slice(a, b));
    tok.style.background = tokenColour(values[j], most);
    tok.title = fmt(values[j]);
    box.append(tok);
    at = Math.max(at, b);
  });
  if (at < text.length) box.append(document.createTextNode(text.slice(at)));
  return box;
}

function tokenBars(model, t) {
  const box = h("div", "ll-texts-bars");
  const most = Math.max(1e-300, ...(t.mean_abs || []));
  (t.tokens || []).forEach((tok, k) => {
    const line = h("div", "ll-texts-bar");
    line.append(h("span", "ll-texts-name", tok));
    const bar = h("span", "ll-texts-fill");
    bar.style.width = `${((t.mean_abs[k] / most) * 300).toFixed(1)}px`;
    line.append(bar, h("span", "ll-texts-num", `${fmt(t.mean_abs[k])} · ${t.count[k]}×`));
    line.addEventListener("click", () => model.send({ type: "token", token: tok }));
    box.append(line);
  });
  return box;
}

function matchList(model, m) {
  const box = h("div", "ll-texts-matches");
  if (!m?.token) return box;
  box.append(h("h4", null, `texts with “${m.token}” (by its attribution there)`));
  for (const it of m.items || []) {
    const line = h("div", "ll-texts-match", `${fmt(it.value)} · #${it.item} · ${it.snippet}`);
    line.addEventListener("click", () => model.send({ type: "select", item: it.item }));
    box.append(line);
  }
  return box;
}

function itemPanel(meta, item, o) {
  const box = h("div", "ll-texts-item");
  if (!item || item.item === undefined) return box;
  if (item.error) {
    box.append(h("div", "ll-error", `text ${item.item}: ${item.error}`));
    return box;
  }
  const out = (meta.output_names || [])[o] ?? "";
  box.append(h("h4", null, `text ${item.item}: ${out} ${fmt(item.prediction)} (base ${fmt(item.base)})`));
  box.append(textNodes(item));
  return box;
}

export function render({ model, el }) {
  const root = h("div", "ll-texts");
  const style = h("style");
  style.textContent = CSS;
  const head = h("div", "ll-texts-head");
  const bars = h("div");
  const matches = h("div");
  const item = h("div");
  root.append(style, head, h("h4", null, "tokens by mean |attribution| (click for its texts)"), bars, matches, item);
  el.append(root);
  const drawHead = () => {
    const meta = model.get("_meta") || {};
    const failed = meta.failed ? ` · ${meta.failed} failed` : "";
    head.textContent = `${(meta.n_items || 0).toLocaleString("en-US")} texts · ${meta.method || ""}${failed}`;
  };
  const drawBars = () => bars.replaceChildren(tokenBars(model, model.get("_tokens") || {}));
  const drawMatches = () => matches.replaceChildren(matchList(model, model.get("_matches")));
  const drawItem = () => item.replaceChildren(itemPanel(model.get("_meta") || {}, model.get("_item"), model.get("output_index") || 0));
  const on = [
    ["change:_meta", drawHead],
    ["change:_tokens", drawBars],
    ["change:_matches", drawMatches],
    ["change:_item", drawItem],
  ];
  for (const [ev, f] of on) {
    model.on(ev, f);
    f();
  }
  return () => {
    for (const [ev, f] of on) model.off(ev, f);
    root.remove();
  };
}
