// Which theme a view draws for: the front end's own setting wins over the system's colour
// scheme (marimo in its dark theme on a light system, JupyterLab's flag), the media query
// only where the page says nothing.
import { afterEach, describe, expect, it } from "vitest";
import { isDark, onThemeChange } from "./theme.js";

const el = () => document.body;
const systemDark = () => window.matchMedia("(prefers-color-scheme: dark)").matches;

afterEach(() => {
  delete document.body.dataset.theme;
  delete document.body.dataset.jpThemeLight;
  document.body.className = "";
});

describe("isDark", () => {
  it("follows marimo's data-theme either way, whatever the system says", () => {
    document.body.dataset.theme = "dark";
    expect(isDark(el())).toBe(true);
    document.body.dataset.theme = "light";
    expect(isDark(el())).toBe(false);
  });

  it("lets JupyterLab's flag win over a data-theme", () => {
    document.body.dataset.theme = "dark";
    document.body.dataset.jpThemeLight = "true";
    expect(isDark(el())).toBe(false);
  });

  it("falls back to the system's colour scheme", () => {
    expect(isDark(el())).toBe(systemDark());
  });

  it("redraws when marimo switches its theme", async () => {
    let calls = 0;
    const off = onThemeChange(el(), () => {
      calls += 1;
    });
    document.body.dataset.theme = "dark";
    await new Promise((r) => setTimeout(r, 0));
    off();
    expect(calls).toBe(1);
  });
});
