"""Tabular Shapley values against independent references: the permutation definition
enumerated by brute force, a linear model's closed form, and additivity; Kernel SHAP
converging to the exact values with an honest standard error."""

import numpy as np
import pandas as pd
import pytest
from references import brute_force_shapley, shapley_by_orderings
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import limelight as ll


def interacting(X):
    X = np.asarray(X, dtype=float)
    return np.c_[
        X[:, 0] * X[:, 1] * X[:, 2] + np.maximum(X[:, 3], X[:, 4]),
        np.sin(X[:, 1] * X[:, 4]) + X[:, 2] ** 2,
    ]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    return X


def test_exact_matches_brute_force_on_a_model_with_interactions(data):
    x, bg = data[7], data[:12]
    e = ll.attribute(interacting, x, background=bg, method="exact")
    ref = brute_force_shapley(interacting, x, bg)
    np.testing.assert_allclose(e.values, ref, atol=1e-10)
    np.testing.assert_allclose(e.base_values, interacting(bg).mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(e.prediction, interacting(x[None])[0], atol=1e-12)
    assert e.additivity_error() < 1e-10
    assert e.stderr is None and e.done and e.n_evals == 2**5 * 12


def test_exact_matches_brute_force_on_a_random_forest(data):
    y = (data[:, 0] * data[:, 1] + data[:, 2] > 0).astype(int)
    rf = RandomForestClassifier(n_estimators=15, random_state=0).fit(data, y)
    x, bg = data[3], data[20:30]
    e = ll.attribute(rf, x, background=bg)
    assert e.method == "exact" and e.output_names == ["0", "1"]
    np.testing.assert_allclose(e.values, brute_force_shapley(rf.predict_proba, x, bg), atol=1e-10)
    assert e.additivity_error() < 1e-10


def test_linear_model_closed_form(data):
    w = np.array([1.5, -2.0, 0.5, 0.0, 3.0])
    lin = LinearRegression().fit(data, data @ w + 1)
    x, bg = data[0], data[:80]
    e = ll.attribute(lin, x, background=bg)
    np.testing.assert_allclose(e.values[0], w * (x - bg.mean(axis=0)), atol=1e-9)
    kernel = ll.attribute(lin, x, background=bg, method="kernel", random_state=0)
    np.testing.assert_allclose(kernel.values, e.values, atol=1e-9)  # a linear game is exact
    # LIME's surrogate is noisy (each sample draws one background row) but lands close
    lime = ll.attribute(lin, x, background=bg, method="lime", random_state=0)
    np.testing.assert_allclose(lime.values[0], e.values[0], atol=0.15 * np.abs(e.values).max())
    assert list(np.argsort(-np.abs(lime.values[0]))[:3]) == list(
        np.argsort(-np.abs(e.values[0]))[:3]
    )
    assert 0.2 < lime.params["r2"][0] <= 1.0


def test_pipeline_attributions_are_per_original_column():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "age": rng.integers(20, 70, n),
            "income": rng.normal(50, 10, n),
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kobe"], n),
        }
    )
    y = np.where((X.city == "Lima") | (X.income > 55), "yes", "no")
    pipe = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])]
        ),
        LogisticRegression(),
    ).fit(X, y)
    before = X.copy()
    x, bg = X.iloc[5], X.iloc[:20]
    e = ll.attribute(pipe, x, background=bg)
    assert e.feature_names == ["age", "income", "city"] and e.values.shape == (2, 3)
    assert list(e.data) == [x["age"], x["income"], x["city"]]
    assert e.additivity_error() < 1e-10

    # brute force on the same coalitions, calling the pipeline on DataFrames
    def f(rows):
        frame = pd.DataFrame(rows, columns=X.columns).astype({"age": int, "income": float})
        return pipe.predict_proba(frame)

    ref = brute_force_shapley_frame(f, x, bg)
    np.testing.assert_allclose(e.values, ref, atol=1e-10)
    pd.testing.assert_frame_equal(X, before)  # the user's data is untouched


def brute_force_shapley_frame(f, x, bg):
    xs, base = np.asarray(x, dtype=object), bg.to_numpy(dtype=object)

    def value(S):
        rows = base.copy()
        rows[:, list(S)] = xs[list(S)]
        return f(rows).mean(axis=0)

    return shapley_by_orderings(value, bg.shape[1])


