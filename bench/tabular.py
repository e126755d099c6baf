"""Tabular explainers side by side: limelight beside shap (Exact, Kernel with ``l1_reg=False``
and with its default, Permutation), lime's LimeTabularExplainer and scikit-learn's
``permutation_importance``, in one process.

Models: logistic regression ("linear"), random forest, gradient boosting, MLP, all
classifiers explained on ``predict_proba`` (class 1). Data: synthetic with interactions at
8 and 12 features, and breast cancer (30 features). Background: 50 rows (k-means/summaries
off: the same 50 rows for every library); one test instance per data set. Reported (medians of --repeats runs):

1. exact: limelight ExactShapley vs shap ExactExplainer, time and max |difference|
   (goal at d=12: time ratio <= 0.5); 1b. for the forest, limelight's tree-path algorithm
   (method="tree", what "auto" picks from 9 features) beside shap Exact and TreeExplainer;
2. kernel: relative L2 error against exact Shapley values (d=8, 12) or against a
   high-budget reference (d=30, limelight Kernel SHAP at 50x the budget; its own standard
   error printed) at an equal number of coalitions (medians over 6 seeds); limelight vs shap Kernel (goal: error
   ratio <= 0.5), shap Permutation at the same model rows, and lime's time;
3. permutation importance: limelight vs sklearn, same repeats (goal: time ratio <= 1.0);
4. overhead: explainer time / one bare batched ``predict_proba`` on the same number of
   rows (goal <= 1.3). Rows are counted by limelight's ``Model.rows``.

Threads: OMP/OpenBLAS/MKL pinned to 1 before numpy loads, and threadpoolctl limits 1.

    python bench/tabular.py            # full run, under 5 minutes on 2 cores
    python bench/tabular.py --quick    # ~30 s smoke run
"""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from limelight.api import plan
from limelight.plans.importance import plan_importance

warnings.filterwarnings("ignore")


