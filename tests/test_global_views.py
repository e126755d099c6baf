"""Surrogate rules, partial dependence, agreement between explainers and feature
elimination, each against an independent reference (a hand computation, scikit-learn)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.feature_selection import RFECV
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import limelight as ll
from limelight.errors import InputError
from limelight.explainers.base import Explainer
from limelight.explanation import Explanation

RNG = np.random.default_rng(0)
X = RNG.uniform(size=(400, 3))


# -- surrogate ---------------------------------------------------------------------------
def test_surrogate_of_a_tree_is_that_tree():
    y = np.where(X[:, 0] > 0.5, np.where(X[:, 1] > 0.3, 3.0, 1.0), -2.0)
    model = DecisionTreeRegressor(max_depth=2).fit(X, y)
    w = ll.surrogate(model, X, max_depth=2)
    s = w.wait(30)
    test = s.test_index
    # fidelity by hand: R² of the tree's predictions against the model's on held-out rows
    want, got = model.predict(X[test]), w.tree_.predict(X[test])
    r2 = 1 - ((want - got) ** 2).sum() / ((want - want.mean()) ** 2).sum()
    assert w.fidelity == pytest.approx(r2) == pytest.approx(1.0)
    assert len(w.rules) == 3 and all(r.startswith("if x0") for r in w.rules)


def test_surrogate_fidelity_is_accuracy_against_the_model_not_the_labels():
    y = (X[:, 0] + 0.3 * X[:, 1] > 0.6).astype(int)
    model = RandomForestClassifier(30, random_state=0).fit(X, y)
    s = ll.surrogate(model, X, max_depth=1)
    s.wait(30)
    test = s.result.test_index
    want = model.predict(X[test])
    assert s.fidelity == pytest.approx(np.mean(s.tree_.predict(X[test]) == want))
    assert s.fidelity < 1.0  # one split cannot follow the diagonal boundary
    assert s.refit(4).fidelity >= 0.9


def test_surrogate_names_original_columns_and_categories_through_a_pipeline():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"age": rng.uniform(20, 70, 300), "colour": rng.choice(["red", "green", "blue"], 300)}
    )
    label = (df.age > 40) & (df.colour == "red")
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        RandomForestClassifier(20, random_state=0),
    ).fit(df, label)
    before = df.copy()
    w = ll.surrogate(pipe, df, max_depth=2)
    assert w.fidelity == 1.0
    text = "\n".join(w.rules)
    assert "colour = red" in text and "colour ≠ red" in text and "age >" in text
    pd.testing.assert_frame_equal(df, before)  # the user's frame is untouched
    leaf = next(n for n in w.result.nodes if n["leaf"] and "True" in n["value"])
    rows = w.leaf_rows(leaf["id"])
    assert ((rows.age > 40) & (rows.colour == "red")).all()
    w.selected = int(np.flatnonzero(label)[0])
    assert w._meta["path"][0] == 0 and w._meta["path"][-1] == leaf["id"]


def test_surrogate_rejects_bad_depth():
    with pytest.raises(InputError, match="max_depth"):
        ll.surrogate(lambda B: B[:, 0], X, max_depth=0)  # in the caller's cell, no thread
    with pytest.raises(InputError, match="no column named"):
        ll.dependence(lambda B: B[:, 0], X, "nope")
    with pytest.raises(InputError, match="3 features"):
        ll.dependence(lambda B: B[:, 0], X, [0, 1, 2])


# -- dependence --------------------------------------------------------------------------
def test_partial_dependence_equals_sklearn_for_an_estimator_and_a_function():
    y = X[:, 0] ** 2 + X[:, 1]
    model = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y)
    ref = partial_dependence(model, X, [0], kind="both")
    w = ll.dependence(model, X, 0)
    frame = w.to_frame()
    np.testing.assert_allclose(frame["x0"], ref["grid_values"][0])
    np.testing.assert_allclose(frame["average"], ref["average"][0])
    np.testing.assert_allclose(w.ice_frame().to_numpy(), ref["individual"][0])
    # ours, for a plain function: the same numbers on the same grid
    ours = ll.dependence(lambda B: model.predict(B), X, 0)
    assert ours.wait(30).source == "limelight"
    np.testing.assert_allclose(ours.to_frame()["average"], ref["average"][0], rtol=1e-12)
    two = ll.dependence(model, X, [0, 1], grid_resolution=12)
    ref2 = partial_dependence(
        model, X, [(0, 1)], kind="average", grid_resolution=12, method="brute"
    )
    np.testing.assert_allclose(two.wait(30).average, ref2["average"][0])


def test_centred_ice_and_categorical_columns():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=80), "c": rng.choice(["x", "y"], 80)})

    def f(frame):
        return frame["a"].to_numpy() * 2 + (frame["c"] == "y").to_numpy() * 5.0

    w = ll.dependence(f, df, "c")
    frame = w.to_frame()
    assert frame["c"].tolist() == ["x", "y"]
    assert frame["average"].tolist() == pytest.approx([2 * df.a.mean(), 2 * df.a.mean() + 5])
    centred = ll.dependence(f, df, "a", centered=True, grid=[0.0, 1.0]).ice_frame()
    np.testing.assert_allclose(centred.to_numpy(), [[0.0, 2.0]] * 80)


# -- agreement ---------------------------------------------------------------------------
class Reversed(Explainer):
    """A method whose ranking is the exact values' reversed (same magnitudes)."""

    name = "reversed"

    def __init__(self, values):
        self.values_ = np.asarray(values, float)

    def stream(self, model, inst):
        yield Explanation(
            values=self.values_[None, ::-1],
            base_values=[0.0],
            prediction=[self.values_.sum()],
            output_names=model.output_names,
            feature_names=inst.feature_names,
            method="reversed",
        )


