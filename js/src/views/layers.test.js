// The layers view: histogram bars scale to the tallest count, filters map 0 to grey,
// activation maps are upsampled onto the picture, and a row click selects the layer.
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { lut } from "./image.js";
import { filterPixels, histogramBars, overlayPixels, render } from "./layers.js";

describe("pure parts", () => {
  it("scales histogram bars to the tallest count", () => {
    const bars = histogramBars([1, 4, 2], 30, 100);
    expect(bars.map((b) => b.hgt)).toEqual([25, 100, 50]);
    expect(bars[1].x).toBe(10);
  });
  it("draws filters grey at zero, RGB for three channels", () => {
    const px = filterPixels(Float32Array.from([1, 0, -1]), 3, 1, 1, 1);
    expect(Array.from(px)).toEqual([255, 128, 0, 255]);
  });
  it("upsamples a 2x2 map onto a 4x4 picture (nearest)", () => {
    const map = Float32Array.from([0, 1, 0, 0]);
    const px = overlayPixels(map, 2, 2, null, 4, 4, lut("gray"));
    // top-right quarter is the hot cell: white; the rest black
    expect(px[(0 * 4 + 3) * 4]).toBe(255);
    expect(px[(1 * 4 + 2) * 4]).toBe(255);
    expect(px[(3 * 4 + 0) * 4]).toBe(0);
  });
});

describe("render", () => {
  it("lists layers, marks dead units and draws the selected detail", () => {
    const counts = Float32Array.from([1, 2, 3]);
    const model = standInModel({
      _meta: { layers: [
        { name: "conv", type: "Conv2d", params: 6, mean: 0.5, std: 1, fraction_zero: 0, dead_fraction: 0 },
        { name: "<b>relu</b>", type: "ReLU", params: null, mean: 0.1, std: 0.2, fraction_zero: 0.5, dead_fraction: 0.25 },
      ] },
      selected: "conv",
      _detail: { name: "conv", type: "Conv2d", params: 6, channels: 1 },
      _arrays: {
        hist: { view: counts, dtype: "float32", shape: [3] },
        hist_edges: { view: Float32Array.from([0, 1, 2, 3]), dtype: "float32", shape: [4] },
        filters: { view: new Float32Array(2 * 1 * 3 * 3), dtype: "float32", shape: [2, 1, 3, 3] },
        maps: { view: new Float32Array(1 * 2 * 2), dtype: "float32", shape: [1, 2, 2] },
      },
    });
    const el = document.createElement("div");
    render({ model, el });
    expect(el.querySelectorAll("tbody tr")).toHaveLength(2);
    expect(el.querySelector("tbody b")).toBeNull();
    expect(el.querySelector(".ll-dead").textContent).toBe("25.0%");
    expect(el.querySelector(".ll-hist").dataset.total).toBe("6");
    expect(el.querySelectorAll(".ll-filters figure")).toHaveLength(2);
    expect(el.querySelectorAll(".ll-maps figure")).toHaveLength(1);
    el.querySelectorAll("tbody tr")[1].click();
    expect(model.get("selected")).toBe("<b>relu</b>");
  });
});
