// The chart renderer crosses once per page: the first chart view asks the kernel for it
// ({type: "vega"}, one binary buffer back); later views, of any widget, reuse it.
import { describe, expect, it } from "vitest";
import { catchRenderer, fitWidth, loadEmbed } from "./charts.js";
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

describe("the renderer sent unasked", () => {
  it("is kept from the model's creation: a later view asks nothing", async () => {
    globalThis[Symbol.for("limelight.vega.page")] = null; // a fresh page
    const first = kernelModel(false); // a busy kernel: no reply to any request
    const off = catchRenderer(first);
    // sent before any view exists (the widget displayed, the cell still running)
    for (const f of first.listeners["msg:custom"]) f({ type: "vega" }, [new DataView(RENDERER.buffer)]);
    const view = kernelModel(false);
    const embed = await loadEmbed(view);
    expect(embed(null, { b: 2 })).toEqual({ drawn: { b: 2 } });
    expect([first.requests, view.requests]).toEqual([0, 0]);
    off();
    expect(first.listeners["msg:custom"]).toHaveLength(0);
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
