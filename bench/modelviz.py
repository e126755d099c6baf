"""Model-view timings, medians of repeats (2-core CPU, one thread, Debian's Chromium,
network blocked):

- ``ll.structure`` of a 1,000+-module torch model (a 66-layer BERT built from a config,
  no weights downloaded) beside one bare forward pass of the same model (the ratio is the
  cost of the hooks and the counting), and of a scikit-learn pipeline beside
  scikit-learn's own HTML diagram (``estimator_html_repr``);
- the structure view's render() in Chromium for that model (static export page);
- with ``--lab``: the monitor in JupyterLab 4: a kernel thread logs points at a target
  rate for a few seconds; the browser counts the points it received per second, the
  longest gap between animation frames (page responsiveness) and the kernel's answer time
  to an execute request meanwhile.
- with ``--busy``: the README's pattern, the monitor created in the cell whose loop logs
  (the kernel busy throughout): seconds from the loop's start to the first point on
  screen, beside a plain ipywidgets ``IntText`` set by the same loop (the reference: a
  synced trait, the fastest a widget can show anything); live screenshots, light and dark,
  taken while the cell runs (``--shots DIR``).

    python bench/modelviz.py [--repeats 5] [--lab] [--rates 1000,10000,100000] [--busy]
    python bench/modelviz.py --busy-only [--repeats 3] [--shots DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import limelight as ll

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lab_server import LOCAL, jupyter_server, run_lab_notebook, write_notebook  # noqa: E402


def med(xs):
    return statistics.median(xs)


def big_bert():
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=500,
        hidden_size=32,
        num_hidden_layers=66,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    net = BertModel(cfg).eval()
    return net, {"input_ids": torch.randint(0, 500, (1, 32))}


def time_structure(repeats: int):
    import torch

    net, example = big_bert()
    n_modules = len(list(net.modules()))
    bare, ours = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        with torch.no_grad():
            net(**example)
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        w = ll.structure(net, example=example)
        ours.append(time.perf_counter() - t0)
    return n_modules, med(bare), med(ours), w


def time_pipeline(repeats: int):
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.utils import estimator_html_repr

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 20)), columns=[f"n{i}" for i in range(20)])
    X["c"] = rng.choice(list("abcd"), 300)
    ct = ColumnTransformer(
        [("num", StandardScaler(), [f"n{i}" for i in range(20)]), ("cat", OneHotEncoder(), ["c"])]
    )
    pipe = make_pipeline(ct, RandomForestClassifier(100, random_state=0)).fit(X, X["n0"] > 0)
    sk, ours = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        estimator_html_repr(pipe)
        sk.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ll.structure(pipe)
        ours.append(time.perf_counter() - t0)
    return med(sk), med(ours)


def render_in_browser(browser, widget, repeats: int):
    path = Path(tempfile.mkdtemp(prefix="ll-bench-")) / "structure.html"
    widget.save(path)
    renders, searches = [], []
    for _ in range(repeats):
        page = browser.new_page()
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort()
        )
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=30_000)
        renders.append(float(page.get_attribute(".ll-structure", "data-render-ms")))
        searches.append(
            page.evaluate("""() => {
            const s = document.querySelector('.ll-structure-search');
            const t0 = performance.now();
            s.value = 'intermediate'; s.dispatchEvent(new Event('input'));
            return performance.now() - t0; }""")
        )
        page.close()
    return med(renders), med(searches)


# -- the monitor in JupyterLab ------------------------------------------------------------
CELLS = ["import threading, time, math\nimport limelight as ll\nmon = ll.monitor()"]

STREAM = """
def _stream(rate, seconds, run):
    per_tick = max(1, rate // 200)  # 200 ticks a second, `per_tick` points each
    t0 = time.perf_counter(); i = 0
    while time.perf_counter() - t0 < seconds:
        for _ in range(per_tick):
            mon.log(i, loss=1.0 / (i + 1), run=run); i += 1
        lag = t0 + i / rate - time.perf_counter()
        if lag > 0: time.sleep(lag)
    return i
_res = {}
_t = threading.Thread(target=lambda: _res.update(n=_stream(%d, %f, %r))); _t.start()
"""

MEASURE_JS = """async ([seconds, code]) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const root = document.querySelector('.jp-OutputArea-output .ll-monitor');
  const n0 = Number(root.dataset.points);
  const gaps = []; let last = performance.now(); let going = true;
  const tick = (t) => { gaps.push(t - last); last = t; if (going) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  await kernel.requestExecute({ code, store_history: false }).done;
  const t0 = performance.now();
  const pings = [];
  while (performance.now() - t0 < seconds * 1000) {
    const p0 = performance.now();
    await kernel.requestExecute({ code: '1', store_history: false }).done;
    pings.push(performance.now() - p0);
    await new Promise((r) => setTimeout(r, 200));
  }
  const n1 = Number(root.dataset.points);
  const t1 = performance.now();
  going = false;
  gaps.sort((a, b) => a - b);
  pings.sort((a, b) => a - b);
  return { received: n1 - n0, secs: (t1 - t0) / 1000, maxGap: gaps.at(-1),
           p95Gap: gaps[Math.floor(gaps.length * 0.95)], pingMed: pings[pings.length >> 1],
           pingMax: pings.at(-1) };
}"""


def lab_monitor(browser, rates: list[int], seconds: float = 4.0):
    root = Path(tempfile.mkdtemp(prefix="ll-bench-lab-"))
    out = []
    with jupyter_server(root) as server:
        write_notebook(server["dir"] / "bench.ipynb", CELLS)
        page = run_lab_notebook(browser, server, "bench.ipynb")
        page.wait_for_selector(".jp-OutputArea-output .ll-monitor", timeout=120_000)
        page.wait_for_timeout(1000)
        for rate in rates:
            r = page.evaluate(MEASURE_JS, [seconds, STREAM % (rate, seconds, f"rate {rate}")])
            page.wait_for_timeout(1500)  # let the tail arrive before the next run
            out.append((rate, r))
        page.screenshot(path=str(root / "monitor.png"))
        print(f"(screenshot: {root / 'monitor.png'})")
    return out


# -- the monitor while the kernel is busy ----------------------------------------------------
BUSY = """
import time, math, ipywidgets, limelight as ll
w = ipywidgets.IntText(value=-1, description="step")
display(w)
mon = ll.monitor(title="training", smoothing=0.3)
t0 = time.time()
for i in range(60):
    for run, lr in (("lr=1e-3", 1.0), ("lr=1e-2", 2.5)):
        mon.log(i, loss=(1 + 0.2 * math.sin(i / 3)) / (1 + lr * i / 10), acc=1 - 1 / (2 + lr * i), run=run)
    w.value = i
    time.sleep(0.1)
t1 = time.time()
"""

BUSY_JS = """() => {
  window.llBusy = { monitor: null, reference: null };
  const running = () => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .some((p) => p.textContent.includes('*'));
  const poll = setInterval(() => {
    const now = Date.now() / 1000;
    const n = Number(document.querySelector('.jp-OutputArea-output .ll-monitor')?.dataset.points || 0);
    const v = Number(document.querySelector('.jp-OutputArea-output .widget-text input')?.value ?? -1);
    if (n > 0 && !window.llBusy.monitor) window.llBusy.monitor = { at: now, running: running() };
    if (v >= 0 && !window.llBusy.reference) window.llBusy.reference = { at: now, running: running() };
    if (window.llBusy.monitor && window.llBusy.reference) clearInterval(poll);
  }, 10);
}"""


def busy_first_point(browser, repeats: int, shots: Path | None):
    """Seconds from the loop's start to the first point on screen (monitor, reference)."""
    from lab_server import KERNEL_IDLE

    root = Path(tempfile.mkdtemp(prefix="ll-bench-busy-"))
    out = []
    with jupyter_server(root) as server:
        for k in range(repeats):
            name = f"busy{k}.ipynb"
            write_notebook(server["dir"] / name, [BUSY])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort()
            )
            page.goto(
                f"{server['url']}/lab/workspaces/b{k}/tree/{name}?token={server['token']}&reset"
            )
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            page.evaluate(BUSY_JS)
            # not awaited: the command resolves only once the cell has run
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            page.wait_for_function(
                "window.llBusy.monitor && window.llBusy.reference", timeout=120_000
            )
            if shots is not None and k == 0:
                page.wait_for_timeout(2000)  # a few seconds of curves, the cell still running
                live_shots(page, shots)
            page.wait_for_function(
                "window.llBusy.done = !document.querySelector("
                "'.jp-CodeCell .jp-InputPrompt')?.textContent.includes('*')",
                timeout=120_000,
            )
            t0 = float(page.evaluate(T0_JS))
            seen = page.evaluate("window.llBusy")
            out.append(
                {
                    key: (seen[key]["at"] - t0, seen[key]["running"])
                    for key in ("monitor", "reference")
                }
            )
            page.close()
    return out


