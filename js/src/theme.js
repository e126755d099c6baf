// Light or dark: JupyterLab marks <body data-jp-theme-light>; elsewhere (VS Code, Colab,
// exports) fall back to the colour scheme media query.
export function isDark(el) {
  const doc = el.ownerDocument || document;
  const flag = doc.body?.dataset?.jpThemeLight;
  if (flag === "false") return true;
  if (flag === "true") return false;
  if (doc.body?.classList?.contains("vscode-dark")) return true;
  return !!doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)").matches;
}

/** Call `fn` when the notebook's theme flips; returns a disconnect function. */
export function onThemeChange(el, fn) {
  const doc = el.ownerDocument || document;
  const Obs = doc.defaultView?.MutationObserver;
  if (!Obs || !doc.body) return () => {};
  const obs = new Obs(fn);
  obs.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
  const mq = doc.defaultView.matchMedia?.("(prefers-color-scheme: dark)");
  mq?.addEventListener?.("change", fn);
  return () => {
    obs.disconnect();
    mq?.removeEventListener?.("change", fn);
  };
}

/** Make a DOM element with a class and (escaped) text. */
export function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
