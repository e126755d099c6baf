// Chart views draw Vega-Lite specs that altair built in Python (`_specs`), with the data
// filled in here from binary buffers. The renderer (vega-embed, ~0.9 MB) arrives as the
// `_vega` trait's text and is imported once per page from a Blob URL: no CDN, no network.
import { isDark } from "./theme.js";

const KEY = Symbol.for("limelight.vega");

export function loadEmbed(model) {
  const g = globalThis;
  if (g[KEY]) return g[KEY];
  const code = model.get("_vega");
  if (!code) return Promise.reject(new Error("the chart renderer was not sent"));
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  g[KEY] = import(/* @vite-ignore */ url).then((m) => m.embed);
  g[KEY].catch(() => {
    g[KEY] = null;
  });
  return g[KEY];
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
export function chartSlot(model, el) {
  let current = null; // {spec, view, finalize}
  let pending = Promise.resolve();
  let dead = false;

  async function draw(spec, datasets, configKey = "") {
    const embed = await loadEmbed(model);
    if (dead) return;
    const key = `${configKey}`;
    if (!current || current.spec !== spec || current.key !== key) {
      current?.finalize();
      el.replaceChildren();
      const copy = structuredClone(spec);
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
