"""Quality metrics against closed forms: exact Shapley values of a linear model are
perfectly faithful; a real ranking deletes faster than random orders; nonsense scores low."""

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError
from limelight.metrics import deletion_curve, faithfulness


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(60, 6))


def linear(B):
    return B @ np.array([3.0, -2.0, 1.0, 0.5, 0.0, 0.0])


def test_linear_shapley_values_are_perfectly_faithful(data):
    e = ll.attribute(linear, data[0], background=data)
    assert faithfulness(linear, data[0], e, background=data, random_state=0) == pytest.approx(1.0)
    # the closed form: removing S lowers the output by exactly sum(phi over S)
    curve = deletion_curve(linear, data[0], e, background=data, random_state=0)
    order = np.argsort(-np.abs(e.values[0]), kind="stable")
    expected = linear(data[:1])[0] - np.concatenate([[0.0], np.cumsum(e.values[0][order])])
    np.testing.assert_allclose(curve.values, expected, atol=1e-9)


def test_a_good_ranking_deletes_faster_than_random_and_noise_scores_low(data):
    def f(B):
        return np.tanh(B[:, 0] * 2) + B[:, 1] * B[:, 2] + 0.1 * B[:, 3]

    x = data[5] + 1.0
    e = ll.attribute(f, x, background=data)
    good = deletion_curve(f, x, e, background=data, random_state=0)
    assert good.auc < good.random_auc
    assert faithfulness(f, x, e, background=data, random_state=0) > 0.8
    noise = e.with_(values=np.random.default_rng(1).normal(size=e.values.shape))
    assert faithfulness(f, x, noise, background=data, random_state=0) < 0.5


def test_metrics_need_a_tabular_explanation(data):
    e = ll.attribute(linear, data[0], background=data)
    with pytest.raises(InputError, match="has 6 features but x has 5"):
        faithfulness(lambda B: B.sum(axis=1), data[0, :5], e, background=data[:, :5])
    with pytest.raises(InputError, match="tabular Explanation"):
        deletion_curve(linear, data[0], "not an explanation", background=data)
