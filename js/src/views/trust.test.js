// Unit tests of the trust views: quality badges, the surrogate tree, dependence rows,
// elimination rows and the compare view's panels and agreement table.
import { describe, expect, it } from "vitest";
import { badges, mountQuality } from "../quality.js";
import { standInModel } from "../standin.js";
import { agreementRows, panelArrays, render as renderCompare } from "./compare.js";
import { cellRows, curveRows } from "./dependence.js";
import { eliminationRows } from "./elimination.js";
import { render as renderSurrogate, treeSvg } from "./surrogate.js";

const Q = {
  verdict: "converged",
  additivity: 0.0001,
  stderr: 0.004,
  converged: true,
  computed: true,
  faithful: true,
  deletion: 0.375,
  insertion: 0.625,
  random_deletion: 0.5,
  random_insertion: 0.5,
  curves: {
    fractions: [0, 0.5, 1],
    deletion: [1, 0.3, 0],
    insertion: [0, 0.7, 1],
    random_deletion: [1, 0.5, 0],
    random_insertion_fractions: [0, 0.5, 1],
    random_insertion: [0, 0.5, 1],
  },
};

describe("quality badges", () => {
  it("show the numbers and the verdict", () => {
    const labels = badges(Q).map((b) => b.label);
    expect(labels).toEqual([
      "converged",
      "additivity error 0.01%",
      "stderr 0.4% of |prediction − base| · converged",
      "deletion 0.375 (random 0.5)",
      "insertion 0.625 (random 0.5)",
    ]);
    expect(badges({ ...Q, verdict: "unstable: rerun with more evaluations", converged: false })[0].tone).toBe("bad");
  });

  it("show each standard metric with its parameters on hover", () => {
    const metrics = {
      randomisation: { value: 0.9, passed: false, params: { threshold: 0.5, seed: 0 } },
      max_sensitivity: { value: 0.25, passed: null, params: { radius: 0.1, samples: 10, norm: "l2" } },
      stability: { value: null, note: "needs a tabular row" },
    };
    const shown = badges({ ...Q, metrics }).filter((b) => b.key.startsWith("metric-"));
    expect(shown.map((b) => [b.label, b.tone])).toEqual([
      ["randomisation ρ 0.9 · fails", "bad"],
      ["max-sensitivity 0.25", "neutral"],
    ]);
    expect(shown[1].title).toBe("radius: 0.1\nsamples: 10\nnorm: l2");
    const el = document.createElement("div");
    mountQuality(standInModel({ _meta: { quality: { ...Q, metrics } } }), el);
    expect(el.querySelector('[data-key="metric-randomisation"]').title).toBe("threshold: 0.5\nseed: 0");
  });

  it("ask the kernel for the curves when they were left for a click, and draw them", () => {
    const model = standInModel({ _meta: { quality: { ...Q, computed: false, deletion: null } } });
    const el = document.createElement("div");
    mountQuality(model, el);
    const check = el.querySelector(".ll-quality-check");
    expect(check.hidden).toBe(false);
    check.click();
    expect(model.sent).toEqual([{ type: "quality" }]);
    model.set("_meta", { quality: Q });
    expect(el.querySelector(".ll-quality-check").hidden).toBe(true);
    expect([...el.querySelectorAll(".ll-badge")].map((b) => b.dataset.key)).toContain("deletion");
    el.querySelector(".ll-quality-toggle").click();
    expect(el.querySelectorAll(".ll-quality-curves polyline")).toHaveLength(4);
  });
});

const NODES = [
  { id: 0, depth: 0, leaf: false, test: "age ≤ 40", x: 0.5, n: 10, value: "no", left: 1, right: 2, condition: null },
  { id: 1, depth: 1, leaf: true, x: 0.25, n: 4, value: "<b>no</b>", left: null, right: null, condition: "age ≤ 40" },
  { id: 2, depth: 1, leaf: true, x: 0.75, n: 6, value: "yes", left: null, right: null, condition: "age > 40" },
];

describe("surrogate tree", () => {
  it("draws every node, highlights the path and reports leaf clicks", () => {
    const clicked = [];
    const svg = treeSvg(NODES, [0, 2], { onLeaf: (id) => clicked.push(id) });
    expect(svg.querySelectorAll(".ll-node")).toHaveLength(3);
    expect([...svg.querySelectorAll(".ll-node.ll-hot")].map((g) => g.dataset.id)).toEqual(["0", "2"]);
    expect(svg.querySelectorAll(".ll-edge.ll-hot")).toHaveLength(1);
    expect(svg.querySelector("b")).toBe(null); // names are text, not markup
    svg.querySelector('.ll-node[data-id="1"]').dispatchEvent(new MouseEvent("click"));
    expect(clicked).toEqual([1]);
  });

  it("refits through the depth slider and lists a leaf's rows", () => {
    const meta = {
      nodes: NODES,
      rules: ["if age ≤ 40 then no"],
      fidelity: 0.95,
      fidelity_kind: "accuracy",
      depth: 1,
      max_depth: 8,
      n_test: 3,
      output: "class",
      path: [],
      selected: null,
      leaf: { node: 1, count: 1, columns: ["age"], index: [7], rows: [["33"]] },
    };
    const model = standInModel({ _meta: meta });
    const el = document.createElement("div");
    renderSurrogate({ model, el });
    expect(el.querySelector(".ll-title").textContent).toContain("fidelity 0.950");
    const slider = el.querySelector(".ll-depth");
    slider.value = "3";
    slider.dispatchEvent(new Event("change"));
    expect(model.sent.at(-1)).toEqual({ type: "depth", depth: 3 });
    el.querySelector("tr.ll-row").click();
    expect(model.sent.at(-1)).toEqual({ type: "select", row: 7 });
  });
});

