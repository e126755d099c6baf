"""Explorer timings in Chromium (headless, Debian's build, offline), medians of repeats:

- first paint of the explorer with 100,000 rows (render() of the bundled view on a static
  page holding the widget's state as binary buffers, until the scatter and table are drawn);
- click to first partial explanation: setting ``selected`` (what a click does) to the first
  push of that row's explanation to the browser, measured in the kernel process;
- drawing a 10,000-point beeswarm (10 features x 1,000 rows);
- with ``--lab``: in JupyterLab 4 (a server started here, network blocked), a click on a
  table row to the first change of the panel (the first partial drawn), for a
  gradient-boosting model on 20 features (Kernel SHAP, streamed).

    python bench/explorer.py [--rows 100000] [--repeats 5] [--shot out.png] [--lab]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "src" / "limelight" / "static" / "widget.js"
ORIGIN = "http://127.0.0.1:9"

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="out"></div>
<script type="module">
import widget from "/widget.js";
window.llMount = (stateJson) => {
  const raw = JSON.parse(stateJson);
  const state = {};
  const decode = (v) => {
    if (v && typeof v === "object" && v.b64 !== undefined) {
      const bytes = Uint8Array.from(atob(v.b64), (c) => c.charCodeAt(0));
      return { view: new DataView(bytes.buffer), dtype: v.dtype, shape: v.shape };
    }
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    }
    return v;
  };
  for (const [k, v] of Object.entries(raw)) state[k] = decode(v);
  const listeners = {};
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    save_changes: () => { window.llSaved = (window.llSaved || 0) + 1; },
    on: (ev, cb) => { (listeners[ev] ||= []).push(cb); },
    off: (ev, cb) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== cb); },
    send: () => {},
  };
  window.llModel = model;
  const el = document.getElementById("out");
  if (window.llCleanup) window.llCleanup();
  el.replaceChildren();
  const t0 = performance.now();
  window.llCleanup = widget.render({ model, el });
  const t1 = performance.now();
  return new Promise((r) => requestAnimationFrame(() => r([t1 - t0, performance.now() - t0])));
};
window.llReady = true;
</script></body></html>"""


def state_json(widget, keys=None) -> str:
    """The widget's synced state with binary buffers as base64 (for the static page)."""
    # (the explorer's own state: its panel is a child widget, not drawn on this page)
    keys = keys or [
        "_view",
        "_data_meta",
        "_data_arrays",
        "_global_meta",
        "_global_arrays",
        "selected",
        "filters",
    ]

    def enc(v):
        if isinstance(v, dict) and isinstance(v.get("view"), memoryview):
            return {
                "b64": base64.b64encode(v["view"].tobytes()).decode(),
                "dtype": v["dtype"],
                "shape": v["shape"],
            }
        if isinstance(v, dict):
            return {k: enc(x) for k, x in v.items()}
        return v

    return json.dumps({k: enc(getattr(widget, k)) for k in keys})


def open_page(browser):
    page = browser.new_page(viewport={"width": 1100, "height": 1100})
    js = BUNDLE.read_text(encoding="utf-8")

    def route(r):
        url = r.request.url
        if url == ORIGIN + "/":
            return r.fulfill(status=200, content_type="text/html", body=PAGE)
        if url == ORIGIN + "/widget.js":
            return r.fulfill(status=200, content_type="text/javascript", body=js)
        return r.abort()

    page.route("**/*", route)
    page.goto(ORIGIN + "/")
    page.wait_for_function("window.llReady === true")
    return page


def make_data(n: int, d: int = 8, seed: int = 0):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return X, y, LogisticRegression().fit(X[:2000], y[:2000])


LAB_CELLS = [
    """import numpy as np, limelight as ll
from sklearn.ensemble import GradientBoostingClassifier
rng = np.random.default_rng(0)
X = rng.normal(size=(2000, 20)); y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
model = GradientBoostingClassifier(n_estimators=50, random_state=0).fit(X, y)
ex = ll.explore(model, X, y, sample=0, random_state=0)
ex""",
]

CLICK_JS = """async (i) => {
  const out = document.querySelector('.jp-OutputArea-output .ll-explorer');
  const body = out.querySelector('.ll-ex-panel').lastChild;
  const row = out.querySelector(`.ll-ex-row[data-index="${i}"]`);
  const changed = new Promise((resolve) => {
    const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now()); });
    obs.observe(body, { childList: true, subtree: true, characterData: true, attributes: true });
  });
  const t0 = performance.now();
  row.click();
  return (await changed) - t0;
}"""


