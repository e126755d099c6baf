"""Sampled Shapley estimators (Kernel SHAP, Leverage SHAP, regression-adjusted Monte Carlo)
against exact values by subset enumeration (tests/references.py), on games with
interactions of order three and more: they converge as the budget grows, are exact where
theory says so, add up exactly, honour their seeds, stop at ``tol``, and stop on cancel."""

import threading
import time

import numpy as np
import pytest
from tests.references import brute_force_shapley, shapley_by_subsets

import limelight as ll
from limelight.api import plan
from limelight.errors import Cancelled
from limelight.explainers.leverage import estimate_game

D = 10
RNG = np.random.default_rng(7)
W1, W2 = RNG.normal(size=D), RNG.normal(size=(D, D)) * 0.4


def higher_order(z):
    """A game with interactions of order 2, 3, 4 and a smooth non-polynomial part."""
    z = np.asarray(z, float)
    return (
        z @ W1
        + np.einsum("ni,ij,nj->n", z, W2, z)
        + 2 * z[:, :4].prod(axis=1)
        - 1.5 * z[:, 4] * z[:, 5] * z[:, 6]
        + np.sin(z @ W1)
    )[:, None]


def at(game, d):
    def value(S):
        z = np.zeros((1, d), bool)
        z[0, S] = True
        return game(z)[0]

    return value


EXACT = shapley_by_subsets(at(higher_order, D), D)[:, 0]
ESTIMATORS = [("kernel", None), ("leverage", None), ("msr", "linear"), ("msr", "tree")]


def run(game, d, adjust, budget, seed, tol=0.0):
    return list(
        estimate_game(
            game,
            d,
            budget=budget,
            rng=np.random.default_rng(seed),
            adjust=adjust,
            batch=256,
            tol=tol,
            watched=False,
        )
    )[-1]


def rel(v, ref):
    return np.linalg.norm(v - ref) / np.linalg.norm(ref)


@pytest.mark.parametrize("adjust", [None, "linear", "tree"])
def test_error_falls_with_the_budget_and_vanishes_once_every_coalition_is_seen(adjust):
    errs = {
        b: np.median([rel(run(higher_order, D, adjust, b, s).values[0], EXACT) for s in range(4)])
        for b in (120, 600)
    }
    assert errs[600] < 0.5 * errs[120]
    assert errs[120] > 1e-3  # sampled: not exact by accident
    full = run(higher_order, D, adjust, 2**D, 0)
    np.testing.assert_allclose(full.values[0], EXACT, atol=1e-9)
    np.testing.assert_array_equal(full.stderr, 0)


@pytest.mark.parametrize("adjust", [None, "linear", "tree"])
def test_exact_for_additive_games_at_a_small_budget(adjust):
    w = np.arange(1.0, D + 1)
    est = run(lambda z: (z @ w + 3.0)[:, None], D, adjust, 60, 1)
    np.testing.assert_allclose(est.values[0], w, atol=1e-9)


def test_paired_leverage_sampling_is_exact_for_interactions_of_order_two():
    game = lambda z: (z @ W1 + np.einsum("ni,ij,nj->n", z * 1.0, W2, z * 1.0))[:, None]  # noqa: E731
    exact = shapley_by_subsets(at(game, D), D)[:, 0]
    for seed in range(3):
        np.testing.assert_allclose(run(game, D, None, 80, seed).values[0], exact, atol=1e-9)
    # an order-three term breaks it: the estimate is then only close
    assert rel(run(higher_order, D, None, 80, 0).values[0], EXACT) > 1e-4


def test_msr_trees_shapley_values_match_enumeration_of_their_own_game():
    # the regression adjustment is exact only if the trees' Shapley values are: boosted
    # trees fitted per group (cross-fitting folds), each group's game enumerated
    from limelight.explainers.coalition_trees import boost_groups, route_groups, tree_shapley

    rng = np.random.default_rng(3)
    z = rng.random((500, 7)) < 0.5
    r = np.sin(z @ rng.normal(size=7)) + 2.0 * z[:, 0] * z[:, 1] * z[:, 2]
    group = rng.integers(0, 3, len(z))
    trees, resid = boost_groups(z, r, group, 3, n_trees=8, depth=4, rate=0.5, min_leaf=3)
    np.testing.assert_allclose(resid, r - route_groups(trees, z, group), atol=1e-12)
    for g in range(3):
        fit = lambda m: route_groups(trees, m, np.full(len(m), g))[:, None]  # noqa: B023, E731
        exact = shapley_by_subsets(at(fit, 7), 7)[:, 0]
        assert np.abs(exact).max() > 0.1  # the fit is not trivial
        np.testing.assert_allclose(tree_shapley(trees, 7, g), exact, atol=1e-12)


@pytest.mark.parametrize("adjust", [None, "linear", "tree"])
def test_efficiency_holds_exactly_and_seeds_reproduce(adjust):
    a, b, c = (run(higher_order, D, adjust, 300, s) for s in (3, 3, 4))
    assert abs(a.values.sum() - (a.pred - a.base)[0]) < 1e-10
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)


@pytest.mark.parametrize("adjust", [None, "linear", "tree"])
def test_standard_errors_are_honest(adjust):
    # about 95% of |error| <= 2 se when the se is right; far fewer when it is too small
    inside = []
    for s in range(12):
        est = run(higher_order, D, adjust, 300, 100 + s)
        inside.append(np.abs(est.values[0] - EXACT) <= 2 * est.stderr[0])
    assert 0.8 <= np.mean(inside) <= 1.0


