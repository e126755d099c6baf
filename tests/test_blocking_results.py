"""The blocking twins of the global views (``ll.compare_methods``, ``ll.surrogate_tree``,
``ll.dependence_curves``, ``ll.eliminate_features``): the widget's result computed in the
caller's thread, checked against scikit-learn / scipy, refused alike, saved and loaded."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.feature_selection import RFECV
from sklearn.inspection import partial_dependence as sk_partial_dependence
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import limelight as ll
from limelight.errors import InputError, SchemaError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y, LogisticRegression().fit(X, y)


def _no_new_threads(fn):
    """``fn()``, checking that it starts no thread (it computes in the caller's, so
    Ctrl-C stops it and nothing runs on after it returns)."""
    started = []
    start = threading.Thread.start
    count = threading.active_count()
    threading.Thread.start = lambda self: started.append(self.name) or start(self)
    try:
        out = fn()
    finally:
        threading.Thread.start = start
    assert started == [] and threading.active_count() == count
    return out


def test_compare_methods_is_the_widgets_comparison_and_unpacks(data):
    X, _, model = data
    args = dict(background=X[:30], random_state=0)
    c = _no_new_threads(lambda: ll.compare_methods(model, X[0], ["exact", "kernel"], **args))
    w = ll.compare(model, X[0], methods=["exact", "kernel"], **args).wait(60)
    assert type(w) is ll.Comparison and w == c
    exps, table = c  # as `exps, agreement = ll.compare(...).wait()` always did
    assert list(exps) == ["exact", "kernel"] and table is c.agreement
    # the table's Spearman is scipy's on the two explanations' values
    want = spearmanr(exps["exact"].values[1], exps["kernel"].values[1]).statistic
    assert c.to_frame()["spearman"].iloc[0] == pytest.approx(want, abs=1e-12)
    assert repr(c).startswith("Comparison(methods=['exact', 'kernel']")


def test_surrogate_tree_matches_sklearn_on_the_same_split(data):
    X, _, model = data
    s = _no_new_threads(lambda: ll.surrogate_tree(model, X, max_depth=2))
    assert ll.surrogate(model, X, max_depth=2).wait(60) == s
    test = np.zeros(len(X), bool)
    test[s.test_index] = True
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(
        X[~test], model.predict(X[~test])
    )
    assert s.fidelity == pytest.approx(np.mean(tree.predict(X[test]) == model.predict(X[test])))
    frame = s.to_frame()  # one row per leaf: its rule, prediction, rows and agreement
    leaves = tree.apply(X)
    assert sorted(frame["leaf"]) == sorted(set(leaves.tolist()))
    for leaf, n in zip(frame["leaf"], frame["n_rows"]):
        assert n == np.sum(leaves == leaf)
    assert all(" and " in rule for rule in frame["rule"])  # depth 2: two tests per leaf


def test_dependence_curves_match_sklearn_brute_force():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    model = LinearRegression().fit(X, X @ [2.0, -1.0, 0.5] + X[:, 0] * X[:, 1])
    d = _no_new_threads(lambda: ll.dependence_curves(model, X, 1, grid_resolution=7))
    assert ll.dependence(model, X, 1, grid_resolution=7).wait(60) == d
    ref = sk_partial_dependence(model, X, [1], grid_resolution=7, kind="both", method="brute")
    np.testing.assert_allclose(d.grid[0], ref["grid_values"][0])
    np.testing.assert_allclose(d.average, ref["average"][0], atol=1e-10)
    np.testing.assert_allclose(d.ice, ref["individual"][0], atol=1e-10)
    assert list(d.to_frame().columns) == ["x1", "average"]


def test_eliminate_features_is_rfecv(data):
    X, y, model = data
    r = _no_new_threads(lambda: ll.eliminate_features(model, X, y, cv=3))
    assert ll.feature_elimination(model, X, y, cv=3).wait(60) == r
    ref = RFECV(LogisticRegression(), cv=3).fit(X, y)
    np.testing.assert_allclose(r.score, ref.cv_results_["mean_test_score"])
    assert r.recommended == [f"x{j}" for j in np.flatnonzero(ref.support_)]
    assert r.to_frame()["n_features"].tolist() == list(ref.cv_results_["n_features"])


def test_every_result_round_trips_through_save_and_load(data, tmp_path):
    X, y, model = data
    results = {
        "comparison": ll.compare_methods(
            model, X[0], ["exact", "kernel"], background=X[:30], random_state=0
        ),
        "surrogate": ll.surrogate_tree(model, X, max_depth=2),
        "dependence": ll.dependence_curves(model, X, [0, 1], grid_resolution=4),
        "elimination": ll.eliminate_features(model, X, y, cv=3),
    }
    for kind, r in results.items():
        path = ll.save(r, tmp_path / f"{kind}.json")
        head = json.loads(path.read_text())
        assert (head["schema"], head["kind"], head["version"]) == ("limelight.result", kind, 1)
        back = ll.load(path)
        assert type(back) is type(r) and back == r, kind
        r.save(tmp_path / "again.json")  # the method writes the same file
        assert (tmp_path / "again.json").read_text() == path.read_text()
    c, s = ll.load(tmp_path / "comparison.json"), ll.load(tmp_path / "surrogate.json")
    for name, e in results["comparison"].explanations.items():
        np.testing.assert_array_equal(c.explanations[name].values, e.values)
        assert c.explanations[name].feature_names == e.feature_names
    assert c.explanations["kernel"].quality.verdict == "no error estimate: compare seeds"
    assert s.rules == results["surrogate"].rules and s.fidelity == results["surrogate"].fidelity
    d = ll.load(tmp_path / "dependence.json")
    np.testing.assert_array_equal(d.average, results["dependence"].average)
    assert d.features == ["x0", "x1"] and d.ice is None
    with pytest.raises(InputError, match="fit it again"):
        s.path(0)  # a loaded surrogate has no tree to follow a row through


def test_nan_is_written_as_null_and_read_back(tmp_path):
    X = np.random.default_rng(2).normal(size=(20, 3))
    c = ll.compare_methods(lambda B: np.zeros(len(B)), X[0], ["exact", "exact"], background=X)
    assert np.isnan(c.agreement["spearman"].iloc[0])  # constant attributions: no ranks
    path = c.save(tmp_path / "c.json")
    text = path.read_text()
    assert "NaN" not in text and json.loads(text)["agreement"][0]["spearman"] is None
    back = ll.load(path)
    assert np.isnan(back.agreement["spearman"].iloc[0]) and back == c
    # its explanations' quality metrics are NaN too (every value is 0): null, then NaN
    exp = ll.load(c.explanations["exact"].save(tmp_path / "e.json"))
    assert np.isnan(exp.quality.metrics["sparseness"].value)


@pytest.mark.parametrize(
    ("widget", "twin", "args", "bad"),
    [
        ("compare", "compare_methods", (), {"methods": ["exact", "kernel"], "top_k": 0}),
        ("surrogate", "surrogate_tree", (), {"max_depth": 0}),
        ("dependence", "dependence_curves", ("nope",), {}),
        ("feature_elimination", "eliminate_features", ("y",), {"cv": 1}),
    ],
)
def test_a_bad_argument_is_refused_alike(data, widget, twin, args, bad):
    X, y, model = data
    first = X[0] if widget == "compare" else X
    args = tuple(y if a == "y" else a for a in args)
    errors = []
    for name in (widget, twin):
        with pytest.raises(InputError) as info:
            getattr(ll, name)(model, first, *args, **bad)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_results_save_json_only_and_load_refuses_other_kinds(data, tmp_path):
    X, _, model = data
    s = ll.surrogate_tree(model, X, max_depth=1)
    with pytest.raises(InputError, match="saves as .json"):
        s.save(tmp_path / "s.html")
    path = tmp_path / "odd.json"
    path.write_text('{"schema": "limelight.result", "kind": "histogram", "version": 1}')
    with pytest.raises(SchemaError, match="unknown result kind"):
        ll.load(path)
    path.write_text('{"schema": "limelight.result", "kind": "surrogate", "version": 9}')
    with pytest.raises(SchemaError, match="newer"):
        ll.load(path)


def test_the_old_import_paths_still_give_the_moved_names():
    from limelight.agreement import Comparison, agreement
    from limelight.elimination import Elimination, eliminate
    from limelight.inspection import agreement as new_agreement
    from limelight.inspection import elimination as new_elimination

    assert agreement is new_agreement.agreement and Comparison is ll.Comparison
    assert eliminate is new_elimination.eliminate and Elimination is ll.Elimination