def lab_clicks(browser, repeats: int) -> list[float]:
    """Click table rows in JupyterLab; ms from each click to the panel's first change."""
    import tempfile

    from lab_server import jupyter_server, run_lab_notebook, write_notebook

    with jupyter_server(Path(tempfile.mkdtemp(prefix="ll-bench-lab-"))) as server:
        write_notebook(server["dir"] / "bench.ipynb", LAB_CELLS)
        page = run_lab_notebook(browser, server, "bench.ipynb")
        page.wait_for_selector(".jp-OutputArea-output .ll-ex-row", timeout=120_000)
        times = []
        for k in range(repeats):
            times.append(page.evaluate(CLICK_JS, 2 + k))
            page.wait_for_function(
                "document.querySelector('.jp-OutputArea-output .ll-ex-panel .ll-progress')?.dataset.status"
                " === 'done'",
                timeout=120_000,
            )
        return times


def main() -> None:
    from playwright.sync_api import sync_playwright

    import limelight as ll

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--shot", default=None)
    ap.add_argument("--lab", action="store_true", help="also time clicks in JupyterLab")
    args = ap.parse_args()

    X, y, model = make_data(args.rows)
    t = time.perf_counter()
    ex = ll.explore(model, X, y, sample=0, random_state=0)
    build = time.perf_counter() - t
    # click -> first partial pushed to the browser (kernel side)
    clicks = []
    for i in range(args.repeats):
        got = threading.Event()
        ex.panel.observe(lambda _c, g=got: g.set(), names="_arrays")
        t = time.perf_counter()
        ex.selected = 1000 + i
        got.wait(30)
        clicks.append(time.perf_counter() - t)
        ex.panel.unobserve_all("_arrays")
        ex.wait()
    # a 10,000-dot beeswarm: 1,000 rows x 10 features
    Xs, ys, ms = make_data(2000, d=10)
    sw = ll.explore(ms, Xs, ys, sample=1000, random_state=0)
    sw.wait_global(600)
    sw.selected = int(sw.global_["swarm"].row[3])
    sw.wait()

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        page = open_page(b)
        big = state_json(ex)
        paints = [page.evaluate("(s) => window.llMount(s)", big) for _ in range(args.repeats)]
        scroll = []
        for k in range(args.repeats):
            scroll.append(
                page.evaluate(
                    """(k) => { const t = document.querySelector('.ll-ex-table');
              const t0 = performance.now(); t.scrollTop = 20000 * (k + 1); t.dispatchEvent(new Event('scroll'));
              return [performance.now() - t0, t.querySelectorAll('.ll-ex-row').length]; }""",
                    k,
                )
            )
        small = state_json(sw)
        page.evaluate("(s) => window.llMount(s)", small)
        swarm = [
            page.evaluate("""() => { const t0 = performance.now();
            window.llModel.set('_global_arrays', {...window.llModel.get('_global_arrays')});
            return performance.now() - t0; }""")
            for _ in range(args.repeats)
        ]
        if args.shot:
            page.screenshot(path=args.shot, full_page=True)
        lab = lab_clicks(b, args.repeats) if args.lab else None
        b.close()

    med = statistics.median
    print(f"rows={args.rows} repeats={args.repeats} (medians)")
    print(f"| explorer built in Python (predict + PCA) | {build * 1000:.0f} ms |")
    print(f"| first paint, render() call | {med(p[0] for p in paints):.0f} ms |")
    print(f"| first paint, to the next frame | {med(p[1] for p in paints):.0f} ms |")
    print(
        f"| table scroll redraw | {med(s[0] for s in scroll):.1f} ms "
        f"({scroll[0][1]} rows in the DOM) |"
    )
    print(f"| click -> first partial pushed (kernel) | {med(clicks) * 1000:.0f} ms |")
    print(f"| 10,000-dot beeswarm draw | {med(swarm):.1f} ms |")
    if lab:
        print(
            f"| JupyterLab: row click -> first partial drawn in the panel | {med(lab):.0f} ms "
            f"(runs: {', '.join(f'{t:.0f}' for t in lab)}) |"
        )


if __name__ == "__main__":
    main()
