"""The default sampled Shapley method (what ``method="auto"`` runs above 12 features) on
games with dense third-order interactions, which paired Kernel SHAP and Leverage SHAP do
not capture exactly: against exact values by enumeration (d = 12) and beside shap's
KernelExplainer (``l1_reg=False``) at the same coalitions and background."""

import numpy as np
import pytest

from limelight.api import plan
from limelight.plans.tabular import auto_sampled

D, COALITIONS, SEEDS = 12, 1000, 3


def cubic(seed: int):
    """A linear part plus ``3 d`` random products of three features."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=D)
    triples = [rng.choice(D, 3, replace=False) for _ in range(3 * D)]
    w = rng.normal(size=len(triples))

    def f(X):
        X = np.asarray(X, float)
        return X @ a + sum(wt * X[:, i] * X[:, j] * X[:, k] for wt, (i, j, k) in zip(w, triples))

    data = rng.normal(0.5, 1.0, size=(21, D))
    return f, data[20], data[:20]


def rel(est, ref):
    return float(np.linalg.norm(est - ref) / np.linalg.norm(ref))


def test_default_sampled_method_beats_kernel_shap_error_on_third_order_games():
    shap = pytest.importorskip("shap")
    ours, theirs = [], []
    for game in range(3):
        f, x, bg = cubic(game)
        opts = {"background": bg, "background_summary": "sample"}
        exact = plan(f, x, method="exact", **opts).run().values[0]
        for seed in range(SEEDS):
            e = plan(
                f, x, method=auto_sampled(D), max_evals=COALITIONS, tol=0, random_state=seed, **opts
            ).run()
            assert e.values[0].sum() == pytest.approx(e.prediction[0] - e.base_values[0])
            ours.append(rel(e.values[0], exact))
            np.random.seed(seed)
            sv = shap.KernelExplainer(f, bg).shap_values(
                x[None], nsamples=COALITIONS, l1_reg=False, silent=True
            )
            theirs.append(rel(np.asarray(sv).reshape(-1), exact))
    # measured: the regression-adjusted default 0.97% mean error, 0.29x shap Kernel's
    # 3.4%; Leverage SHAP, the default before it, 1.64% (0.49x), fails both bounds
    assert np.mean(ours) <= 0.0125
    assert np.mean(ours) <= 0.4 * np.mean(theirs)