def test_kernel_converges_to_exact_with_an_honest_standard_error():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 10))

    def f(X):
        return (
            np.tanh(X[:, 0] * X[:, 1] * X[:, 2])
            + X[:, 3] * X[:, 4] * X[:, 5]
            + np.abs(X[:, 6:]).prod(1)
        )

    x, bg = X[0] * 1.5, X[:30]
    exact = ll.attribute(f, x, background=bg, method="exact")
    errors = {}
    for budget in (150, 600, 1000):
        errs, within = [], []
        for seed in range(4):
            k = ll.attribute(
                f, x, background=bg, method="kernel", max_evals=budget, random_state=seed
            )
            assert k.additivity_error() < 1e-9  # efficiency is exact at any budget
            err = np.abs(k.values - exact.values)
            errs.append(err.max())
            within.append(np.mean(err <= 3 * k.stderr + 1e-12))
        errors[budget] = np.median(errs)
        assert np.mean(within) >= 0.8, (budget, within)  # stderr is not overconfident
    assert errors[1000] < errors[150] / 2
    # a budget that covers every coalition reproduces the exact values
    full = ll.attribute(f, x, background=bg, method="kernel", max_evals=2**10, random_state=0)
    assert full.params["sampled"] == 0
    np.testing.assert_allclose(full.values, exact.values, atol=1e-8)


def test_kernel_streams_partials_with_shrinking_standard_error():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 14))

    def f(X):
        return (X[:, :7] * X[:, 7:]).sum(1) + X[:, 0] * X[:, 1] * X[:, 2]

    p = ll.api.plan(
        f,
        X[0],
        background=X[:20],
        method="auto",
        max_evals=3000,
        tol=0,
        random_state=0,
        batch_size=400,
    )
    assert p.explainer.name == "msr"  # 14 features: sampled (MSR beside Leverage SHAP)
    parts = list(p.stream())
    assert len(parts) >= 4 and parts[-1].done and not any(q.done for q in parts[:-1])
    evals = [q.n_evals for q in parts]
    # n_evals counts every model row the run made (planning's probe made 2 more)
    assert evals == sorted(evals) and evals[-1] == p.model.rows - 2 == 3000 * 20
    se = [q.stderr.max() for q in parts if q.stderr is not None]
    assert se[-1] < se[0]
    for q in parts:
        assert q.additivity_error() < 1e-9 and q.values.shape == (1, 14)


def test_exact_streams_by_background_chunk_and_reports_finite_population_error(data):
    p = ll.api.plan(
        interacting, data[0], background=data[:40], method="exact", rows_per_call=32 * 8
    )
    parts = list(p.stream())
    assert len(parts) == 5 and parts[-1].done and parts[-1].stderr is None
    assert all(q.stderr is not None for q in parts[:-1])
    ref = ll.attribute(interacting, data[0], background=data[:40], method="exact")
    np.testing.assert_allclose(parts[-1].values, ref.values, atol=1e-12)


def test_output_picks_one_output_by_name_or_index(data):
    full = ll.attribute(interacting, data[0], background=data[:10], output_names=["a", "b"])
    one = ll.attribute(
        interacting, data[0], background=data[:10], output_names=["a", "b"], output="b"
    )
    assert one.output_names == ["b"]
    np.testing.assert_allclose(one.values[0], full.values[1])
    again = ll.attribute(interacting, data[0], background=data[:10], output=-1)
    np.testing.assert_allclose(again.values[0], full.values[1])


def test_large_backgrounds_are_summarised_and_say_so(data):
    e = ll.attribute(interacting, data[0], background=data, method="exact")
    assert e.params["background"].items() >= {"rows": 100, "from": 300, "how": "kmeans"}.items()
    full = ll.attribute(interacting, data[0], background=data, method="exact", background_size=300)
    # the summary keeps the answer close to the full background's
    assert np.abs(e.values - full.values).max() < 0.15 * np.abs(full.values).max()


def test_same_seed_same_numbers(data):
    a = ll.attribute(
        interacting, data[0], background=data[:30], method="kernel", max_evals=200, random_state=5
    )
    b = ll.attribute(
        interacting, data[0], background=data[:30], method="kernel", max_evals=200, random_state=5
    )
    np.testing.assert_array_equal(a.values, b.values)


def test_lime_streams_an_early_surrogate_then_the_rest_and_is_seeded(data):
    from limelight.api import plan

    w = np.array([1.5, -2.0, 0.5, 0.0, 3.0])
    lin = LinearRegression().fit(data, data @ w + 1)
    x, bg = data[0], data[:80]
    p = plan(lin, x, background=bg, method="lime", random_state=3, n_samples=2000)
    parts = list(p.stream())
    assert [q.n_evals for q in parts] == [400, 2000] and parts[-1].done and not parts[0].done
    assert p.model.calls == 1 + 2  # the probe, then two calls
    again = ll.attribute(lin, x, background=bg, method="lime", random_state=3, n_samples=2000)
    np.testing.assert_array_equal(again.values, parts[-1].values)
    # blocking (no one watches the partials): the same numbers from a single call
    p2 = plan(lin, x, background=bg, method="lime", random_state=3, n_samples=2000)
    final = p2.run()
    assert p2.model.calls == 1 + 1 and final.n_evals == 2000
    np.testing.assert_array_equal(final.values, parts[-1].values)
    assert p2.explainer.watched  # the plan's explainer still streams for a widget
    fixed = plan(
        lin, x, background=bg, method="lime", random_state=3, n_samples=2000, batch_size=500
    )
    assert [q.n_evals for q in fixed.stream()] == [500, 1000, 1500, 2000]


