"""Shapley values and LIME over image segments against exact enumeration / closed forms."""

from itertools import combinations
from math import factorial

import numpy as np
import pytest

import limelight as ll
from limelight.api import plan


def segment_means(batch):
    """Mean of each 4x4 quadrant of an 8x8 gray image: (n, 4)."""
    return batch.reshape(len(batch), 2, 4, 2, 4).mean(axis=(2, 4)).reshape(len(batch), 4)


def model(batch):
    q = segment_means(batch)
    # interactions, so that Shapley values differ from leave-one-out
    return np.stack([q[:, 0] * q[:, 1] + np.sin(q[:, 2]) * q[:, 3], q.sum(1) ** 2], axis=1)


def exact_shapley(f, x, base, labels, S):
    def v(coalition):
        keep = np.isin(labels, list(coalition))
        return f(np.where(keep, x, base)[None])[0]

    phi = np.zeros((2, S))
    for i in range(S):
        others = [j for j in range(S) if j != i]
        for r in range(S):
            for c in combinations(others, r):
                w = factorial(r) * factorial(S - r - 1) / factorial(S)
                phi[:, i] += w * (v((*c, i)) - v(c))
    return phi


@pytest.fixture()
def image():
    return np.random.default_rng(0).random((8, 8)) * 2.0 + 1.0


def test_segment_shapley_converges_to_exact_enumeration(image):
    labels = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 4, 0), 4, 1)
    e = ll.attribute(model, image, method="shapley", segments=labels, budget=3000, random_state=0)
    base = np.full_like(image, image.mean())  # the default "mean" baseline
    exact = exact_shapley(model, image, base, labels, 4)
    seg = e.extras["segment_values"]
    se = e.stderr[:, [0, 0, 4, 4], [0, 4, 0, 4]]
    assert np.all(np.abs(seg - exact) <= 4 * se + 1e-9)
    assert np.abs(seg - exact).max() < 0.02 * np.abs(exact).max()
    # each permutation adds up exactly, so the estimate does too
    np.testing.assert_allclose(seg.sum(1), e.prediction - e.base_values, atol=1e-9)
    np.testing.assert_allclose(e.values[:, labels == 2], seg[:, [2]].repeat(16, 1))


def test_segment_shapley_is_exact_for_an_additive_model_and_seeded(image):
    w = np.array([1.0, -2.0, 0.5, 3.0])

    def additive(batch):
        return segment_means(batch) @ w

    labels = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 4, 0), 4, 1)
    e = ll.attribute(additive, image, method="shapley", segments=labels, budget=30, random_state=1)
    q = segment_means(image[None])[0]
    np.testing.assert_allclose(
        e.extras["segment_values"][0], w * (q - image.mean()), atol=1e-5
    )  # float32 pixels
    again = ll.attribute(model, image, method="shapley", budget=200, random_state=5)
    once = ll.attribute(model, image, method="shapley", budget=200, random_state=5)
    np.testing.assert_array_equal(again.values, once.values)


def test_shapley_streams_with_a_shrinking_standard_error(image):
    p = plan(
        model,
        image,
        method="shapley",
        segments="grid",
        n_segments=16,
        budget=2000,
        batch_size=60,
        random_state=0,
    )
    p.explainer.partial_seconds = 0
    parts = list(p.stream())
    assert len(parts) > 3 and parts[-1].done and not parts[0].done
    assert parts[-1].stderr.max() < parts[1].stderr.max()
    assert parts[-1].n_evals <= 2000 and parts[-1].params["budget"] == 2000


def test_lime_recovers_a_linear_model_over_segments(image):
    w = np.array([1.0, -2.0, 0.5, 3.0])

    def additive(batch):
        return segment_means(batch) @ w + 7.0

    labels = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 4, 0), 4, 1)
    e = ll.attribute(
        additive,
        image,
        method="lime",
        segments=labels,
        budget=200,
        random_state=0,
        baseline=0.0,
        alpha=1e-9,
    )
    q = segment_means(image[None])[0]
    # hiding a segment (to 0) removes w_s * q_s: the surrogate's slope is exactly that
    np.testing.assert_allclose(e.extras["segment_values"][0], w * q, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(e.base_values, [7.0], atol=1e-2)


def test_lime_default_penalty_agrees_with_the_lime_library():
    lime_image = pytest.importorskip("lime.lime_image")
    w = np.array([1.0, -2.0, 0.5, 3.0])

    def additive_rgb(batch):
        return np.stack([segment_means(batch[..., 0]) @ w, np.zeros(len(batch))], axis=1)

    img = np.repeat(np.random.default_rng(0).random((8, 8, 1)) + 1.0, 3, axis=2)
    labels = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 4, 0), 4, 1)
    ref = lime_image.LimeImageExplainer(random_state=0).explain_instance(
        img,
        additive_rgb,
        labels=(0,),
        top_labels=None,
        hide_color=0,
        num_features=4,
        num_samples=2000,
        segmentation_fn=lambda _: labels,
    )
    ref_coef = np.zeros(4)
    for s, c in ref.local_exp[0]:
        ref_coef[s] = c
    e = ll.attribute(
        additive_rgb,
        img,
        method="lime",
        segments=labels,
        budget=2000,
        random_state=0,
        baseline=0.0,
        outputs=[0],
    )
    # different random masks, same estimator: the ridge-shrunk slopes agree closely
    np.testing.assert_allclose(e.extras["segment_values"][0], ref_coef, rtol=0.03)
