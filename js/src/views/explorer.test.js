// Unit tests of the explorer view in Chromium: the virtual table keeps only visible rows in
// the DOM, sorting matches a plain sort, picking finds the nearest point (brute force),
// filters, arrow keys, escaping, and the panel draws the child explanation widget.
import { afterEach, describe, expect, it } from "vitest";
import { render } from "./explorer.js";
import { filterIndices, nearestPoint, sortRows, swarmLayout, visibleRange } from "./explorer_core.js";
import { standInModel } from "../standin.js";
import { gridIndex } from "./explorer_grid.js";
import { legendItems } from "./explorer_scatter.js";

const fakeModel = (state) => standInModel(state);

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function dataset(n, { names = ["a", "b"], seed = 1 } = {}) {
  const r = rng(seed);
  const f32 = (len, fn) => Float32Array.from({ length: len }, fn);
  const table = f32(n * names.length, () => Math.round(r() * 1000) / 10);
  const pred = f32(n, () => (r() < 0.5 ? 0 : 1));
  const label = f32(n, (_, i) => (i % 7 === 0 ? 1 - pred[i] : pred[i]));
  return {
    _view: "explorer",
    // the child explanation widget (a reference for anywidget's host; its model in tests)
    panel: standInModel({ _view: "", _meta: {}, _arrays: {}, _progress: {}, output_index: null }),
    _data_meta: { n, columns: names, categories: {}, kind: "classifier", output_names: ["no", "yes"], axes: ["PC 1", "PC 2"], has_label: true },
    _data_arrays: {
      table: { view: table, dtype: "float32", shape: [n, names.length] },
      xy: { view: f32(2 * n, () => r()), dtype: "float32", shape: [n, 2] },
      pred: { view: pred, dtype: "float32", shape: [n] },
      score: { view: f32(n, () => 0.5 + r() / 2), dtype: "float32", shape: [n] },
      label: { view: label, dtype: "float32", shape: [n] },
      error: { view: f32(n, (_, i) => (label[i] !== pred[i] ? 1 : 0)), dtype: "float32", shape: [n] },
    },
    _global_meta: {},
    _global_arrays: {},
    selected: null,
    filters: { misclassified: false, classes: null, prediction: null },
    output_index: null,
  };
}

let cleanup = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.replaceChildren();
});

function mount(state) {
  const el = document.createElement("div");
  document.body.append(el);
  const model = fakeModel(state);
  cleanup = render({ model, el });
  return { el, model };
}

const shownIndices = (el) => [...el.querySelectorAll(".ll-ex-row")].map((r) => Number(r.dataset.index)).sort((a, b) => a - b);

