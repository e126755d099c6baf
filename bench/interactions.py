"""Pairwise interaction values of an XGBoost model: ``ll.interactions`` (interventional,
100 background rows, exact by the trees' paths) beside shap's
``TreeExplainer(model).shap_interaction_values`` on the same model and rows, in one
process.

shap computes interaction values only path-dependently (the training cover stands in for
the background; XGBoost's own ``pred_interactions`` underneath); asked for interventional
ones (``data=B, feature_perturbation="interventional"``) it prints "FEATURE_DEPENDENCE::
independent does not support interactions!" and returns zeros, which this script shows.
So the two compute different games on the same trees: the times are side by side, the
values are compared where the definitions agree (training data that is a full grid, so
the cover is the product distribution; the grid is the background), and limelight's
values against brute-force enumeration of the coalitions (d = 6).

Model: XGBClassifier, 200 trees, depth 6, 20 features, 2000 training rows, explained on
its margin (log-odds). Rows: 10, 100, 1000. Reported: medians of --repeats runs, ratio
limelight / shap in wall time and in this process's CPU time (steadier on a shared
machine); limelight's Shapley values alone (``attribute_rows``) for scale.

Threads: OMP/OpenBLAS/MKL pinned to 1 before numpy loads; XGBoost with nthread=1.

    python bench/interactions.py            # ~2 minutes on 2 cores
    python bench/interactions.py --quick    # 10 and 100 rows
"""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import warnings
from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
warnings.filterwarnings("ignore")

import limelight as ll
from limelight.explainers.trees.readers import tree_ensemble
from limelight.explainers.trees.rows import attribute_rows


def timed(fn, repeats):
    """``(median wall s, median CPU s of this process, result)``: CPU time too, since
    these machines are shared (both sides run on one thread)."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), out


def shap_pairs(model, X):
    import shap

    return np.asarray(shap.TreeExplainer(model).shap_interaction_values(X))


def enumerated(f, x, B):
    """The definition by every coalition (Python loops), ``(d, d)`` for one output."""
    d = len(x)
    v = {}
    for s in range(d + 1):
        for S in combinations(range(d), s):
            R = B.copy()
            R[:, list(S)] = x[list(S)]
            v[S] = f(R)[:, 0].mean()
    key = lambda *p: v[tuple(sorted(set().union(*p)))]  # noqa: E731
    out = np.zeros((d, d))
    for i, j in combinations(range(d), 2):
        rest = [q for q in range(d) if q not in (i, j)]
        out[i, j] = out[j, i] = 0.5 * sum(
            factorial(s) * factorial(d - s - 2) / factorial(d - 1)
            * (key(S, (i, j)) - key(S, (i,)) - key(S, (j,)) + key(S))
            for s in range(d - 1)
            for S in combinations(rest, s)
        )  # fmt: skip
    for i in range(d):
        others = [q for q in range(d) if q != i]
        phi = sum(
            factorial(s) * factorial(d - s - 1) / factorial(d) * (key(S, (i,)) - key(S))
            for s in range(d)
            for S in combinations(others, s)
        )
        out[i, i] = phi - out[i, others].sum()
    return out


def checks(xgboost) -> None:
    """Values: against enumeration (d = 6), and against shap where definitions agree."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 6))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) * X[:, 3] + X[:, 4] - X[:, 5]
    model = xgboost.XGBRegressor(n_estimators=200, max_depth=6, nthread=1).fit(X, y)
    B = X[:20]
    r = ll.interactions(model, X[100:103], background=B)
    ens = tree_ensemble(model, "margin")
    diff = max(np.abs(r.values[i, 0] - enumerated(ens.predict, x, B)).max() for i, x in
               enumerate(X[100:103]))  # fmt: skip
    print(f"vs enumeration (200 trees, depth 6, d=6, 3 rows, 20 background): max |diff| {diff:.1e}")
    levels = np.linspace(-1.5, 1.5, 5)
    G = np.array(np.meshgrid(*[levels] * 4, indexing="ij")).reshape(4, -1).T
    g = xgboost.XGBRegressor(n_estimators=200, max_depth=4, nthread=1).fit(
        G, G[:, 0] * G[:, 1] + G[:, 2] - G[:, 3] * G[:, 0]
    )
    ours = ll.interactions(g, G[:50], background=G, background_size=len(G)).values[:, 0]
    diff = np.abs(ours - shap_pairs(g, G[:50])).max()
    print(
        f"vs shap path-dependent on grid data (cover = background, 50 rows): max |diff| {diff:.1e}"
    )
    import shap

    with _c_stderr() as said:
        explainer = shap.TreeExplainer(model, B, feature_perturbation="interventional")
        zeros = np.asarray(explainer.shap_interaction_values(X[100:103]))
    print(
        f"shap asked for interventional interactions: max |value| {np.abs(zeros).max():.1e} "
        f"(it printed {said[0].strip()!r}); ours max |value| {np.abs(r.values).max():.2f}"
    )


@contextlib.contextmanager
def _c_stderr():
    """What compiled code writes to file descriptor 2 meanwhile (``said[0]``)."""
    said = [""]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield said
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            said[0] = tmp.read()


def main() -> None:
    import xgboost

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3100, 20))
    s = X[:, 0] * X[:, 1] + np.sin(3 * X[:, 2]) + X[:, 3:8].sum(axis=1) * 0.3
    y = (s + 0.5 * rng.normal(size=len(s)) > 0).astype(int)
    model = xgboost.XGBClassifier(n_estimators=200, max_depth=6, nthread=1).fit(X[:2000], y[:2000])
    B, rows = X[2000:2100], X[2100:]
    t0 = time.perf_counter()
    ll.interactions(model, rows[:1], background=B[:2])
    print(f"numba kernel loaded (compiled or from its cache) in {time.perf_counter() - t0:.2f} s")
    checks(xgboost)
    print(
        f"\n{'rows':>6} {'limelight s':>12} {'shap s':>10} {'ratio':>7} {'CPU ratio':>10} "
        f"{'ll Shapley only s':>18} {'pairs / Shapley':>16}"
    )
    for n in [10, 100] if args.quick else [10, 100, 1000]:
        Xn = rows[:n]
        reps = args.repeats if n < 1000 else max(1, args.repeats - 2)
        t_ll, c_ll, r = timed(lambda: ll.interactions(model, Xn, background=B), reps)
        t_sh, c_sh, theirs = timed(lambda: shap_pairs(model, Xn), reps)
        t_phi, _, _ = timed(lambda: attribute_rows(model, Xn, background=B), reps)
        assert r.values.shape == (n, 1, 20, 20) and theirs.shape == (n, 20, 20)
        print(
            f"{n:6d} {t_ll:12.3f} {t_sh:10.3f} {t_ll / t_sh:7.2f} {c_ll / c_sh:10.2f} {t_phi:18.3f} "
            f"{t_ll / t_phi:16.2f}",
            flush=True,
        )
    print(
        "limelight: interventional over 100 background rows; shap: path-dependent "
        "(XGBoost's pred_interactions), no background: different games on the same trees"
    )


if __name__ == "__main__":
    main()
