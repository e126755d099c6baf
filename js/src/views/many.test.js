// Unit tests of the many-rows view: ordering, ranges, the swarm's spread, hit testing, and
// a render from a stand-in model (bars in order, escaped names, a click sends `select`).
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { nearest, order, range, render, swarm } from "./many.js";

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
