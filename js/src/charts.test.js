// The chart renderer crosses once per page: the first chart view asks the kernel for it
// ({type: "vega"}, one binary buffer back); later views, of any widget, reuse it.
import { describe, expect, it } from "vitest";
import { fitWidth, loadEmbed } from "./charts.js";
import { standInModel } from "./standin.js";

const RENDERER = new TextEncoder().encode("export const embed = (el, spec) => ({ drawn: spec });");

/** A model whose kernel answers a renderer request with the bundle as a binary buffer. */
function kernelModel(answers = true) {
  const model = standInModel({ _view: "tabular" });
  model.requests = 0;
  model.send = (msg) => {
    if (msg.type !== "vega") return;
    model.requests += 1;
    if (!answers) return;
    // the reply arrives later, as a custom message with its buffer (a DataView in ipywidgets)
    setTimeout(() => {
      for (const f of model.listeners["msg:custom"] || []) f({ type: "vega" }, [new DataView(RENDERER.buffer)]);
    }, 5);
  };
  return model;
}

describe("the chart renderer", () => {
  it("is asked for once per page and reused by later views", async () => {
    const silent = kernelModel(false); // e.g. a widget restored from a saved notebook
    const first = kernelModel();
    const pending = loadEmbed(silent);
    const embed = await loadEmbed(first);
    expect(await pending).toBe(embed); // one answer serves every view waiting
    expect(embed(null, { a: 1 })).toEqual({ drawn: { a: 1 } });
    const later = kernelModel();
    expect(await loadEmbed(later)).toBe(embed);
    expect(await loadEmbed(first)).toBe(embed);
    expect([silent.requests, first.requests, later.requests]).toEqual([1, 1, 0]);
    expect(first.listeners["msg:custom"] || []).toHaveLength(0); // the listener is gone
  });
});

describe("a chart in a narrow box", () => {
  it("is fitted to the box, and keeps its own width in a wide one", () => {
    const narrow = fitWidth({ width: 420, mark: "bar" }, 470);
    expect(narrow.width).toBe("container");
    expect(narrow.autosize).toEqual({ type: "fit-x", contains: "padding" });
    expect(fitWidth({ width: 420 }, 900)).toEqual({ width: 420 });
    // not laid out yet (width 0): nothing to fit to
    expect(fitWidth({ width: 420 }, 0)).toEqual({ width: 420 });
  });
});
