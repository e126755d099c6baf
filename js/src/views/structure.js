// Structure view: a model's tree (scikit-learn steps and ColumnTransformer branches with
// their columns, or torch modules with output shapes and parameter counts). Only
// expanded rows are in the DOM, repeated blocks fold into "12 × BertLayer", and search
// lists matching layers; clicking a row selects it (two-way `selected`) and, for torch
// with an example, the kernel sends its weights and activations to the detail panel.
// User text goes in with textContent.
import { h, isDark, onThemeChange } from "../theme.js";
import { CSS as DETAIL_CSS, renderDetail } from "./layers.js";
import { buildTree, defaultExpanded, formatShape, groupRepeats, revealKeys, searchNodes, visibleRows } from "./structure_core.js";

export { buildTree, defaultExpanded, groupRepeats, revealKeys, searchNodes, visibleRows };

const CSS = `
.ll-structure-bar{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:2px 0 6px;font-size:12px}
.ll-structure-bar input{font:inherit;padding:1px 6px;min-width:200px}
.ll-structure-title{font-weight:600;font-size:13px}
.ll-structure-tree{font-size:12px;max-height:560px;overflow:auto;border:1px solid var(--jp-border-color2,#ddd);border-radius:4px;padding:2px 0}
.ll-row{display:grid;grid-template-columns:minmax(240px,1fr) 150px 110px;gap:8px;padding:1px 8px;cursor:pointer;align-items:baseline}
.ll-row:hover{background:var(--jp-layout-color2,#f3f3f3)}
.ll-row.ll-selected{background:var(--jp-brand-color3,#bbdefb);color:#000}
.ll-caret{display:inline-block;width:14px;opacity:.7}
.ll-name{font-weight:600}
.ll-type{opacity:.75;margin-left:6px}
.ll-shape,.ll-params{text-align:right;font-variant-numeric:tabular-nums;opacity:.85}
.ll-frozen{margin-left:6px;font-size:10px;padding:0 4px;border-radius:3px;background:var(--jp-warn-color3,#ffe0b2);color:#000}
.ll-facts{grid-column:1/-1;opacity:.7;font-size:11px;margin-top:-2px}
.ll-columns{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:3px}
.ll-col{font-size:11px;padding:0 5px;border-radius:8px;background:var(--jp-layout-color3,#e8eaf6);color:var(--jp-content-font-color1,#000)}
.ll-group .ll-name{font-style:italic}
.ll-structure-detail{margin-top:8px}
`;

// containers' input/output widths are in the shape column already
const CONTAINER_SKIP = new Set(["n_features_in", "n_features_out", "n_classes"]);

function factsText(facts, container) {
  return Object.entries(facts || {})
    .filter(([k]) => !(k === "n_features_out" || (container && CONTAINER_SKIP.has(k))))
    .map(([k, v]) => `${k.replaceAll("_", " ")} ${Array.isArray(v) ? v.join("×") : v}`)
    .join(" · ");
}

function rowFor(entry, ctx) {
  const { item, depth } = entry;
  const n = item.node;
  const row = h("div", `ll-row${item.group ? " ll-group" : ""}`);
  row.dataset.id = item.group ? item.key : n.id;
  row.setAttribute("role", "treeitem");
  const main = h("div", "ll-main");
  main.style.paddingLeft = `${depth * 16}px`;
  const openable = item.group || ctx.tree.kids.has(n.id);
  const caret = h("span", "ll-caret", openable ? (ctx.expanded.has(item.key) ? "▾" : "▸") : "");
  const name = h("span", "ll-name", item.group ? `${item.members.length} × ${n.type}` : n.name);
  const type = h("span", "ll-type", item.group ? `${item.members[0].name}–${item.members.at(-1).name}` : n.type);
  main.append(caret, name, type);
  const params = item.group ? item.members.reduce((s, m) => s + (m.params || 0), 0) : n.params;
  if (!item.group && n.trainable !== null && n.trainable !== undefined && n.params > 0 && n.trainable < n.params) {
    main.append(h("span", "ll-frozen", n.trainable === 0 ? "frozen" : `${(n.params - n.trainable).toLocaleString("en-US")} frozen`));
  }
  if (!item.group && n.shared_with) main.append(h("span", "ll-frozen", `shared with ${n.shared_with}`));
  row.append(main, h("span", "ll-shape", formatShape(n.output_shape)), h("span", "ll-params", params === null || params === undefined ? "" : params.toLocaleString("en-US")));
  if (!item.group) {
    if (n.columns?.length) {
      const cols = h("div", "ll-columns");
      cols.style.paddingLeft = `${depth * 16 + 14}px`;
      for (const c of n.columns) cols.append(h("span", "ll-col", c));
      row.append(cols);
    }
    const facts = factsText(n.facts, ctx.tree.kids.has(n.id));
    if (facts && ctx.kind === "sklearn") {
      const f = h("div", "ll-facts", facts);
      f.style.paddingLeft = `${depth * 16 + 14}px`;
      row.append(f);
    }
  }
  if (!item.group && n.id === ctx.selected) row.classList.add("ll-selected");
  caret.addEventListener("click", (ev) => {
    ev.stopPropagation();
    ctx.toggle(item.key);
  });
  row.addEventListener("click", () => (item.group ? ctx.toggle(item.key) : ctx.select(n.id)));
  return row;
}