describe("explorer core", () => {
  it("visibleRange covers the viewport plus overscan", () => {
    expect(visibleRange(0, 20, 100, 1000, 2)).toEqual({ start: 0, end: 8 });
    expect(visibleRange(2000, 20, 100, 1000, 2)).toEqual({ start: 98, end: 108 });
    expect(visibleRange(1e9, 20, 100, 10, 2).end).toBe(10);
  });

  it("sortRows matches a plain stable sort, NaN last, both directions", () => {
    const key = Float32Array.from([3, Number.NaN, 1, 3, -2, 0]);
    const rows = Uint32Array.from([0, 1, 2, 3, 4, 5]);
    expect([...sortRows(rows, key, 1)]).toEqual([4, 5, 2, 0, 3, 1]);
    expect([...sortRows(rows, key, -1)]).toEqual([0, 3, 2, 5, 4, 1]);
    const r = rng(3);
    const big = Float32Array.from({ length: 5000 }, () => Math.floor(r() * 100));
    const all = Uint32Array.from(big.keys());
    const want = [...all].sort((a, b) => big[a] - big[b] || a - b);
    expect([...sortRows(all, big, 1)]).toEqual(want);
  });

  it("nearestPoint agrees with brute force and respects the radius", () => {
    const r = rng(7);
    const n = 2000;
    const xs = Float32Array.from({ length: n }, () => r() * 300);
    const ys = Float32Array.from({ length: n }, () => r() * 300);
    const rows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);
    for (let t = 0; t < 50; t++) {
      const px = r() * 300;
      const py = r() * 300;
      let best = -1;
      let bd = Infinity;
      for (const i of rows) {
        const d = Math.hypot(xs[i] - px, ys[i] - py);
        if (d < bd) [best, bd] = [i, d];
      }
      expect(nearestPoint(xs, ys, rows, px, py)).toBe(best);
    }
    expect(nearestPoint(Float32Array.of(0), Float32Array.of(0), Uint32Array.of(0), 50, 50, 10)).toBe(-1);
  });

  it("filterIndices keeps what each filter says", () => {
    const s = dataset(300);
    const data = {
      n: 300,
      classifier: true,
      pred: s._data_arrays.pred.view,
      score: s._data_arrays.score.view,
      error: s._data_arrays.error.view,
    };
    const every = (f) => [...filterIndices(data, f)];
    expect(every({}).length).toBe(300);
    expect(every({ misclassified: true })).toEqual([...Array(300).keys()].filter((i) => i % 7 === 0));
    expect(every({ classes: [1] })).toEqual([...Array(300).keys()].filter((i) => data.pred[i] === 1));
    const inRange = [...Array(300).keys()].filter((i) => data.score[i] >= 0.6 && data.score[i] <= 0.8);
    expect(every({ prediction: [0.6, 0.8] })).toEqual(inRange);
  });

  it("swarmLayout keeps dots in their feature's band and x monotone in the value", () => {
    const values = Float32Array.from([0.1, -1, 0.5, 2, 0.1, 0]); // (s=3, k=1, d=2)
    const lay = swarmLayout(values, 3, 1, 2, 0, [1, 0], 200, 20);
    for (let r = 0; r < 3; r++) {
      expect(lay.ys[r]).toBeGreaterThanOrEqual(0); // feature 1 in band 0
      expect(lay.ys[r]).toBeLessThanOrEqual(20);
      expect(lay.ys[3 + r]).toBeGreaterThanOrEqual(20);
    }
    expect(lay.xs[0]).toBeLessThan(lay.xs[2]); // -1 < 0 (feature 1)
    expect(lay.xs[2]).toBeLessThan(lay.xs[1]); // 0 < 2
  });
});

