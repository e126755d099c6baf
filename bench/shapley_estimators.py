"""Sampled Shapley estimators side by side at equal model calls: limelight's Kernel SHAP,
Leverage SHAP (``leverage``: background groups with their own coalitions, "auto";
``leverage-g1``: one design for the whole background) and regression-adjusted Monte
Carlo (MSR, tree adjustment, "auto" groups) beside shap's KernelExplainer (``l1_reg=False``), shap's PermutationExplainer and
shapiq's approximators (KernelSHAP paired, SVARM, permutation sampling), in one process.

Models: the four of ``bench/tabular.py`` (logistic regression, random forest, gradient
boosting, MLP; ``predict_proba`` class 1, except gradient boosting: its log-odds, the sum
of its trees), 50 background rows, one test row. Data: ``bench/tabular.py``'s synthetic
generator (linear part, a pairwise product, a max) at d = 12, 30 and 60. Reference: exact
Shapley values by enumeration at d = 12; for the forest and the boosting at any d, exact
interventional Tree SHAP (``method="tree"``) over the same 50 rows (equal to enumeration
at d = 12 to 1e-15); for the others above 12, MSR (one design) at 40x the budget (its
relative standard error ``||se|| / ||ref||`` is printed). Errors are relative L2 (the MSR paper reports the
squared relative error, so its ratios are these squared). Reported per (d, model, estimator), medians over seeds:

- ``err``: relative L2 error against the reference;
- ``z``: the largest |error| / stderr (limelight's estimators: honest if about <= 3);
- ``ms``: wall time;
- then a ``tol`` table: each limelight estimator with ``tol=0.01`` and a large budget,
  the coalitions it used and its error relative to |prediction - base value|.

Threads pinned to 1.

    python bench/shapley_estimators.py            # ~10 minutes on 2 shared cores
    python bench/shapley_estimators.py --quick    # d=12 and 30, two models, 2 seeds
    python bench/shapley_estimators.py --msr-fast # only: MSR on a fast model, beside shap

``--msr-fast``: ``ll.attribute(LogisticRegression on d = 12, x, method="msr")`` (its
defaults: ``tol=0.01``) beside shap's KernelExplainer (``nsamples`` its default, ``2 d +
2048``), both their errors against enumeration and their median times (7 runs).
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
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from tabular import models, synthetic  # noqa: E402

from limelight.api import plan  # noqa: E402

warnings.filterwarnings("ignore")

OURS = ("kernel", "leverage-g1", "leverage", "msr")
BUDGET = {12: 512, 30: 1000, 60: 2200}
REF_X = 40  # the sampled reference's budget, times the estimators'


# gradient boosting is explained on its log-odds (its trees' sum, so Tree SHAP is exact);
# every other model on the class-1 probability
MARGIN = ("boosting",)


def target(model, mname):
    """The explained output as a function of rows, and the matching ``plan`` options."""
    if mname in MARGIN:
        return model.decision_function, {"model_output": "decision", "output": None}
    return (lambda A: model.predict_proba(A)[:, 1]), {"output": 1}


def ours(model, x, bg, name, evals, seed, tol=0.0, mname="", **extra):
    method = name
    if name == "leverage-g1":  # one design for the whole background (no groups)
        method, extra = "leverage", {**extra, "groups": 1}
    p = plan(
        model,
        x,
        background=bg,
        method=method,
        max_evals=evals,
        tol=tol,
        random_state=seed,
        background_summary="sample",
        **target(model, mname)[1],
        **extra,
    )
    t0 = time.perf_counter()
    e = p.run()
    return time.perf_counter() - t0, e


def coalition_game(f1, x, bg):
    """v(S) for shapiq: the mean output with S from x, the rest from bg."""

    def game(coalitions):
        z = np.atleast_2d(np.asarray(coalitions, bool))  # shapiq may pass one coalition
        rows = np.where(z[:, None, :], x, bg[None]).reshape(-1, len(x))
        return f1(rows).reshape(len(z), len(bg)).mean(axis=1)

    return game


def shapiq_runs(f1, x, bg, evals, seed):
    import shapiq.approximator as sa

    d, game = len(x), coalition_game(f1, x, bg)
    out = {}
    for name, make in (
        ("shapiq-kernel", lambda: sa.KernelSHAP(d, pairing_trick=True, random_state=seed)),
        ("shapiq-svarm", lambda: sa.SVARM(d, random_state=seed)),
        ("shapiq-perm", lambda: sa.PermutationSamplingSV(d, random_state=seed)),
    ):
        try:
            t0 = time.perf_counter()
            iv = make().approximate(evals, game)
            vals = np.array([iv[(j,)] for j in range(d)])
            out[name] = (time.perf_counter() - t0, vals)
        except Exception as exc:  # noqa: BLE001 - report and go on
            out[name] = (float("nan"), exc)
    return out


def shap_runs(f1, x, bg, evals, seed):
    import shap

    out = {}
    ke = shap.KernelExplainer(f1, bg)
    np.random.seed(seed)
    t0 = time.perf_counter()
    sv = ke.shap_values(x[None, :], nsamples=evals, l1_reg=False, silent=True)
    out["shap-kernel"] = (time.perf_counter() - t0, np.asarray(sv)[0])
    masker = shap.maskers.Independent(bg, max_samples=len(bg))
    pe = shap.explainers.Permutation(f1, masker, seed=seed)
    t0 = time.perf_counter()
    sv = pe(x[None, :], max_evals=evals, silent=True)
    out["shap-perm"] = (time.perf_counter() - t0, sv.values[0])
    return out


def reference(model, mname, x, bg, evals):
    """Exact values where they can be had: enumeration at d <= 12, Tree SHAP (interventional,
    the same 50 background rows) for the tree models at any d; else MSR at ``REF_X`` times
    the budget, with its relative standard error ``||se|| / ||ref||`` in the note."""
    opts = {"background": bg, "background_summary": "sample", **target(model, mname)[1]}
    if len(x) <= 12:
        return plan(model, x, method="exact", **opts).run().values[0], "exact"
    if mname in ("forest", "boosting"):
        e = plan(model, x, method="tree", **opts).run()
        assert e.method == "tree", e.method  # not a silent fallback to sampling
        return e.values[0], "tree (exact)"
    _, e = ours(model, x, bg, "msr", REF_X * evals, 12345, mname=mname, groups=1)
    ref = e.values[0]
    return ref, f"msr x{REF_X}, se {np.linalg.norm(e.stderr[0]) / np.linalg.norm(ref):.2%}"


def rel(est, ref):
    return float(np.linalg.norm(est - ref) / max(np.linalg.norm(ref), 1e-12))


def fmt(rows, header):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print()


def msr_fast(runs: int = 7) -> None:
    """MSR's fixed cost on a fast model: a logistic regression at d = 12, beside shap."""
    import shap
    from sklearn.linear_model import LogisticRegression

    import limelight as ll

    X, y = synthetic(12, seed=12)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    bg, x = X[:50], X[100]
    opts = {"background": bg, "background_summary": "sample", "output": 1}
    ref = plan(model, x, method="exact", **opts).run().values[0]
    f1 = lambda A: model.predict_proba(A)[:, 1]  # noqa: E731
    ke = shap.KernelExplainer(f1, bg)
    ke.shap_values(x[None], l1_reg=False, silent=True)  # warm
    ll.attribute(model, x, method="msr", random_state=0, **opts)
    t_ours, t_shap, e_ours, e_shap = [], [], [], []
    with threadpool_limits(1):
        for seed in range(runs):
            t0 = time.perf_counter()
            e = ll.attribute(model, x, method="msr", random_state=seed, **opts)
            t_ours.append(time.perf_counter() - t0)
            e_ours.append(rel(e.values[0], ref))
            np.random.seed(seed)
            t0 = time.perf_counter()
            sv = ke.shap_values(x[None], l1_reg=False, silent=True)
            t_shap.append(time.perf_counter() - t0)
            e_shap.append(rel(np.asarray(sv).reshape(-1)[:12], ref))
    med = statistics.median
    print(
        f"MSR on a fast model (LogisticRegression, d=12, 50 background rows, {runs} runs): "
        f"ours {med(t_ours) * 1e3:.1f} ms ({e.n_evals // 50} coalitions, err "
        f"{med(e_ours):.2%}), shap Kernel {med(t_shap) * 1e3:.1f} ms (2072, err "
        f"{med(e_shap):.2%}): time ratio {med(t_ours) / med(t_shap):.2f}, error ratio "
        f"{med(e_ours) / med(e_shap):.2f}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--msr-fast", action="store_true", help="only MSR on a fast model")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--dims", default=None, help="e.g. 12,30")
    ap.add_argument("--models", default=None, help="e.g. linear,mlp")
    ap.add_argument("--no-shapiq", action="store_true")
    ap.add_argument("--no-tol", action="store_true", help="skip the tol table")
    args = ap.parse_args()
    msr_fast()
    if args.msr_fast:
        return
    seeds = args.seeds or (2 if args.quick else 5)
    dims = (
        [int(v) for v in args.dims.split(",")]
        if args.dims
        else ([12, 30] if args.quick else [12, 30, 60])
    )
    table = models(args.quick)
    if args.models:
        table = {k: v for k, v in models(False).items() if k in args.models.split(",")}
    import shap

    # shap compiles numba code on first use: warm it up outside the timings
    Xw, yw = synthetic(4, n=200)
    from sklearn.linear_model import LogisticRegression

    lw = LogisticRegression().fit(Xw, yw)
    shap_runs(lambda A: lw.predict_proba(A)[:, 1], Xw[0], Xw[:10], 20, 0)
    print(
        f"numpy {np.__version__}, shap {shap.__version__}, threads 1, 50 background rows, "
        f"medians over {seeds} seeds\n"
    )
    rows, tol_rows, ratio_rows = [], [], []
    with threadpool_limits(1):
        for d in dims:
            X, y = synthetic(d, seed=d)
            Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
            bg = Xtr[np.random.default_rng(0).choice(len(Xtr), 50, replace=False)]
            x = Xte[0]
            evals = BUDGET[d] + 2 * d
            for mname, make in table.items():
                model = make().fit(Xtr, ytr)
                ref, note = reference(model, mname, x, bg, evals)
                f1 = target(model, mname)[0]
                res: dict[str, list] = {}
                for seed in range(seeds):
                    for name in OURS:
                        t, e = ours(model, x, bg, name, evals, seed, mname=mname)
                        z = (
                            float(
                                np.max(np.abs(e.values[0] - ref) / np.maximum(e.stderr[0], 1e-12))
                            )
                            if e.stderr is not None
                            else float("nan")
                        )
                        res.setdefault(name, []).append((rel(e.values[0], ref), t, z))
                    runs = shap_runs(f1, x, bg, evals, seed)
                    if not args.no_shapiq:
                        runs.update(shapiq_runs(f1, x, bg, evals, seed))
                    for name, (t, vals) in runs.items():
                        if isinstance(vals, Exception):
                            res.setdefault(name, []).append((float("nan"), t, float("nan")))
                            continue
                        res.setdefault(name, []).append((rel(vals, ref), t, float("nan")))
                med = {k: [statistics.median(c) for c in zip(*v)] for k, v in res.items()}
                for name, (err, t, z) in med.items():
                    rows.append(
                        [
                            d,
                            mname,
                            name,
                            evals,
                            note,
                            f"{err:.2%}",
                            "" if np.isnan(z) else f"{z:.1f}",
                            f"{t * 1e3:.0f}",
                        ]
                    )
                best = min(OURS, key=lambda k: med[k][0])
                ratio_rows.append(
                    [
                        d,
                        mname,
                        best,
                        f"{med[best][0]:.2%}",
                        f"{med[best][0] / med['shap-kernel'][0]:.2f}",
                        f"{med[best][0] / med['shap-perm'][0]:.2f}",
                        f"{med[best][1] / med['shap-kernel'][1]:.2f}",
                        f"{med[best][1] / med['shap-perm'][1]:.2f}",
                    ]
                    + [f"{med[k][0] / med['shap-kernel'][0]:.2f}" for k in OURS]
                )
                for name in [] if args.no_tol else OURS[1:]:
                    t, e = ours(model, x, bg, name, 20 * evals, 0, tol=0.01, mname=mname)
                    span = float(
                        np.abs(e.prediction - e.base_values)[1 if len(e.prediction) > 1 else 0]
                    )
                    tol_rows.append(
                        [
                            d,
                            mname,
                            name,
                            20 * evals,
                            e.n_evals // len(bg),
                            f"{float(e.stderr.max()) / span:.4f}",
                            f"{float(np.abs(e.values[0] - ref).max()) / span:.4f}",
                        ]
                    )
                print(f"  done d={d} {mname}", file=sys.stderr)
    fmt(rows, ["d", "model", "estimator", "coalitions", "reference", "err", "z", "ms"])
    fmt(
        ratio_rows,
        [
            "d",
            "model",
            "best ours",
            "err",
            "err/shapK",
            "err/shapP",
            "t/shapK",
            "t/shapP",
            *[f"{k}/shapK" for k in OURS],
        ],
    )
    fmt(
        tol_rows,
        ["d", "model", "estimator", "max coalitions", "used", "max se/|delta|", "max err/|delta|"],
    )


if __name__ == "__main__":
    main()
