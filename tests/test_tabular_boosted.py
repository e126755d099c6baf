"""XGBoost, LightGBM and CatBoost read by their trees (``method="tree"``): values against
the permutation definition enumerated over the model's own margin, and against shap's
interventional TreeExplainer; missing values, categorical splits, pipelines, many rows,
probabilities by exact enumeration, and the libraries' own path-dependent values."""

import catboost
import lightgbm
import numpy as np
import pandas as pd
import pytest
import shap
import xgboost
from references import brute_force_shapley
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import limelight as ll
from limelight.errors import MethodError
from limelight.explainers.trees.kernel import interventional
from limelight.explainers.trees.native import contributions
from limelight.explainers.trees.readers import tree_ensemble
from limelight.explainers.trees.rows import attribute_rows


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 5))
    X[::4, 1] = np.nan  # missing values, routed by each library its own way
    X[::7, 3] = 0.0
    s = X[:, 0] * np.nan_to_num(X[:, 1], nan=1.5) + np.maximum(X[:, 2], X[:, 3]) - X[:, 4]
    return X, s, (s > np.median(s)).astype(int), np.digitize(s, [-0.7, 0.7])


def margin(model, X):
    """The model's own margin, independently of limelight."""
    lib = type(model).__module__.split(".")[0]
    if lib == "xgboost":
        return model.predict(X, output_margin=True).reshape(len(X), -1)
    if lib == "lightgbm":
        return np.asarray(model.predict(X, raw_score=True)).reshape(len(X), -1)
    return np.asarray(model.predict(X, prediction_type="RawFormulaVal")).reshape(len(X), -1)


SMALL = {
    "xgboost": dict(n_estimators=8, max_depth=3),
    "lightgbm": dict(n_estimators=8, num_leaves=6, min_child_samples=5, verbose=-1),
    "catboost": dict(iterations=8, depth=3, verbose=0, thread_count=1, allow_writing_files=False),
}
KINDS = {
    "xgboost": (xgboost.XGBClassifier, xgboost.XGBRegressor),
    "lightgbm": (lightgbm.LGBMClassifier, lightgbm.LGBMRegressor),
    "catboost": (catboost.CatBoostClassifier, catboost.CatBoostRegressor),
}


def fitted(lib, task, X, s, y, y3, **extra):
    clf, reg = KINDS[lib]
    if task == "regression":
        return reg(**SMALL[lib], **extra).fit(X, s)
    return clf(**SMALL[lib], **extra).fit(X, y if task == "binary" else y3)


@pytest.mark.parametrize("task", ["binary", "3 classes", "regression"])
@pytest.mark.parametrize("lib", ["xgboost", "lightgbm", "catboost"])
def test_tree_values_are_the_shapley_values_of_the_margin(data, lib, task):
    X, s, y, y3 = data
    model = fitted(lib, task, X, s, y, y3)
    B, x = X[:16], X[40]  # row 40 has a missing value
    assert np.isnan(x).any() and np.isnan(B).any()
    e = ll.attribute(model, x, background=B, method="tree")
    ref = brute_force_shapley(lambda rows: margin(model, rows), x, B)
    # XGBoost adds its leaves in float32 (its own margins round at ~1e-6); ours sum in float64
    tol = 1e-5 if lib == "xgboost" else 1e-9
    np.testing.assert_allclose(e.values, ref, atol=tol)
    np.testing.assert_allclose(e.prediction, margin(model, x[None])[0], atol=tol)
    assert e.method == "tree"
    want = {"binary": "log-odds", "3 classes": "log-odds (softmax)", "regression": None}[task]
    assert e.params.get("output_scale") == want


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_tree_values_equal_shaps_interventional_tree_explainer(data, lib):
    X, s, y, y3 = data
    model = fitted(lib, "3 classes", X, s, y, y3)
    B, rows = X[:30], X[100:130]
    ours = attribute_rows(model, rows, background=B)
    theirs = shap.TreeExplainer(model, B, feature_perturbation="interventional").shap_values(rows)
    np.testing.assert_allclose(ours.values, np.asarray(theirs).transpose(0, 2, 1), atol=1e-6)
    np.testing.assert_allclose(ours.predictions, margin(model, rows), atol=1e-5)


def test_lightgbm_categorical_splits(data):
    X, s, y, y3 = data
    rng = np.random.default_rng(1)
    Xc = X.copy()
    Xc[:, 2] = rng.integers(0, 6, len(X))  # a category code, split on by sets of codes
    target = s + np.isin(Xc[:, 2], [1, 4]) * 2.0
    model = lightgbm.LGBMRegressor(**SMALL["lightgbm"], min_data_per_group=5, cat_smooth=1.0).fit(
        Xc, target, categorical_feature=[2]
    )
    ens = tree_ensemble(model, "predict")
    assert ens.rules.categories, "the model has categorical splits"
    B, x = Xc[:16], Xc[41]
    e = ll.attribute(model, x, background=B, method="tree")
    ref = brute_force_shapley(lambda r: model.predict(r)[:, None], x, B)
    np.testing.assert_allclose(e.values, ref, atol=1e-9)


