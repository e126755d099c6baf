// Light or dark: JupyterLab marks <body data-jp-theme-light>, marimo <body data-theme>
// (its own setting, whatever the system's), VS Code a body class; elsewhere (Colab,
// exports) fall back to the colour scheme media query.
export function isDark(el) {
  const doc = el.ownerDocument || document;
  const body = doc.body;
  const flag = body?.dataset?.jpThemeLight;
  if (flag === "false") return true;
  if (flag === "true") return false;
  const theme = body?.dataset?.theme;
  if (theme === "dark" || theme === "light") return theme === "dark";
  if (body?.classList?.contains("vscode-dark")) return true;
  return !!doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)").matches;
}

/** Call `fn` when the notebook's theme flips; returns a disconnect function. */
export function onThemeChange(el, fn) {
  const doc = el.ownerDocument || document;
  const Obs = doc.defaultView?.MutationObserver;
  if (!Obs || !doc.body) return () => {};
  const obs = new Obs(fn);
  obs.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-theme", "class"] });
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