def test_kernel_tol_stops_early_and_closing_the_stream_stops_the_model_calls():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100, 14))

    def f(X):
        return (X[:, :7] * X[:, 7:]).sum(1) + np.tanh(X[:, 0] * X[:, 1] * X[:, 2])

    p = ll.api.plan(
        f,
        X[0],
        background=X[:20],
        method="kernel",
        max_evals=12000,
        tol=0.02,
        random_state=0,
        batch_size=200,
    )
    last = list(p.stream())[-1]
    assert last.done and 0 < last.params["sampled"] < 12000 - last.params["enumerated"] - 200
    assert last.stderr.max() <= 0.02 * abs(last.prediction[0] - last.base_values[0])
    # by default it stops once every standard error is under 1% of |prediction - base|,
    # and the answer is that close to the exact values
    exact = ll.attribute(f, X[0], background=X[:20], method="exact")
    default = ll.attribute(
        f, X[0], background=X[:20], max_evals=12000, method="kernel", random_state=0, batch_size=200
    )
    gap = abs(default.prediction[0] - default.base_values[0])
    assert default.n_evals < 12000 * 20 / 2 and default.stderr.max() <= 0.01 * gap
    assert np.abs(default.values - exact.values).max() <= 0.02 * gap
    p = ll.api.plan(
        f, X[0], background=X[:20], method="kernel", max_evals=12000, random_state=0, batch_size=200
    )
    stream = p.stream()
    next(stream)
    calls = p.model.calls
    stream.close()
    assert p.model.calls == calls


def test_kernel_and_lime_on_a_pipeline_fed_a_mixed_dataframe():
    rng = np.random.default_rng(5)
    n = 300
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 5, n),
            "c": rng.normal(size=n),
            "d": rng.normal(size=n),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
        }
    )
    y = (X.a * X.b + (X.city == "Lima") + X.c > 1).astype(int)
    pipe = make_pipeline(
        ColumnTransformer([("cat", OneHotEncoder(), ["city"])], remainder="passthrough"),
        RandomForestClassifier(n_estimators=20, random_state=0),
    ).fit(X, y)
    x, bg = X.iloc[7], X.iloc[:25]
    exact = ll.attribute(pipe, x, background=bg, method="exact")
    kernel = ll.attribute(pipe, x, background=bg, method="kernel", max_evals=20, random_state=1)
    assert kernel.params["sampled"] > 0 and kernel.additivity_error() < 1e-9
    assert np.abs(kernel.values - exact.values).max() <= 4 * kernel.stderr.max() + 1e-9
    lime = ll.attribute(pipe, x, background=bg, method="lime", random_state=0)
    assert lime.feature_names == ["a", "b", "c", "d", "city"] and lime.values.shape == (2, 5)
    assert np.isfinite(lime.values).all() and list(lime.data) == list(x)


def test_many_features_kernel_on_a_linear_function_is_the_closed_form():
    rng = np.random.default_rng(6)
    X, w = rng.normal(size=(60, 24)), rng.normal(size=24)
    x, bg = X[0], X[1:41]
    e = ll.attribute(lambda A: A @ w, x, background=bg, max_evals=300, random_state=0)
    # auto at 12.5 coalitions per feature: MSR on Leverage SHAP's coalitions, sampled, exact
    # for additive models (nothing left for the adjustment)
    assert e.method == "msr" and e.params["coalitions"] > e.params["enumerated"] + 2
    np.testing.assert_allclose(e.values[0], w * (x - bg.mean(axis=0)), atol=1e-9)


def test_a_kmeans_background_keeps_the_mean_so_a_linear_model_gets_the_full_answer():
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.normal(size=(2000, 3)), rng.integers(0, 4, 2000)])
    w = np.array([1.0, -2.0, 0.5, 3.0])
    lin = LinearRegression().fit(X, X @ w)
    e = ll.attribute(lin, X[0], background=X)
    assert e.params["background"].items() >= {"rows": 100, "from": 2000, "how": "kmeans"}.items()
    # continuous columns keep the mean exactly; the integer column is snapped to 0..3
    np.testing.assert_allclose(e.values[0, :3], (w * (X[0] - X.mean(axis=0)))[:3], atol=1e-9)
    assert abs(e.values[0, 3] - w[3] * (X[0, 3] - X[:, 3].mean())) < 0.2
