// Unit tests of the many-rows view: ordering, ranges, the swarm's spread, hit testing, and
// a render from a stand-in model (bars in order, escaped names, a click sends `select`).
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { nearest, niceTicks, order, othersSum, range, render, swarm } from "./many.js";
import { applyMessage, emptyStore, pointsOf } from "./many_store.js";

describe("helpers", () => {
  it("orders features by mean |attribution|", () => {
    expect(order(Float32Array.from([0.1, 3, 0.5]))).toEqual([1, 2, 0]);
  });

  it("takes the range of one strided column, skipping NaN", () => {
    const a = Float32Array.from([1, 10, Number.NaN, 20, 3, 30]);
    expect(range(a, 0, 2)).toEqual([1, 3]);
    expect(range(a, 1, 2)).toEqual([10, 30]);
  });

  it("spreads dense bins wider than sparse ones, within [-1, 1]", () => {
    const xs = Float32Array.from([...Array(200).fill(0.5), 0.01]);
    const dy = swarm(xs);
    const dense = Math.max(...Array.from(dy.slice(0, 200), Math.abs));
    expect(dense).toBeGreaterThan(0.9);
    expect(dense).toBeLessThanOrEqual(1);
    expect(Math.abs(dy[200])).toBeLessThan(0.01); // alone in its bin: on the line
  });

  it("finds the nearest dot within the radius only", () => {
    const px = Float32Array.from([0, 10, 20]);
    const py = Float32Array.from([0, 0, 0]);
    expect(nearest(px, py, 11, 1)).toBe(1);
    expect(nearest(px, py, 40, 40)).toBe(-1);
  });
});

describe("render", () => {
  it("draws bars in order with names as text and sends the clicked row", () => {
    const n = 50;
    const d = 3;
    const values = new Float32Array(n * d);
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        data[i * d + j] = i / n;
        values[i * d + j] = (j + 1) * (i / n - 0.5);
      }
    }
    const model = standInModel({
      _meta: { feature_names: ["a", "<img src=x>", "c"], output_names: ["y"], method: "exact" },
      _arrays: {
        values: { view: Array.from(values), dtype: "float32", shape: [n, d] },
        data: { view: Array.from(data), dtype: "float32", shape: [n, d] },
        row: { view: Array.from({ length: n }, (_, i) => i + 100), dtype: "int32", shape: [n] },
        mean_abs: { view: [0.75, 1.5, 2.25], dtype: "float32", shape: [d] },
      },
      _row: {},
    });
    const el = document.createElement("div");
    document.body.append(el);
    render({ model, el });
    const names = [...el.querySelectorAll(".ll-many-bars .ll-many-name")].map((s) => s.textContent);
    expect(names).toEqual(["c", "<img src=x>", "a"]);
    expect(el.querySelector("img")).toBeNull();
    const canvas = el.querySelector("canvas");
    const box = canvas.getBoundingClientRect();
    // the "c" row (first) at its rightmost dot: attribution 3 * (49/50 - 0.5)
    for (let x = box.width - 1; x > 0 && !model.sent.length; x -= 2) {
      canvas.dispatchEvent(new MouseEvent("click", { clientX: box.left + x, clientY: box.top + 13 }));
    }
    expect(model.sent[0].type).toBe("select");
    expect(model.sent[0].row).toBeGreaterThanOrEqual(140);
    el.remove();
  });
});

