"""Feature groups on the global views that are not Shapley methods: ll.surrogate refuses
them at the call (a tree splits one column), ll.compare passes them to every method, whose
group values match a linear model's closed form."""

import numpy as np
import pytest

import limelight as ll

W = np.array([1.0, -2.0, 3.0, 0.5])


def linear(B):
    return np.asarray(B, dtype=float) @ W


def test_surrogate_refuses_feature_groups_at_the_call_with_what_to_do():
    X = np.random.default_rng(0).normal(size=(40, 4))
    with pytest.raises(ll.MethodError, match="splits on single columns") as err:
        ll.surrogate(linear, X, feature_groups={"ab": [0, 1]})
    assert "drop feature_groups=" in err.value.fix


def test_compare_plays_a_group_as_one_feature_in_every_method():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    x, bg = X[0], X[1:]
    w = ll.compare(
        linear, x, methods=["exact", "kernel"], background=bg, feature_groups={"ab": [0, 1]}
    )
    exps, _ = w.wait()
    # a linear model's Shapley value of a group against a background: w_g . (x_g - mean_g)
    part = W * (x - bg.mean(axis=0))
    expected = [part[0] + part[1], part[2], part[3]]
    for name in ("exact", "kernel"):
        assert exps[name].feature_names == ["ab", "x2", "x3"]
        np.testing.assert_allclose(np.ravel(exps[name].values), expected, atol=1e-6)
