"""`ll.interactions`: pairwise Shapley interaction values (shap's convention) against the
definition enumerated here with Python loops over subsets, for functions and for every tree
library limelight reads (on the model's own outputs); rows summing to `ll.attribute`'s
Shapley values; shap's path-dependent interaction values where the two definitions agree
(training data that is a full grid, used as the background); the sampled estimator within
its standard error; saved pages escaping names; bad input."""

import json
from itertools import combinations
from math import factorial

import catboost
import lightgbm
import numpy as np
import pandas as pd
import pytest
import shap
import xgboost
from sklearn.compose import make_column_transformer
from sklearn.ensemble import (
    GradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import limelight as ll
from limelight.errors import InputError, MethodError
from limelight.explainers.trees.pairs import interventional_pairs
from limelight.explainers.trees.readers import tree_ensemble


def brute_interactions(f, x, background):
    """``(k, d, d)`` by the definition: coalition values over the background, the Shapley
    interaction index by its sum over subsets, halved off the diagonal, the diagonal the
    Shapley value less the row's other entries. Independent of limelight."""
    x, background = np.asarray(x, float), np.asarray(background, float)
    d = len(x)
    v = {}
    for s in range(d + 1):
        for S in combinations(range(d), s):
            rows = background.copy()
            rows[:, list(S)] = x[list(S)]
            v[S] = np.asarray(f(rows), float).reshape(len(rows), -1).mean(axis=0)

    def val(*parts):
        return v[tuple(sorted(set().union(*parts)))]

    k = len(v[()])
    out = np.zeros((d, d, k))
    for i, j in combinations(range(d), 2):
        rest = [q for q in range(d) if q not in (i, j)]
        total = 0.0
        for s in range(d - 1):
            w = factorial(s) * factorial(d - s - 2) / factorial(d - 1)
            for S in combinations(rest, s):
                total = total + w * (val(S, (i, j)) - val(S, (i,)) - val(S, (j,)) + val(S))
        out[i, j] = out[j, i] = total / 2
    for i in range(d):
        others = [q for q in range(d) if q != i]
        phi = sum(
            factorial(s) * factorial(d - s - 1) / factorial(d) * (val(S, (i,)) - val(S))
            for s in range(d)
            for S in combinations(others, s)
        )
        out[i, i] = phi - out[i, others].sum(axis=0)
    return out.transpose(2, 0, 1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 5))
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + X[:, 3] * X[:, 4] - X[:, 0]
    return X, y


def margin(model, X):
    """The model's own raw output (its margin), independently of limelight."""
    lib = type(model).__module__.split(".")[0]
    if lib == "xgboost":
        return model.predict(X, output_margin=True).reshape(len(X), -1)
    if lib == "lightgbm":
        return np.asarray(model.predict(X, raw_score=True)).reshape(len(X), -1)
    if lib == "catboost":
        return np.asarray(model.predict(X, prediction_type="RawFormulaVal")).reshape(len(X), -1)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)[:, None]