describe("streamed points", () => {
  const d = 2;
  const chunk = (start, count) => {
    const values = new Float32Array(count * d);
    const data = new Float32Array(count * d);
    const row = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      row[i] = start + i;
      for (let j = 0; j < d; j++) {
        values[i * d + j] = (j + 1) * ((start + i) / 40 - 0.5);
        data[i * d + j] = (start + i) / 40;
      }
    }
    return { values, data, prediction: new Float32Array(count), row };
  };
  const message = (type, start, count, epoch = 1) => {
    const c = chunk(start, count);
    const names = ["values", "data", "prediction", "row"];
    const arrays = {};
    names.forEach((k, i) => {
      arrays[k] = { buffer: i, dtype: k === "row" ? "int32" : "float32", shape: [count] };
    });
    const buffers = names.map((k) => new DataView(c[k].buffer));
    return [{ type, epoch, start, count, arrays, mean_abs: [0.25, 0.5], failed: 0 }, buffers];
  };
  const meta = { feature_names: ["a", "b"], output_names: ["y"], method: "exact" };
  const emit = (model, [msg, bufs]) => {
    for (const f of model.listeners["msg:custom"] || []) f(msg, bufs);
  };

  it("appends each chunk, skips one held, asks once on a gap, and a full replaces", () => {
    const store = emptyStore(d);
    expect(applyMessage(store, ...message("full", 0, 10))).toBe("applied");
    expect(applyMessage(store, ...message("append", 10, 10))).toBe("applied");
    expect(applyMessage(store, ...message("append", 10, 10))).toBe("held");
    expect(applyMessage(store, ...message("append", 30, 10))).toBe("gap");
    expect(applyMessage(store, ...message("append", 20, 10, 2))).toBe("gap"); // another output
    const p = pointsOf(store);
    expect(p.n).toBe(20);
    expect(Array.from(p.row)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(p.values[2 * 19 + 1]).toBeCloseTo(2 * (19 / 40 - 0.5));
  });

  it("a fresh store takes the run's first chunks without the reply to its request", () => {
    // `display(w); w.wait()`: the kernel, busy with the cell, answers no request, while
    // the run's appends still arrive from its thread
    const store = emptyStore(d);
    expect(applyMessage(store, ...message("append", 0, 10, 0))).toBe("applied");
    expect(applyMessage(store, ...message("append", 10, 10, 0))).toBe("applied");
    expect(pointsOf(store).n).toBe(20);
    const late = emptyStore(d); // the first chunk missed: only the full history will do
    expect(applyMessage(late, ...message("append", 10, 10, 0))).toBe("gap");
  });

  it("a view fed chunk by chunk draws the same pixels as one given every point", async () => {
    const live = standInModel({ _meta: meta, _arrays: {}, _row: {} });
    const el1 = document.createElement("div");
    document.body.append(el1);
    render({ model: live, el: el1 });
    expect(live.sent).toEqual([{ type: "points" }]); // no points yet: it asks once
    emit(live, message("full", 0, 0));
    for (let s = 0; s < 40; s += 10) emit(live, message("append", s, 10));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const all = chunk(0, 40);
    const entry = (a, dtype) => ({ view: a, dtype, shape: [a.length] });
    const shot = standInModel({
      _meta: meta,
      _arrays: {
        values: entry(all.values, "float32"),
        data: entry(all.data, "float32"),
        prediction: entry(all.prediction, "float32"),
        row: entry(all.row, "int32"),
        mean_abs: entry(Float32Array.from([0.25, 0.5]), "float32"),
      },
      _row: {},
    });
    const el2 = document.createElement("div");
    document.body.append(el2);
    render({ model: shot, el: el2 });
    expect(el1.querySelector(".ll-many-count").textContent).toContain("40 rows");
    const pixels = (el) =>
      [...el.querySelectorAll("canvas")].map((c) => {
        const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        return Array.from(px).join(",");
      });
    const a = pixels(el1);
    expect(a.length).toBe(2);
    expect(a).toEqual(pixels(el2));
    el1.remove();
    el2.remove();
  });

  it("says when a finished run explained no row", async () => {
    const model = standInModel({ _meta: { ...meta, failed: 3 }, _arrays: {}, _row: {}, _progress: { status: "running" } });
    const el = document.createElement("div");
    render({ model, el });
    expect(el.textContent).toContain("waiting for the first chunk");
    model.set("_progress", { status: "done" });
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    expect(el.textContent).toContain("no row was explained (3 failed)");
  });
});

describe("axes and the others line", () => {
  it("puts round ticks over the range, zero included when crossed", () => {
    expect(niceTicks(-2.3, 2.6)).toEqual([-2, -1, 0, 1, 2]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(120, 980)).toEqual([200, 400, 600, 800]);
    const t = niceTicks(-0.031, 0.047);
    expect(t).toContain(0);
    for (const v of t) expect(v >= -0.031 && v <= 0.047).toBe(true);
  });
  it("sums every feature not shown, row by row", () => {
    // 2 rows x 4 features; shown: 1 and 3
    const values = Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4]);
    expect(Array.from(othersSum(values, 4, 2, [1, 3]))).toEqual([4, -4]);
  });
});
