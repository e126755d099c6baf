// Chart views draw Vega-Lite specs that altair built in Python (`_specs`), with the data
// filled in here from binary buffers. The renderer (vega-embed, ~0.9 MB) is not widget
// state: it crosses once per page. An exported page puts its text on globalThis; in a
// notebook the first chart view asks the kernel (`{type: "vega"}`) and gets it as one
// binary buffer; the kernel also sends it unasked to its first chart widget, since a busy
// kernel answers no request (catchRenderer). It is imported from a Blob URL and cached on
// globalThis, so later views (any widget, any cell) reuse it. No CDN, no network.
import { h, isDark, onThemeChange } from "./theme.js";

const KEY = Symbol.for("limelight.vega.page");
/** Where a page without a kernel (an HTML export) leaves the renderer's source text. */
export const CODE = Symbol.for("limelight.vega.code");
/** How long a view waits for the kernel's reply before saying why no chart is drawn. */
export const WAIT_MS = 20_000;

/** The page's one renderer request: resolved by whichever asked model answers first. */
function pageRenderer() {
  const g = globalThis;
  if (!g[KEY]) {
    let settle;
    const source = new Promise((resolve) => {
      settle = resolve;
    });
    const embed = source.then((code) => {
      const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      return import(/* @vite-ignore */ url).then((m) => m.embed);
    });
    g[KEY] = { settle, embed, asked: new WeakSet(), settled: false };
    embed.catch(() => {
      g[KEY] = null; // a broken bundle: the next view asks again
    });
  }
  return g[KEY];
}

function ask(model, shared) {
  if (shared.asked.has(model)) return;
  shared.asked.add(model);
  const onMessage = (msg, buffers) => {
    if (msg?.type !== "vega" || !buffers?.[0]) return;
    model.off("msg:custom", onMessage);
    shared.settled = true;
    shared.settle(buffers[0]);
  };
  model.on("msg:custom", onMessage);
  model.send({ type: "vega" });
}

/**
 * A model's hook from its creation (anywidget `initialize`): the kernel sends the renderer
 * unasked to its first chart widget (a kernel busy with the user's cell answers no request
 * until the cell ends), maybe before any view exists; the page keeps it. Returns `off`.
 */
export function catchRenderer(model) {
  const onMessage = (msg, buffers) => {
    if (msg?.type !== "vega" || !buffers?.[0]) return;
    const shared = pageRenderer();
    if (shared.settled) return;
    shared.settled = true;
    shared.settle(buffers[0]);
  };
  model.on("msg:custom", onMessage);
  return () => model.off("msg:custom", onMessage);
}

/** The renderer's `embed`, loaded once per page (see the top of this file). */
export function loadEmbed(model) {
  const shared = pageRenderer();
  if (!shared.settled) {
    const code = globalThis[CODE] || model.get("_vega");
    if (code) {
      shared.settled = true;
      shared.settle(code);
    } else {
      ask(model, shared);
    }
  }
  return shared.embed;
}

/** Vega config that follows the notebook theme (transparent background, readable axes). */
export function themeConfig(el) {
  const dark = isDark(el);
  const fg = dark ? "#e0e0e0" : "#333333";
  const grid = dark ? "#444444" : "#e6e6e6";
  return {
    background: null,
    font: "system-ui, -apple-system, Segoe UI, sans-serif",
    view: { stroke: null },
    axis: { labelColor: fg, titleColor: fg, gridColor: grid, domainColor: grid, tickColor: grid },
    legend: { labelColor: fg, titleColor: fg },
    title: { color: fg },
    text: { color: fg },
    rule: { color: fg },
  };
}

/**
 * A chart slot: `draw(spec, datasets)` embeds the spec (once per spec object) and then
 * only swaps the named datasets, so streaming partials redraw without rebuilding.
 */
/** Room a chart needs beside its plot (feature names on the left, labels, legend). */
export const CHART_MARGIN = 200;

/**
 * A spec drawn in a box narrower than its plot plus labels (a compare panel, a side
 * panel) is fitted to the box instead of being clipped at its edge; wider boxes keep
 * the spec's own width. Returns the spec (changed in place).
 */
export function fitWidth(spec, boxWidth) {
  if (typeof spec.width === "number" && boxWidth > 0 && boxWidth < spec.width + CHART_MARGIN) {
    spec.width = "container";
    spec.autosize = { type: "fit-x", contains: "padding" };
  }
  return spec;
}

export function chartSlot(model, el) {
  let current = null; // {spec, view, finalize}
  let room = 0; // the box's width at the last draw that could measure it
  let pending = Promise.resolve();
  let dead = false;

  async function draw(spec, datasets, configKey = "") {
    // e.g. a saved notebook opened without running it: no kernel-side widget answers
    const late = setTimeout(() => {
      if (!current) el.textContent = "waiting for the chart renderer from the kernel (run the cell to draw the chart)";
    }, WAIT_MS);
    const embed = await loadEmbed(model).finally(() => clearTimeout(late));
    if (dead) return;
    const key = `${configKey}`;
    if (!current || current.spec !== spec || current.key !== key) {
      current?.finalize();
      el.replaceChildren();
      // the room from the parent (vega-embed makes `el` an inline-block shrunk to its chart);
      // a redraw while the page re-lays itself out (a theme switch) measures 0: keep the last
      room = el.parentElement?.clientWidth || el.clientWidth || room;
      const copy = fitWidth(structuredClone(spec), room);
      copy.datasets = { ...(copy.datasets || {}), ...datasets };
      const res = await embed(el, copy, {
        actions: false,
        renderer: "svg",
        config: themeConfig(el),
        tooltip: { theme: isDark(el) ? "dark" : "light" },
      });
      if (dead) {
        res.finalize();
        return;
      }
      current = { spec, key, view: res.view, finalize: () => res.finalize() };
      return;
    }
    for (const [name, values] of Object.entries(datasets)) {
      current.view.data(name, values);
    }
    await current.view.runAsync();
  }

  return {
    // serialise draws: a partial arriving mid-embed waits its turn
    draw: (spec, datasets, key) => {
      pending = pending.then(() => draw(spec, datasets, key)).catch((err) => {
        el.textContent = `chart failed: ${err?.message || err}`;
      });
      return pending;
    },
    reset: () => {
      current?.finalize();
      current = null;
    },
    destroy: () => {
      dead = true;
      current?.finalize();
      current = null;
    },
  };
}

const STATE_EVENTS = ["change:_arrays", "change:_meta", "change:_specs"];

/**
 * The frame of a chart view: a box (class `cls`) holding a title, the chart slot and a
 * note line. `follow(draw, { theme })` draws now and on every change of the widget's
 * state (and of the page theme with `theme: true`); it returns the view's cleanup.
 */
export function chartPanel(model, el, cls) {
  const box = h("div", cls);
  const title = h("div", "ll-title");
  title.style.fontWeight = "600";
  const chart = h("div", "ll-chart");
  const note = h("div", "ll-note");
  note.style.cssText = "opacity:.75;font-size:12px";
  box.append(title, chart, note);
  el.append(box);
  const slot = chartSlot(model, chart);
  const follow = (draw, { theme = false } = {}) => {
    for (const ev of STATE_EVENTS) model.on(ev, draw);
    const offTheme = theme ? onThemeChange(el, draw) : () => {};
    draw();
    return () => {
      for (const ev of STATE_EVENTS) model.off(ev, draw);
      offTheme();
      slot.destroy();
      box.remove();
    };
  };
  return { box, title, chart, note, slot, follow };
}
