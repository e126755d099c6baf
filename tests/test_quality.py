"""Quality shown with every explanation: deletion/insertion areas against hand
computations on models with a planted ranking, convergence verdicts, lazy curves."""

import numpy as np
import pytest

import limelight as ll
from limelight.explanation import Explanation
from limelight.quality import Players, curves

W = np.array([4.0, 3.0, 2.0, 1.0])


def linear(B):
    return np.asarray(B) @ W


def trapezoid(g):  # equal steps of 1/(len-1)
    g = np.asarray(g, float)
    return float(((g[1:] + g[:-1]) / 2).sum() / (len(g) - 1))


def test_planted_ranking_gives_the_known_areas():
    e = ll.attribute(linear, np.ones(4), background=np.zeros((1, 4)))
    q = e.quality.compute()  # 16 coalitions: the curves would cost more, so on demand
    # exact Shapley values of a linear model: w * (x - 0); deleting 4, 3, 2, 1 leaves
    # 10, 6, 3, 1, 0 of the output; inserting gives 0, 4, 7, 9, 10
    assert q.deletion == pytest.approx(trapezoid([1, 0.6, 0.3, 0.1, 0]))
    assert q.deletion == pytest.approx(0.375)
    assert q.insertion == pytest.approx(trapezoid([0, 0.4, 0.7, 0.9, 1]))
    assert q.random_deletion > q.deletion and q.random_insertion < q.insertion
    assert q.faithful and q.verdict == "exact" and q.additivity < 1e-12


def test_random_and_reversed_attributions_score_worse():
    d = 10
    w = np.arange(d, 0, -1.0)

    def evaluate(keep):
        return keep.astype(float) @ w

    best = curves(Players(scores=w, evaluate=evaluate))
    worst = curves(Players(scores=w[::-1].copy(), evaluate=evaluate))
    rng = np.random.default_rng(1)
    randoms = [
        curves(Players(scores=rng.permutation(w), evaluate=evaluate))["deletion"] for _ in range(20)
    ]
    remaining = [w[k:].sum() / w.sum() for k in range(d + 1)]
    assert best["deletion"] == pytest.approx(trapezoid(remaining))
    assert worst["deletion"] == pytest.approx(
        trapezoid([w[::-1][k:].sum() / w.sum() for k in range(d + 1)])
    )
    assert min(randoms) > best["deletion"] and max(randoms) < worst["deletion"]


def test_text_deletion_over_tokens():
    def f(texts):
        return np.array([[2.0 * t.split().count("great") + t.split().count("good")] for t in texts])

    e = ll.attribute(f, "good great day", method="occlusion")
    q = e.quality.compute()  # 4 evaluations: the curves would cost more, so on demand
    # hide great, good, day: 3, 1, 0, 0 of the output
    assert q.deletion == pytest.approx(trapezoid([1, 1 / 3, 0, 0]))
    assert q.insertion == pytest.approx(trapezoid([0, 2 / 3, 1, 1]))
    assert q.players == 3 and q.verdict == "deterministic" and q.additivity is None


def test_image_deletion_over_segments():
    def f(imgs):  # only the top-left 8x8 block matters
        imgs = np.asarray(imgs)
        return imgs[:, :8, :8].reshape(len(imgs), -1).sum(axis=1, keepdims=True)

    img = np.zeros((32, 32), np.float32)
    img[:8, :8] = 1.0
    e = ll.attribute(f, img, method="shapley", n_segments=16, baseline=0.0, random_state=0)
    q = e.quality.compute()
    assert q.players == 16
    # one segment (of 16) carries the whole output: gone after the first step
    assert q.deletion == pytest.approx(trapezoid([1] + [0] * 16))
    assert q.insertion == pytest.approx(trapezoid([0] + [1] * 16))
    assert q.deletion < q.random_deletion


def test_convergence_verdicts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 14))

    def f(B):
        return np.tanh(B @ np.linspace(-1, 1, 14)) * B[:, 0]

    good = ll.attribute(f, X[0], background=X, method="kernel", random_state=0)
    assert good.quality.converged and good.quality.verdict.startswith("converged")
    scale = max(abs(good.prediction[0] - good.base_values[0]), np.abs(good.values).max())
    expected = np.max(good.stderr) / scale
    assert good.quality.stderr == pytest.approx(expected)
    short = ll.attribute(
        f, X[0], background=X, method="kernel", max_evals=40, tol=0, random_state=0
    )
    assert short.quality.stderr > 0.05
    assert short.quality.verdict == "unstable: rerun with more evaluations"


def test_curves_cost_no_more_than_a_fifth_or_wait_for_a_click():
    X = np.random.default_rng(0).normal(size=(60, 12))
    e = ll.attribute(
        linear_12 := (lambda B: np.asarray(B) @ np.arange(1.0, 13.0)), X[0], background=X
    )
    assert e.quality.computed and e.quality.extra_rows <= 0.2 * e.n_evals
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(10, random_state=0).fit(X, linear_12(X))
    t = ll.attribute(forest, X[0], background=X, method="tree")  # m + 1 rows only
    assert not t.quality.computed
    assert t.quality.compute().deletion < t.quality.random_deletion


def test_quality_travels_in_json(tmp_path):
    e = ll.attribute(linear, np.ones(4), background=np.zeros((1, 4)))
    e.quality.compute()
    assert Explanation.from_json(e.to_json()).quality["deletion"] == e.quality.deletion
    back = ll.load(e.save(tmp_path / "e.json"))
    assert back.quality.deletion == e.quality.deletion
    assert back.quality.verdict == "exact"


def test_pipeline_curves_through_the_split_equal_the_plain_functions():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 12)) * 5 + 2
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, X[:, 0] > 2)
    fast = ll.attribute(pipe, X[3], background=X[:20]).quality
    slow = ll.attribute(lambda A: pipe.predict_proba(A), X[3], background=X[:20]).quality
    assert fast.computed and slow.computed
    assert fast.deletion == pytest.approx(slow.deletion, abs=1e-9)
    assert fast.insertion == pytest.approx(slow.insertion, abs=1e-9)
