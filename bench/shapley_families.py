"""The default sampled Shapley method beside shap's KernelExplainer (``l1_reg=False``) on
function families that were not tuned for us, at equal coalitions, in one process.

``bench/shapley_estimators.py`` compares the estimators on the four models of
``bench/tabular.py``; this script widens the families (paired Kernel SHAP is exact for
interactions up to order two, so most of these have more):

- ``triples``: a linear part plus ``d`` random products ``x_i x_j x_k`` (sparse, order 3);
- ``triples-dense``: ``4 d`` random products of three features (dense, order 3);
- ``prod-sums``: ``(a.x_A)(b.x_B)(c.x_C)`` over a partition of the features in three (every
  triple across the parts interacts);
- ``and-steps``: ``d / 2`` rules ``w 1[x_i > t_i] 1[x_j > t_j] 1[x_k > t_k]`` (step functions);
- ``order-6``: products of ``tanh`` of six features, plus a linear part;
- ``threshold``: ``1[a.x > c]``, one step on a weighted sum (d <= 14: enumeration);
- ``mlp``: a small scikit-learn MLP trained on a target with interactions (d <= 14);
- ``gbm``: gradient-boosted trees, called as a black box (reference: exact interventional
  Tree SHAP over the same background, ``method="tree"``).

Exact references: the first five are sums of products of one-feature functions over
disjoint sets of features; for one background row ``b`` each factor is ``c + sum_{i in
A} z_i u_i`` in the coalition ``z``, so the game's multilinear extension factorises and
Owen's formula ``phi_i = int_0^1 dG/dz_i (t) dt`` is a polynomial integral (Gauss-Legendre,
exact), averaged over the background. ``threshold`` and ``mlp`` by enumeration (d <= 14).

Ours: what ``ll.attribute(model, x, background=bg)`` picks above ``AUTO_EXACT_MAX``
features, with ``max_evals`` = shap's ``nsamples`` and ``tol=0`` (the whole budget), at
d = 10 too (where "auto" would enumerate). Printed per (family, d): median relative L2
errors over rows and seeds, ours / shap Kernel's error and time, and the method "auto"
chose (``e.params``). Threads pinned to 1.

    python bench/shapley_families.py                # ~6 minutes on 2 shared cores
    python bench/shapley_families.py --quick        # d = 14 and 30, 2 seeds
    python bench/shapley_families.py --dims 14 --families triples,prod-sums
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from limelight.api import plan
from limelight.plans.tabular import auto_sampled

warnings.filterwarnings("ignore")

M = 50  # background rows
NODES, NODE_W = np.polynomial.legendre.leggauss(8)  # exact for products of <= 16 factors
NODES, NODE_W = (NODES + 1) / 2, NODE_W / 2  # on [0, 1]


class Products:
    """``f(X) = sum_t w_t prod_k (sum_{i in A_tk} h_tk(X_i))``, the ``A_tk`` of a term
    disjoint, with its exact interventional Shapley values over a background."""

    def __init__(self, terms):
        self.terms = terms  # [(w, [(features, h), ...]), ...], h: array -> array

    def __call__(self, X):
        X = np.asarray(X, float)
        out = np.zeros(len(X))
        for w, factors in self.terms:
            part = np.full(len(X), float(w))
            for feats, h in factors:
                part *= h(X[:, feats]).sum(axis=1)
            out += part
        return out

    def shapley(self, x, bg):
        phi = np.zeros(len(x))
        for w, factors in self.terms:
            # per background row and factor: c (all from b) and u_i (x_i's change)
            cs, us = [], []
            for feats, h in factors:
                hb, hx = h(bg[:, feats]), h(x[None, feats])
                cs.append(hb.sum(axis=1))
                us.append(hx - hb)
            U = np.stack([u.sum(axis=1) for u in us])  # (factors, m)
            C = np.stack(cs)
            lin = C[:, :, None] + U[:, :, None] * NODES  # (factors, m, nodes)
            for k, (feats, _) in enumerate(factors):
                rest = np.prod(np.delete(lin, k, axis=0), axis=0)  # (m, nodes)
                phi[feats] += w * (us[k] * (rest @ NODE_W)[:, None]).mean(axis=0)
        return phi


def ident(v):
    return v


def family(name: str, d: int, rng: np.random.Generator):
    """The function, and its exact Shapley values ``(x, bg) -> (d,)`` or None."""
    a = rng.normal(size=d)
    if name in ("triples", "triples-dense"):
        k = d if name == "triples" else 4 * d
        terms = [(a[i], [([i], ident)]) for i in range(d)] if name == "triples" else []
        for _ in range(k):
            ijk = rng.choice(d, 3, replace=False)
            terms.append((rng.normal(), [([int(i)], ident) for i in ijk]))
        f = Products(terms)
        return f, f.shapley
    if name == "prod-sums":
        parts = np.array_split(rng.permutation(d), 3)
        ws = [rng.normal(size=len(p)) for p in parts]
        f = Products([(1.0, [(list(p), lambda v, w=w: v * w) for p, w in zip(parts, ws)])])
        return f, f.shapley
    if name == "and-steps":
        terms = []
        for _ in range(max(2, d // 2)):
            ijk = rng.choice(d, 3, replace=False)
            t = rng.normal(scale=0.7, size=3)
            fac = [([int(i)], lambda v, t=ti: (v > t).astype(float)) for i, ti in zip(ijk, t)]
            terms.append((rng.normal() * 2, fac))
        f = Products(terms)
        return f, f.shapley
    if name == "order-6":
        terms = [(0.3 * a[i], [([i], ident)]) for i in range(d)]
        for _ in range(max(2, d // 6)):
            six = rng.choice(d, 6, replace=False)
            terms.append((2 * rng.normal(), [([int(i)], np.tanh) for i in six]))
        f = Products(terms)
        return f, f.shapley
    if name == "threshold":
        c = 0.5 * np.abs(a).sum() * 0.2
        return (lambda X: (np.asarray(X) @ a > c).astype(float)), None
    if name == "mlp":
        from sklearn.neural_network import MLPRegressor

        X = rng.normal(0.5, 1.0, size=(2000, d))
        y = X[:, 0] * X[:, 1] * X[:, 2] + np.sin(X @ a) + X[:, 3] * (X[:, 4] > 0.5)
        model = MLPRegressor(hidden_layer_sizes=(32, 32), max_iter=300, random_state=0).fit(X, y)
        return model, None
    if name == "gbm":
        from sklearn.ensemble import GradientBoostingRegressor

        X = rng.normal(0.5, 1.0, size=(2000, d))
        y = X[:, 0] * X[:, 1] * X[:, 2] + np.sin(X @ a) + (X[:, 3] > 0) * (X[:, 4] > 0.5)
        return GradientBoostingRegressor(n_estimators=100, max_depth=4, random_state=0).fit(
            X, y
        ), None
    raise ValueError(name)


FAMILIES = ("triples", "triples-dense", "prod-sums", "and-steps", "order-6", "threshold", "mlp")
FAMILIES += ("gbm",)
ENUMERATED_ONLY = ("threshold", "mlp")  # no closed form: d <= 14 only


def predict(model):
    return model.predict if hasattr(model, "predict") else model


def reference(name, model, exact, x, bg):
    if exact is not None:
        return exact(x, bg)
    method = "tree" if name == "gbm" else "exact"
    return plan(model, x, background=bg, method=method, background_summary="sample").run().values[0]


def ours(model, x, bg, evals, seed, method):
    p = plan(
        predict(model),
        x,
        background=bg,
        method=method,
        max_evals=evals,
        tol=0,
        random_state=seed,
        background_summary="sample",
    )
    t0 = time.perf_counter()
    e = p.run()
    return time.perf_counter() - t0, e


def shap_kernel(model, x, bg, evals, seed):
    import shap

    ke = shap.KernelExplainer(predict(model), bg)
    np.random.seed(seed)
    t0 = time.perf_counter()
    sv = ke.shap_values(x[None, :], nsamples=evals, l1_reg=False, silent=True)
    return time.perf_counter() - t0, np.asarray(sv).reshape(-1)[: len(x)]


def rel(est, ref):
    return float(np.linalg.norm(est - ref) / max(np.linalg.norm(ref), 1e-12))


def budget(d: int) -> int:
    return 2 * d + (256 if d <= 10 else 2048)  # at d = 10 the default's 2068 see every one


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--rows", type=int, default=2)
    ap.add_argument("--dims", default=None, help="e.g. 14,30")
    ap.add_argument("--families", default=None, help="e.g. triples,mlp")
    ap.add_argument("--method", default="default", help="a method name, or the default's")
    args = ap.parse_args()
    seeds = args.seeds or (2 if args.quick else 3)
    dims = [int(v) for v in args.dims.split(",")] if args.dims else [10, 14, 30, 60]
    dims = [14, 30] if args.quick and not args.dims else dims
    fams = args.families.split(",") if args.families else FAMILIES
    import shap

    shap_kernel(lambda X: X.sum(axis=1), np.ones(3), np.zeros((4, 3)), 20, 0)  # warm numba
    print(
        f"shap {shap.__version__}, threads 1, {M} background rows, tol=0, medians over "
        f"{seeds} seeds x {args.rows} rows\n"
    )
    header = ["family", "d", "coalitions", "method", "err ours", "err shapK", "err ratio",
              "t ours ms", "t shapK ms", "t ratio"]  # fmt: skip
    rows = []
    with threadpool_limits(1):
        for d in dims:
            for name in fams:
                if name in ENUMERATED_ONLY and d > 14:
                    continue
                rng = np.random.default_rng(1000 + d)
                model, exact = family(name, d, rng)
                data = rng.normal(0.5, 1.0, size=(M + args.rows, d))
                bg, xs = data[:M], data[M:]
                evals = budget(d)
                method = auto_sampled(d) if args.method == "default" else args.method
                errs, times, picks = {"ours": [], "shap": []}, {"ours": [], "shap": []}, {}
                for x in xs:
                    ref = reference(name, model, exact, x, bg)
                    for seed in range(seeds):
                        t, e = ours(model, x, bg, evals, seed, method)
                        assert abs(e.values[0].sum() - (e.prediction - e.base_values)[0]) < 1e-8
                        errs["ours"].append(rel(e.values[0], ref))
                        times["ours"].append(t)
                        chosen = e.params.get("estimator", {}).get("chosen", e.method)
                        picks[chosen] = picks.get(chosen, 0) + 1
                        t, v = shap_kernel(model, x, bg, evals, seed)
                        errs["shap"].append(rel(v, ref))
                        times["shap"].append(t)
                eo, es = (statistics.median(errs[k]) for k in ("ours", "shap"))
                to, ts = (statistics.median(times[k]) for k in ("ours", "shap"))
                chosen = "+".join(f"{k}:{v}" for k, v in sorted(picks.items()))
                rows.append([name, d, evals, chosen, f"{eo:.2%}", f"{es:.2%}", f"{eo / es:.2f}",
                             f"{to * 1e3:.0f}", f"{ts * 1e3:.0f}", f"{to / ts:.2f}"])  # fmt: skip
                print("  ".join(map(str, rows[-1])), flush=True)
    print()
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    main()
