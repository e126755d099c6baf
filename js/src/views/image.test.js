// Unit tests of the image view's pure parts: colour tables, outlier scale, colourising.
import { describe, expect, it } from "vitest";
import { colourise, decodeArray, legendRamp, lut, scaleFor, shownWidth } from "./image.js";

describe("lut", () => {
  it("runs from the first stop to the last", () => {
    const t = lut("gray");
    expect(Array.from(t.slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(t.slice(765, 768))).toEqual([255, 255, 255]);
    expect(t[128 * 3]).toBeGreaterThan(120);
    expect(t[128 * 3]).toBeLessThan(136);
  });
  it("is white in the middle of the diverging map", () => {
    const t = lut("diverging");
    const mid = Array.from(t.slice(127 * 3, 128 * 3));
    for (const c of mid) expect(c).toBeGreaterThan(230);
  });
});

describe("scaleFor", () => {
  it("ignores the top 2% of magnitudes (captum's outlier normalisation)", () => {
    const v = new Float32Array(1000);
    for (let i = 0; i < 1000; i++) v[i] = i < 980 ? (i % 2 ? -1 : 1) : 1000;
    expect(scaleFor(v, "all")).toBeGreaterThan(0.99);
    expect(scaleFor(v, "all")).toBeLessThan(1000 * 0.01);
  });
  it("only counts the selected sign", () => {
    const v = Float32Array.from([-4, -4, -4, 1, 1, 1]);
    expect(scaleFor(v, "positive", 1)).toBeCloseTo(1, 2);
    expect(scaleFor(v, "negative", 1)).toBeCloseTo(4, 2);
    expect(scaleFor(new Float32Array(4), "all")).toBe(1);
  });
});

describe("colourise", () => {
  it("maps sign to the diverging ends and magnitude to alpha", () => {
    const px = colourise(Float32Array.from([-1, 0, 1, 0.5]), "all", "auto", 1);
    expect(px[0 * 4 + 2]).toBeGreaterThan(px[0 * 4]); // negative: blue
    expect(px[2 * 4]).toBeGreaterThan(px[2 * 4 + 2]); // positive: red
    expect([px[3], px[7], px[11], px[15]]).toEqual([255, 0, 255, 128]);
  });
  it("hides the other sign in positive mode and clips outliers", () => {
    const px = colourise(Float32Array.from([-3, 3, NaN]), "positive", "gray", 1);
    expect([px[3], px[7], px[11]]).toEqual([0, 255, 0]);
  });
});

describe("decodeArray", () => {
  it("reads a DataView over float32 bytes", () => {
    const src = Float32Array.from([1.5, -2]);
    const out = decodeArray({ view: new DataView(src.buffer), dtype: "float32", shape: [2] });
    expect(Array.from(out)).toEqual([1.5, -2]);
  });
});

describe("shownWidth", () => {
  it("draws small pictures at least 256 px wide, by a whole factor", () => {
    expect(shownWidth(8)).toBe(256); // an 8x8 digit: 32x, crisp
    expect(shownWidth(28)).toBe(280); // MNIST: 10x
    expect(shownWidth(100)).toBe(300);
    expect(shownWidth(224)).toBe(448);
    expect(shownWidth(256)).toBe(256);
    expect(shownWidth(640)).toBe(640);
  });
});

describe("legendRamp", () => {
  it("runs from -scale to +scale for both signs, 0 to scale for one", () => {
    const all = legendRamp("all", 2, 5);
    expect(Array.from(all)).toEqual([-2, -1, 0, 1, 2]);
    expect(Array.from(legendRamp("positive", 3, 4))).toEqual([0, 1, 2, 3]);
    expect(legendRamp("negative", 3, 4)[3]).toBe(-3);
    // coloured as the map: blue at the low end, red at the high end
    const px = colourise(all, "all", "auto", 2);
    expect(px[2]).toBeGreaterThan(px[0]);
    expect(px[16]).toBeGreaterThan(px[18]);
  });
});