@pytest.mark.parametrize("adjust", ["linear", "tree"])
def test_msr_is_unbiased_and_its_standard_errors_match_its_spread_over_seeds(adjust):
    # cross-fitted folds whose standard error leaves out their covariance: measured here
    # against the spread over 60 seeds, and the mean error against that spread's own noise
    vals, se2 = [], []
    for s in range(60):
        est = run(higher_order, D, adjust, 400, 500 + s)
        vals.append(est.values[0])
        se2.append(est.stderr[0] ** 2)
    err = np.array(vals) - EXACT
    mse = (err**2).mean(axis=0)
    assert 0.7 <= np.median(mse / np.mean(se2, axis=0)) <= 1.4
    assert np.all(np.abs(err.mean(axis=0)) <= 4 * np.sqrt(mse / len(err)))


@pytest.mark.parametrize("adjust", [None, "tree"])
def test_tol_stops_once_the_target_is_reached(adjust):
    est = run(higher_order, D, adjust, 2**D - 100, 0, tol=0.02)
    delta = abs(float(est.pred[0] - est.base[0]))
    assert est.coalitions < 2**D - 100
    assert est.stderr.max() <= 0.02 * delta
    assert np.abs(est.values[0] - EXACT).max() <= 3 * 0.02 * delta


def tabular_case(d=8):
    rng = np.random.default_rng(0)
    bg = rng.normal(size=(6, d))
    x = rng.normal(size=d)
    f = lambda X: np.tanh(X[:, 0] * X[:, 1] * X[:, 2]) + X @ np.linspace(-1, 1, d)  # noqa: E731
    return f, x, bg


@pytest.mark.parametrize("method,option", [("leverage", {}), ("msr", {})])
def test_tabular_methods_match_brute_force_when_every_coalition_fits(method, option):
    f, x, bg = tabular_case()
    want = brute_force_shapley(lambda X: f(X)[:, None], x, bg)[0]
    e = ll.attribute(
        f,
        x,
        background=bg,
        method=method,
        max_evals=2**8,
        tol=0,
        background_summary="sample",
        **option,
    )
    np.testing.assert_allclose(e.values[0], want, atol=1e-9)
    e = ll.attribute(
        f,
        x,
        background=bg,
        method=method,
        max_evals=120,
        tol=0,
        random_state=0,
        background_summary="sample",
    )
    assert e.method == method and e.n_evals == 120 * len(bg) and e.stderr is not None
    assert rel(e.values[0], want) < 0.05


class Counting:
    def __init__(self, d):
        self.calls, self.after_cancel, self.cancelled = 0, 0, threading.Event()
        self.w = np.linspace(-1, 1, d)

    def __call__(self, X):
        self.calls += 1
        if self.cancelled.is_set():
            self.after_cancel += 1
        time.sleep(0.02)
        return np.tanh(X @ self.w)


@pytest.mark.parametrize("method", ["kernel", "leverage", "msr", "exact"])
def test_cancel_stops_within_one_model_call_even_while_enumerating(method):
    d = 16  # Kernel SHAP enumerates sizes 1..3 here: calls with no partial between them
    model = Counting(d)
    bg = np.random.default_rng(0).normal(size=(40, d))
    budget = {} if method == "exact" else {"max_evals": 200_000, "tol": 0}
    w = ll.explain(
        model,
        np.ones(d),
        background=bg,
        method=method,
        rows_per_call=2000,
        background_summary="sample",
        **budget,
    )
    deadline = time.monotonic() + 60
    while model.calls < 3 and time.monotonic() < deadline:  # a run that failed: no hang
        time.sleep(0.005)
    assert model.calls >= 3, w._progress
    model.cancelled.set()
    w.cancel()
    with pytest.raises(Cancelled):
        w.wait(timeout=20)
    assert model.after_cancel <= 1  # the call in flight when cancel() came, no more
    assert w._progress["status"] == "cancelled"


def test_auto_above_twelve_features_picks_grouped_msr_and_says_which_estimate_it_kept():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 20))
    f = lambda A: np.tanh(A[:, 0] * A[:, 1]) + A.sum(axis=1)  # noqa: E731
    for budget in ({}, {"max_evals": 200}):
        p = plan(f, X[0], background=X, **budget)
        assert p.explainer.name == "msr" and p.explainer.groups == "auto"
    e = ll.attribute(f, X[0], background=X, max_evals=600, tol=0, random_state=0)
    assert 1 <= e.params["groups"] <= 4 and "grouping_gain" in e.params
    est = e.params["estimator"]
    assert est["chosen"] in ("msr", "leverage") and est["why"]
    lower = min(est["stderr"].values())
    assert est["stderr"][est["chosen"]] == lower
    # the kept estimate's reported error is the standard error it returns
    assert np.sqrt((e.stderr**2).sum()) == pytest.approx(lower, rel=1e-3)
    # at 150 coalitions (under 10 a feature) the adjustment cannot be cross-fitted
    e = ll.attribute(f, X[0], background=X, max_evals=150, tol=0, random_state=0)
    assert e.params["estimator"]["chosen"] == "leverage"
    assert "cross-fit" in e.params["estimator"]["why"]
    assert plan(f, X[0], background=X, method="leverage").explainer.name == "leverage"
    assert plan(f, X[0], background=X, method="kernel").explainer.name == "kernel"


def test_estimator_objects_are_accepted_as_method_and_match_their_names():
    f, x, bg = tabular_case(d=14)
    for obj, name in (
        (ll.explainers.LeverageShap(max_evals=300, tol=0, random_state=2), "leverage"),
        (ll.explainers.MsrShap(max_evals=300, tol=0, random_state=2), "msr"),
    ):
        by_obj = ll.attribute(f, x, background=bg, method=obj)
        by_name = ll.attribute(
            f, x, background=bg, method=name, max_evals=300, tol=0, random_state=2
        )
        np.testing.assert_array_equal(by_obj.values, by_name.values)
        assert by_obj.method == name
