"""Leverage SHAP and MSR over background groups: each group of background rows draws its
own coalitions, and the values are the groups' weighted mean. Checked against exact
interventional values by enumeration (tests/references.py) and limelight's exact method:
exact where each group's estimate is, efficiency, seeds, honest standard errors, a lower
error than one design for the whole background at the same model rows, weights, tol."""

import numpy as np
import pytest
from tests.references import brute_force_shapley

import limelight as ll
from limelight.api import plan
from limelight.errors import InputError
from limelight.explainers.leverage import estimate_game

D = 9
RNG = np.random.default_rng(3)
BG = RNG.normal(size=(12, D))
X = RNG.normal(size=D)
W = np.linspace(-1, 1, D)


def higher_order(A):
    """Interactions of order 3 and more, the same for every background row."""
    return np.tanh(A[:, 0] * A[:, 1] * A[:, 2]) + 0.5 * np.sin(A[:, 3:7].sum(axis=1)) + A @ W


def order_two(A):
    return A @ W + 1.5 * A[:, 0] * A[:, 1] - A[:, 2] * A[:, 5]


EXACT = brute_force_shapley(lambda A: higher_order(A)[:, None], X, BG)[0]


def attribute(f, **kw):
    opts = {"background": BG, "method": "leverage", "tol": 0, "background_summary": "sample"}
    return ll.attribute(f, X, **{**opts, **kw})


def rel(v, ref):
    return float(np.linalg.norm(v - ref) / np.linalg.norm(ref))


@pytest.mark.parametrize("method", ["leverage", "msr"])
def test_groups_are_exact_where_each_groups_estimate_is(method):
    # paired designs are exact for games with interactions up to order two: so is every
    # group's, and their mean; and with every coalition seen the groups are not split
    want = brute_force_shapley(lambda A: order_two(A)[:, None], X, BG)[0]
    e = attribute(order_two, method=method, max_evals=60, groups=4, random_state=0)
    assert e.params["groups"] == 4
    np.testing.assert_allclose(e.values[0], want, atol=1e-9)
    full = attribute(higher_order, method=method, max_evals=2**D, groups=4)
    assert full.params["groups"] == 1
    np.testing.assert_allclose(full.values[0], EXACT, atol=1e-9)
    np.testing.assert_array_equal(full.stderr, 0)


def test_weighted_groups_match_the_exact_weighted_values():
    # k-means summarises 200 rows as 6 weighted ones; groups of unequal weight (3 groups
    # of 2) must weigh their games by their rows' weights
    bg = np.random.default_rng(5).normal(size=(200, D))
    opts = {"background": bg, "background_size": 6, "background_summary": "kmeans"}
    exact = ll.attribute(order_two, X, method="exact", **opts)
    weights = plan(order_two, X, method="exact", **opts).instance.weights
    assert np.ptp(weights) > 0.01  # the rows do weigh differently
    e = ll.attribute(order_two, X, method="leverage", max_evals=60, groups=3, tol=0, **opts)
    assert e.params["groups"] == 3
    np.testing.assert_allclose(e.values[0], exact.values[0], atol=1e-9)
    np.testing.assert_allclose(e.base_values, exact.base_values, atol=1e-12)


def test_efficiency_is_exact_and_seeds_reproduce_with_groups():
    a, b, c = (attribute(higher_order, max_evals=100, groups=6, random_state=s) for s in (1, 1, 2))
    np.testing.assert_allclose(a.values.sum() + a.base_values[0], a.prediction[0], atol=1e-10)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)


def wide_case():
    """Two models on 14 features, 12 background rows: one whose curvature every background
    row shares, one whose only interaction changes sign across them (it cancels in the
    mean over the background); exact values by enumeration."""
    rng = np.random.default_rng(3)
    bg, x, V = rng.normal(size=(12, 14)), rng.normal(size=14), rng.normal(size=(14, 4))
    shared = lambda A: np.tanh(A @ V).sum(axis=1)  # noqa: E731
    cancel = lambda A: A[:, 0] * A[:, 1] * A[:, 2] + A @ np.linspace(-1, 1, 14)  # noqa: E731
    opts = {"background": bg, "background_summary": "sample"}
    return (
        x,
        opts,
        {
            name: (f, ll.attribute(f, x, method="exact", **opts).values[0])
            for name, f in (("shared", shared), ("cancel", cancel))
        },
    )


def test_auto_keeps_groups_only_where_they_lower_the_error_at_the_same_model_rows():
    # one design for the whole background repeats its sampling error in every row's game:
    # independent designs average it out when the rows' games share their non-additive
    # part, and add it up when it cancels in their mean; the pilot measures which
    x, opts, cases = wide_case()
    for name, (f, exact) in cases.items():
        runs = {
            g: [
                ll.attribute(
                    f, x, method="leverage", max_evals=300, tol=0, groups=g, random_state=s, **opts
                )
                for s in range(10)
            ]
            for g in (1, 12, "auto")
        }
        err = {g: np.median([rel(e.values[0], exact) for e in es]) for g, es in runs.items()}
        kept = sum(e.params["groups"] == 12 for e in runs["auto"])
        assert all(e.n_evals == 300 * 12 for es in runs.values() for e in es)  # same rows
        if name == "shared":  # a small pilot can misjudge a gain near 1: most runs keep
            assert err[12] < 0.9 * err[1] and kept >= 8
            assert err["auto"] < 0.9 * err[1]
        else:
            assert err[1] < 0.8 * err[12] and kept == 0
            assert all(e.params["grouping_gain"] < 0.5 for e in runs["auto"])
            assert err["auto"] < 0.8 * err[12]


@pytest.mark.parametrize("method", ["leverage", "msr"])
def test_grouped_standard_errors_match_the_spread_over_seeds(method):
    vals, se2 = [], []
    for s in range(40):
        e = attribute(higher_order, method=method, max_evals=160, groups=4, random_state=100 + s)
        vals.append(e.values[0])
        se2.append(e.stderr[0] ** 2)
    err = np.array(vals) - EXACT
    mse = (err**2).mean(axis=0)
    assert 0.6 <= np.median(mse / np.mean(se2, axis=0)) <= 1.5
    assert np.all(np.abs(err.mean(axis=0)) <= 4 * np.sqrt(mse / len(err)))


def test_tol_stops_on_the_groups_pooled_standard_error():
    e = attribute(higher_order, max_evals=400, groups=4, tol=0.02, random_state=0)
    delta = abs(float(e.prediction[0] - e.base_values[0]))
    assert e.n_evals < 400 * len(BG)
    assert e.stderr.max() <= 0.02 * delta
    assert np.abs(e.values[0] - EXACT).max() <= 3 * 0.02 * delta


def test_estimate_game_pools_weighted_games():
    # two games at once, weights 0.25 / 0.75: the Shapley values of the weighted game
    w = np.array([1.0, 2.0, 3.0])

    def games(masks):
        z = masks.astype(float)
        return np.stack([z[0] @ w, 2 * z[1] @ w])[..., None]

    est = list(
        estimate_game(
            games, 3, budget=6, rng=np.random.default_rng(0), weights=np.array([0.25, 0.75])
        )
    )[-1]
    np.testing.assert_allclose(est.values[0], 1.75 * w, atol=1e-12)


@pytest.mark.parametrize("bad", [0, -2, "many", 2.5, True])
def test_a_bad_groups_option_is_refused_by_name(bad):
    with pytest.raises(InputError, match="groups"):
        attribute(higher_order, groups=bad)
