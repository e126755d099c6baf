// Progress strip shared by every view: a bar (evaluations done / budget), elapsed time,
// the current standard error, a Cancel button, and the error message when a run fails.
import { h } from "./theme.js";

export function formatProgress(p) {
  const parts = [];
  const n = Number(p.n_evals || 0);
  const unit = p.unit || "evals";
  if (p.budget) parts.push(`${n.toLocaleString("en-US")} / ${Number(p.budget).toLocaleString("en-US")} ${unit}`);
  else if (n) parts.push(`${n.toLocaleString("en-US")} ${unit}`);
  if (p.elapsed !== undefined && p.elapsed !== null) parts.push(`${Number(p.elapsed).toFixed(1)} s`);
  if (p.eta !== undefined && p.eta !== null && p.status === "running") parts.push(`ETA ${Number(p.eta).toFixed(0)} s`);
  if (p.stderr !== undefined && p.stderr !== null && Number.isFinite(p.stderr)) {
    parts.push(`max stderr ${Number(p.stderr).toPrecision(2)}`);
  }
  const label = { running: "running", done: "done", cancelled: "cancelled", error: "failed" }[p.status];
  if (label) parts.unshift(label);
  return parts.join(" · ");
}

export function fraction(p) {
  if (p.status === "done") return 1;
  if (!p.budget) return null; // unknown: indeterminate bar
  return Math.max(0, Math.min(1, Number(p.n_evals || 0) / Number(p.budget)));
}

/** Mount the progress strip into `parent`; returns a cleanup function. */
export function mountProgress(model, parent) {
  const box = h("div", "ll-progress");
  box.setAttribute("role", "status");
  const track = h("div", "ll-progress-track");
  const bar = h("div", "ll-progress-bar");
  track.append(bar);
  const text = h("span", "ll-progress-text");
  const cancel = h("button", "ll-cancel", "Cancel");
  cancel.type = "button";
  const error = h("div", "ll-error");
  error.setAttribute("role", "alert");
  box.append(track, text, cancel);
  parent.append(box, error);

  const update = () => {
    const p = model.get("_progress") || {};
    const f = fraction(p);
    track.classList.toggle("ll-indeterminate", f === null && p.status === "running");
    bar.style.width = f === null ? "30%" : `${(f * 100).toFixed(1)}%`;
    text.textContent = formatProgress(p);
    cancel.hidden = p.status !== "running";
    box.hidden = !p.status || p.status === "idle";
    box.dataset.status = p.status || "idle";
    error.textContent = p.status === "error" ? p.message || "the explainer failed" : "";
    error.hidden = p.status !== "error";
  };
  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    cancel.textContent = "Cancelling…";
    model.send({ type: "cancel" });
  });
  model.on("change:_progress", update);
  update();
  return () => model.off("change:_progress", update);
}