describe("explorer view", () => {
  it("keeps only the visible rows in the DOM at 100,000 rows", () => {
    const { el } = mount(dataset(100000));
    const table = el.querySelector(".ll-ex-table");
    const first = shownIndices(el);
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(30);
    expect(first[0]).toBe(0);
    table.scrollTop = 22 * 50000;
    table.dispatchEvent(new Event("scroll"));
    const later = shownIndices(el);
    expect(later.length).toBeLessThan(30);
    expect(later).toContain(50001);
    expect(later[0]).toBeGreaterThan(49000);
    expect(el.textContent).toContain("100,000 of 100,000 rows");
  });

  it("sorts by a column when its header is clicked, then reverses", () => {
    const state = dataset(500);
    const { el } = mount(state);
    const a = state._data_arrays.table.view;
    const heads = [...el.querySelectorAll(".ll-ex-head .ll-ex-cell")];
    const aHead = heads.find((c) => c.textContent.startsWith("a"));
    aHead.click();
    const order = [...Array(500).keys()].sort((i, j) => a[2 * i] - a[2 * j] || i - j);
    const rowsShown = () => [...el.querySelectorAll(".ll-ex-row")].sort((x, y) => Number.parseFloat(x.style.top) - Number.parseFloat(y.style.top)).map((r) => Number(r.dataset.index));
    expect(rowsShown().slice(0, 10)).toEqual(order.slice(0, 10));
    el.querySelector(".ll-ex-head .ll-ex-cell:nth-child(5)").click();
    const desc = [...Array(500).keys()].sort((i, j) => a[2 * j] - a[2 * i] || i - j);
    expect(rowsShown().slice(0, 10)).toEqual(desc.slice(0, 10));
  });

  it("a row click or a scatter click selects; arrow keys step through the table", () => {
    const state = dataset(200);
    const { el, model } = mount(state);
    el.querySelector('.ll-ex-row[data-index="3"]').firstChild.click();
    expect(model.get("selected")).toBe(3);
    expect(model.saved).toBe(1);
    const root = el.querySelector(".ll-explorer");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(model.get("selected")).toBe(4);
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(model.get("selected")).toBe(2);
    // the scatter: click exactly on point 17's pixel position
    const canvas = el.querySelector(".ll-ex-scatter");
    const xy = state._data_arrays.xy.view;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < 200; i++) {
      [x0, x1] = [Math.min(x0, xy[2 * i]), Math.max(x1, xy[2 * i])];
      [y0, y1] = [Math.min(y0, xy[2 * i + 1]), Math.max(y1, xy[2 * i + 1])];
    }
    const box = canvas.getBoundingClientRect();
    const px = ((8 + ((xy[34] - x0) / (x1 - x0)) * 324) * box.width) / 340;
    const py = ((300 - 8 - ((xy[35] - y0) / (y1 - y0)) * 284) * box.height) / 300;
    canvas.dispatchEvent(new MouseEvent("click", { clientX: box.left + px, clientY: box.top + py, bubbles: true }));
    expect(model.get("selected")).toBe(17);
    expect(el.querySelector(".ll-ex-title").textContent).toBe("row 17");
  });

  it("filters from the bar reach the model and the table", () => {
    const { el, model } = mount(dataset(300));
    const box = el.querySelector(".ll-ex-mis");
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(model.get("filters").misclassified).toBe(true);
    expect(el.textContent).toContain("43 of 300 rows");
    expect(shownIndices(el).every((i) => i % 7 === 0)).toBe(true);
  });

  it("names reach the page as text, never as HTML", () => {
    const evil = "<img src=x onerror=window.pwned=1>";
    const state = dataset(20, { names: [evil, "b"] });
    state._data_meta.output_names = [evil, "yes"];
    const { el } = mount(state);
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector(".ll-ex-head").textContent).toContain(evil);
    expect(window.pwned).toBeUndefined();
  });

  it("the panel draws the child widget's view, with its own model", () => {
    const state = dataset(20);
    const { el, model } = mount(state);
    const child = state.panel;
    child.set("_meta", { modality: "text", tokens: [], output_names: ["yes"] });
    const snapshot = () => el.querySelector(".ll-ex-panel .ll-snapshot");
    expect(snapshot().hidden).toBe(true); // nothing selected, nothing to export
    expect(child.sent).toContainEqual({ type: "ready" }); // the child's kernel side hears of its view
    child.set("_view", "text");
    const panel = el.querySelector(".ll-ex-panel");
    expect(panel.querySelector(".ll-widget .ll-body").children.length).toBeGreaterThan(0);
    // the Snapshot control is the child's: it asks the child's kernel side, not the explorer's
    expect(snapshot().hidden).toBe(false);
    snapshot().querySelector("button").click();
    expect(child.sent.at(-1)).toMatchObject({ type: "snapshot", format: "html" });
    expect(model.sent.filter((m) => m.type === "snapshot")).toEqual([]);
    // the panel's view ends with the explorer's: the child hears it went
    cleanup();
    cleanup = null;
    expect(child.sent.at(-1)).toEqual({ type: "detached" });
  });

  it("draws the panel through anywidget's host when the panel is a reference", async () => {
    const state = dataset(20);
    const child = state.panel;
    state.panel = "anywidget:abc";
    const rendered = [];
    const host = {
      getModel: async (ref) => (ref === "anywidget:abc" ? child : null),
      getWidget: async () => ({ render: ({ el }) => rendered.push(el) }),
    };
    const el = document.createElement("div");
    document.body.append(el);
    cleanup = render({ model: fakeModel(state), el, host });
    await new Promise((r) => setTimeout(r, 0));
    expect(rendered).toEqual([el.querySelector(".ll-ex-panel").lastChild]);
    expect(child.listeners["change:output_index"]).toHaveLength(1); // the beeswarm follows its class
  });

  it("draws the beeswarm and a dot click selects its row", () => {
    const state = dataset(50);
    const { el, model } = mount(state);
    const s = 20;
    const vals = Float32Array.from({ length: s * 2 }, (_, p) => (p % 2 === 0 ? (p / 2 - 10) / 10 : 0));
    model.set("_global_meta", { status: "done", features: ["a", "b"] });
    model.set("_global_arrays", {
      swarm_values: { view: vals, dtype: "float32", shape: [s, 1, 2] },
      swarm_index: { view: Int32Array.from({ length: s }, (_, r) => 30 - r), dtype: "int32", shape: [s] },
      swarm_feature: { view: new Float32Array(s * 2).fill(0.5), dtype: "float32", shape: [s, 2] },
    });
    const canvas = el.querySelector(".ll-ex-swarm");
    expect(canvas).not.toBeNull();
    // feature a (largest mean |value|) is the first band; the dot with value 0.9 is row 19
    const box = canvas.getBoundingClientRect();
    const lay = swarmLayout(vals, s, 1, 2, 0, [0, 1], 320, 26);
    const sx = box.width / 450;
    const sy = box.height / (26 * 2 + 16);
    const at = { clientX: box.left + (130 + lay.xs[19]) * sx, clientY: box.top + lay.ys[19] * sy, bubbles: true };
    canvas.dispatchEvent(new MouseEvent("click", at));
    expect(model.get("selected")).toBe(11);
  });
});