def synthetic(d: int, n: int = 1500, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    z = X @ w * 0.5 + 1.5 * X[:, 0] * X[:, 1] + np.maximum(X[:, 2], X[:, 3])
    y = (z + 0.3 * rng.normal(size=n) > np.median(z)).astype(int)
    return X, y


def datasets(quick: bool):
    out = {"synth8": synthetic(8), "synth12": synthetic(12, seed=1)}
    if not quick:
        bc = load_breast_cancer()
        out["cancer30"] = (bc.data, bc.target)
    return out


def models(quick: bool):
    table = {
        "linear": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "forest": lambda: RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0),
        "boosting": lambda: GradientBoostingClassifier(n_estimators=50, random_state=0),
        "mlp": lambda: make_pipeline(
            StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
        ),
    }
    if quick:
        table = {k: table[k] for k in ("linear", "forest")}
    return table


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def median_time(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t, out = timed(fn)
        times.append(t)
    return statistics.median(times), out


def bare(model, rows: int, pool: np.ndarray, repeats: int) -> float:
    """One batched predict_proba on ``rows`` rows drawn from ``pool`` (in order)."""
    batch = pool[np.resize(np.arange(len(pool)), rows)]
    return median_time(lambda: model.predict_proba(batch), max(repeats, 5))[0]


def hybrids(x: np.ndarray, bg: np.ndarray, n_masks: int, seed: int = 0) -> np.ndarray:
    """Rows like the explainers' (mask-major: each coalition over every background row),
    built here independently; tree models are much faster on rows in this order than
    shuffled, so the bare reference must use the same kind of rows."""
    d = len(x)
    masks = np.random.default_rng(seed).random((n_masks, d)) < 0.5
    return np.where(masks[:, None, :], x, bg[None, :, :]).reshape(-1, d)


def lime_rows(x: np.ndarray, bg: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """LIME-like rows: each its own random mask and random background row."""
    rng = np.random.default_rng(seed)
    masks = rng.random((n, len(x))) < 0.5
    return np.where(masks, x, bg[rng.integers(len(bg), size=n)])


def shuffled_copies(X: np.ndarray, repeats: int, seed: int = 0) -> np.ndarray:
    """X, then for each repeat and feature a copy with that feature's column shuffled
    (trees are ~2x slower on these rows than on X repeated, so the reference uses them)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    out = np.tile(X, (1 + repeats * d, 1))
    for i in range(repeats * d):
        block = slice((i + 1) * n, (i + 2) * n)
        out[block, i % d] = X[rng.permutation(n), i % d]
    return out


def rel_err(est: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(est - ref) / max(np.linalg.norm(ref), 1e-12))


def ll_values(model, x, bg, method, **kw):
    if method == "kernel":
        kw.setdefault("tol", 0.0)  # equal coalitions: no early stop
    p = plan(model, x, background=bg, method=method, output=1, **kw)
    e = p.run()
    return e, p.model.rows


def fmt(rows, header):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(str(h).ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--bg", type=int, default=50)
    args = ap.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    import lime.lime_tabular
    import shap

    t_start = time.perf_counter()
    libs = sorted({(i["internal_api"], i["num_threads"]) for i in threadpool_info()})
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, shap {shap.__version__}; "
        f"threads: env *_NUM_THREADS=1, threadpoolctl limits=1 (pools: {libs})"
    )
    print(f"background {args.bg} rows, medians of {repeats} run(s)\n")

    exact_rows, tree_rows, kernel_rows, perm_rows, over_rows = [], [], [], [], []
    with threadpool_limits(1):
        # shap compiles numba code on first use: warm it up outside the timings
        Xw, yw = synthetic(4, n=200)
        mw = LogisticRegression().fit(Xw, yw)
        fw = lambda A: mw.predict_proba(A)[:, 1]  # noqa: E731
        shap.explainers.Exact(fw, shap.maskers.Independent(Xw[:10]))(Xw[:2])
        shap.explainers.Permutation(fw, shap.maskers.Independent(Xw[:10]))(Xw[:2])
        shap.KernelExplainer(fw, Xw[:10]).shap_values(Xw[:2], silent=True)
        for dname, (X, y) in datasets(args.quick).items():
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
            d = X.shape[1]
            bg = Xtr[np.random.default_rng(0).choice(len(Xtr), args.bg, replace=False)]
            x = Xte[0]
            pool = hybrids(x, bg, 4096)
            for mname, make in models(args.quick).items():
                model = make().fit(Xtr, ytr)
                f1 = lambda A, m=model: m.predict_proba(A)[:, 1]  # noqa: E731
                masker = shap.maskers.Independent(bg, max_samples=len(bg))

                # -- exact -----------------------------------------------------------------
                ref = None
                if d <= 12:
                    t_ll, (e, rows) = median_time(lambda: ll_values(model, x, bg, "exact"), repeats)
                    ref = e.values[0]
                    ex = shap.explainers.Exact(f1, masker)
                    t_sh, sv = median_time(lambda: ex(x[None, :]), repeats)
                    diff = float(np.abs(sv.values[0] - ref).max())
                    t_bare = bare(model, rows, pool, repeats)
                    exact_rows.append(
                        [
                            dname,
                            mname,
                            f"{t_ll * 1e3:.0f}",
                            f"{t_sh * 1e3:.0f}",
                            f"{t_ll / t_sh:.2f}",
                            f"{diff:.1e}",
                            rows,
                            f"{t_ll / t_bare:.2f}",
                        ]
                    )
                    over_rows.append(
                        [
                            dname,
                            mname,
                            "exact",
                            rows,
                            f"{t_bare * 1e3:.0f}",
                            f"{t_ll * 1e3:.0f}",
                            f"{t_ll / t_bare:.2f}",
                        ]
                    )

                # -- tree ensembles: exact values from the trees' paths -----------------------
                if mname == "forest":
                    t_tr, (e_tr, _) = median_time(lambda: ll_values(model, x, bg, "tree"), repeats)
                    te = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")
                    t_te, sv_te = median_time(lambda: te.shap_values(x[None, :]), repeats)
                    sv_te = np.asarray(sv_te)[0, :, 1]  # (1, d, classes): class 1
                    t_ex = float("nan")
                    if d <= 12:
                        ex = shap.explainers.Exact(f1, masker)
                        t_ex, _ = median_time(lambda: ex(x[None, :]), repeats)
                    want = ref if ref is not None else sv_te
                    tree_rows.append(
                        [
                            dname,
                            mname,
                            f"{t_tr * 1e3:.0f}",
                            f"{t_ex * 1e3:.0f}",
                            f"{t_tr / t_ex:.2f}",
                            f"{t_te * 1e3:.0f}",
                            f"{t_tr / t_te:.2f}",
                            f"{float(np.abs(e_tr.values[0] - want).max()):.1e}",
                            e_tr.n_evals,
                        ]
                    )

                # -- kernel at equal coalitions --------------------------------------------
                evals = {8: 100, 12: 512}.get(d, 1000) + 2 * d  # d=8: 256 would be exact
                ref_note = "exact"
                if ref is None:
                    e_ref, _ = ll_values(
                        model, x, bg, "kernel", max_evals=50 * evals, random_state=12345
                    )
                    ref = e_ref.values[0]
                    ref_note = f"ref se {float(np.abs(e_ref.stderr).max()):.1e}"
                errs = {"ll": [], "ll_se": [], "kern": [], "kern_l1": [], "perm": []}
                times = {k: [] for k in ("ll", "kern", "kern_l1", "perm", "lime")}
                rows_k = 0
                for r in range(max(repeats, 2 if args.quick else 6)):  # seeds
                    t, (e, rows_k) = timed(
                        lambda r=r: ll_values(
                            model, x, bg, "kernel", max_evals=evals, random_state=r
                        )
                    )
                    times["ll"].append(t)
                    errs["ll"].append(rel_err(e.values[0], ref))
                    errs["ll_se"].append(
                        float("nan")
                        if e.stderr is None
                        else float(
                            np.max(np.abs(e.values[0] - ref) / np.maximum(e.stderr[0], 1e-12))
                        )
                    )
                    ke = shap.KernelExplainer(f1, bg)
                    for key, l1 in (("kern", False), ("kern_l1", "auto")):
                        np.random.seed(r)
                        t, sv = timed(
                            lambda ke=ke, l1=l1: ke.shap_values(
                                x[None, :], nsamples=evals, l1_reg=l1, silent=True
                            )
                        )
                        times[key].append(t)
                        errs[key].append(rel_err(np.asarray(sv)[0], ref))
                    pe = shap.explainers.Permutation(f1, masker, seed=r)
                    t, sv = timed(lambda pe=pe: pe(x[None, :], max_evals=evals, silent=True))
                    times["perm"].append(t)
                    errs["perm"].append(rel_err(sv.values[0], ref))
                    le = lime.lime_tabular.LimeTabularExplainer(
                        Xtr, discretize_continuous=False, random_state=r
                    )
                    t, _ = timed(
                        lambda le=le: le.explain_instance(
                            x, model.predict_proba, num_features=d, num_samples=evals * len(bg)
                        )
                    )
                    times["lime"].append(t)
                med = {k: statistics.median(v) for k, v in errs.items()}
                mt = {k: statistics.median(v) for k, v in times.items()}
                kernel_rows.append(
                    [
                        dname,
                        mname,
                        evals,
                        ref_note,
                        f"{med['ll']:.2%}",
                        f"{med['kern']:.2%}",
                        f"{med['kern_l1']:.2%}",
                        f"{med['perm']:.2%}",
                        f"{med['ll'] / med['kern']:.2f}" if med["kern"] > 1e-9 else "-",
                        f"{med['ll_se']:.1f}",
                        f"{mt['ll'] * 1e3:.0f}",
                        f"{mt['kern'] * 1e3:.0f}",
                        f"{mt['perm'] * 1e3:.0f}",
                        f"{mt['lime'] * 1e3:.0f}",
                    ]
                )
                t_bare = bare(model, rows_k, pool, repeats)
                over_rows.append(
                    [
                        dname,
                        mname,
                        "kernel",
                        rows_k,
                        f"{t_bare * 1e3:.0f}",
                        f"{mt['ll'] * 1e3:.0f}",
                        f"{mt['ll'] / t_bare:.2f}",
                    ]
                )
                # lime through limelight (same rows as lime's default 5000 samples)
                t_li, _ = median_time(
                    lambda: ll_values(model, x, bg, "lime", n_samples=5000, random_state=0), repeats
                )
                t_bare = bare(model, 5000, lime_rows(x, bg, 5000), repeats)
                over_rows.append(
                    [
                        dname,
                        mname,
                        "lime",
                        5000,
                        f"{t_bare * 1e3:.0f}",
                        f"{t_li * 1e3:.0f}",
                        f"{t_li / t_bare:.2f}",
                    ]
                )

                # -- permutation importance ------------------------------------------------
                n_rep = 5 if args.quick else 10
                t_sk, skr = median_time(
                    lambda: permutation_importance(
                        model, Xte, yte, n_repeats=n_rep, random_state=0
                    ),
                    repeats,
                )
                pl = plan_importance(model, Xte, yte, n_repeats=n_rep, random_state=0)
                t_pi, pie = median_time(pl.run, repeats)
                gap = float(np.abs(pie.values[0] - skr.importances_mean).max())
                se = float(np.median(skr.importances_std / np.sqrt(n_rep)))
                rows_pi = len(Xte) * (1 + d * n_rep)
                t_bare = bare(model, rows_pi, shuffled_copies(Xte, n_rep), repeats)
                perm_rows.append(
                    [
                        dname,
                        mname,
                        len(Xte),
                        n_rep,
                        f"{t_pi * 1e3:.0f}",
                        f"{t_sk * 1e3:.0f}",
                        f"{t_pi / t_sk:.2f}",
                        f"{gap:.3f}",
                        f"{se:.3f}",
                    ]
                )
                over_rows.append(
                    [
                        dname,
                        mname,
                        "permutation",
                        rows_pi,
                        f"{t_bare * 1e3:.0f}",
                        f"{t_pi * 1e3:.0f}",
                        f"{t_pi / t_bare:.2f}",
                    ]
                )
                print(
                    f"  {dname}/{mname} done at {time.perf_counter() - t_start:.0f} s",
                    file=sys.stderr,
                )

    print("1. Exact Shapley (class 1 probability), ms; goal ll/shap <= 0.5 at d=12")
    fmt(
        exact_rows,
        ["data", "model", "limelight", "shap Exact", "ratio", "max|diff|", "rows", "overhead"],
    )
    print(
        "1b. Tree ensembles (the forest): limelight method='tree' (exact values from the "
        "trees' paths;\n    'auto' picks it from 9 features) vs shap Exact and shap "
        "TreeExplainer(interventional), ms;\n    max|diff| against the exact values (d <= 12) "
        "or TreeExplainer's (d = 30); rows = model rows limelight ran"
    )
    fmt(
        tree_rows,
        [
            "data",
            "model",
            "limelight",
            "shap Exact",
            "ratio",
            "shap Tree",
            "ratio",
            "max|diff|",
            "rows",
        ],
    )
    print(
        "2. Kernel SHAP, relative L2 error at equal coalitions (x background rows); "
        "goal ll/shap(l1 off) <= 0.5.\n   'max z' = largest |error|/stderr over features "
        "(honest stderr: about 3 or less)"
    )
    fmt(
        kernel_rows,
        [
            "data",
            "model",
            "coalitions",
            "truth",
            "limelight",
            "shap l1=False",
            "shap default",
            "shap Perm",
            "err ratio",
            "max z",
            "ll ms",
            "shap ms",
            "Perm ms",
            "lime ms",
        ],
    )
    print(
        "3. Permutation importance, ms; goal ll/sklearn <= 1.0; |gap| = max difference "
        "of means, sklearn se = median std/sqrt(repeats)"
    )
    fmt(
        perm_rows,
        [
            "data",
            "model",
            "rows",
            "repeats",
            "limelight",
            "sklearn",
            "ratio",
            "max|gap|",
            "sklearn se",
        ],
    )
    print(
        "4. Overhead = limelight time / one bare batched predict_proba on the same rows; "
        "goal <= 1.3.\n   (The linear and MLP pipelines start with a scaler, which limelight "
        "applies to x and the background once, so it can go below 1.)"
    )
    fmt(over_rows, ["data", "model", "method", "rows", "bare ms", "limelight ms", "overhead"])
    print(f"total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
