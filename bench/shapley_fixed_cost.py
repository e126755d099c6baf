"""Where a sampled Shapley explanation's time goes beyond the model call, on a fast model:
a logistic regression (one bare ``predict_proba`` on the 53,000 hybrid rows of d = 30,
1,060 coalitions, 50 background rows: a few ms). Each part timed on its own (medians of
``--repeats``), in one process, threads pinned to 1:

- plan: validation, background, the probe calls (``limelight.plan``);
- hybrid rows: the coalitions' rows (``TabularInstance.cross``);
- model: the model on those rows through limelight's adapter (and bare, for the ratio);
- sampling + solve: the estimator on a game that costs nothing (precomputed values);
- quality: the badges computed after the run (``quality.assess``);
- total: ``plan(...).run()``.

    python bench/shapley_fixed_cost.py [--repeats 15] [--methods kernel,leverage,msr]
"""

# ruff: noqa: B023  (every lambda here is timed at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(__file__))
from tabular import synthetic  # noqa: E402

from limelight.api import plan  # noqa: E402
from limelight.explainers.leverage import estimate_game  # noqa: E402
from limelight.quality import assess  # noqa: E402

D, EVALS = 30, 1060


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--methods", default="kernel,leverage,msr")
    args = ap.parse_args()
    X, y = synthetic(D, seed=D)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    bg = Xtr[np.random.default_rng(0).choice(len(Xtr), 50, replace=False)]
    model = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
    x = Xte[0]
    masks = np.random.default_rng(1).random((EVALS, D)) < 0.5
    header = ["method", "total", "plan", "hybrid rows", "model", "sampling+solve", "quality"]
    rows = []
    for method in args.methods.split(","):

        def make(method=method):
            return plan(
                model, x, background=bg, method=method, output=1, max_evals=EVALS, tol=0.0,
                random_state=0, background_summary="sample",
            )  # fmt: skip

        p = make()
        inst = p.instance
        hybrid = inst.cross(masks)
        bare = timed(lambda: model.predict_proba(hybrid), args.repeats)
        values = np.random.default_rng(2).random((2**12, 1))
        free = lambda z: values[(z[:, :12] @ (1 << np.arange(12))) % len(values)]  # noqa: E731
        adjust = {"leverage": None, "msr": "tree"}.get(method, None)
        e = p.run()
        parts = {
            "total": timed(lambda: make().run(), args.repeats),
            "plan": timed(make, args.repeats),
            "hybrid rows": timed(lambda: inst.cross(masks), args.repeats),
            "model": timed(lambda: p.model.predict(hybrid), args.repeats),
            "sampling+solve": timed(
                lambda: list(
                    estimate_game(
                        free,
                        D,
                        budget=EVALS,
                        rng=np.random.default_rng(0),
                        adjust=adjust,
                        watched=False,
                    )
                ),
                args.repeats,
            )  # fmt: skip
            if method != "kernel"
            else float("nan"),
            "quality": timed(lambda: assess(p, e), args.repeats),
        }
        rows.append([method] + [f"{1e3 * parts[h]:.1f}" for h in header[1:]])
        print(f"{method}: bare predict_proba on {len(hybrid):,} rows {1e3 * bare:.1f} ms")
    print("ms, medians of", args.repeats, "runs (kernel's sampling+solve is inside its stream)")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    main()
