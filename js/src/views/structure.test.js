// The structure view: repeated blocks fold, only expanded rows are in the DOM, search
// finds layers by name, a click selects (two-way), and columns are text.
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { buildTree, defaultExpanded, groupRepeats, render, revealKeys, searchNodes, visibleRows } from "./structure.js";

function bert(layers = 12, inner = 80) {
  const nodes = [{ id: "(model)", name: "Bert", type: "Bert", parent: null, depth: 0, params: 1, signature: "root" }];
  nodes.push({ id: "encoder", name: "encoder", type: "Encoder", parent: "(model)", depth: 1, signature: "enc" });
  for (let i = 0; i < layers; i++) {
    nodes.push({ id: `encoder.${i}`, name: String(i), type: "BertLayer", parent: "encoder", depth: 2, params: 10, signature: "L" });
    for (let j = 0; j < inner; j++) {
      nodes.push({ id: `encoder.${i}.m${j}`, name: `m${j}`, type: "Linear", parent: `encoder.${i}`, depth: 3, params: 1, signature: `x${j}` });
    }
  }
  nodes.push({ id: "pooler", name: "pooler", type: "Pooler", parent: "(model)", depth: 1, signature: "p" });
  return nodes;
}

describe("tree", () => {
  it("folds 12 equal layers into one group", () => {
    const tree = buildTree(bert());
    const items = groupRepeats(tree.kids.get("encoder"));
    expect(items).toHaveLength(1);
    expect(items[0].group && items[0].members.length).toBe(12);
  });
  it("expands by default only while few rows show", () => {
    const tree = buildTree(bert());
    const rows = visibleRows(tree, defaultExpanded(tree));
    expect(rows.map((r) => r.item.key)).toEqual(["(model)", "encoder", "group:encoder.0", "pooler"]);
  });
  it("searches by name and reveals a hit inside a folded group", () => {
    const nodes = bert();
    const tree = buildTree(nodes);
    expect(searchNodes(nodes, "encoder.3.m7").map((n) => n.id)).toEqual(["encoder.3.m7", "encoder.3.m70", "encoder.3.m71", "encoder.3.m72", "encoder.3.m73", "encoder.3.m74", "encoder.3.m75", "encoder.3.m76", "encoder.3.m77", "encoder.3.m78", "encoder.3.m79"]);
    const keys = new Set(revealKeys(tree, "encoder.3.m7"));
    expect(keys).toEqual(new Set(["encoder.3", "group:encoder.0", "encoder", "(model)"]));
    const rows = visibleRows(tree, keys).map((r) => r.item.key);
    expect(rows).toContain("encoder.3.m7");
  });
});

describe("render", () => {
  it("draws a 1,000-module model with a few rows and selects by click", () => {
    const nodes = bert(12, 85); // 1,000+ modules
    expect(nodes.length).toBeGreaterThan(1000);
    const model = standInModel({ _meta: { kind: "torch", title: "Bert", nodes, total_params: 5, has_detail: true }, selected: "", _detail: {}, _arrays: {} });
    const el = document.createElement("div");
    document.body.append(el);
    render({ model, el });
    const root = el.querySelector(".ll-structure");
    expect(Number(root.dataset.rows)).toBe(4);
    expect(el.querySelector('[data-id="group:encoder.0"] .ll-name').textContent).toBe("12 × BertLayer");
    el.querySelector('[data-id="group:encoder.0"]').click(); // opens the group
    expect(Number(root.dataset.rows)).toBe(16);
    el.querySelector('[data-id="encoder.5"]').click();
    expect(model.get("selected")).toBe("encoder.5");
    expect(model.saved).toBe(1);
    const search = el.querySelector(".ll-structure-search");
    search.value = "m84";
    search.dispatchEvent(new Event("input"));
    expect(el.querySelectorAll(".ll-row")).toHaveLength(12);
    el.remove();
  });
  it("lists a branch's columns as text", () => {
    const nodes = [
      { id: "(model)", name: "Pipeline", type: "Pipeline", parent: null, depth: 0 },
      { id: "num", name: "num", type: "StandardScaler", parent: "(model)", depth: 1, columns: ["<b>age</b>", "x"] },
    ];
    const model = standInModel({ _meta: { kind: "sklearn", nodes }, selected: "" });
    const el = document.createElement("div");
    render({ model, el });
    expect([...el.querySelectorAll(".ll-col")].map((c) => c.textContent)).toEqual(["<b>age</b>", "x"]);
    expect(el.querySelector("b")).toBeNull();
  });
  it("marks a layer used twice as shared, as text", () => {
    const nodes = [
      { id: "(model)", name: "Sequential", type: "Sequential", parent: null, depth: 0, params: 12, trainable: 12 },
      { id: "0", name: "0", type: "Linear", parent: "(model)", depth: 1, params: 12, trainable: 12, signature: "a" },
      { id: "1", name: "1", type: "ReLU", parent: "(model)", depth: 1, params: 0, trainable: 0, signature: "b" },
      { id: "2", name: "2", type: "Linear", parent: "(model)", depth: 1, params: 12, trainable: 12, shared_with: "<i>0</i>", signature: "c" },
    ];
    const model = standInModel({ _meta: { kind: "torch", nodes, total_params: 12, trainable_params: 12 }, selected: "" });
    const el = document.createElement("div");
    render({ model, el });
    const marks = [...el.querySelectorAll(".ll-frozen")].map((m) => m.textContent);
    expect(marks).toEqual(["shared with <i>0</i>"]);
    expect(el.querySelector("i")).toBeNull();
  });
});
