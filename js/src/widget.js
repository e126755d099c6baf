// One explanation widget's view: a progress strip, the Snapshot control, then the view
// named by `_view`. The notebook entry (index.js) and the explorer's panel (a child widget
// drawn inside the explorer's view) both mount it.
import { catchRenderer } from "./charts.js";
import { mountProgress } from "./progress.js";
import { mountQuality } from "./quality.js";
import { mountSnapshot } from "./snapshot.js";
import { h } from "./theme.js";
import * as image from "./views/image.js";
import * as importance from "./views/importance.js";
import * as tabular from "./views/tabular.js";
import * as text from "./views/text.js";

export const VIEWS = { text, image, tabular, importance };

/** Add a view (for extensions, tests and the explorer). */
export function registerView(name, view) {
  VIEWS[name] = view;
}

const CSS = `
.ll-widget [hidden]{display:none!important}
.ll-widget{font:13px var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-content-font-color1,inherit);max-width:980px}
.ll-progress{display:flex;gap:10px;align-items:center;margin:2px 0 6px;font-size:12px}
.ll-progress-track{flex:0 0 160px;height:6px;border-radius:3px;background:var(--jp-border-color2,#ddd);overflow:hidden;position:relative}
.ll-progress-bar{height:100%;background:var(--jp-brand-color1,#1976d2);transition:width .15s}
.ll-indeterminate .ll-progress-bar{position:absolute;animation:ll-slide 1.2s linear infinite}
@keyframes ll-slide{from{left:-30%}to{left:100%}}
.ll-progress[data-status=done] .ll-progress-bar{background:var(--jp-success-color1,#388e3c)}
.ll-progress[data-status=cancelled] .ll-progress-bar{background:var(--jp-warn-color1,#f57c00)}
.ll-cancel{font:inherit;padding:1px 8px;cursor:pointer}
.ll-error{color:var(--jp-error-color1,#d32f2f);background:var(--jp-error-color3,#fdecea);padding:6px 8px;border-radius:4px;white-space:pre-wrap;margin:4px 0}
.ll-empty{opacity:.7;padding:8px}
.ll-snapshot{display:flex;gap:6px;align-items:center;justify-content:flex-end;font-size:12px;margin:0 0 4px}
.ll-snapshot select,.ll-snapshot button{font:inherit;padding:1px 6px}
.ll-snapshot-error{color:var(--jp-error-color1,#d32f2f)}
`;

function mountBody(model, body, host) {
  let cleanup = null;
  let shown = null;
  const draw = () => {
    const name = model.get("_view");
    if (name === shown && cleanup) return;
    cleanup?.();
    cleanup = null;
    body.replaceChildren();
    shown = name;
    const view = VIEWS[name];
    if (!view) {
      body.append(h("div", "ll-empty", name ? `unknown view ${name}` : "waiting for the first result…"));
      return;
    }
    try {
      cleanup = view.render({ model, el: body, host }) || null;
    } catch (err) {
      body.append(h("div", "ll-error", `the ${name} view failed: ${err?.message || err}`));
    }
  };
  model.on("change:_view", draw);
  draw();
  return () => {
    model.off("change:_view", draw);
    cleanup?.();
  };
}

/**
 * Mount the widget's view of `model` into `el`; `host` is anywidget's (child widgets).
 * The kernel hears when a view starts ("ready": send what it may have missed) and ends
 * ("detached": a widget whose last view went stops computing).
 */
export function mountWidget(model, el, host) {
  const root = h("div", "ll-widget");
  const style = h("style");
  style.textContent = CSS;
  const body = h("div", "ll-body");
  root.append(style);
  const offProgress = mountProgress(model, root);
  // the chart kind on screen (bar or waterfall) is what a PNG/SVG snapshot draws
  const offSnapshot = mountSnapshot(model, root, {
    options: () => {
      const kind = body.querySelector("select.ll-kind")?.value;
      return kind ? { kind } : {};
    },
  });
  root.append(body);
  // the quality badges of an explanation (its _meta.quality), under whichever view
  const offQuality = mountQuality(model, root);
  el.append(root);
  const offBody = mountBody(model, body, host);
  // Updates sent from the kernel's worker thread can overtake the widget's creation and be
  // dropped; asking for the current state once the view exists closes that gap.
  model.send({ type: "ready" });
  return () => {
    offBody();
    offProgress();
    offSnapshot();
    offQuality();
    root.remove();
    try {
      model.send({ type: "detached" });
    } catch {
      // the widget was closed in the kernel: nobody to tell
    }
  };
}

/**
 * A notebook entry (anywidget's default export) drawing the core views and `views`:
 * each widget family ships only the views it shows (js/build.mjs).
 */
export function entry(views = {}) {
  for (const [name, view] of Object.entries(views)) registerView(name, view);
  return {
    // anywidget runs this when the model is created, before any view and before the
    // model's next messages are handled: what the kernel sends unasked while no view is
    // attached (the chart renderer, the monitor's points) is kept from the start
    initialize: ({ model }) => {
      const offRenderer = catchRenderer(model);
      const offView = VIEWS[model.get("_view")]?.initialize?.({ model });
      return () => {
        offRenderer();
        offView?.();
      };
    },
    render: ({ model, el, host }) => mountWidget(model, el, host),
  };
}
