// Unit tests of the tabular view's rows (what the charts draw) and the progress strip.
import { describe, expect, it } from "vitest";
import { fraction, formatProgress, mountProgress } from "../progress.js";
import { standInModel } from "../standin.js";
import { MAX_BARS, barRows, fmt, ranked, sumNote, waterfallRows } from "./tabular.js";

const COLOURS = ["blue", "red"];
const META = { feature_names: ["a", "b", "c", "d"], feature_values: ["1", "x", "2.5", "0"] };

const fakeModel = (state) => standInModel(state);

describe("additivity line", () => {
  it("puts '=' only between numbers that are equal as shown", () => {
    expect(sumNote(0.5 + 0.25, 0.75, "")).toBe("sum of attributions 0.75 = prediction − base value 0.75");
    expect(sumNote(4.732, 4.541, "")).toBe("sum of attributions 4.732; prediction − base value 4.541");
  });

  it("says a method is not additive instead of an equals sign (LIME)", () => {
    const line = sumNote(4.732, 4.541, "LIME is not additive");
    expect(line).toBe("sum of attributions 4.732; prediction − base value 4.541 (LIME is not additive)");
    expect(line).not.toContain("=");
  });
});

describe("rows", () => {
  const values = Float32Array.from([0.5, -2, 0.25, -0.125]);

  it("ranks by absolute value and keeps the rest as one row", () => {
    expect(ranked(values, 2)).toEqual({ keep: [1, 0], rest: [2, 3] });
    const rows = barRows(META, values, null, 2, COLOURS);
    expect(rows.map((r) => r.feature)).toEqual(["b = x", "a = 1", "2 other features"]);
    expect(rows[2].value).toBeCloseTo(0.125);
    expect(rows.map((r) => r.colour)).toEqual(["blue", "red", "red"]);
  });

  it("draws at most MAX_BARS bars for 'all', summing the rest", () => {
    const many = Float32Array.from({ length: 20_000 }, (_, i) => (i % 7) - 3 + i * 1e-6);
    const names = { feature_names: Array.from({ length: 20_000 }, (_, i) => `f${i}`) };
    const rows = barRows(names, many, null, 0, COLOURS);
    expect(rows).toHaveLength(MAX_BARS + 1);
    expect(rows.at(-1).feature).toBe(`${20_000 - MAX_BARS} other features`);
    const total = many.reduce((s, v) => s + v, 0);
    expect(rows.reduce((s, r) => s + r.value, 0)).toBeCloseTo(total, 1);
  });

  it("shows every feature when the cut would hide only one", () => {
    expect(barRows(META, values, null, 3, COLOURS)).toHaveLength(4);
  });

  it("carries standard errors as whiskers", () => {
    const rows = barRows(META, values, Float32Array.from([0.1, 0.1, 0.1, 0.1]), 0, COLOURS);
    expect(rows[0].lo).toBeCloseTo(-2.1);
    expect(rows[0].hi).toBeCloseTo(-1.9);
  });

  it("walks the waterfall from the base value to the prediction", () => {
    const base = 1;
    const pred = base + values.reduce((s, v) => s + v, 0);
    const w = waterfallRows(META, values, base, pred, 0, COLOURS);
    expect(w.rows[0].start).toBe(base);
    expect(w.rows.at(-1).end).toBeCloseTo(pred);
    expect(w.gap).toBeCloseTo(0);
    // the largest step is drawn on top (highest order)
    expect(w.rows.at(-1).feature).toBe("b = x");
    expect(Math.max(...w.rows.map((r) => r.order))).toBe(w.rows[0].order);
  });

  it("formats numbers compactly", () => {
    expect(fmt(0.5)).toBe("0.5");
    expect(fmt(-2)).toBe("-2");
    expect(fmt(1234.5678)).toBe("1234.6");
    expect(fmt(0.00001234)).toBe("1.23e-5");
  });
});

describe("progress strip", () => {
  it("says how far the run is", () => {
    const p = { status: "running", n_evals: 1024, budget: 4096, elapsed: 1.25, stderr: 0.00312 };
    expect(formatProgress(p)).toBe("running · 1,024 / 4,096 evals · 1.3 s · max stderr 0.0031");
    expect(fraction(p)).toBe(0.25);
    expect(fraction({ status: "running" })).toBe(null);
  });

  it("cancels through a message to Python and shows failures", () => {
    const model = fakeModel({ _progress: { status: "running", n_evals: 10, budget: 100 } });
    const el = document.createElement("div");
    mountProgress(model, el);
    const button = el.querySelector(".ll-cancel");
    expect(button.hidden).toBe(false);
    button.click();
    expect(model.sent).toEqual([{ type: "cancel" }]);
    expect(el.querySelector(".ll-progress-bar").style.width).toBe("10%");
    model.set("_progress", { status: "error", message: "x has 3 features <b>but</b> 4" });
    const err = el.querySelector(".ll-error");
    expect(err.hidden).toBe(false);
    expect(err.textContent).toBe("x has 3 features <b>but</b> 4");
    expect(err.querySelector("b")).toBe(null);
    expect(button.hidden).toBe(true);
  });
});
