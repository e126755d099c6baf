"""feature_elimination(feature_groups=...): a group is ranked and removed as one unit."""

from __future__ import annotations

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError

W = {"a": 1.0, "b": 1.0, "c": 1.3, "noise": 0.0}


def _f(X):
    return X @ np.array(list(W.values()))


def _data():
    X = np.random.default_rng(0).normal(size=(3000, 4))
    return X, _f(X)


def test_group_removed_as_one_unit_matches_hand_computed_order_and_scores():
    X, y = _data()
    # a shuffled column j adds variance 2 w_j^2 to the residual: R2 = 1 - sum 2 w^2 / var(y)
    var = sum(w**2 for w in W.values())
    r = ll.feature_elimination(_f, X, y, feature_groups={"ab": ["x0", "x1"]}, random_state=0).wait()
    # by hand: the group "ab" (2 + 2 = 4) outweighs c (2 * 1.69 = 3.38): noise, c, then ab
    assert r.n_features.tolist() == [1, 2, 3]
    expected = [1 - 2 * (W["c"] ** 2) / var, 1.0, 1.0]
    np.testing.assert_allclose(r.score, expected, atol=0.05)
    assert r.recommended == ["ab", "x2"] and set(r.ranking) == {"ab", "x2", "x3"}
    # without groups the last one kept is c (each of a, b alone weighs 2 < 3.38)
    plain = ll.feature_elimination(_f, X, y, random_state=0).wait()
    assert plain.score[0] < r.score[0] - 0.05  # c kept alone scores below ab kept alone


@pytest.mark.parametrize(
    "groups, match",
    [
        ({"g": ["x0", "zz"]}, "not one of"),
        ({"g": ["x0"], "h": ["x0", "x1"]}, "two groups"),
        ({"g": []}, "empty"),
    ],
)
def test_bad_groups_are_refused_at_the_call(groups, match):
    X, y = _data()
    with pytest.raises(InputError, match=match):
        ll.feature_elimination(_f, X, y, feature_groups=groups)
