// The monitor view: chunks of binary points are appended once (duplicates and gaps
// handled), smoothing and decimation keep the line's shape, and render() draws every
// point it was sent, on one canvas per metric; the model's feed holds the points sent
// before any view (a busy kernel answers no request) and every view draws them.
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { decimate, ema, initialize, render, SeriesStore, ticks } from "./monitor.js";

function chunk(start, steps, series, values, names) {
  return [
    { type: "points", start, n: steps.length, series: names },
    [Float64Array.from(steps).buffer, Int32Array.from(series).buffer, Float64Array.from(values).buffer],
  ];
}

describe("SeriesStore", () => {
  it("appends new points once and refuses gaps", () => {
    const s = new SeriesStore();
    const names = [
      ["a", "loss"],
      ["b", "loss"],
    ];
    expect(s.append(...chunk(0, [0, 0, 1], [0, 1, 0], [1, 2, 3], names))).toBe(3);
    expect(s.append(...chunk(0, [0, 0, 1, 1], [0, 1, 0, 1], [1, 2, 3, 4], names))).toBe(1); // history again
    expect(s.append(...chunk(9, [5], [0], [1], names))).toBe(-1);
    expect(s.total).toBe(4);
    expect(Array.from(s.lines[0].values.subarray(0, s.lines[0].n))).toEqual([1, 3]);
    expect(Array.from(s.lines[1].values.subarray(0, s.lines[1].n))).toEqual([2, 4]);
    expect(s.metrics()).toEqual(["loss"]);
    expect(s.runs()).toEqual(["a", "b"]);
  });
  it("keeps float64 values: a loss of 1e300 or 1e-50 is not float32's", () => {
    const s = new SeriesStore();
    s.append(...chunk(0, [0, 1, 2], [0, 0, 0], [1e300, 1e-50, Number.NaN], [["r", "loss"]]));
    const v = s.lines[0].values;
    expect([v[0], v[1]]).toEqual([1e300, 1e-50]);
    expect(Number.isNaN(v[2])).toBe(true);
    expect(ema(v, 2, 0.5)[0]).toBe(1e300); // smoothing keeps the range too
  });
  it("grows past its first capacity", () => {
    const s = new SeriesStore();
    const n = 5000;
    const steps = Array.from({ length: n }, (_, i) => i);
    s.append(...chunk(0, steps, new Array(n).fill(0), steps, [["r", "m"]]));
    expect(s.lines[0].n).toBe(n);
    expect(s.lines[0].values[n - 1]).toBe(n - 1);
  });
});

