// Unit tests of the Snapshot control: what it asks the kernel for, what it downloads, what
// it says on failure, and where it hides.
import { describe, expect, it } from "vitest";
import { download, mountSnapshot } from "./snapshot.js";
import { standInModel } from "./standin.js";

const reply = (model, msg, buffers) => {
  for (const f of model.listeners["msg:custom"] || []) f(msg, buffers);
};

function mount(state, opts) {
  const model = standInModel(state);
  const el = document.createElement("div");
  document.body.append(el);
  const saved = [];
  const off = mountSnapshot(model, el, { save: (...a) => saved.push(a), ...opts });
  return { model, el, saved, off, q: (s) => el.querySelector(s) };
}

describe("snapshot control", () => {
  it("asks the kernel for the chosen format with the chart on screen", () => {
    const { model, q } = mount({ _view: "tabular" }, { options: () => ({ kind: "waterfall" }) });
    q(".ll-snapshot-format").value = "png";
    q(".ll-snapshot-button").click();
    expect(model.sent).toHaveLength(1);
    const { id, ...asked } = model.sent[0];
    expect(asked).toEqual({ type: "snapshot", format: "png", kind: "waterfall" });
    expect(typeof id).toBe("string");
    expect(q(".ll-snapshot-button").disabled).toBe(true);
    expect(q(".ll-snapshot-status").textContent).toBe("preparing…");
  });

  it("downloads the kernel's bytes under its file name and type", () => {
    const { model, q, saved } = mount({ _view: "text" });
    q(".ll-snapshot-button").click();
    const { id } = model.sent[0];
    const bytes = new DataView(new TextEncoder().encode("<!doctype html>").buffer);
    reply(model, { type: "snapshot", id, format: "html", filename: "limelight-shapley.html" }, [bytes]);
    expect(saved).toHaveLength(1);
    expect(saved[0][0]).toBe(bytes);
    expect(saved[0].slice(1)).toEqual(["limelight-shapley.html", "text/html"]);
    expect(q(".ll-snapshot-button").disabled).toBe(false);
    expect(q(".ll-snapshot-status").textContent).toBe("saved limelight-shapley.html");
  });

  it("shows the kernel's error and downloads nothing", () => {
    const { model, q, saved } = mount({ _view: "image" });
    q(".ll-snapshot-button").click();
    const { id } = model.sent[0];
    reply(model, { type: "snapshot", id, format: "png", error: "snapshot failed: needs vl-convert" }, []);
    expect(saved).toEqual([]);
    expect(q(".ll-snapshot-status").textContent).toBe("snapshot failed: needs vl-convert");
    expect(q(".ll-snapshot-status").classList.contains("ll-snapshot-error")).toBe(true);
    // other widgets' messages are not ours
    reply(model, { type: "other" }, []);
    expect(q(".ll-snapshot-status").textContent).toBe("snapshot failed: needs vl-convert");
  });

  it("downloads only the replies to its own requests (a widget shown twice)", () => {
    const first = mount({ _view: "tabular" });
    const model = first.model;
    const el = document.createElement("div");
    const saved = [];
    mountSnapshot(model, el, { save: (...a) => saved.push(a) });
    el.querySelector(".ll-snapshot-button").click();
    const { id } = model.sent[0];
    const bytes = new DataView(new ArrayBuffer(4));
    reply(model, { type: "snapshot", id, format: "json", filename: "limelight-exact.json" }, [bytes]);
    expect(saved).toHaveLength(1);
    expect(first.saved).toEqual([]);
    expect(first.q(".ll-snapshot-status").textContent).toBe("");
  });

  it("hides on pages with no kernel and on views it cannot export", () => {
    expect(mount({ _view: "tabular", _static: true }).q(".ll-snapshot").hidden).toBe(true);
    const { model, q, off, el } = mount({ _view: "explorer" });
    expect(q(".ll-snapshot").hidden).toBe(true);
    model.set("_view", "importance");
    expect(q(".ll-snapshot").hidden).toBe(false);
    off();
    expect(el.querySelector(".ll-snapshot")).toBe(null);
    expect(model.listeners["msg:custom"]).toEqual([]);
  });
});

describe("download", () => {
  it("clicks a link to a blob with the bytes and the file name", async () => {
    const click = HTMLAnchorElement.prototype.click;
    let link = null;
    HTMLAnchorElement.prototype.click = function () {
      link = { href: this.href, name: this.download, attached: this.isConnected };
    };
    try {
      download(new TextEncoder().encode('{"a":1}'), "exp.json", "application/json");
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
    expect(link.name).toBe("exp.json");
    expect(link.attached).toBe(false);
    const blob = await (await fetch(link.href)).blob();
    expect(blob.type).toBe("application/json");
    expect(await blob.text()).toBe('{"a":1}');
  });
});