export function render({ model, el }) {
  const t0 = performance.now();
  const meta = model.get("_meta") || {};
  const nodes = meta.nodes || [];
  const tree = buildTree(nodes);
  const ctx = { tree, expanded: defaultExpanded(tree), selected: model.get("selected") || "", kind: meta.kind };
  const root = h("div", "ll-structure");
  const style = h("style");
  style.textContent = CSS + DETAIL_CSS;
  const bar = h("div", "ll-structure-bar");
  const title = h("span", "ll-structure-title", meta.title || "");
  const total = meta.total_params;
  const frozen = meta.trainable_params === null || meta.trainable_params === undefined ? 0 : total - meta.trainable_params;
  const summary = h("span", "ll-structure-summary", [`${nodes.length.toLocaleString("en-US")} ${meta.kind === "torch" ? "modules" : "steps"}`, total ? `${total.toLocaleString("en-US")} ${meta.kind === "torch" ? "parameters" : "coefficients and tree nodes"}` : "", frozen ? `${frozen.toLocaleString("en-US")} frozen` : ""].filter(Boolean).join(" · "));
  const search = h("input", "ll-structure-search");
  search.type = "search";
  search.placeholder = "search layers by name or type";
  search.setAttribute("aria-label", "search layers");
  const found = h("span", "ll-structure-found");
  bar.append(title, summary, search, found);
  const treeBox = h("div", "ll-structure-tree");
  treeBox.setAttribute("role", "tree");
  const detailBox = h("div", "ll-detail ll-structure-detail");
  detailBox.hidden = !meta.has_detail;
  root.append(style, bar, treeBox, detailBox);
  el.append(root);

  const draw = () => {
    const q = search.value;
    const frag = document.createDocumentFragment();
    if (q.trim()) {
      const hits = searchNodes(nodes, q);
      found.textContent = `${hits.length}${hits.length === 200 ? "+" : ""} found`;
      for (const n of hits) frag.append(rowFor({ item: { group: false, key: n.id, node: { ...n, name: n.id } }, depth: 0 }, ctx));
    } else {
      found.textContent = "";
      for (const r of visibleRows(tree, ctx.expanded)) frag.append(rowFor(r, ctx));
    }
    treeBox.replaceChildren(frag);
    root.dataset.rows = String(treeBox.childElementCount);
  };
  ctx.toggle = (key) => {
    if (ctx.expanded.has(key)) ctx.expanded.delete(key);
    else ctx.expanded.add(key);
    draw();
  };
  ctx.select = (id) => {
    if (search.value.trim()) {
      for (const k of revealKeys(tree, id)) ctx.expanded.add(k);
      search.value = "";
    }
    ctx.selected = id;
    model.set("selected", id);
    model.save_changes();
    draw();
  };
  const updateDetail = () => {
    if (!meta.has_detail) return;
    renderDetail(detailBox, model.get("_detail"), model.get("_arrays") || {}, isDark(el));
  };
  const onSelected = () => {
    const id = model.get("selected") || "";
    if (id === ctx.selected) return;
    for (const k of revealKeys(tree, id)) ctx.expanded.add(k);
    ctx.selected = id;
    draw();
  };
  search.addEventListener("input", draw);
  model.on("change:_detail", updateDetail);
  model.on("change:_arrays", updateDetail);
  model.on("change:selected", onSelected);
  const offTheme = onThemeChange(el, updateDetail);
  draw();
  updateDetail();
  root.dataset.renderMs = (performance.now() - t0).toFixed(1);
  return () => {
    model.off("change:_detail", updateDetail);
    model.off("change:_arrays", updateDetail);
    model.off("change:selected", onSelected);
    offTheme();
    root.remove();
  };
}
