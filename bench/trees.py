"""Tree ensembles by their trees: limelight beside shap's TreeExplainer (interventional,
the same background) and the libraries' own path-dependent contributions, in one process.

Models (20 features, 2000 training rows): XGBClassifier and LGBMClassifier (200 trees,
depth 6, binary, explained on the margin = log-odds), CatBoostClassifier (200 trees,
depth 6), scikit-learn RandomForestRegressor (100 trees, depth 10). Background: 100 rows.
Rows explained: 1 (``ll.attribute``: plan, checks, model calls included), 100 and 10,000
(``limelight.explainers.trees.rows.attribute_rows``). shap: ``TreeExplainer(model, B,
feature_perturbation="interventional")`` built and run on the same rows. Reported: medians
of --repeats runs, ratio limelight / shap (goal <= 1.0), max |difference| (goal 1e-6).

shap at 10,000 rows takes minutes a model on 2 cores: by default it runs on the first
--shap-rows (1,000) of them and its time is scaled by 10,000 / 1,000 (its cost is linear
in rows: each row is walked against each background row); --full runs it on all 10,000.

Threads: OMP/OpenBLAS/MKL pinned to 1 before numpy loads, models fitted with 1 thread;
numba's kernel is single-threaded.

    python bench/trees.py             # ~6 minutes on 2 cores
    python bench/trees.py --quick     # 1 and 100 rows only, ~1 minute
"""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
warnings.filterwarnings("ignore")

import limelight as ll
from limelight.explainers.trees import read_cache
from limelight.explainers.trees.native import contributions
from limelight.explainers.trees.rows import attribute_rows


def models(X, y, s):
    import catboost
    import lightgbm
    import xgboost
    from sklearn.ensemble import RandomForestRegressor

    return {
        "xgboost": xgboost.XGBClassifier(n_estimators=200, max_depth=6, n_jobs=1).fit(X, y),
        "lightgbm": lightgbm.LGBMClassifier(
            n_estimators=200, max_depth=6, num_leaves=63, n_jobs=1, verbose=-1
        ).fit(X, y),
        "catboost": catboost.CatBoostClassifier(
            iterations=200, depth=6, thread_count=1, verbose=0, allow_writing_files=False
        ).fit(X, y),
        "sklearn forest": RandomForestRegressor(100, max_depth=10, n_jobs=1, random_state=0).fit(
            X, s
        ),
    }


def one(model, x, B):
    return ll.attribute(model, x, background=B, method="tree")


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def shap_values(model, B, X):
    import shap

    raw = shap.TreeExplainer(model, B, feature_perturbation="interventional").shap_values(X)
    raw = np.asarray(raw)
    return raw[..., 1] if raw.ndim == 3 and raw.shape[-1] == 2 else raw  # (n, d)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true", help="shap on all 10,000 rows")
    ap.add_argument("--shap-rows", type=int, default=1000)
    ap.add_argument("--models", default="xgboost,lightgbm,catboost,sklearn forest")
    ap.add_argument("--sizes", default="", help="rows to explain, e.g. 10000 (default 1,100,10000)")
    ap.add_argument(
        "--interactions", type=int, default=0, help="also time ll.interactions on N rows"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12_100, 20))
    s = X[:, 0] * X[:, 1] + np.sin(3 * X[:, 2]) + X[:, 3:8].sum(axis=1) * 0.3
    y = (s + 0.5 * rng.normal(size=len(s)) > 0).astype(int)
    train, B, rows = slice(0, 2000), X[2000:2100], X[2100:]
    t0 = time.perf_counter()
    fitted = models(X[train], y[train], s[train])
    print(f"fitted in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    attribute_rows(fitted["sklearn forest"], rows[:1], background=B[:2])
    print(f"numba kernel loaded (compiled or from its cache) in {time.perf_counter() - t0:.2f} s")
    sizes = [1, 100] if args.quick else [1, 100, 10_000]
    if args.sizes:
        sizes = [int(v) for v in args.sizes.split(",")]
    fitted = {k: v for k, v in fitted.items() if k in args.models.split(",")}
    print(
        f"{'model':15} {'rows':>6} {'limelight s':>12} {'shap s':>10} {'ratio':>7} "
        f"{'max |diff|':>11} {'own path-dep. s':>16}"
    )
    for name, model in fitted.items():
        for n in sizes:
            Xn = rows[:n]
            reps = args.repeats if n < 10_000 else 1
            if n == 1:
                t_ll, e = timed(lambda: one(model, Xn[0], B), reps)
                ours = e.values[-1][None, :]
            else:
                t_ll, r = timed(lambda: attribute_rows(model, Xn, background=B), reps)
                ours = r.values[:, -1, :]
            n_shap = n if (args.full or n < 10_000) else min(n, args.shap_rows)
            try:
                t_sh, theirs = timed(lambda: shap_values(model, B, Xn[:n_shap]), reps)
                t_sh *= n / n_shap
                diff = float(np.abs(ours[:n_shap] - theirs.reshape(n_shap, -1)).max())
                sh = f"{t_sh:10.3f}{'*' if n_shap < n else ' '}"
                ratio = f"{t_ll / t_sh:7.2f}"
                diff = f"{diff:11.1e}"
            except Exception as exc:  # noqa: BLE001 - shap does not take every model
                sh, ratio, diff = f"{'n/a':>11}", f"{'':>7}", f"{type(exc).__name__:>11}"
            if n == 1:  # the same row with the trees read again (before the read cache)
                uncached = lambda: (read_cache._ENTRIES.clear(), one(model, Xn[0], B))  # noqa: E731
                t_cold = timed(uncached, reps)[0]
                ratio += (
                    f" (uncached {t_cold:.3f} s, {t_cold / t_sh:.2f}x)" if ratio.strip() else ""
                )
            own = (
                ""
                if name == "sklearn forest"
                else f"{timed(lambda: contributions(model, Xn), reps)[0]:16.3f}"
            )
            print(f"{name:15} {n:6d} {t_ll:12.3f} {sh} {ratio} {diff} {own}", flush=True)
    print("* shap timed on the first", args.shap_rows, "rows and scaled to 10,000 (--full: all)")
    if args.interactions:
        interaction_rows(fitted, rows[: args.interactions], B, args.repeats)


def interaction_rows(fitted: dict, Xn: np.ndarray, B: np.ndarray, repeats: int) -> None:
    """Pairwise interaction values: limelight's (interventional over B, exact by the trees'
    paths) beside shap's (path-dependent: the only kind shap computes), same trees, same rows."""
    import shap

    print(f"\n{'interactions':15} {'rows':>6} {'limelight s':>12} {'shap s':>10} {'ratio':>7}")
    for name, model in fitted.items():
        ll.interactions(model, Xn[:1], background=B[:2])  # the compiled kernel, loaded once
        t_ll, _ = timed(lambda: ll.interactions(model, Xn, background=B), max(1, repeats - 2))
        try:
            explainer = shap.TreeExplainer(model)
            t_sh, _ = timed(lambda: explainer.shap_interaction_values(Xn), max(1, repeats - 2))
            sh, ratio = f"{t_sh:10.3f}", f"{t_ll / t_sh:7.2f}"
        except Exception as exc:  # noqa: BLE001 - shap does not take every model
            sh, ratio = f"{type(exc).__name__:>10}", ""
        print(f"{name:15} {len(Xn):6d} {t_ll:12.3f} {sh} {ratio}", flush=True)


if __name__ == "__main__":
    main()