def test_agreement_identical_methods_one_reversed_minus_one():
    bg = np.zeros((1, 4))

    def f(B):
        return np.asarray(B) @ [4.0, 3.0, 2.0, 1.0]

    x = np.ones(4)
    w = ll.compare(f, x, methods=["exact", "exact", Reversed([4.0, 3.0, 2.0, 1.0])], background=bg)
    exps, table = w.wait(60)
    assert list(exps) == ["exact", "exact (2)", "reversed"]
    assert len(table) == 3  # one row per pair
    same = table.iloc[0]
    assert same.spearman == 1.0 and same.top_k == 1.0 and same.n_sign_disagreements == 0
    rev = table[(table.method_a == "exact") & (table.method_b == "reversed")].iloc[0]
    assert rev.spearman == -1.0
    assert w.agreement is table


def test_agreement_flags_sign_disagreements_and_runs_real_methods():
    rng = np.random.default_rng(0)
    Xb = rng.normal(size=(50, 5))

    def f(B):
        return np.asarray(B) @ [3.0, -2.0, 1.0, 0.0, 0.5]

    w = ll.compare(
        f, Xb[0], methods=["exact", "kernel", "lime"], background=Xb, top_k=3, random_state=0
    )
    table = w.agreement
    ek = table[(table.method_a == "exact") & (table.method_b == "kernel")].iloc[0]
    assert ek.spearman == pytest.approx(1.0)  # Kernel SHAP is exact on a linear model
    from limelight.inspection.agreement import agreement

    got = agreement([1.0, -2.0, 0.5], [1.0, 2.0, 0.5], names=["a", "b", "c"])
    assert got["sign_disagreements"] == ["b"]


# -- feature elimination -----------------------------------------------------------------
def test_elimination_uses_rfecv_for_estimators_and_permutation_otherwise():
    rng = np.random.default_rng(0)
    Xe = rng.normal(size=(200, 5))
    y = 3 * Xe[:, 0] + Xe[:, 2] + 0.1 * rng.normal(size=200)
    model = LinearRegression().fit(Xe, y)
    w = ll.feature_elimination(model, Xe, y, cv=5)
    r = w.wait(60)
    ref = RFECV(LinearRegression(), cv=5).fit(Xe, y)
    assert r.method == "rfecv"
    np.testing.assert_allclose(r.score, ref.cv_results_["mean_test_score"])
    assert w.recommended == [f"x{j}" for j in np.flatnonzero(ref.support_)]
    p = ll.feature_elimination(
        lambda B: np.asarray(B) @ model.coef_ + model.intercept_, Xe, y
    ).wait(60)
    assert p.method == "permutation" and p.recommended == ["x0", "x2"]
    assert p.score[-1] == pytest.approx(model.score(Xe, y))  # all features kept


def test_every_global_view_exports(tmp_path):
    y = (X[:, 0] > 0.5).astype(int)
    clf = DecisionTreeClassifier(max_depth=2).fit(X, y)
    views = [
        ll.surrogate(clf, X, max_depth=2),
        ll.dependence(clf, X, 0),
        ll.feature_elimination(clf, X, y, cv=3),
        ll.compare(clf, X[0], methods=["exact", "kernel"], background=X[:30]),
    ]
    for w in views:
        w._wait(60)
        for fmt in ("html", "json", "svg", "png"):
            path = w.save(tmp_path / f"{w._view}.{fmt}")
            data = path.read_bytes()
            assert len(data) > 200, (w._view, fmt)
        assert b"<svg" in (tmp_path / f"{w._view}.svg").read_bytes()
        assert (tmp_path / f"{w._view}.png").read_bytes()[:4] == b"\x89PNG"
        page = (tmp_path / f"{w._view}.html").read_text()
        assert f'"_view":"{w._view}"' in page and "<script src" not in page


def test_compare_text_and_image_methods(tmp_path):
    def f(texts):
        return np.array([[2.0 * t.split().count("great") + t.split().count("good")] for t in texts])

    w = ll.compare(f, "a good and great day", methods=["occlusion", "shapley"], random_state=0)
    exps, table = w.wait(60)
    assert [e.modality for e in exps.values()] == ["text", "text"]
    # both rank great > good > the rest: Spearman from the tokens' ranks
    from scipy.stats import spearmanr

    a, b = (e.values[0] for e in exps.values())
    assert table.spearman[0] == pytest.approx(spearmanr(a, b).statistic)
    assert w.save(tmp_path / "text.svg").read_bytes().count(b"<svg") >= 3

    def g(imgs):
        imgs = np.asarray(imgs)
        return imgs[:, :8, :8].reshape(len(imgs), -1).sum(axis=1, keepdims=True)

    img = np.random.default_rng(0).uniform(size=(16, 16)).astype(np.float32)
    w = ll.compare(g, img, methods=["occlusion", "shapley"], random_state=0)
    exps, table = w.wait(60)
    assert len(table) == 1 and np.isfinite(table.spearman[0])
    assert w.save(tmp_path / "image.png").read_bytes()[:4] == b"\x89PNG"
