"""The trees read from a model are kept between calls (one row pays no dump reading), and
never reused once the model is refitted: the same object refitted (a new booster, CatBoost's
in-place fit, a warm-started forest that grows its list of trees) gives the values of a
fresh model fitted the same way, checked against shap's interventional TreeExplainer."""

import catboost
import lightgbm
import numpy as np
import pytest
import shap
import xgboost
from sklearn.ensemble import RandomForestRegressor

import limelight as ll
from limelight.explainers.trees import read_cache


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(300, 6))
    y1 = X[:, 0] * X[:, 1] + X[:, 2]
    y2 = np.sin(2 * X[:, 3]) - X[:, 4] * X[:, 5]  # a second target: other trees
    return X, y1, y2


def _values(model, x, bg):
    return np.asarray(ll.attribute(model, x, background=bg, method="tree").values).reshape(-1)


def _shap(model, x, bg):
    ex = shap.TreeExplainer(model, bg, feature_perturbation="interventional")
    return np.asarray(ex.shap_values(x[None, :])).reshape(-1)


MAKERS = {
    "xgboost": lambda: xgboost.XGBRegressor(n_estimators=15, max_depth=3, n_jobs=1),
    "lightgbm": lambda: lightgbm.LGBMRegressor(n_estimators=15, num_leaves=7, n_jobs=1, verbose=-1),
    "catboost": lambda: catboost.CatBoostRegressor(
        iterations=15, depth=3, verbose=0, thread_count=1, random_seed=0
    ),
    "forest": lambda: RandomForestRegressor(n_estimators=8, max_depth=4, random_state=0),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_refit_same_object_gives_a_fresh_models_values(data, name):
    X, y1, y2 = data
    bg, x = X[:40], X[200]
    model = MAKERS[name]().fit(X, y1)
    first = _values(model, x, bg)
    again = _values(model, x, bg)  # from the cache
    read_cache._ENTRIES.clear()
    uncached = _values(model, x, bg)
    assert np.abs(again - uncached).max() <= 1e-12
    np.testing.assert_allclose(first, _shap(model, x, bg), atol=1e-5)

    kind = "predict"
    from limelight.explainers.trees.readers import tree_ensemble

    assert tree_ensemble(model, kind) is tree_ensemble(model, kind)  # kept: read once
    old = read_cache.fingerprint(model, kind)
    assert read_cache._same(old, read_cache.fingerprint(model, kind))
    model.fit(X, y2)  # the same object, refitted on another target
    assert not read_cache._same(old, read_cache.fingerprint(model, kind))  # no stale read
    refit = _values(model, x, bg)
    fresh = _values(MAKERS[name]().fit(X, y2), x, bg)
    assert np.abs(refit - fresh).max() <= 1e-12
    assert np.abs(refit - first).max() > 1e-3  # the old trees would have said otherwise
    np.testing.assert_allclose(refit, _shap(model, x, bg), atol=1e-5)


def test_warm_started_forest_and_a_new_background(data):
    X, y1, _ = data
    x = X[250]
    forest = RandomForestRegressor(n_estimators=4, max_depth=4, warm_start=True, random_state=1)
    forest.fit(X, y1)
    small = _values(forest, x, X[:30])
    forest.set_params(n_estimators=9).fit(X, y1)  # extends estimators_ in place
    grown = _values(forest, x, X[:30])
    np.testing.assert_allclose(grown, _shap(forest, x, X[:30]), atol=1e-6)
    assert np.abs(grown - small).max() > 1e-4
    other = _values(forest, x, X[100:160])  # the background is never cached
    np.testing.assert_allclose(other, _shap(forest, x, X[100:160]), atol=1e-6)


def test_booster_trained_further_in_place(data):
    X, y1, _ = data
    model = xgboost.XGBRegressor(n_estimators=5, max_depth=3, n_jobs=1).fit(X, y1)
    x, bg = X[10], X[:40]
    before = _values(model, x, bg)
    booster, dtrain = model.get_booster(), xgboost.DMatrix(X, label=y1)
    for i in range(5, 10):
        booster.update(dtrain, i)  # the same Booster object, five more trees
    after = _values(model, x, bg)
    np.testing.assert_allclose(after, _shap(model, x, bg), atol=1e-5)
    assert np.abs(after - before).max() > 1e-4


def test_cached_trees_are_read_only(data):
    X, y1, _ = data
    model = MAKERS["xgboost"]().fit(X, y1)
    _values(model, X[0], X[:20])
    from limelight.explainers.trees.readers import tree_ensemble

    ens = tree_ensemble(model, "predict")
    assert ens is tree_ensemble(model, "predict")
    with pytest.raises(ValueError):
        ens.value[0] = 1.0
