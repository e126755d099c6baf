"""Pipelines that start with scalers: hybrid rows are mixed after the scaling (it runs on x
and the background once, not on every hybrid row), with the very same numbers as the whole
pipeline on every row. Reference: the same pipeline behind a plain function, which cannot
take the shortcut."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import limelight as ll


class CountingScaler(StandardScaler):
    """A StandardScaler that counts the rows it transforms."""

    rows = 0

    def transform(self, X, copy=None):
        CountingScaler.rows += len(X)
        return super().transform(X, copy=copy)


class MixingScaler(StandardScaler):
    """Looks like a scaler but mixes columns: the shortcut would be wrong for it."""

    def transform(self, X, copy=None):
        Z = super().transform(X, copy=copy)
        return Z + 0.5 * np.roll(Z, 1, axis=1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 12)) * rng.uniform(0.5, 20, size=12) + 3
    y = ((X[:, 0] - 3) * (X[:, 1] - 3) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("method", ["exact", "kernel", "lime"])
def test_scaled_pipeline_gives_the_pipelines_own_numbers_with_far_fewer_transforms(data, method):
    X, y = data
    pipe = make_pipeline(CountingScaler(), MinMaxScaler(), LogisticRegression()).fit(X, y)
    opts = {"background": X[:10], "method": method, "random_state": 0}
    if method == "lime":
        opts["n_samples"] = 30_000  # enough rows a call for the shortcut
    CountingScaler.rows = 0
    fast = ll.attribute(pipe, X[5], **opts)
    transformed = CountingScaler.rows
    slow = ll.attribute(lambda A: pipe.predict_proba(A), X[5], **opts)
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.prediction, pipe.predict_proba(X[5:6])[0], atol=1e-12)
    assert fast.n_evals == slow.n_evals >= 20_000
    # the scaler saw x, the background and a few check rows, not every hybrid row
    assert transformed < 100, transformed


def test_a_transformer_that_mixes_columns_is_not_shortcut(data):
    X, y = data
    pipe = make_pipeline(MixingScaler(), Ridge()).fit(X, X[:, 0] * X[:, 1])
    fast = ll.attribute(pipe, X[5], background=X[:10], method="exact")
    slow = ll.attribute(lambda A: pipe.predict(A), X[5], background=X[:10], method="exact")
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-10, atol=1e-12)
    assert abs(fast.values.sum() - (fast.prediction - fast.base_values).sum()) < 1e-8


@pytest.fixture(scope="module")
def mixed():
    """A frame with numbers and categories behind a ColumnTransformer (scaled numbers,
    one-hot categories, one dropped-first, one column passed through)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(7)
    n = 400
    X = pd.DataFrame({f"n{i}": rng.normal(size=n) * (i + 1) for i in range(9)})
    X["colour"] = rng.choice(["red", "green", "blue"], n)
    X["size"] = rng.choice(["S", "M", "L", "XL"], n)
    X["flag"] = rng.choice(["yes", "no"], n)
    X["raw"] = rng.uniform(size=n)
    y = ((X.n0 > 0) ^ (X.colour == "red") | (X["size"] == "XL")).astype(int)
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), [f"n{i}" for i in range(9)]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
            ("bin", OneHotEncoder(drop="first"), ["flag"]),
        ],
        remainder="passthrough",
    )
    pipe = make_pipeline(pre, CountingScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    return X, pipe


@pytest.mark.parametrize("method", ["kernel", "lime"])
def test_column_transformer_blocks_mix_as_whole_columns(mixed, method):
    X, pipe = mixed
    opts = {"background": X.iloc[:20], "method": method, "random_state": 1}
    opts.update({"max_evals": 3000, "tol": 0} if method == "kernel" else {"n_samples": 30_000})
    CountingScaler.rows = 0
    fast = ll.attribute(pipe, X.iloc[5], **opts)
    transformed = CountingScaler.rows
    slow = ll.attribute(lambda A: pipe.predict_proba(A), X.iloc[5], **opts)
    assert fast.feature_names == list(X.columns)  # one attribution per original column
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-9, atol=1e-12)
    assert fast.n_evals >= 20_000 and transformed < 100, transformed


def test_a_forest_behind_a_column_transformer_is_read_by_its_trees(mixed):
    from sklearn.ensemble import RandomForestClassifier

    X, pipe = mixed
    forest = make_pipeline(pipe[0], RandomForestClassifier(20, max_depth=6, random_state=0))
    forest.fit(X, (X.n1 * X.n2 > 0) | (X["size"] == "S"))
    bg = X.iloc[:10]
    e = ll.attribute(forest, X.iloc[3], background=bg)  # auto, 13 columns
    assert e.method == "tree" and e.feature_names == list(X.columns)
    ref = ll.attribute(forest, X.iloc[3], background=bg, method="exact")
    np.testing.assert_allclose(e.values, ref.values, atol=1e-12)
    np.testing.assert_allclose(e.prediction, forest.predict_proba(X.iloc[3:4])[0], atol=1e-12)
    assert e.n_evals == 1 + len(bg)


def test_wide_one_hot_outputs_stay_with_the_whole_pipeline(mixed, monkeypatch):
    """A dense block of hybrid rows x output columns over the cap: no shortcut (the
    pipeline's own, possibly sparse, path runs), same numbers."""
    from limelight.models import tabular

    X, pipe = mixed
    monkeypatch.setattr(tabular, "SHORTCUT_MAX_VALUES", 1000)
    opts = {
        "background": X.iloc[:20],
        "method": "kernel",
        "max_evals": 1200,
        "tol": 0,
        "random_state": 1,
    }
    CountingScaler.rows = 0
    e = ll.attribute(pipe, X.iloc[5], **opts)
    assert CountingScaler.rows >= e.n_evals  # every hybrid row went through the pipeline
    slow = ll.attribute(lambda A: pipe.predict_proba(A), X.iloc[5], **opts)
    np.testing.assert_allclose(e.values, slow.values, rtol=1e-9, atol=1e-12)


def test_a_pipeline_passing_named_columns_on_is_left_whole(data):
    """With set_output(transform="pandas") the rest of the pipeline was fitted on named
    columns; feeding it arrays would warn on every call, so no shortcut (and no warning)."""
    import warnings

    import pandas as pd

    X, y = data
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(12)])
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).set_output(transform="pandas")
    pipe.fit(frame, y)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        e = ll.attribute(pipe, frame.iloc[0], background=frame.iloc[:10], method="exact")
    assert not [w for w in seen if "feature names" in str(w.message)]
    slow = ll.attribute(
        lambda A: pipe.predict_proba(A), frame.iloc[0], background=frame.iloc[:10], method="exact"
    )
    np.testing.assert_allclose(e.values, slow.values, rtol=1e-10, atol=1e-12)


def test_the_explorer_reads_a_piped_forest_for_every_row(mixed):
    from sklearn.ensemble import RandomForestRegressor

    X, pipe = mixed
    forest = make_pipeline(pipe[0], RandomForestRegressor(10, max_depth=5, random_state=0))
    forest.fit(X, X.n0 * (X.colour == "red") + X.n3)
    ex = ll.explore(forest, X.iloc[:30], background=X.iloc[100:108], sample=0)
    for i in (4, 11):
        ex.selected = i
        e = ex.wait(20)
        assert e.method == "tree" and e.feature_names == list(X.columns)
        ref = ll.attribute(forest, X.iloc[i], background=X.iloc[100:108], method="exact")
        np.testing.assert_allclose(e.values, ref.values, atol=1e-12)
    ex.close()
