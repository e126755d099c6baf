"""The compiled fast paths of the sampled Shapley estimators (numba, the ``fast`` extra)
give the same numbers as their numpy fallbacks, bit for bit, and both match an
independent reference: brute-force split search for MSR's boosted trees, a plain loop for
the hybrid rows."""

import numpy as np
import pytest

from limelight.explainers.coalition_trees import boost_groups, route_groups, tree_shapley
from limelight.inputs._cross import hybrid_rows, paired_rows

numba = pytest.importorskip("numba")


def _data(n, d, seed):
    rng = np.random.default_rng(seed)
    z = rng.random((n, d)) < 0.5
    r = np.sin(z @ rng.normal(size=d)) + 2.0 * z[:, 0] * z[:, 1] * z[:, 2]
    return z, r, rng.integers(0, 3, n)


@pytest.mark.parametrize("n,d", [(300, 7), (1400, 30)])
def test_compiled_and_numpy_trees_are_identical(n, d):
    z, r, group = _data(n, d, d)
    opts = {"n_trees": 10, "depth": 4, "rate": 0.3, "min_leaf": 4}
    fast, res_fast = boost_groups(z, r, group, 3, compiled=True, **opts)
    slow, res_slow = boost_groups(z, r, group, 3, compiled=False, **opts)
    np.testing.assert_array_equal(res_fast, res_slow)
    for (f_fast, v_fast), (f_slow, v_slow) in zip(fast, slow):
        np.testing.assert_array_equal(v_fast, v_slow)
        for a, b in zip(f_fast, f_slow):
            np.testing.assert_array_equal(a, b)
    assert any((f >= 0).any() for levels, _ in fast for f in levels)  # trees really split
    every = tree_shapley(fast, d)  # every group's at once, from the stacked arrays
    for g in range(3):  # as one group's from the plain list of trees
        np.testing.assert_array_equal(every[g], tree_shapley(list(fast), d, g))
    routed = route_groups(fast, z, group, compiled=True)
    np.testing.assert_array_equal(routed, route_groups(fast, z, group, compiled=False))
    np.testing.assert_allclose(res_fast, r - routed, atol=1e-12)


@pytest.mark.parametrize("compiled", [True, False])
def test_a_stump_takes_the_split_that_brute_force_finds_best(compiled):
    z, r, _ = _data(400, 9, 1)
    group = np.zeros(len(z), int)
    trees, _ = boost_groups(
        z, r, group, 1, n_trees=1, depth=1, rate=1.0, min_leaf=5, compiled=compiled
    )
    feature = int(trees[1][0][0][0, 0])
    sse = [sum(((r[s] - r[s].mean()) ** 2).sum() for s in (z[:, j], ~z[:, j])) for j in range(9)]
    assert feature == int(np.argmin(sse))
    left, right = r[~z[:, feature]].mean(), r[z[:, feature]].mean()
    np.testing.assert_allclose(trees[1][1][0, :2], [left - r.mean(), right - r.mean()])


@pytest.mark.parametrize("d", [5, 30])
def test_hybrid_rows_compiled_numpy_and_a_plain_loop_agree(d):
    rng = np.random.default_rng(d)
    masks, x, bg = rng.random((40, d)) < 0.5, rng.normal(size=d), rng.normal(size=(7, d))
    loop = np.array([[np.where(mk, x, b) for b in bg] for mk in masks]).reshape(-1, d)
    np.testing.assert_array_equal(hybrid_rows(masks, x, bg, compiled=True), loop)
    np.testing.assert_array_equal(hybrid_rows(masks, x, bg, compiled=False), loop)


def test_paired_rows_compiled_numpy_and_a_plain_loop_agree():
    rng = np.random.default_rng(4)
    masks, x, bg = rng.random((60, 30)) < 0.5, rng.normal(size=30), rng.normal(size=(7, 30))
    rows = rng.integers(0, 7, 60)
    loop = np.array([np.where(mk, x, bg[r]) for mk, r in zip(masks, rows)])
    np.testing.assert_array_equal(paired_rows(masks, x, bg, rows, compiled=True), loop)
    np.testing.assert_array_equal(paired_rows(masks, x, bg, rows, compiled=False), loop)


def test_quality_curves_wait_until_read_and_equal_the_eager_ones():
    from limelight.api import plan
    from limelight.quality import assess

    X = np.random.default_rng(0).normal(size=(60, 12))
    calls = []

    def model(B):
        calls.append(len(B))
        return np.tanh(np.asarray(B) @ np.arange(1.0, 13.0) / 10)

    p = plan(model, X[0], background=X[:30], method="kernel", max_evals=600, random_state=0)
    e = p.run()
    before = len(calls)
    lazy = e.quality
    assert lazy.stderr is not None and len(calls) == before  # cheap numbers, no model call
    eager = assess(p, p.explainer.explain(p.model, p.instance), eager=True).quality
    assert lazy.computed and len(calls) > before + 1  # read: the curves' one call ran
    for name in ("deletion", "insertion", "random_deletion", "random_insertion", "extra_rows"):
        assert getattr(lazy, name) == getattr(eager, name)
    assert lazy.curves == eager.curves and lazy.to_dict()["verdict"] == eager.verdict
