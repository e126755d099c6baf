"""The same Leverage SHAP / MSR estimators over tokens and image segments, against exact
Shapley values by subset enumeration (tests/references.py)."""

import numpy as np
import pytest
from tests.references import shapley_by_subsets

import limelight as ll
from limelight.inputs.text import tokenize

TEXT = "good plot but awful acting and a truly great ending overall"


def text_model(texts):
    """Cue words with an order-three interaction (good & great & ending)."""
    out = []
    for t in texts:
        w = set(t.split())
        s = 1.0 * ("good" in w) - 1.5 * ("awful" in w) + 0.5 * ("great" in w)
        s += 2.0 * ({"good", "great", "ending"} <= w) - 0.7 * ({"plot", "acting"} <= w)
        out.append([np.tanh(s), len(w) / 10])
    return np.array(out)


def text_exact():
    toks = tokenize(TEXT)
    n = len(toks)

    def value(S):
        keep = np.zeros((1, n), bool)
        keep[0, S] = True
        return text_model(toks.perturb(keep))[0]

    return shapley_by_subsets(value, n).T  # (2, n)


@pytest.mark.parametrize("method", ["leverage", "msr"])
def test_token_estimators_are_exact_with_every_coalition_and_close_below(method):
    exact = text_exact()
    n = exact.shape[1]
    full = ll.attribute(text_model, TEXT, method=method, budget=2**n, random_state=0)
    np.testing.assert_allclose(full.values, exact, atol=1e-9)
    e = ll.attribute(text_model, TEXT, method=method, budget=400, random_state=1)
    assert e.method == method and e.n_evals <= 400
    np.testing.assert_allclose(e.values.sum(1), e.prediction - e.base_values, atol=1e-10)
    assert np.abs(e.values - exact).max() <= 4 * e.stderr.max() + 1e-9
    assert np.linalg.norm(e.values[0] - exact[0]) < 0.1 * np.linalg.norm(exact[0])
    again = ll.attribute(text_model, TEXT, method=method, budget=400, random_state=1)
    np.testing.assert_array_equal(e.values, again.values)


def test_text_auto_picks_leverage_from_eight_rows_per_token_and_permutation_below():
    n = len(tokenize(TEXT))
    big = ll.attribute(text_model, TEXT, budget=8 * n, random_state=0)
    small = ll.attribute(text_model, TEXT, budget=8 * n - 1, random_state=0)
    assert (big.method, small.method) == ("leverage", "shapley")
    exact = text_exact()

    def error(method):  # median relative error over seeds at 8 rows per token
        return np.median(
            [
                np.linalg.norm(
                    ll.attribute(
                        text_model, TEXT, method=method, budget=8 * n, random_state=s
                    ).values[0]
                    - exact[0]
                )
                for s in range(6)
            ]
        )

    assert error("auto") < error("shapley")
    long_text = " ".join(["good plot"] * 40)  # 80 tokens: the default 2,000 rows are 25 each
    assert ll.attribute(text_model, long_text, random_state=0).method == "leverage"


def seg_model(batch):
    q = batch.reshape(len(batch), 2, 4, 4, 4).mean(axis=(2, 4)).reshape(len(batch), 8)
    return np.stack(
        [q[:, 0] * q[:, 1] * q[:, 2] + np.sin(q[:, 3]) * q[:, 4] + q[:, 5:].sum(1), q.sum(1) ** 2],
        axis=1,
    )


@pytest.mark.parametrize("method", ["leverage", "msr"])
def test_segment_estimators_match_enumeration(method):
    image = np.random.default_rng(0).random((8, 16)) * 2 + 1
    labels = np.repeat(np.repeat(np.arange(8).reshape(2, 4), 4, 0), 4, 1)
    base = np.full_like(image, image.mean())

    def value(S):
        keep = np.isin(labels, S)
        return seg_model(np.where(keep, image, base)[None])[0]

    exact = shapley_by_subsets(value, 8).T
    full = ll.attribute(
        seg_model, image, method=method, segments=labels, budget=256, random_state=0
    )
    # images reach the model as float32
    np.testing.assert_allclose(full.extras["segment_values"], exact, rtol=1e-5, atol=1e-5)
    e = ll.attribute(seg_model, image, method=method, segments=labels, budget=120, random_state=0)
    seg = e.extras["segment_values"]
    np.testing.assert_allclose(seg.sum(1), e.prediction - e.base_values, atol=1e-6)
    assert np.linalg.norm(seg - exact) < 0.05 * np.linalg.norm(exact)
    np.testing.assert_allclose(e.values[:, labels == 5], seg[:, [5]].repeat(16, 1))
