// Draws the gallery's views live in the page, offline: each `.ll-live` element names a
// state that views/NAME.state.js registered; the view bundle (assets/limelight/widget.js,
// and the chart renderer when a view has charts) is the one the saved pages carry, run
// from a blob URL as those pages do. If anything fails, the static picture stays.
(() => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  let bundle = null;
  const load = () => {
    if (!bundle) {
      const url = URL.createObjectURL(new Blob([window.llWidgetCode], { type: "text/javascript" }));
      bundle = import(url).then(async (m) => (typeof m.default === "function" ? m.default() : m.default));
    }
    return bundle;
  };
  const standIn = (state) => {
    const listeners = {};
    return {
      get: (k) => state[k],
      set: (k, v) => {
        const old = state[k];
        state[k] = v;
        if (old !== v) for (const f of [...(listeners[`change:${k}`] || [])]) f({ new: v, old });
      },
      on: (e, f) => {
        listeners[e] = listeners[e] || [];
        listeners[e].push(f);
      },
      off: (e, f) => {
        listeners[e] = (listeners[e] || []).filter((g) => g !== f);
      },
      save_changes: () => {},
      send: () => {}, // no kernel here
    };
  };
  const draw = async (el) => {
    const state = structuredClone(window.llStates[el.dataset.llKey]);
    for (const [k, a] of Object.entries(state._arrays || {})) {
      const b = bytes(a.b64);
      state._arrays[k] = { view: new DataView(b.buffer), dtype: a.dtype, shape: a.shape };
    }
    if (window.llVegaCode) globalThis[Symbol.for("limelight.vega.code")] = window.llVegaCode;
    const widget = await load();
    await widget.render({ model: standIn(state), el });
    el.closest(".ll-view")?.classList.add("ll-drawn");
  };
  const start = () => {
    for (const el of document.querySelectorAll(".ll-live[data-ll-key]")) {
      draw(el).catch((err) => {
        el.dataset.llError = String(err);
        console.error("limelight view", el.dataset.llKey, err);
      });
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
