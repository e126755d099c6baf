"""Tabular bad input gets a limelight error that names the problem and the fix; permutation
importance agrees with scikit-learn's; nothing the user passed is changed."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import limelight as ll
from limelight.errors import InputError, MethodError, ModelError


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "colour": rng.choice(["red", "blue"], n)}
    )
    y = np.where(X.a + (X.colour == "red") > 0.5, 1, 0)
    pipe = make_pipeline(
        ColumnTransformer([("c", OneHotEncoder(), ["colour"])], remainder="passthrough"),
        LogisticRegression(),
    ).fit(X, y)
    return X, y, pipe


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, 0.0, -2.0, 0.5]
    return X, y, LinearRegression().fit(X, y)


def test_wrong_number_of_features(arrays):
    X, _, lin = arrays
    with pytest.raises(InputError, match="x has 3 features but the model expects 4.*Fix"):
        ll.attribute(lin, X[0, :3], background=X)


def test_missing_columns_are_named(frame):
    X, _, pipe = frame
    with pytest.raises(InputError, match=r"x is missing the column\(s\) \['colour'\]"):
        ll.attribute(pipe, X.iloc[0].drop("colour"), background=X)


def test_nan_in_x_when_the_model_cannot_take_it(arrays):
    X, _, lin = arrays
    x = X[0].copy()
    x[2] = np.nan
    with pytest.raises(InputError, match=r"NaN or inf in \['x2'\].*impute"):
        ll.attribute(lin, x, background=X)


def test_a_model_that_raises_or_returns_the_wrong_shape():
    X = np.ones((10, 3))

    def broken(batch):
        raise KeyError("feature 'z' not found")

    with pytest.raises(ModelError, match="the model raised KeyError.*'z'.*batch of 2 rows"):
        ll.attribute(broken, X[0], background=X)
    with pytest.raises(ModelError, match=r"shape \(3, 2\) for 2 rows"):
        ll.attribute(lambda b: np.ones((3, 2)), X[0], background=X)
    with pytest.raises(ModelError, match="NaN or inf"):
        ll.attribute(lambda b: np.full(len(b), np.nan), X[0], background=X)
    with pytest.raises(ModelError, match="not numbers"):
        ll.attribute(lambda b: ["a"] * len(b), X[0], background=X)


def test_empty_or_missing_background(arrays):
    X, _, lin = arrays
    with pytest.raises(InputError, match="background is empty"):
        ll.attribute(lin, X[0], background=X[:0])
    with pytest.raises(InputError, match="need background data.*background=X_train"):
        ll.attribute(lin, X[0])


def test_a_string_where_a_number_is_needed(arrays, frame):
    X, _, lin = arrays
    x = X[0].astype(object)
    x[1] = "high"
    with pytest.raises(InputError, match="non-numeric value 'high' in feature 'x1'"):
        ll.attribute(lin, x, background=X)
    F, _, pipe = frame
    row = F.iloc[0].copy()
    row["a"] = "tall"
    with pytest.raises(InputError, match="'tall' in the numeric column 'a'"):
        ll.attribute(pipe, row, background=F)


def test_more_than_one_row_unknown_method_and_options(arrays):
    X, _, lin = arrays
    with pytest.raises(InputError, match="one instance at a time"):
        ll.attribute(lin, X[:2], background=X)
    with pytest.raises(
        MethodError, match="unknown method 'shap'.*'exact', 'tree', 'kernel', 'lime'"
    ):
        ll.attribute(lin, X[0], background=X, method="shap")
    with pytest.raises(InputError, match=r"unknown option\(s\) \['nsamples'\]"):
        ll.attribute(lin, X[0], background=X, nsamples=10)
    with pytest.raises(InputError, match="no output named 'z'"):
        ll.attribute(lin, X[0], background=X, output="z")


def test_unfitted_model():
    with pytest.raises(InputError, match="not fitted.*fit"):
        ll.attribute(LogisticRegression(), np.ones(3), background=np.ones((4, 3)))


def test_user_data_is_not_mutated(frame):
    X, y, pipe = frame
    before, row = X.copy(), X.iloc[4].copy()
    ll.attribute(pipe, X.iloc[4], background=X, method="kernel", max_evals=100, random_state=0)
    ll.permutation_importance(pipe, X, y, n_repeats=2, random_state=0).wait()
    pd.testing.assert_frame_equal(X, before)
    pd.testing.assert_series_equal(X.iloc[4], row)


def test_permutation_importance_agrees_with_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] > 0).astype(int)
    rf = RandomForestClassifier(n_estimators=30, random_state=0).fit(X[:200], y[:200])
    Xt, yt = X[200:], y[200:]
    ours = ll.permutation_importance(rf, Xt, yt, n_repeats=10, random_state=0).wait()
    ref = sk_permutation_importance(rf, Xt, yt, n_repeats=10, random_state=0)
    assert ours.modality == "importance" and ours.output_names == ["accuracy"]
    assert ours.base_values[0] == pytest.approx(rf.score(Xt, yt))
    # different shuffles, same quantity: agree within a few standard errors
    se = np.sqrt(ours.stderr[0] ** 2 + (ref.importances_std / np.sqrt(10)) ** 2) + 0.005
    assert np.all(np.abs(ours.values[0] - ref.importances_mean) < 4 * se)
    assert np.argmax(ours.values[0]) == 0 and abs(ours.values[0, 4]) < 0.03  # x4 is noise
    assert ours.extras["samples"].shape == (1, 5, 10)


def test_permutation_importance_streams_repeats_and_checks_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = X[:, 0] * 2
    reg = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    from limelight.plans.importance import plan_importance

    p = plan_importance(reg, X, y, n_repeats=4, random_state=0)
    parts = list(p.stream())
    assert [q.extras["samples"].shape[-1] for q in parts] == [1, 2, 3, 4]
    assert parts[-1].output_names == ["r2"] and parts[-1].done
    # batched: the probe (which gives the baseline) and one call for every repeat and feature
    assert p.model.calls == 2
    # the batching does not change the numbers: one feature per call gives the same values
    from limelight.explainers.permutation import PermutationImportance

    small = PermutationImportance(n_repeats=4, random_state=0, rows_per_call=150)
    one_by_one = list(small.stream(p.model, p.instance))
    assert len(one_by_one) == 4 and p.model.calls == 2 + 12
    np.testing.assert_array_equal(one_by_one[-1].values, parts[-1].values)
    with pytest.raises(InputError, match="X has 150 rows but y has 149"):
        ll.permutation_importance(reg, X, y[:-1])
    with pytest.raises(InputError, match="unknown scoring 'f1_weird'"):
        ll.permutation_importance(reg, X, y, scoring="f1_weird")