describe("ema and decimate", () => {
  it("smooths like TensorBoard's debiased average", () => {
    const out = ema(Float32Array.from([1, 1, 1]), 3, 0.9);
    for (const v of out) expect(v).toBeCloseTo(1, 5);
    const step = ema(Float32Array.from([0, 10]), 2, 0.5);
    expect(step[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25), 5);
  });
  it("keeps every column's min and max", () => {
    const n = 100_000;
    const steps = new Float64Array(n);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = i;
      values[i] = Math.sin(i / 1000) + (i === 54321 ? 5 : 0);
    }
    const pts = decimate(steps, values, n, 0, n - 1, 200);
    expect(pts.length / 2).toBeLessThanOrEqual(200 * 4 + 4);
    let max = -1;
    for (let i = 1; i < pts.length; i += 2) max = Math.max(max, pts[i]);
    expect(max).toBeCloseTo(values[54321], 5); // the spike survives
  });
  it("makes round ticks", () => {
    expect(ticks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});

describe("render", () => {
  it("draws every point sent, one panel per metric, and asks again after a gap", async () => {
    const model = standInModel({ _view: "monitor", _meta: { title: "<b>t</b>" }, _arrays: {} });
    const el = document.createElement("div");
    el.style.width = "800px";
    document.body.append(el);
    const cleanup = render({ model, el });
    const names = [
      ["run <i>1</i>", "loss"],
      ["run <i>1</i>", "acc"],
    ];
    const send = (...args) => {
      for (const f of model.listeners["msg:custom"]) f(...args);
    };
    send(...chunk(0, [0, 0, 1, 1], [0, 1, 0, 1], [2, 0.1, 1, 0.2], names));
    send(...chunk(2, [1, 1, 2], [0, 1, 0], [1, 0.2, 0.5], names)); // overlaps by two
    send(...chunk(99, [9], [0], [1], names));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const root = el.querySelector(".ll-monitor");
    expect(root.dataset.points).toBe("5");
    expect(el.querySelectorAll(".ll-monitor-panel canvas")).toHaveLength(2);
    expect(el.querySelector(".ll-monitor-legend").textContent).toBe("run <i>1</i>");
    expect(el.querySelector("i")).toBeNull(); // names are text, not markup
    expect(el.querySelector(".ll-monitor-title").textContent).toBe("<b>t</b>");
    expect(model.sent).toEqual([{ type: "ready", have: 5 }]); // the gap: from what it holds
    // something was drawn on the loss canvas
    const c = el.querySelector('[data-metric="loss"] canvas');
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) ink += px[i] > 0 ? 1 : 0;
    expect(ink).toBeGreaterThan(100);
    cleanup();
    el.remove();
  });
  it("shows the points an export carries", () => {
    const model = standInModel({
      _meta: { series: [["r", "m"]] },
      _arrays: {
        step: { view: Float32Array.from([0, 1, 2]), dtype: "float32", shape: [3] }, // as exports narrow it
        series: { view: Int32Array.from([0, 0, 0]), dtype: "int32", shape: [3] },
        value: { view: Float32Array.from([3, 2, 1]), dtype: "float32", shape: [3] },
      },
    });
    const el = document.createElement("div");
    document.body.append(el);
    render({ model, el });
    expect(el.querySelector(".ll-monitor").dataset.points).toBe("3");
    expect(el.querySelector(".ll-monitor-count").textContent).toBe("3 points");
    const line = el.querySelector(".ll-monitor").dataset;
    expect(Number(line.drawn)).toBeGreaterThan(0); // the line itself, not only the axes
    el.remove();
  });
});

const frameDone = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const history = (steps, series, values, names, total = steps.length) => ({
  total,
  names,
  step: { view: Float64Array.from(steps), dtype: "float64", shape: [steps.length] },
  series: { view: Int32Array.from(series), dtype: "int32", shape: [steps.length] },
  value: { view: Float64Array.from(values), dtype: "float64", shape: [steps.length] },
});

describe("the model's feed", () => {
  it("holds what the kernel sent before any view, and every view draws it", async () => {
    const names = [["r", "loss"]];
    // the state at creation: two points, then three sent while no view exists
    const model = standInModel({ _view: "monitor", _meta: {}, _arrays: {}, _uid: "u1", _history: history([0, 1], [0, 0], [4, 3], names) });
    const stop = initialize({ model });
    const send = (...args) => {
      for (const f of model.listeners["msg:custom"]) f(...args);
    };
    send(...chunk(2, [2, 3, 4], [0, 0, 0], [2, 1, 0.5], names));
    const views = [document.createElement("div"), document.createElement("div")];
    const cleanups = views.map((el) => {
      document.body.append(el);
      return render({ model, el });
    });
    for (const el of views) expect(el.querySelector(".ll-monitor").dataset.points).toBe("5");
    send(...chunk(5, [5], [0], [0.25], names)); // drawn by both, held once
    await frameDone();
    for (const el of views) expect(el.querySelector(".ll-monitor-count").textContent).toBe("6 points");
    expect(model.listeners["msg:custom"]).toHaveLength(1);
    expect(model.sent).toEqual([]); // nothing asked of the kernel
    cleanups[0]();
    const late = document.createElement("div"); // a view attached after the others
    document.body.append(late);
    const cleanLate = render({ model, el: late });
    expect(late.querySelector(".ll-monitor").dataset.points).toBe("6");
    cleanups[1]();
    cleanLate();
    stop();
    expect(model.listeners["msg:custom"]).toHaveLength(0);
    for (const el of [...views, late]) el.remove();
  });
  it("asks once for what a restored state did not carry", () => {
    const names = [["r", "loss"]];
    const model = standInModel({ _view: "monitor", _uid: "u2", _history: history([0, 1], [0, 0], [4, 3], names, 9) });
    const stop = initialize({ model });
    expect(model.sent).toEqual([{ type: "ready", have: 2 }]);
    for (const f of model.listeners["msg:custom"]) f(...chunk(9, [9], [0], [1], names)); // still the gap
    expect(model.sent).toHaveLength(1);
    for (const f of model.listeners["msg:custom"]) f(...chunk(2, [2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1], names));
    for (const f of model.listeners["msg:custom"]) f(...chunk(9, [9], [0], [1], names));
    expect(model.sent).toHaveLength(1);
    stop();
  });
});
