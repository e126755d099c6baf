// Unit tests of the many-texts view: tokens as text (escaped), a click on a token or a
// match sends its message, and the selected text is drawn whole with its tokens coloured.
import { describe, expect, it } from "vitest";
import { standInModel } from "../standin.js";
import { render, textNodes, tokenColour } from "./many_text.js";

describe("many texts", () => {
  it("colours by sign and size", () => {
    expect(tokenColour(1, 1)).toBe("rgba(178,24,43,0.850)");
    expect(tokenColour(-0.5, 1)).toBe("rgba(33,102,172,0.425)");
    expect(tokenColour(0, 0)).toBe("rgba(178,24,43,0.000)");
  });

  it("rebuilds the text exactly from its spans", () => {
    const text = "Great <b>film</b>, dull plot.";
    const spans = [[0, 5], [6, 9], [9, 10], [10, 14], [14, 16], [16, 17], [18, 22], [23, 27], [27, 28]];
    const el = textNodes({ text, spans, values: spans.map((_, j) => j - 4) });
    expect(el.textContent).toBe(text);
    expect(el.querySelector("b")).toBeNull();
    expect(el.querySelectorAll(".ll-texts-tok").length).toBe(spans.length);
  });

  it("lists tokens in order, sends token and select clicks, shows the text", () => {
    const model = standInModel({
      _meta: { output_names: ["neg", "pos"], n_items: 3, method: "shapley" },
      _tokens: { tokens: ["terrible", "<img src=x>", "great"], mean_abs: [0.5, 0.3, 0.1], count: [2, 1, 3] },
      _matches: {},
      _item: {},
      output_index: 1,
    });
    const el = document.createElement("div");
    document.body.append(el);
    const off = render({ model, el });
    const names = [...el.querySelectorAll(".ll-texts-name")].map((s) => s.textContent);
    expect(names).toEqual(["terrible", "<img src=x>", "great"]);
    expect(el.querySelector("img")).toBeNull();
    el.querySelectorAll(".ll-texts-bar")[0].click();
    expect(model.sent[0]).toEqual({ type: "token", token: "terrible" });
    model.set("_matches", { token: "terrible", items: [{ item: 2, value: -0.4, snippet: "so terrible" }] });
    el.querySelector(".ll-texts-match").click();
    expect(model.sent[1]).toEqual({ type: "select", item: 2 });
    model.set("_item", { item: 2, text: "so terrible", spans: [[0, 2], [3, 11]], values: [0.01, -0.4], prediction: 0.2, base: 0.5 });
    expect(el.querySelector(".ll-texts-text").textContent).toBe("so terrible");
    expect(el.querySelector(".ll-texts-item h4").textContent).toContain("pos");
    off();
    expect(el.children.length).toBe(0);
  });
});
