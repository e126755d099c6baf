// The Snapshot control: pick a format, click, and the kernel's exporter (the same code as
// `widget.save(path)`) sends the file back; the browser downloads it. HTML pages exported
// from a widget carry `_static: true` (no kernel behind them) and show no control.
import { h } from "./theme.js";

export const FORMATS = {
  html: { label: "HTML (interactive)", mime: "text/html" },
  png: { label: "PNG", mime: "image/png" },
  svg: { label: "SVG", mime: "image/svg+xml" },
  json: { label: "JSON (data)", mime: "application/json" },
};

/** Views the kernel can export (the explorer mounts the control on its explanation panel). */
export const SNAPSHOT_VIEWS = new Set(["text", "image", "tabular", "importance", "structure", "layers", "monitor"]);

let mounted = 0;

/** Save `bytes` as `filename` through a link that is never attached to the page (host
 * pages such as JupyterLab handle clicks on links inside them). */
export function download(bytes, filename, mime, doc = document) {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = doc.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return url;
}

/**
 * Mount the control into `parent`. `options()` returns what the view shows that the
 * export should match (for charts: `{ kind }`). Returns a cleanup function.
 */
export function mountSnapshot(model, parent, { options = () => ({}), save = download } = {}) {
  // replies reach every view of the widget (a widget shown in two cells, the explorer's
  // page-level and panel controls): each control downloads only the files it asked for
  const id = `s${++mounted}-${Math.random().toString(36).slice(2, 10)}`;
  const box = h("div", "ll-snapshot");
  const format = h("select", "ll-snapshot-format");
  format.setAttribute("aria-label", "snapshot format");
  for (const [value, f] of Object.entries(FORMATS)) format.append(new Option(f.label, value));
  const button = h("button", "ll-snapshot-button", "Snapshot");
  button.type = "button";
  button.title = "download what the widget shows";
  const status = h("span", "ll-snapshot-status");
  status.setAttribute("role", "status");
  box.append(format, button, status);
  parent.append(box);

  const update = () => {
    box.hidden = Boolean(model.get("_static")) || !SNAPSHOT_VIEWS.has(model.get("_view"));
  };
  button.addEventListener("click", () => {
    button.disabled = true;
    status.textContent = "preparing…";
    model.send({ type: "snapshot", format: format.value, id, ...options() });
  });
  const onMessage = (msg, buffers) => {
    if (msg?.type !== "snapshot" || msg.id !== id) return;
    button.disabled = false;
    if (msg.error) {
      status.textContent = msg.error;
      status.classList.add("ll-snapshot-error");
      return;
    }
    status.classList.remove("ll-snapshot-error");
    const data = buffers?.[0];
    if (!data) {
      status.textContent = "the kernel sent no file";
      return;
    }
    save(data, msg.filename, FORMATS[msg.format]?.mime || "application/octet-stream");
    status.textContent = `saved ${msg.filename}`;
  };
  model.on("change:_view", update);
  model.on("msg:custom", onMessage);
  update();
  return () => {
    model.off("change:_view", update);
    model.off("msg:custom", onMessage);
    box.remove();
  };
}
