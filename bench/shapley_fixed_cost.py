"""Where a sampled Shapley explanation's time goes beyond the model call, on a fast model:
a logistic regression (one bare ``predict_proba`` on the 53,000 hybrid rows of d = 30,
1,060 coalitions, 50 background rows: a few ms). Each part timed on its own (medians of
``--repeats``), in one process, threads pinned to 1:

- plan: validation, background, the probe calls (``limelight.plan``);
- hybrid rows: the coalitions' rows (``TabularInstance.cross``);
- model: the model on those rows through limelight's adapter (and bare, for the ratio);
- sampling + solve: the estimator on a game that costs nothing (precomputed values);
- quality: the badges after the run, read (``quality.assess``, then ``to_dict()``: the
  curves are computed when first read);
- total: ``plan(...).run()`` (quality not read); beyond: total - bare model call;
  total+q: with the quality read; fixed: total with a model that costs nothing (a
  constant), the fixed cost itself.

``--slow``: the same run on slower models (an MLP of 2 x 256 hidden units and a forest of
200 trees: the bare call on the hybrid rows takes 0.3-0.7 s), per method (LIME on its
own samples): total / the model alone on the very batches the run passed it (the cost
beyond the model calls), and total / one call on all those rows.

    python bench/shapley_fixed_cost.py [--repeats 15] [--methods kernel,leverage,msr]
    python bench/shapley_fixed_cost.py --slow [--repeats 5]
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
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, os.path.dirname(__file__))
from tabular import synthetic  # noqa: E402

from limelight.api import plan  # noqa: E402
from limelight.explainers.leverage import estimate_game  # noqa: E402
from limelight.quality import assess  # noqa: E402

D, EVALS, LIME_SAMPLES = 30, 1060, 5000


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved(fns, repeats: int) -> list[float]:
    """Medians of ``fns`` timed in turn, round after round (a slow spell of the machine
    hits them all alike)."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) for ts in times]


def data():
    X, y = synthetic(D, seed=D)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    bg = Xtr[np.random.default_rng(0).choice(len(Xtr), 50, replace=False)]
    return Xtr, ytr, bg, Xte[0]


def planner(model, x, bg, method, output=1):
    options = {"n_samples": LIME_SAMPLES} if method == "lime" else {"max_evals": EVALS}
    return lambda: plan(
        model, x, background=bg, method=method, output=output, tol=0.0, random_state=0,
        background_summary="sample", **options,
    )  # fmt: skip


def print_table(header, rows):
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def fast(args) -> None:
    Xtr, ytr, bg, x = data()
    model = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
    masks = np.random.default_rng(1).random((EVALS, D)) < 0.5
    header = ["method", "total", "beyond", "total+q", "fixed", "plan", "hybrid rows", "model"]
    header += ["sampling+solve", "quality"]
    rows = []
    for method in args.methods.split(","):
        make = planner(model, x, bg, method)
        free_model = planner(lambda B: np.full(len(B), 0.5), x, bg, method, output=None)
        p = make()
        inst = p.instance
        hybrid = inst.cross(masks)
        bare = timed(lambda: model.predict_proba(hybrid), args.repeats)
        values = np.random.default_rng(2).random((2**12, 1))
        free = lambda z: values[(z[:, :12] @ (1 << np.arange(12))) % len(values)]  # noqa: E731
        adjust = {"leverage": None, "msr": "tree"}.get(method, None)
        e = p.run()
        game = lambda: list(
            estimate_game(
                free, D, budget=EVALS, rng=np.random.default_rng(0), adjust=adjust, watched=False
            )
        )  # fmt: skip
        parts = {
            "total": timed(lambda: make().run(), args.repeats),
            "total+q": timed(lambda: make().run().quality.to_dict(), args.repeats),
            "fixed": timed(lambda: free_model().run(), args.repeats),
            "plan": timed(make, args.repeats),
            "hybrid rows": timed(lambda: inst.cross(masks), args.repeats),
            "model": timed(lambda: p.model.predict(hybrid), args.repeats),
            "sampling+solve": timed(game, args.repeats) if method != "kernel" else float("nan"),
            "quality": timed(lambda: assess(p, e).quality.to_dict(), args.repeats),
        }
        parts["beyond"] = parts["total"] - bare
        rows.append([method] + [f"{1e3 * parts[h]:.1f}" for h in header[1:]])
        print(f"{method}: bare predict_proba on {len(hybrid):,} rows {1e3 * bare:.1f} ms")
    print("ms, medians of", args.repeats, "runs (kernel's sampling+solve is inside its stream)")
    print_table(header, rows)


def recorded(model, run) -> list:
    """The batches ``run()`` passes to ``model.predict_proba`` (the probe's among them)."""
    calls, predict = [], model.predict_proba
    model.predict_proba = lambda B: (calls.append(B), predict(B))[1]
    try:
        run()
    finally:
        del model.predict_proba  # the class's method again
    return calls


def slow(args) -> None:
    Xtr, ytr, bg, x = data()
    models = {
        "mlp 2x256": MLPClassifier((256, 256), max_iter=50, random_state=0).fit(Xtr, ytr),
        "forest 200": RandomForestClassifier(200, random_state=0).fit(Xtr, ytr),
    }
    header = ["model", "method", "rows", "calls", "in calls", "one call", "total ms"]
    header += ["total/calls", "total/one", "+quality/one"]
    rows = []
    for name, model in models.items():
        for method in args.methods.split(","):
            make = planner(model, x, bg, method)
            make().run()
            batches = recorded(model, lambda: make().run())
            every = np.concatenate(batches)
            calls, one, total, with_q = interleaved(
                [
                    lambda: [model.predict_proba(b) for b in batches],
                    lambda: model.predict_proba(every),
                    lambda: make().run(),
                    lambda: make().run().quality.to_dict(),
                ],
                args.repeats,
            )
            rows.append(
                [name, method, f"{len(every):,}", str(len(batches))]
                + [f"{1e3 * t:.0f}" for t in (calls, one, total)]
                + [f"{total / calls:.2f}", f"{total / one:.2f}", f"{with_q / one:.2f}"]
            )
            print(*rows[-1])
    print("medians of", args.repeats, "rounds, each timed in turn; in calls: the model alone on")
    print("the explanation's own batches (the plan's probe among them); one call: on all of")
    print("them at once; +quality: with the quality curves read")
    print_table(header, rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--methods", default=None)
    ap.add_argument("--slow", action="store_true", help="slower models: total / bare ratios")
    args = ap.parse_args()
    args.repeats = args.repeats or (5 if args.slow else 15)
    args.methods = args.methods or (
        "kernel,leverage,msr,lime" if args.slow else "kernel,leverage,msr"
    )
    (slow if args.slow else fast)(args)


if __name__ == "__main__":
    main()
