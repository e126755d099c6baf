"""Exact Shapley values of tree ensembles from their paths (``method="tree"``), against the
permutation definition enumerated by brute force over the model's own predictions, and
against shap's interventional TreeExplainer at 40 features (where enumeration is out of
reach)."""

import numpy as np
import pandas as pd
import pytest
from references import brute_force_shapley
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import limelight as ll
from limelight.api import plan
from limelight.errors import MethodError
from limelight.explainers import tree as tree_module


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6))
    z = X[:, 0] * X[:, 1] + np.maximum(X[:, 2], X[:, 3]) - X[:, 4]
    return X, z, (z > np.median(z)).astype(int), (np.digitize(z, [-1, 0.5])).astype(int)


MODELS = {
    "forest classifier (proba)": (
        lambda X, z, y, y3: RandomForestClassifier(30, max_depth=6, random_state=0).fit(X, y3),
        {},
        "predict_proba",
    ),
    "deep extra trees": (
        lambda X, z, y, y3: ExtraTreesRegressor(10, random_state=0).fit(X, z),
        {},
        "predict",
    ),
    "forest regressor": (
        lambda X, z, y, y3: RandomForestRegressor(20, max_depth=5, random_state=0).fit(X, z),
        {},
        "predict",
    ),
    "boosting regressor": (
        lambda X, z, y, y3: GradientBoostingRegressor(n_estimators=40, random_state=0).fit(X, z),
        {},
        "predict",
    ),
    "boosting classifier (decision)": (
        lambda X, z, y, y3: GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y3),
        {"model_output": "decision"},
        "decision_function",
    ),
    "histogram boosting regressor": (
        lambda X, z, y, y3: HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(X, z),
        {},
        "predict",
    ),
    "histogram boosting classifier (decision, 3 classes)": (
        lambda X, z, y, y3: HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y3),
        {"model_output": "decision"},
        "decision_function",
    ),
    "one tree": (
        lambda X, z, y, y3: DecisionTreeClassifier(max_depth=7, random_state=0).fit(X, y),
        {},
        "predict_proba",
    ),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_tree_paths_equal_the_permutation_definition(data, name):
    X, z, y, y3 = data
    build, opts, out = MODELS[name]
    model = build(X, z, y, y3)
    f = lambda rows: np.asarray(getattr(model, out)(rows)).reshape(len(rows), -1)  # noqa: E731
    x, bg = X[7], X[100:112]
    e = ll.attribute(model, x, background=bg, method="tree", **opts)
    assert e.method == "tree" and e.done and e.params["algorithm"] == "tree paths"
    np.testing.assert_allclose(e.values, brute_force_shapley(f, x, bg), atol=1e-12)
    np.testing.assert_allclose(e.prediction, f(x[None])[0], atol=1e-12)
    np.testing.assert_allclose(e.base_values, f(bg).mean(axis=0), atol=1e-12)
    assert e.n_evals == 1 + len(bg)  # the model's own rows: x and the background


def test_streamed_partials_cover_the_background_and_end_exact(data, monkeypatch):
    X, z, *_ = data
    model = RandomForestRegressor(20, max_depth=5, random_state=0).fit(X, z)
    monkeypatch.setattr(tree_module, "WALKERS_PER_CHUNK", 20 * 4)  # 4 background rows a step
    parts = list(plan(model, X[0], background=X[:10], method="tree").stream())
    assert [p.done for p in parts] == [False, False, True]
    assert all(p.stderr is not None for p in parts[:-1]) and parts[-1].stderr is None
    exact = ll.attribute(model, X[0], background=X[:10], method="exact")
    np.testing.assert_allclose(parts[-1].values, exact.values, atol=1e-12)


def test_auto_reads_trees_from_nine_features_and_one_output(data):
    X, z, y, y3 = data
    rng = np.random.default_rng(0)
    wide = np.c_[X, rng.normal(size=(len(X), 4))]  # 10 features
    forest = RandomForestClassifier(20, max_depth=6, random_state=0).fit(wide, y3)
    e = ll.attribute(forest, wide[0], background=wide[:20])
    assert e.method == "tree"
    one = ll.attribute(forest, wide[0], background=wide[:20], output="2")
    assert one.output_names == ["2"]
    np.testing.assert_allclose(one.values[0], e.values[2], atol=1e-12)
    # few features: the coalitions are cheaper, and they give the same numbers
    small = RandomForestClassifier(20, max_depth=6, random_state=0).fit(X, y3)
    assert ll.attribute(small, X[0], background=X[:20]).method == "exact"


def test_a_dataframe_fitted_forest_is_read_with_its_columns(data):
    X, z, *_ = data
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(6)])
    model = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(frame, z)
    e = ll.attribute(model, frame.iloc[3], background=frame.iloc[50:60], method="tree")
    assert e.feature_names == list(frame.columns)
    f = lambda rows: model.predict(pd.DataFrame(rows, columns=frame.columns))[:, None]  # noqa: E731
    np.testing.assert_allclose(e.values, brute_force_shapley(f, X[3], X[50:60]), atol=1e-12)