MODELS = {
    "sklearn-gbr": lambda X, y: GradientBoostingRegressor(n_estimators=15, max_depth=4).fit(X, y),
    "sklearn-forest-proba": lambda X, y: RandomForestClassifier(
        n_estimators=4, max_depth=5, random_state=0
    ).fit(X, np.digitize(y, [-0.5, 0.5])),
    "xgboost-multiclass": lambda X, y: xgboost.XGBClassifier(n_estimators=6, max_depth=3).fit(
        X, np.digitize(y, [-0.5, 0.5])
    ),
    "xgboost": lambda X, y: xgboost.XGBRegressor(n_estimators=10, max_depth=4).fit(X, y),
    "lightgbm": lambda X, y: lightgbm.LGBMRegressor(
        n_estimators=10, num_leaves=8, min_child_samples=5, verbose=-1
    ).fit(X, y),
    "catboost": lambda X, y: catboost.CatBoostClassifier(
        iterations=8, depth=3, verbose=0, thread_count=1, allow_writing_files=False
    ).fit(X, y > 0),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_tree_interactions_equal_enumeration(data, name):
    X, y = data
    model = MODELS[name](X, y)
    B = X[:6]
    r = ll.interactions(model, X[10:12], background=B)
    assert r.method == "tree"
    assert r.values.shape == (2, r.predictions.shape[1], 5, 5)
    scale = max(1.0, float(np.abs(margin(model, X[:50])).max()))
    tol = 1e-9 if name.startswith("sklearn") else 2e-6 * scale  # float32 leaf sums
    for i, x in enumerate(X[10:12]):
        ref = brute_interactions(lambda R: margin(model, R), x, B)
        np.testing.assert_allclose(r.values[i], ref, atol=tol, rtol=0)
    assert np.abs(r.values[..., 0, 1]).max() > 1e-3  # the pairs are there, not all zero


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_missing_values_routed_as_the_library_routes_them(data, lib):
    X, y = data
    X = X.copy()
    X[::3, 1] = np.nan
    model = MODELS[lib](X, np.nan_to_num(y))
    rows, B = X[[0, 1, 3]], X[4:10]  # rows 0 and 3 miss x1, as do background rows 6 and 9
    r = ll.interactions(model, rows, background=B)
    assert r.method == "tree"
    for i, x in enumerate(rows):
        ref = brute_interactions(lambda R: margin(model, R), x, B)
        np.testing.assert_allclose(r.values[i], ref, atol=1e-5)


def test_tree_closed_form_equals_enumeration_of_its_leaves_to_1e9(data):
    """The same trees as a function (their leaf sums in float64): agreement to 1e-9."""
    X, y = data
    model = xgboost.XGBRegressor(n_estimators=20, max_depth=5).fit(X, y)
    ens = tree_ensemble(model, "margin")
    B = X[:8]
    ways = {  # leaf by leaf, walked per pair of rows (compiled), walked by numpy
        "leaves": interventional_pairs(ens, X[20:22], B, leaves=True),
        "walk": interventional_pairs(ens, X[20:22], B, leaves=False),
        "numpy": interventional_pairs(ens, X[20:22], B, compiled=False),
    }
    for i, x in enumerate(X[20:22]):
        ref = brute_interactions(ens.predict, x, B)
        for got in ways.values():
            np.testing.assert_allclose(got[i].transpose(2, 0, 1), ref, atol=1e-9, rtol=0)


def test_exact_interactions_of_a_function_equal_the_definition():
    rng = np.random.default_rng(0)
    X, B = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))

    def f(R):
        return np.c_[R[:, 0] * R[:, 1] * R[:, 2] + np.exp(R[:, 3]), np.maximum(R[:, 0], R[:, 3])]

    r = ll.interactions(f, X, background=B)
    assert r.method == "exact" and r.values.shape == (3, 2, 4, 4) and r.stderr is None
    for i in range(3):
        np.testing.assert_allclose(r.values[i], brute_interactions(f, X[i], B), atol=1e-12)
    np.testing.assert_allclose(r.predictions, f(X), atol=1e-12)
    np.testing.assert_allclose(r.base_values, f(B).mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(r.values[:, :, 1, 0], r.values[:, :, 0, 1])  # symmetric


def test_rows_sum_to_the_shapley_values_of_attribute(data):
    X, y = data
    model = lightgbm.LGBMRegressor(n_estimators=30, num_leaves=12, verbose=-1).fit(X, y)
    f = lambda R: np.tanh(R[:, 0] * R[:, 1]) + R[:, 2] ** 2  # noqa: E731
    for m, method in ((model, "tree"), (f, "exact")):
        r = ll.interactions(m, X[:3], background=X[50:70])
        assert r.method == method
        for i in range(3):
            e = ll.attribute(m, X[i], background=X[50:70], method=method)
            np.testing.assert_allclose(r.shapley_values()[i], e.values, atol=1e-9)
            total = r.values[i].sum(axis=(1, 2)) + r.base_values
            np.testing.assert_allclose(total, r.predictions[i], atol=1e-5)


def test_pipeline_one_hot_block_is_one_player():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"colour": rng.choice(["red", "blue", "green"], 200), "a": rng.normal(size=200)}
    )
    frame["b"] = rng.normal(size=200)
    y = (frame.colour == "red") * frame.a + frame.b * frame.a
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        GradientBoostingRegressor(n_estimators=10, max_depth=3),
    ).fit(frame, y)
    tree = ll.interactions(pipe, frame.iloc[:2], background=frame.iloc[100:106])
    exact = ll.interactions(pipe, frame.iloc[:2], background=frame.iloc[100:106], method="exact")
    assert tree.method == "tree" and tree.feature_names == ["colour", "a", "b"]
    np.testing.assert_allclose(tree.values, exact.values, atol=1e-9)