describe("dependence and elimination rows", () => {
  it("leaves out grid points not computed yet", () => {
    const arrays = {
      grid0: { view: [0, 1, 2], dtype: "float32", shape: [3] },
      average: { view: [1, 2, Number.NaN], dtype: "float32", shape: [3] },
      ice: { view: [0, 1, Number.NaN, 2, 3, Number.NaN], dtype: "float32", shape: [2, 3] },
    };
    const { ice, avg } = curveRows({ categorical: false }, arrays);
    expect(avg).toEqual([
      { x: 0, y: 1 },
      { x: 1, y: 2 },
    ]);
    expect(ice).toHaveLength(4);
    expect(ice[2]).toEqual({ row: 1, x: 0, y: 2 });
    const cat = curveRows({ categorical: true, grid_labels: [["a", "b", "c"]] }, arrays);
    expect(cat.avg.map((r) => r.x)).toEqual(["a", "b"]);
  });

  it("lays two features out as cells and marks the recommended count", () => {
    const cells = cellRows({
      grid0: { view: [0, 1], dtype: "float32", shape: [2] },
      grid1: { view: [5, 6], dtype: "float32", shape: [2] },
      average: { view: [1, 2, 3, 4], dtype: "float32", shape: [2, 2] },
    });
    expect(cells[2]).toEqual({ x: 1, y: 5, value: 3 });
    // a categorical second axis is drawn by its labels, the numeric one by its values
    const mixed = cellRows(
      {
        grid0: { view: [0.5, 1.5], dtype: "float32", shape: [2] },
        grid1: { view: [0, 1], dtype: "float32", shape: [2] },
        average: { view: [1, 2, 3, 4], dtype: "float32", shape: [2, 2] },
      },
      { grid_labels: [null, ["blue", "red"]] },
    );
    expect(mixed[1]).toEqual({ x: 0.5, y: "red", value: 2 });
    const { rows, pick } = eliminationRows(
      { n_recommended: 2 },
      {
        n: { view: [1, 2], dtype: "float32", shape: [2] },
        score: { view: [0.5, 0.75], dtype: "float32", shape: [2] },
        std: { view: [0.25, 0], dtype: "float32", shape: [2] },
      },
    );
    expect(rows[0]).toEqual({ n: 1, score: 0.5, lo: 0.25, hi: 0.75 });
    expect(pick).toEqual([{ n: 2, label: "keep 2" }]);
  });
});

describe("compare", () => {
  it("gives each panel its own arrays and tabulates agreement", () => {
    const arrays = { "m0:values": 1, "m1:values": 2, "m1:stderr": 3 };
    expect(panelArrays(arrays, 1)).toEqual({ values: 2, stderr: 3 });
    const records = [
      { method_a: "exact", method_b: "kernel", spearman: 1, top_k: 1, k: 3, sign_disagreements: [] },
      { method_a: "exact", method_b: "lime", spearman: -0.5, top_k: 1 / 3, k: 3, sign_disagreements: ["<i>b</i>"] },
    ];
    expect(agreementRows(records)).toEqual([
      ["exact vs kernel", "1.000", "3/3", "none"],
      ["exact vs lime", "-0.500", "1/3", "<i>b</i>"],
    ]);
    const meta = {
      k: 3,
      agreement: records,
      panels: [
        { label: "exact", view: "text", meta: textMeta(), arrays: ["values"] },
        { label: "kernel", view: null },
      ],
    };
    const model = standInModel({
      _meta: meta,
      _arrays: { "m0:values": { view: [0.5, -0.5], dtype: "float32", shape: [1, 2] } },
    });
    const el = document.createElement("div");
    renderCompare({ model, el });
    expect(el.querySelectorAll(".ll-panel")).toHaveLength(2);
    expect(el.querySelectorAll(".ll-agreement tr")).toHaveLength(3);
    expect(el.querySelector(".ll-agreement i")).toBe(null);
    expect(el.querySelector(".ll-disagree td:last-child").textContent).toBe("<i>b</i>");
  });
});

function textMeta() {
  return {
    text: "good day",
    tokens: ["good", "day"],
    spans: [
      [0, 4],
      [5, 8],
    ],
    output_names: ["pos"],
    predicted: 0,
    method: "occlusion",
  };
}