describe("explorer data kinds", () => {
  it("texts get a text column, shown as text", () => {
    const state = dataset(3, { names: [] });
    state._data_meta.texts = ["good day", "<b>bad</b> film", ""];
    const { el } = mount(state);
    const heads = [...el.querySelectorAll(".ll-ex-head .ll-ex-cell")].map((c) => c.textContent);
    expect(heads).toContain("text");
    const row = el.querySelector('.ll-ex-row[data-index="1"]');
    expect(row.textContent).toContain("<b>bad</b> film");
    expect(row.querySelector("b")).toBeNull();
  });

  it("images get a thumbnail per visible row with the stack's pixels", () => {
    const state = dataset(4, { names: [] });
    const side = 2;
    const thumbs = Uint8Array.from({ length: 4 * side * side * 3 }, (_, p) => p * 5);
    state._data_arrays.thumbs = { view: thumbs, dtype: "uint8", shape: [4, side, side, 3] };
    const { el } = mount(state);
    const canvas = el.querySelector('.ll-ex-row[data-index="2"] canvas');
    expect(canvas.width).toBe(side);
    const px = canvas.getContext("2d").getImageData(0, 0, side, side).data;
    const base = 2 * side * side * 3;
    expect([px[0], px[1], px[2], px[3]]).toEqual([thumbs[base], thumbs[base + 1], thumbs[base + 2], 255]);
    expect([px[4], px[5], px[6]]).toEqual([thumbs[base + 3], thumbs[base + 4], thumbs[base + 5]]);
  });
});