@pytest.fixture(scope="module")
def grid():
    """Training data that is a full grid: every feature independent of the others, so the
    trees' training cover (shap's path-dependent expectation) is the grid's product
    distribution and the path-dependent values equal the interventional ones over it."""
    levels = np.array([-1.5, -0.5, 0.5, 1.5])
    X = np.array(np.meshgrid(*[levels] * 4, indexing="ij")).reshape(4, -1).T
    return X, X[:, 0] * X[:, 1] + X[:, 2] - X[:, 3] * X[:, 0]


GRID_MODELS = {
    "xgboost": lambda X, y: xgboost.XGBRegressor(n_estimators=20, max_depth=3).fit(X, y),
    "lightgbm": lambda X, y: lightgbm.LGBMRegressor(
        n_estimators=20, num_leaves=8, min_child_samples=2, verbose=-1
    ).fit(X, y),
    "sklearn": lambda X, y: GradientBoostingRegressor(n_estimators=20, max_depth=3).fit(X, y),
}


@pytest.mark.parametrize("name", sorted(GRID_MODELS))
def test_equal_shap_path_dependent_interactions_where_definitions_agree(grid, name):
    X, y = grid
    model = GRID_MODELS[name](X, y)
    rows = X[[3, 77, 200]]
    ours = ll.interactions(model, rows, background=X, background_size=len(X))
    theirs = shap.TreeExplainer(model).shap_interaction_values(rows)  # path-dependent
    np.testing.assert_allclose(ours.values[:, 0], theirs, atol=2e-5)


def test_differ_from_shap_path_dependent_on_correlated_data(data):
    """On correlated data the path-dependent values (training cover) are another game."""
    X, _ = data
    X = np.c_[X[:, :3], X[:, 0] + 0.1 * X[:, 3]]
    model = xgboost.XGBRegressor(n_estimators=20, max_depth=3).fit(X, X[:, 0] * X[:, 3])
    ours = ll.interactions(model, X[:3], background=X, background_size=len(X))
    theirs = shap.TreeExplainer(model).shap_interaction_values(X[:3])
    assert np.abs(ours.values[:, 0] - theirs).max() > 1e-2
    ref = brute_interactions(lambda R: margin(model, R), X[0], X[:40])
    np.testing.assert_allclose(
        ll.interactions(model, X[:1], background=X[:40]).values[0], ref, atol=1e-5
    )