T0_JS = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = "";
  const future = kernel.requestExecute({ code: "print(t0)", store_history: false });
  future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") out += msg.content.text; };
  await future.done;
  return out;
}"""


def set_theme(page, dark: bool) -> None:
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(
        f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: {theme!r}}})"
    )
    light = "false" if dark else "true"
    page.wait_for_function(f"document.body.dataset.jpThemeLight === {light!r}", timeout=20_000)
    page.wait_for_timeout(500)


def live_shots(page, shots: Path) -> None:
    """The output holding the monitor, light then dark, while the cell still runs."""
    shots.mkdir(parents=True, exist_ok=True)
    cell = page.locator(".jp-OutputArea:has(.ll-monitor)").first
    cell.screenshot(path=str(shots / "monitor-live-light.png"))
    set_theme(page, True)
    cell.screenshot(path=str(shots / "monitor-live-dark.png"))
    points = page.get_attribute(".jp-OutputArea-output .ll-monitor", "data-points")
    set_theme(page, False)
    running = page.evaluate(
        "[...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
    )
    print(
        f"(live screenshots in {shots}: {points} points shown, the cell still running: {running})"
    )


def print_busy(rows) -> None:
    mon = [r["monitor"][0] for r in rows]
    ref = [r["reference"][0] for r in rows]
    while_running = all(r["monitor"][1] for r in rows)
    print(
        "\n| the monitor in the loop's cell (kernel busy) | first point on screen | "
        "reference: ipywidgets IntText set by the loop | ratio |"
    )
    print("|---|---|---|---|")
    print(
        f"| median of {len(rows)} (all while the cell ran: {while_running}) | "
        f"{med(mon):.2f} s | {med(ref):.2f} s | {med(mon) / max(med(ref), 1e-3):.1f}x |"
    )
    print(
        f"| each | {', '.join(f'{x:.2f}' for x in mon)} s | {', '.join(f'{x:.2f}' for x in ref)} s | |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--lab", action="store_true")
    ap.add_argument("--rates", default="1000,10000,100000")
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--busy-only", action="store_true")
    ap.add_argument("--shots", type=Path, default=None)
    args = ap.parse_args()
    if args.busy_only:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            print_busy(busy_first_point(b, args.repeats, args.shots))
            b.close()
        return
    n, bare, ours, widget = time_structure(args.repeats)
    sk, ll_pipe = time_pipeline(args.repeats)
    print("| | time | reference | ratio |")
    print("|---|---|---|---|")
    print(
        f"| ll.structure, torch, {n} modules, with the forward pass | {ours * 1e3:.0f} ms | "
        f"bare forward {bare * 1e3:.0f} ms | {ours / bare:.1f}x |"
    )
    print(
        f"| ll.structure, pipeline (ColumnTransformer + 100-tree forest) | {ll_pipe * 1e3:.1f} ms"
        f" | sklearn estimator_html_repr {sk * 1e3:.1f} ms | {ll_pipe / sk:.2f}x |"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        r, s = render_in_browser(b, widget, args.repeats)
        print(f"| structure view render(), {n} modules (Chromium) | {r:.1f} ms | | |")
        print(f"| structure view search 'intermediate' (66 hits drawn) | {s:.1f} ms | | |")
        if args.lab:
            rates = [int(x) for x in args.rates.split(",")]
            print(
                "\n| target points/s | received/s in the browser | longest frame gap | "
                "p95 frame gap | kernel answer (median / max) |"
            )
            print("|---|---|---|---|---|")
            for rate, m in lab_monitor(b, rates):
                print(
                    f"| {rate:,} | {m['received'] / m['secs']:,.0f} | {m['maxGap']:.0f} ms | "
                    f"{m['p95Gap']:.0f} ms | {m['pingMed']:.0f} / {m['pingMax']:.0f} ms |"
                )
        if args.busy:
            print_busy(busy_first_point(b, args.repeats, args.shots))
        b.close()


if __name__ == "__main__":
    main()