describe("beeswarm and the selected row", () => {
  it("marks a selected row outside the sample with its own attributions", async () => {
    const state = dataset(50);
    const { el, model } = mount(state);
    const s = 10;
    model.set("_global_meta", { status: "done", features: ["a", "b"] });
    model.set("_global_arrays", {
      swarm_values: { view: Float32Array.from({ length: s * 2 }, (_, p) => (p % 2 ? 0.1 : -0.5)), dtype: "float32", shape: [s, 1, 2] },
      swarm_index: { view: Int32Array.from({ length: s }, (_, r) => r), dtype: "int32", shape: [s] },
      swarm_feature: { view: new Float32Array(s * 2).fill(0.5), dtype: "float32", shape: [s, 2] },
    });
    const canvas = el.querySelector(".ll-ex-swarm");
    const ink = () => {
      const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let p = 3; p < px.length; p += 4) n += px[p] > 0 ? 1 : 0;
      return n;
    };
    const before = ink();
    state.panel.set("_meta", { modality: "tabular" });
    state.panel.set("_arrays", { values: { view: Float32Array.of(0.5, -0.1), dtype: "float32", shape: [1, 2] } });
    model.set("selected", 40); // not in the sample
    const after = ink();
    expect(after).toBeGreaterThan(before);
    model.set("selected", 3); // in the sample: ringed instead
    expect(ink()).toBeGreaterThan(before);
  });
});

describe("thumbnail grid", () => {
  it("gridIndex maps a point to its cell, row-major, and -1 outside", () => {
    // 100 px wide: 3 cells of 28 px per row
    expect(gridIndex(5, 5, 0, 100, 10)).toBe(0);
    expect(gridIndex(60, 5, 0, 100, 10)).toBe(2);
    expect(gridIndex(5, 30, 0, 100, 10)).toBe(3);
    expect(gridIndex(5, 2, 56, 100, 10)).toBe(6); // scrolled two rows down
    expect(gridIndex(90, 5, 0, 100, 10)).toBe(-1); // beyond the last full column
    expect(gridIndex(5, 100, 0, 100, 10)).toBe(9); // the fourth row holds only image 9
    expect(gridIndex(30, 100, 0, 100, 10)).toBe(-1); // past the last image
  });

  it("is hidden for tables and a click on an image selects its row", () => {
    const { el: plain } = mount(dataset(10));
    expect(plain.querySelector(".ll-ex-grid").style.display).toBe("none");
    cleanup();
    cleanup = null;
    const state = dataset(12, { names: [] });
    const side = 2;
    state._data_arrays.thumbs = { view: new Uint8Array(12 * side * side), dtype: "uint8", shape: [12, side, side, 1] };
    state.filters = { misclassified: true }; // rows 0 and 7 only
    const { el, model } = mount(state);
    const grid = el.querySelector(".ll-ex-grid");
    expect(grid.style.display).toBe("");
    const canvas = grid.querySelector("canvas");
    const box = canvas.getBoundingClientRect();
    const sx = box.width / (canvas.width / (window.devicePixelRatio || 1));
    canvas.dispatchEvent(new MouseEvent("click", { clientX: box.left + 40 * sx, clientY: box.top + 10, bubbles: true }));
    expect(model.get("selected")).toBe(7); // the second kept image
  });
});

describe("the scatter's legend", () => {
  const base = { n: 4, meta: { output_names: ["no", "<b>yes</b>"], has_label: true } };
  it("names each predicted class shown, in class order", () => {
    const data = { ...base, classifier: true, pred: Float32Array.from([1, 0, 1, 1]) };
    const items = legendItems(data, "class");
    expect(items.map((i) => i.label)).toEqual(["predicted no", "predicted <b>yes</b>"]);
    expect(items[0].colour).not.toBe(items[1].colour);
  });
  it("says what red means when coloured by error", () => {
    const data = { ...base, classifier: true, pred: new Float32Array(4), error: new Float32Array(4) };
    expect(legendItems(data, "error").map((i) => i.label)).toEqual(["wrong", "right"]);
  });
  it("gives a regressor's score range as a ramp", () => {
    const data = { n: 3, meta: { output_names: ["price"] }, classifier: false, score: Float32Array.from([1, 5, 3]) };
    const [ramp] = legendItems(data, "score");
    expect(ramp).toMatchObject({ ramp: true, lo: 1, hi: 5, label: "prediction (price)" });
  });
});
