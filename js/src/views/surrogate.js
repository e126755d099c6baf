// Surrogate view: the shallow tree fitted to the model's predictions, as a diagram.
// A depth slider refits (a kernel message), clicking a leaf lists its rows (clicking a row
// selects it), and the selected row's path is highlighted. Boxes sit at the `x` (0..1)
// and `depth` Python computed, so the exported SVG draws the same tree. Text via
// textContent only.
import { h } from "../theme.js";

const SVG = "http://www.w3.org/2000/svg";
const ROW = 90;
const BOX_H = 44;

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The tree as SVG: `onLeaf(id)` on a leaf click; `path` the highlighted node ids. */
export function treeSvg(nodes, path, { width = 900, onLeaf = () => {}, leaf = null } = {}) {
  const hot = new Set(path || []);
  const depth = Math.max(0, ...nodes.map((n) => n.depth));
  const leaves = Math.max(1, nodes.filter((n) => n.leaf).length);
  const boxW = Math.min(150, width / leaves - 6);
  const svg = svgEl("svg", { width, height: (depth + 1) * ROW + 20, class: "ll-tree" });
  const at = new Map(nodes.map((n) => [n.id, [n.x * width, 10 + n.depth * ROW]]));
  for (const n of nodes) {
    for (const c of [n.left, n.right]) {
      if (c === null || c === undefined) continue;
      const [x1, y1] = at.get(n.id);
      const [x2, y2] = at.get(c);
      const on = hot.has(n.id) && hot.has(c);
      svg.append(
        svgEl("line", {
          x1,
          y1: y1 + BOX_H,
          x2,
          y2,
          class: on ? "ll-edge ll-hot" : "ll-edge",
          stroke: on ? "#d84315" : "#999",
          "stroke-width": on ? 3 : 1,
        }),
      );
      const cond = svgEl("text", { x: (x1 + x2) / 2, y: (y1 + BOX_H + y2) / 2, "text-anchor": "middle", "font-size": 10 });
      // the parent box shows its test; the edges say which way it went
      cond.textContent = c === n.left ? "true" : "false";
      cond.setAttribute("class", "ll-cond");
      svg.append(cond);
    }
  }
  for (const n of nodes) {
    const [x, y] = at.get(n.id);
    const g = svgEl("g", { class: `ll-node${n.leaf ? " ll-leaf" : ""}${hot.has(n.id) ? " ll-hot" : ""}` });
    g.dataset.id = String(n.id);
    const on = hot.has(n.id);
    g.append(
      svgEl("rect", {
        x: x - boxW / 2,
        y,
        width: boxW,
        height: BOX_H,
        rx: 4,
        fill: n.leaf ? (leaf === n.id ? "#bbdefb" : "#e3f2fd") : "#f5f5f5",
        stroke: on ? "#d84315" : "#777",
        "stroke-width": on ? 3 : 1,
      }),
    );
    const label = svgEl("text", { x, y: y + 18, "text-anchor": "middle", "font-size": 11, fill: "#222" });
    label.textContent = n.leaf ? n.value : n.test || "";
    const count = svgEl("text", { x, y: y + 34, "text-anchor": "middle", "font-size": 10, fill: "#555" });
    count.textContent = `${n.n} rows${n.agree !== undefined && n.agree !== null ? ` · ${Math.round(n.agree * 100)}% agree` : ""}`;
    g.append(label, count);
    if (n.leaf) {
      g.style.cursor = "pointer";
      g.addEventListener("click", () => onLeaf(n.id));
    }
    svg.append(g);
  }
  return svg;
}

const CSS = `
.ll-surrogate .ll-head{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin:4px 0 6px}
.ll-surrogate .ll-title{font-weight:600}
.ll-surrogate .ll-tree-box{overflow-x:auto}
.ll-surrogate .ll-rules{font:12px var(--jp-code-font-family,monospace);white-space:pre-wrap;margin:6px 0}
.ll-surrogate table{border-collapse:collapse;font-size:12px;margin:4px 0}
.ll-surrogate td,.ll-surrogate th{border:1px solid var(--jp-border-color2,#ddd);padding:1px 6px}
.ll-surrogate tr.ll-row{cursor:pointer}
.ll-surrogate tr.ll-row:hover{background:rgba(25,118,210,.1)}
`;

export function render({ model, el }) {
  const box = h("div", "ll-surrogate");
  const style = h("style");
  style.textContent = CSS;
  const head = h("div", "ll-head");
  const title = h("span", "ll-title");
  const depthLabel = h("label", null, "depth ");
  const depth = h("input", "ll-depth");
  depth.type = "range";
  depth.min = "1";
  depth.setAttribute("aria-label", "tree depth");
  const depthValue = h("span", "ll-depth-value");
  depthLabel.append(depth, depthValue);
  head.append(title, depthLabel);
  const tree = h("div", "ll-tree-box");
  const leafBox = h("div", "ll-leaf-rows");
  const rules = h("pre", "ll-rules");
  box.append(style, head, tree, leafBox, rules);
  el.append(box);

  function drawLeaf(leaf) {
    leafBox.replaceChildren();
    if (!leaf) return;
    const cap = h("div", null, `leaf ${leaf.node}: ${leaf.count} rows${leaf.count > leaf.rows.length ? ` (first ${leaf.rows.length})` : ""} · click a row to follow its path`);
    const table = h("table");
    const hr = h("tr");
    for (const c of ["row", ...leaf.columns]) hr.append(h("th", null, c));
    table.append(hr);
    leaf.rows.forEach((cells, i) => {
      const tr = h("tr", "ll-row");
      tr.dataset.row = String(leaf.index[i]);
      tr.append(h("td", null, String(leaf.index[i])));
      for (const c of cells) tr.append(h("td", null, c));
      tr.addEventListener("click", () => model.send({ type: "select", row: leaf.index[i] }));
      table.append(tr);
    });
    leafBox.append(cap, table);
  }

  function draw() {
    const meta = model.get("_meta") || {};
    if (!meta.nodes) return;
    title.textContent = `surrogate tree for ${meta.output}: fidelity ${Number(meta.fidelity).toFixed(3)} (${meta.fidelity_kind} against the model on ${meta.n_test} held-out rows)`;
    depth.max = String(meta.max_depth || 8);
    depth.value = String(meta.depth);
    depthValue.textContent = String(meta.depth);
    depth.disabled = Boolean(model.get("_static"));
    const width = Math.max(600, Math.min(1400, (el.clientWidth || 900) - 10));
    tree.replaceChildren(
      treeSvg(meta.nodes, meta.path, {
        width,
        leaf: meta.leaf?.node ?? null,
        onLeaf: (id) => model.send({ type: "leaf", node: id }),
      }),
    );
    drawLeaf(meta.leaf);
    const sel = meta.selected !== null && meta.selected !== undefined ? `row ${meta.selected}'s path is highlighted\n` : "";
    rules.textContent = `${sel}${(meta.rules || []).join("\n")}`;
  }

  const onDepth = () => {
    depthValue.textContent = depth.value;
    model.send({ type: "depth", depth: Number(depth.value) });
  };
  depth.addEventListener("change", onDepth);
  model.on("change:_meta", draw);
  draw();
  return () => {
    model.off("change:_meta", draw);
    box.remove();
  };
}

export default { render };
