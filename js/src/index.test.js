// The whole widget (index.js) with its own CSS, in Chromium: what the code marks `hidden`
// is not displayed, even where the stylesheet gives the element a display of its own.
import { describe, expect, it } from "vitest";
import widget from "./index.js";
import { standInModel } from "./standin.js";

function mount(state) {
  const model = standInModel(state);
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  return { model, el, cleanup, shown: (s) => getComputedStyle(el.querySelector(s)).display !== "none" };
}

describe("widget shell", () => {
  it("hides the snapshot control on a kernel-less page and the idle progress strip", () => {
    const { shown, cleanup } = mount({ _view: "", _static: true, _progress: {} });
    expect(shown(".ll-snapshot")).toBe(false);
    expect(shown(".ll-progress")).toBe(false);
    cleanup();
  });

  it("shows them, with Cancel, while a kernel computes", () => {
    const { shown, model, cleanup, el } = mount({ _view: "", _progress: {} });
    model.set("_view", "importance");
    model.set("_progress", { status: "running", n_evals: 1, budget: 10, elapsed: 0.1 });
    expect(shown(".ll-snapshot")).toBe(true);
    expect(shown(".ll-progress")).toBe(true);
    expect(shown(".ll-cancel")).toBe(true);
    model.set("_progress", { status: "done", n_evals: 10, budget: 10, elapsed: 0.2 });
    expect(shown(".ll-cancel")).toBe(false);
    expect(el.querySelector(".ll-widget")).not.toBeNull();
    cleanup();
  });
});
