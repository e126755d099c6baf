"""What a notebook pays to display a chart, and what a saved notebook keeps.

1. The static fallback in the display bundle, side by side in one process (medians of
   repeats): the old way (a PNG of the altair chart through vl-convert, what displays did
   before) against the scriptless bars displays build now.
2. First display of a finished tabular Explanation in fresh processes (median), and
   whether altair / vl-convert got imported.
3. The picture an output keeps (issue 26): for an XGBoost classifier on 20 features
   (200 trees, depth 6, 100-row background), the explanation's own time (``ll.attribute``)
   beside the extra time of the saved output's picture and text (built once, in the
   run's thread, when the run ends), and the surrogate's (an SVG through vl-convert).
4. With ``--notebook``: execute ``notebooks/tabular.ipynb`` with widget state saved
   (``jupyter nbconvert --execute --ExecutePreprocessor.store_widget_state=True``) and
   print the widget-state bytes of each chart widget.

    python bench/display.py [--repeats 5] [--notebook]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

FIRST = """
import json, sys, time
import numpy as np
from limelight.explanation import Explanation
rng = np.random.default_rng(0)
e = Explanation(values=rng.normal(size=(2, 8)), base_values=[0.1, 0.2], prediction=[0.5, 0.5],
                output_names=["no", "yes"], feature_names=[f"f{j}" for j in range(8)],
                data=rng.normal(size=8), method="exact")
t0 = time.perf_counter()
e._repr_mimebundle_()
print(json.dumps({"s": time.perf_counter() - t0, "altair": "altair" in sys.modules,
                  "vl_convert": "vl_convert" in sys.modules}))
"""


def median_time(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def fallbacks(repeats: int) -> None:
    from limelight import export
    from limelight.explanation import Explanation

    rng = np.random.default_rng(0)
    e = Explanation(
        values=rng.normal(size=(2, 8)),
        base_values=[0.1, 0.2],
        prediction=[0.5, 0.5],
        output_names=["no", "yes"],
        feature_names=[f"f{j}" for j in range(8)],
        data=rng.normal(size=8),
    )
    old = median_time(lambda: export.to_png(e, output=1, scale=1), repeats)  # warm: after import
    new = median_time(lambda: export.static_html(e, 1), repeats)
    png = len(export.to_png(e, output=1, scale=1)) * 4 / 3
    print(
        f"static fallback, warm: vl-convert PNG {old * 1e3:.1f} ms (~{png / 1e3:.0f} KB "
        f"base64) vs bars {new * 1e3:.2f} ms ({len(export.static_html(e, 1)) / 1e3:.1f} KB); "
        f"ratio {old / new:.0f}x"
    )


def first_display(repeats: int) -> None:
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FIRST], capture_output=True, text=True, check=True
            ).stdout.splitlines()[-1]
        )
        for _ in range(repeats)
    ]
    s = statistics.median(r["s"] for r in runs)
    print(
        f"first display in a fresh process: median {s:.2f} s over {repeats}; altair imported "
        f"{any(r['altair'] for r in runs)}, vl-convert imported {any(r['vl_convert'] for r in runs)}"
    )


def picture_cost(repeats: int) -> None:
    import xgboost as xgb

    import limelight as ll
    from limelight.widgets import ExplanationWidget

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] > 0).astype(int)
    model = xgb.XGBClassifier(n_estimators=200, max_depth=6, n_jobs=1).fit(X, y)
    ll.attribute(model, X[0], background=X[:100])  # compile and warm
    explain = median_time(lambda: ll.attribute(model, X[1], background=X[:100]), repeats)
    e = ll.attribute(model, X[1], background=X[:100])

    def picture() -> None:
        w = ExplanationWidget.from_explanation(e)
        w._display_bundle()

    extra = median_time(picture, repeats) - median_time(
        lambda: ExplanationWidget.from_explanation(e), repeats
    )
    print(
        f"saved picture, tabular (XGBoost, d=20): explanation {explain * 1e3:.1f} ms, picture + "
        f"text {extra * 1e3:.2f} ms = {extra / explain:.1%} of it (goal < 10%)"
    )
    s = ll.surrogate(model, X[:500], max_depth=3)
    s.wait(120)
    s._picture_cache = None
    t0 = time.perf_counter()
    s._display_bundle()
    print(
        f"saved picture, surrogate (its SVG): {(time.perf_counter() - t0) * 1e3:.0f} ms, "
        f"{len(s._display_bundle()['text/html']) / 1e3:.1f} KB (off the user's thread)"
    )


def notebook() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tabular.ipynb"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "jupyter",
                "nbconvert",
                "--execute",
                "--to",
                "notebook",
                "--ExecutePreprocessor.store_widget_state=True",
                str(ROOT / "notebooks" / "tabular.ipynb"),
                "--output",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        nb = json.loads(out.read_text())
        state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        sizes = [
            len(json.dumps(m))
            for m in state.values()
            if m["state"].get("_view") in ("tabular", "importance")
        ]
        print(
            f"saved notebook {out.stat().st_size / 1e3:.0f} KB; widget state per chart "
            f"widget {[round(s / 1e3, 1) for s in sizes]} KB"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--notebook", action="store_true")
    args = ap.parse_args()
    fallbacks(args.repeats)
    first_display(args.repeats)
    picture_cost(args.repeats)
    if args.notebook:
        notebook()