def test_sampled_interactions_within_their_standard_error():
    rng = np.random.default_rng(2)
    d = 13
    B, x = rng.normal(size=(4, d)), rng.normal(size=d)
    f = lambda R: R[:, 0] * R[:, 1] + 2 * R[:, 2] * R[:, 3] * R[:, 4] + R[:, 5:].sum(axis=1)  # noqa: E731
    s = ll.interactions(f, x, background=B, n_permutations=400, random_state=0)
    exact = ll.interactions(f, x, background=B, method="exact")
    assert s.method == "sampled" and s.stderr.shape == s.values.shape
    z = np.abs(s.values - exact.values) / np.maximum(s.stderr, 1e-12)
    assert np.mean(z <= 3) > 0.97  # a normal estimate: a few beyond 3 standard errors at most
    assert np.abs(s.values - exact.values).max() < 0.5
    np.testing.assert_allclose(s.values[0, 0].sum(), f(x[None])[0] - f(B).mean(), atol=1e-9)
    again = ll.interactions(f, x, background=B, n_permutations=400, random_state=0)
    np.testing.assert_array_equal(again.values, s.values)  # same seed, same numbers


def test_top_pairs_frame_and_saved_outputs_escape_names(tmp_path):
    rng = np.random.default_rng(4)
    names = ["<b>dose</b>", "age & sex", "weight"]
    B, X = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    f = lambda R: 3 * R[:, 0] * R[:, 1] + R[:, 2]  # noqa: E731
    r = ll.interactions(f, X, background=B, feature_names=names)
    top = r.top_pairs(1)
    assert (top.feature_a[0], top.feature_b[0]) == (names[0], names[1])
    np.testing.assert_allclose(top.mean_abs[0], np.abs(r.values[:, 0, 0, 1]).mean())
    assert r.strongest_partner(names[1]) == names[0] and r.strongest_partner(2) in names[:2]
    frame = r.to_frame()
    assert len(frame) == 4 * 1 * 3 * 3
    pick = frame[(frame.row == 2) & (frame.feature_a == names[0]) & (frame.feature_b == names[1])]
    assert pick.value.item() == r.values[2, 0, 0, 1]
    for suffix in ("html", "svg"):
        text = r.save(tmp_path / f"i.{suffix}").read_text()
        assert "&lt;b&gt;dose&lt;/b&gt;" in text and "<b>dose" not in text
        assert "age &amp; sex" in text
    saved = json.loads(r.save(tmp_path / "i.json").read_text())
    np.testing.assert_allclose(saved["values"], r.values)
    assert saved["feature_names"] == names
    assert "<b>dose" not in r._repr_html_()
    png = ll.save(r, tmp_path / "i.png").read_bytes()  # ll.save: the object's own export
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "&lt;b&gt;dose" in ll.save(r, tmp_path / "j.html").read_text()


def test_bad_input_gets_clear_errors(data):
    X, y = data
    f = lambda R: R.sum(axis=1)  # noqa: E731
    with pytest.raises(InputError, match="not an interactions method"):
        ll.interactions(f, X[:2], background=X, method="kernel")
    with pytest.raises(InputError, match="unknown option"):
        ll.interactions(f, X[:2], background=X, max_evals=10)
    with pytest.raises(InputError, match="n_permutations"):
        ll.interactions(f, X[:2], background=X, n_permutations=1)
    with pytest.raises(InputError, match="columns"):
        ll.interactions(f, X[:2, :3], background=X)
    with pytest.raises(MethodError, match="tree"):
        ll.interactions(f, X[:2], background=X, method="tree")
    wide = np.zeros((3, 17))
    with pytest.raises(InputError, match="method='sampled'"):
        ll.interactions(lambda R: R[:, 0], wide[:1], background=wide, method="exact")
    r = ll.interactions(f, X[:1], background=X[:4])
    with pytest.raises(InputError, match="output"):
        r.top_pairs(3, output="nope")
    with pytest.raises(InputError, match="not one of"):
        r.strongest_partner("nope")
    with pytest.raises(InputError, match=".html, .json, .svg or .png"):
        r.save("interactions.pdf")
    before = X.copy()
    ll.interactions(MODELS["xgboost"](X, y), X[:2], background=X[:10])
    np.testing.assert_array_equal(X, before)  # nothing the user gave is changed