def test_models_whose_outputs_are_not_sums_of_leaves_are_refused_or_enumerated(data):
    X, z, y, y3 = data
    lin = LogisticRegression().fit(X, y)
    with pytest.raises(MethodError, match="tree ensembles") as err:
        ll.attribute(lin, X[0], background=X[:10], method="tree")
    assert "method='exact'" in str(err.value)
    # boosting's probabilities are a sigmoid of the trees' sum: not read, enumerated exactly
    wide = np.c_[X, X[:, :4] ** 2]
    boost = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(wide, y)
    with pytest.raises(MethodError):
        ll.attribute(boost, wide[0], background=wide[:10], method="tree", model_output="proba")
    assert (
        ll.attribute(boost, wide[0], background=wide[:10], model_output="proba").method == "exact"
    )
    # by default scikit-learn's boosting is explained on its log-odds, as XGBoost's: exactly by
    # its trees, one output (the positive class), equal to enumeration of the same margin
    tree = ll.attribute(boost, wide[0], background=wide[:10], method="tree")
    assert tree.output_names == ["1"] and tree.params["output_scale"] == "log-odds"
    enum = ll.attribute(boost.decision_function, wide[0], background=wide[:10], method="exact")
    np.testing.assert_allclose(tree.values, enum.values, atol=1e-10)
    # a log link: the leaves add up to the log of the prediction, not to the prediction
    poisson = HistGradientBoostingRegressor(loss="poisson", max_iter=10).fit(wide, np.exp(z / 3))
    with pytest.raises(MethodError, match="do not add up to its outputs"):
        ll.attribute(poisson, wide[0], background=wide[:10], method="tree")
    assert ll.attribute(poisson, wide[0], background=wide[:10]).method == "exact"
    # missing values: the model routes them its own way, coalitions handle them
    hist = HistGradientBoostingRegressor(max_iter=10).fit(wide, z)
    holey = wide[0].copy()
    holey[2] = np.nan
    e = ll.attribute(hist, holey, background=wide[1:11])
    assert e.method == "exact" and abs(e.prediction[0] - hist.predict(holey[None])[0]) < 1e-12
    pipe = make_pipeline(StandardScaler(), RandomForestRegressor(5, random_state=0)).fit(wide, z)
    # behind a scaler the trees are still read (their splits see the scaled columns)
    piped = ll.attribute(pipe, wide[0], background=wide[:10])
    assert piped.method == "tree"
    exact = ll.attribute(pipe, wide[0], background=wide[:10], method="exact")
    np.testing.assert_allclose(piped.values, exact.values, atol=1e-12)


def test_forty_features_match_shaps_interventional_tree_explainer():
    shap = pytest.importorskip("shap")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 40))
    z = X[:, 0] * X[:, 1] + X[:, 2:6].sum(axis=1) + np.abs(X[:, 7])
    model = RandomForestRegressor(40, max_depth=9, random_state=0).fit(X, z)
    bg = X[:30]
    e = ll.attribute(model, X[300], background=bg)  # auto: exact values at 40 features
    assert e.method == "tree" and e.stderr is None
    ref = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")
    np.testing.assert_allclose(e.values[0], ref.shap_values(X[300:301])[0], atol=1e-9)
    assert abs(e.values.sum() - (e.prediction[0] - e.base_values[0])) < 1e-9


def test_the_explorer_explains_every_row_with_its_own_outputs(data):
    X, z, *_ = data
    wide = np.c_[X, X[:, :3] * 0.5 + 1]  # 9 features: auto reads the trees
    model = RandomForestRegressor(15, max_depth=6, random_state=0).fit(wide, z)
    ex = ll.explore(model, wide[:40], background=wide[100:110], sample=0)
    for i in (3, 8):
        ex.selected = i
        e = ex.wait(10)
        assert e.method == "tree"
        np.testing.assert_allclose(e.prediction, model.predict(wide[i : i + 1]), atol=1e-12)
        ref = ll.attribute(model, wide[i], background=wide[100:110], method="exact")
        np.testing.assert_allclose(e.values, ref.values, atol=1e-12)
    ex.close()


def test_the_explorer_beeswarm_of_a_forest_is_exact(data):
    X, z, *_ = data
    wide = np.c_[X, X[:, :3] * 0.5 + 1]
    model = RandomForestRegressor(15, max_depth=6, random_state=0).fit(wide, z)
    ex = ll.explore(model, wide[:40], sample=6, random_state=0)
    sw = ex.wait_global(60)["swarm"]
    rows, values = sw.row, sw.values
    small = ex._inst0.background_batch()  # the swarm's background is summarised from this
    for r, i in enumerate(rows[:2]):
        e = ll.attribute(model, wide[i], background=small, background_size=10, random_state=0)
        assert e.method == "tree"
        np.testing.assert_allclose(values[r], e.values, atol=1e-5)  # float32 storage
        assert abs(values[r].sum() - (e.prediction - e.base_values).sum()) < 1e-4
    ex.close()