def test_many_rows_equal_one_row_at_a_time_and_the_numpy_walk(data):
    X, s, y, y3 = data
    model = fitted("xgboost", "binary", X, s, y, y3)
    rows = attribute_rows(model, X[50:56], background=X[:16])
    for i in range(len(rows)):
        one = ll.attribute(model, X[50 + i], background=X[:16], method="tree")
        np.testing.assert_allclose(rows.values[i], one.values, atol=1e-9)
        np.testing.assert_allclose(rows.explanation(i).base_values, one.base_values, atol=1e-9)
    ens = tree_ensemble(model, "margin")
    np.testing.assert_allclose(
        interventional(ens, X[50:56], X[:16], compiled=False),
        rows.values.transpose(0, 2, 1),
        atol=1e-9,
    )


def test_auto_explains_a_boosted_classifier_by_its_trees_in_log_odds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    model = xgboost.XGBClassifier(n_estimators=10, max_depth=3).fit(X, X[:, 0] + X[:, 1] > 0)
    e = ll.attribute(model, X[0], background=X[:20])
    assert e.method == "tree" and e.params["output_scale"] == "log-odds"
    theirs = shap.TreeExplainer(model, X[:20], feature_perturbation="interventional")
    np.testing.assert_allclose(e.values[0], theirs.shap_values(X[:1])[0], atol=1e-6)
    from limelight.encoders.tabular import encode

    assert encode(e)[0]["output_scale"] == "log-odds"  # the view's title says it


def test_probabilities_are_exact_by_coalitions(data):
    X, s, y, y3 = data
    model = fitted("lightgbm", "3 classes", X, s, y, y3)
    B, x = X[:12], X[40]
    e = ll.attribute(model, x, background=B, model_output="proba", method="exact")
    np.testing.assert_allclose(e.values, brute_force_shapley(model.predict_proba, x, B), atol=1e-9)
    assert e.params["output_scale"] == "probability"
    with pytest.raises(MethodError, match="model_output='margin'"):
        ll.attribute(model, x, background=B, model_output="proba", method="tree")


def test_decision_means_the_margin_for_xgboost(data):
    X, s, y, y3 = data
    model = fitted("xgboost", "binary", X, s, y, y3)  # it has no decision_function
    e = ll.attribute(model, X[3], background=X[:10], model_output="decision", method="tree")
    np.testing.assert_allclose(e.prediction, margin(model, X[3:4])[0], atol=1e-6)


def test_trees_that_do_not_reproduce_the_model_are_not_trusted(data):
    X, s, y, y3 = data
    # Poisson: predict() is exp(margin), not a sum of leaves
    model = xgboost.XGBRegressor(objective="count:poisson", **SMALL["xgboost"]).fit(
        X, np.exp(s / 3)
    )
    with pytest.raises(MethodError, match="do not add up"):
        ll.attribute(model, X[1], background=X[:10], method="tree")
    e = ll.attribute(model, X[1], background=X[:10])  # auto: coalitions, on predict()
    ref = brute_force_shapley(lambda r: model.predict(r)[:, None].astype(float), X[1], X[:10])
    np.testing.assert_allclose(e.values, ref, atol=1e-6)  # float32 outputs


def test_a_pipeline_ending_in_a_booster(data):
    X, s, y, y3 = data
    pipe = make_pipeline(StandardScaler(), lightgbm.LGBMClassifier(**SMALL["lightgbm"]))
    Xf = np.nan_to_num(X)  # the scaler would pass NaN, but keep the pipeline plain
    pipe.fit(Xf, y)
    e = ll.attribute(pipe, Xf[5], background=Xf[:12], method="tree")
    ref = brute_force_shapley(lambda r: margin(pipe[-1], pipe[0].transform(r)), Xf[5], Xf[:12])
    np.testing.assert_allclose(e.values, ref, atol=1e-9)
    assert e.params["output_scale"] == "log-odds"


def test_catboost_with_categories_falls_back_with_a_reason(data):
    X, s, y, y3 = data
    df = pd.DataFrame(np.nan_to_num(X), columns=list("abcde"))
    df["colour"] = np.random.default_rng(0).choice(["red", "green", "blue"], len(df))
    model = catboost.CatBoostClassifier(**SMALL["catboost"], cat_features=["colour"]).fit(df, y)
    with pytest.raises(MethodError, match="categorical splits"):
        ll.attribute(model, df.iloc[0], background=df[:10], method="tree")
    e = ll.attribute(model, df.iloc[0], background=df[:10])  # exact by coalitions
    assert e.method == "exact" and e.params["output_scale"] == "log-odds"


@pytest.mark.parametrize("lib", ["xgboost", "lightgbm", "catboost"])
def test_the_libraries_own_path_dependent_values(data, lib):
    X, s, y, y3 = data
    model = fitted(lib, "3 classes", X, s, y, y3)
    e = ll.attribute(model, X[7], background=X[:10], method="tree_path_dependent")
    theirs = shap.TreeExplainer(model).shap_values(X[7:8])  # path-dependent, no data
    np.testing.assert_allclose(e.values, np.asarray(theirs)[0].T, atol=1e-5)
    np.testing.assert_allclose(e.prediction, margin(model, X[7:8])[0], atol=1e-5)
    assert "path-dependent" in e.params["perturbation"]
    assert contributions(model, X[:3])[0].shape == (3, 3, 5)
