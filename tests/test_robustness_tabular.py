"""Tables the way people pass them: integer, mixed and repeated column names, columns in
another order, missing values in the background, and x that is not one row. Each gets the
right numbers (against the closed form or brute force) or an error naming the problem."""

import warnings

import numpy as np
import pandas as pd
import pytest
from references import brute_force_shapley
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll
from limelight.errors import InputError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([1.0, -2.0, 3.0, 0.5]) + 1.0
    return X, y


def closed_form(model, x, X):
    return model.coef_ * (np.asarray(x, float) - np.asarray(X, float).mean(axis=0))


def test_integer_column_names(data):
    X, y = data
    df = pd.DataFrame(X)  # columns 0..3
    model = LinearRegression().fit(df, y)
    e = ll.attribute(model, df.iloc[5], background=df)
    assert e.feature_names == ["0", "1", "2", "3"]
    np.testing.assert_allclose(e.values[0], closed_form(model, X[5], X), atol=1e-9)


def test_mixed_column_names_with_a_model_fitted_on_an_array(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    df = pd.DataFrame(X, columns=[0, "b", 2.5, "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X has feature names" warning on every call
        e = ll.attribute(model, df.iloc[5], background=df)
    assert e.feature_names == ["0", "b", "2.5", "d"]
    np.testing.assert_allclose(e.values[0], closed_form(model, X[5], X), atol=1e-9)


def test_repeated_and_clashing_column_names(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    with pytest.raises(InputError, match=r"repeated column names \['a'\]"):
        df = pd.DataFrame(X, columns=["a", "a", "b", "c"])
        ll.attribute(model, df.iloc[0], background=df)
    with pytest.raises(InputError, match="clashing column names"):
        df = pd.DataFrame(X, columns=[0, "0", "b", "c"])
        ll.attribute(model, df.iloc[0], background=df)


def test_reordered_columns(data):
    X, y = data
    cols = ["a", "b", "c", "d"]
    df = pd.DataFrame(X, columns=cols)
    # fitted on an array: the model has no names, so an x in another order is ambiguous
    on_array = LinearRegression().fit(X, y)
    with pytest.raises(InputError, match="another order"):
        ll.attribute(on_array, df.iloc[5][["c", "a", "d", "b"]], background=df)
    # fitted on the frame: columns are found by name, whatever order they come in
    on_frame = LinearRegression().fit(df, y)
    e = ll.attribute(
        on_frame, df.iloc[5][["c", "a", "d", "b"]], background=df[["d", "c", "b", "a"]]
    )
    assert e.feature_names == cols
    np.testing.assert_allclose(e.values[0], closed_form(on_frame, X[5], X), atol=1e-9)


@pytest.mark.parametrize("rows", [40, 300])  # all rows, and a summarised background
@pytest.mark.parametrize("frame", [False, True])
def test_nan_in_the_background_for_a_model_that_cannot_take_it(data, rows, frame):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(rows, 4))
    X[3, 2] = np.nan
    model = LinearRegression().fit(data[0], data[1])
    bg = pd.DataFrame(X, columns=list("abcd")) if frame else X
    if frame:
        model = LinearRegression().fit(pd.DataFrame(data[0], columns=list("abcd")), data[1])
    x = bg.iloc[0] if frame else X[0]
    with pytest.raises(InputError, match=r"background has missing values \(NaN\) in 1 of"):
        ll.attribute(model, x, background=bg)


@pytest.mark.parametrize("frame", [False, True])
def test_nan_in_the_background_for_a_model_that_takes_it(data, frame):
    X, y = data
    X = X.copy()
    X[::7, 1] = np.nan
    model = HistGradientBoostingRegressor(max_iter=20).fit(X, y)
    bg = X[:30]
    want = brute_force_shapley(lambda Z: model.predict(Z)[:, None], X[40], bg)
    if frame:
        cols = list("abcd")
        model = HistGradientBoostingRegressor(max_iter=20).fit(pd.DataFrame(X, columns=cols), y)
        x, bg = pd.DataFrame(X, columns=cols).iloc[40], pd.DataFrame(bg, columns=cols)
    else:
        x = X[40]
    e = ll.attribute(model, x, background=bg, method="exact")
    np.testing.assert_allclose(e.values, want, atol=1e-9)


def test_kmeans_summary_of_a_background_with_nan_is_refused_clearly(data):
    X = np.random.default_rng(2).normal(size=(300, 4))
    X[5, 0] = np.nan
    model = HistGradientBoostingRegressor(max_iter=5).fit(data[0], data[1])
    with pytest.raises(InputError, match="k-means cannot summarise"):
        ll.attribute(model, X[0], background=X, background_summary="kmeans")
    e = ll.attribute(model, X[0], background=X)  # auto: a seeded sample instead
    assert e.params["background"].items() >= {"rows": 100, "from": 300, "how": "sample"}.items()


def test_x_that_is_not_one_row(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    with pytest.raises(InputError, match="x has 2 rows.*ll.explore"):
        ll.attribute(model, X[:2])
    with pytest.raises(InputError, match=r"shape \(4, 1\): a column of 4 values"):
        ll.attribute(model, X[0].reshape(4, 1), background=X)
    with pytest.raises(InputError, match="dict of columns"):
        ll.attribute(model, {"a": [1, 2], "b": [3, 4]}, background=X)


def test_a_dict_of_values_is_one_row(data):
    X, y = data
    df = pd.DataFrame(X, columns=list("abcd"))
    model = LinearRegression().fit(df, y)
    row = {c: float(v) for c, v in zip("abcd", X[5])}
    e = ll.attribute(model, row, background=df)
    np.testing.assert_allclose(e.values[0], closed_form(model, X[5], X), atol=1e-9)


def test_bytes_and_lists_of_texts_are_named():
    docs, labels = ["good film", "bad film", "good plot", "bad plot"] * 3, [1, 0, 1, 0] * 3
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, labels)
    with pytest.raises(InputError, match="decode it"):
        ll.attribute(pipe, b"good film")
    with pytest.raises(InputError, match="list of 2 strings; limelight explains one text"):
        ll.attribute(pipe, ["good film", "bad plot"])


def test_a_nested_list_image_is_read_as_an_array():
    img = np.random.default_rng(0).random((8, 8))

    def f(batch):
        b = np.asarray(batch).reshape(len(batch), -1)
        return np.stack([b[:, :32].sum(1), b[:, 32:].sum(1)], axis=1)

    a = ll.attribute(f, img, method="occlusion")
    b = ll.attribute(f, img.tolist(), method="occlusion")
    np.testing.assert_allclose(a.values, b.values)
