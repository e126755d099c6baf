"""The global views (surrogate, dependence, feature elimination, compare) over the model
matrix: scikit-learn, XGBoost, LightGBM, CatBoost and a plain function, binary,
multi-class and regression. Each result is checked against the model's own predictions
computed here (its predicted class, a brute-force partial dependence on its own scale,
scikit-learn's RFECV, a linear model's closed-form Shapley values), and each bad option
is refused at the call."""

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier, CatBoostRegressor
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.compose import make_column_transformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_selection import RFECV
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from xgboost import XGBClassifier, XGBRegressor

import limelight as ll
from limelight.errors import LimelightError
from limelight.explainers import ExactShapley
from limelight.inspection import elimination

RNG = np.random.default_rng(0)
X = RNG.normal(size=(240, 4))
Y2 = (X[:, 0] - X[:, 2] + 0.3 * RNG.normal(size=240) > 0).astype(int)
Y3 = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.6, 0.6])
YR = 2 * X[:, 0] + X[:, 1] ** 2

CLASSIFIERS = {
    "logistic": lambda: LogisticRegression(),
    "gradient_boosting": lambda: GradientBoostingClassifier(n_estimators=15, max_depth=2),
    "random_forest": lambda: RandomForestClassifier(15, max_depth=4, random_state=0),
    "xgboost": lambda: XGBClassifier(n_estimators=15, max_depth=3),
    "lightgbm": lambda: LGBMClassifier(n_estimators=15, verbose=-1),
    "catboost": lambda: CatBoostClassifier(iterations=15, depth=3, verbose=0),
}
REGRESSORS = {
    "random_forest": lambda: RandomForestRegressor(15, max_depth=5, random_state=0),
    "xgboost": lambda: XGBRegressor(n_estimators=15, max_depth=3),
    "lightgbm": lambda: LGBMRegressor(n_estimators=15, verbose=-1),
    "catboost": lambda: CatBoostRegressor(iterations=15, depth=3, verbose=0),
}
_fitted: dict = {}


def fitted(kind: str, name: str):
    if (kind, name) not in _fitted:
        make = (REGRESSORS if kind == "regression" else CLASSIFIERS)[name]
        y = {"binary": Y2, "multiclass": Y3, "regression": YR}[kind]
        _fitted[kind, name] = make().fit(X, y)
    return _fitted[kind, name]


def labels(model, rows):
    return np.asarray(model.predict(rows)).ravel()


def own_scale(model, rows):
    """The scale limelight explains by default: a boosted classifier's log-odds (its own
    raw-score API; scikit-learn's decision_function), else predict_proba."""
    if isinstance(model, XGBClassifier):
        out = model.predict(rows, output_margin=True)
    elif isinstance(model, LGBMClassifier):
        out = model.predict(rows, raw_score=True)
    elif isinstance(model, CatBoostClassifier):
        out = model.predict(rows, prediction_type="RawFormulaVal")
    elif type(model).__name__ in ("GradientBoostingClassifier", "HistGradientBoostingClassifier"):
        out = model.decision_function(rows)  # scikit-learn's boosting: its log-odds too
    else:
        return model.predict_proba(rows)
    return np.asarray(out, float).reshape(len(rows), -1)


# -- surrogate ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_surrogate_mimics_the_class_the_model_predicts(name, kind):
    model = fitted(kind, name)
    s = ll.surrogate(model, X, max_depth=3).wait(60)
    want = labels(model, X)
    # the tree was fitted to the model's own predicted classes (a single log-odds column
    # of XGBoost / LightGBM / CatBoost read as two classes, not arg-maxed into one)
    np.testing.assert_array_equal(s.target, want)
    test = s.test_index
    agree = np.mean(s.tree_.predict(s.encoded[test]) == want[test])
    assert s.fidelity == pytest.approx(agree)
    assert len({r.split(" then ")[1].split(" (")[0] for r in s.rules}) > 1
    assert s.fidelity > 0.7


@pytest.mark.parametrize("name", list(REGRESSORS))
def test_surrogate_fidelity_is_r2_against_a_regressor(name):
    model = fitted("regression", name)
    s = ll.surrogate(model, X, max_depth=4).wait(60)
    want = np.asarray(model.predict(X[s.test_index]), float)
    got = s.tree_.predict(s.encoded[s.test_index])
    r2 = 1 - ((want - got) ** 2).sum() / ((want - want.mean()) ** 2).sum()
    assert s.fidelity == pytest.approx(r2, abs=1e-9)


def test_surrogate_of_a_function_and_its_outputs():
    def f(B):
        p = 1 / (1 + np.exp(-(B[:, 0] - B[:, 2])))
        return np.c_[1 - p, p]

    with pytest.raises(LimelightError, match="output="):
        ll.surrogate(f, X)  # two outputs of a function: which one is the tree's?
    s = ll.surrogate(f, X, output=1, max_depth=4).wait(60)
    assert s.output_name == "output 1" and s.fidelity_kind == "R²"
    np.testing.assert_allclose(s.target, f(X)[:, 1])
    # a classifier's output= gives a regression tree of that class's probability
    logistic = fitted("binary", "logistic")
    s = ll.surrogate(logistic, X, output="1").wait(60)
    np.testing.assert_allclose(s.target, logistic.predict_proba(X)[:, 1])


def test_surrogate_of_a_constant_model_is_perfect():
    s = ll.surrogate(lambda B: np.zeros(len(B)) + 0.1 + 0.2, X).wait(60)
    assert s.fidelity == 1.0  # was R² = -112 from rounding noise


def test_surrogate_rules_say_missing_and_read_numbers_in_object_arrays():
    Xn = X.copy()
    Xn[RNG.random(240) < 0.3, 0] = np.nan
    s = ll.surrogate(lambda B: np.where(np.isnan(B[:, 0]), 5.0, B[:, 1]), Xn, max_depth=1)
    s = s.wait(60)
    assert not any("inf" in r for r in s.rules)
    missing = [n for n in s.nodes if n.get("condition") == "x0 is missing"]
    assert len(missing) == 1
    assert set(s.leaf_rows(missing[0]["id"])) == set(np.flatnonzero(np.isnan(Xn[:, 0])))
    # numbers in an object array are a numeric column (one split), not 240 categories
    obj = ll.surrogate(lambda B: (B[:, 0].astype(float) > 0.2) * 1.0, X.astype(object))
    r = obj.wait(60)
    assert r.encoded.shape[1] == 4 and r.rules[0].startswith("if x0 ≤ 0.2")


def test_surrogate_and_dependence_with_string_classes_and_missing_categories():
    words = np.where(X[:, 0] > 0.2, "yes", "no")
    boosted = LGBMClassifier(n_estimators=10, verbose=-1).fit(X, words)
    s = ll.surrogate(boosted, X).wait(60)
    np.testing.assert_array_equal(s.target, boosted.predict(X))  # "yes" / "no", not 0
    frame = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(RNG.choice(["r", "g", None], 240))})
    pipe = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["c"]), remainder="passthrough"
        ),
        LogisticRegression(),
    ).fit(frame, words)
    d = ll.dependence(pipe, frame, "c").wait(60)
    assert sorted(d.grid[0]) == ["g", "r"]  # the categories, the missing value left out
    for v, got in zip(d.grid[0], d.average):
        Z = frame.copy()
        Z["c"] = v
        assert got == pytest.approx(pipe.predict_proba(Z)[:, 1].mean())


# -- dependence --------------------------------------------------------------------------
def brute_force(model_scores, rows, col, grid, out):
    curve = []
    for v in grid:
        Z = rows.copy()
        Z[:, col] = v
        curve.append(model_scores(Z)[:, out].mean())
    return np.array(curve)


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_dependence_of_a_binary_classifier_names_the_class_it_draws(name):
    model = fitted("binary", name)
    d = ll.dependence(model, X, 0, grid_resolution=8).wait(60)
    scores = own_scale(model, X)
    default = scores.shape[1] - 1  # the second class (its log-odds, or P(class 1))
    assert d.output == "1"
    ref = brute_force(lambda Z: own_scale(model, Z), X, 0, d.grid[0], default)
    np.testing.assert_allclose(d.average, ref, rtol=1e-6, atol=1e-6)
    if scores.shape[1] == 2:  # probabilities: the curve labelled class 0 is P(class 0)
        d0 = ll.dependence(model, X, 0, output="0", grid_resolution=8).wait(60)
        ref0 = brute_force(model.predict_proba, X, 0, d0.grid[0], 0)
        np.testing.assert_allclose(d0.average, ref0, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["logistic", "xgboost", "lightgbm", "catboost"])
def test_dependence_of_a_multiclass_model_is_of_the_class_asked_for(name):
    model = fitted("multiclass", name)
    with pytest.raises(LimelightError, match="output="):
        ll.dependence(model, X, 1)  # three classes: which one?
    d = ll.dependence(model, X, 1, output=2, grid_resolution=6).wait(60)
    ref = brute_force(lambda Z: own_scale(model, Z), X, 1, d.grid[0], 2)
    np.testing.assert_allclose(d.average, ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d.ice.mean(axis=0), d.average)


@pytest.mark.parametrize("name", list(REGRESSORS))
def test_dependence_of_a_regressor_and_a_pair(name):
    model = fitted("regression", name)
    d = ll.dependence(model, X, 1, grid_resolution=6).wait(60)

    def predict(Z):
        return np.asarray(model.predict(Z), float)[:, None]

    np.testing.assert_allclose(
        d.average, brute_force(predict, X, 1, d.grid[0], 0), rtol=1e-6, atol=1e-6
    )
    two = ll.dependence(model, X, [0, 1], grid=([0.0, 1.0], [-1.0, 2.0])).wait(60)
    Z = X.copy()
    Z[:, 0], Z[:, 1] = 1.0, -1.0
    assert two.average[1, 0] == pytest.approx(predict(Z).mean(), rel=1e-6)


def test_dependence_on_integer_column_labels_reads_labels_as_pandas_does():
    frame = pd.DataFrame(X, columns=[3, 2, 1, 0])
    model = LinearRegression().fit(frame, 5 * X[:, 3] + X[:, 0])  # label 0 is position 3
    d = ll.dependence(model, frame, 0, grid=[0.0, 1.0]).wait(60)
    assert d.features == ["0"]
    assert d.average[1] - d.average[0] == pytest.approx(5.0)
    with pytest.raises(LimelightError, match=r"X.columns\[7\]"):
        ll.dependence(model, frame, 7)
    mixed = pd.DataFrame(X, columns=["a", 0, "b", "c"])  # label 0 is position 1
    model = LinearRegression().fit(mixed.to_numpy(), 5 * X[:, 1])

    def on_frame(F):
        return model.predict(F.to_numpy())

    d = ll.dependence(on_frame, mixed, 0, grid=[0.0, 1.0])
    assert d.wait(60).average[1] - d.result.average[0] == pytest.approx(5.0)
    with pytest.raises(LimelightError, match="integer column labels"):
        ll.dependence(on_frame, mixed, 2)  # position 2, or a label 2 that is not there?
    named = pd.DataFrame(X, columns=list("abcd"))  # string labels: an integer is a position
    model = LinearRegression().fit(named, 5 * X[:, 3])
    d = ll.dependence(model, named, 3, grid=[0.0, 1.0]).wait(60)
    assert d.features == ["d"] and d.average[1] - d.average[0] == pytest.approx(5.0)


# -- feature elimination -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["logistic", "xgboost"])
def test_elimination_of_an_estimator_is_rfecv(name):
    model = fitted("binary", name)
    w = ll.feature_elimination(model, X, Y2, cv=3).wait(120)
    ref = RFECV(type(model)(**model.get_params()), cv=3).fit(X, Y2)
    assert w.method == "rfecv"
    assert w.recommended == [f"x{j}" for j in np.flatnonzero(ref.support_)]
    np.testing.assert_allclose(w.score, ref.cv_results_["mean_test_score"])


def test_elimination_of_a_function_scores_its_predicted_class(monkeypatch):
    calls = []

    def f(B):
        calls.append(len(B))
        z = B[:, 0] - B[:, 2]
        return np.c_[1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))]

    monkeypatch.setattr(elimination, "CELLS_PER_CALL", 2 * X.size)
    w = ll.feature_elimination(f, X, Y2).wait(60)
    assert w.method == "permutation"
    assert w.score[-1] == pytest.approx(np.mean(f(X).argmax(axis=1) == Y2))
    assert set(w.recommended) == {"x0", "x2"}
    assert max(calls) <= 2 * len(X)  # memory: never more than the bound in one call


def test_elimination_of_a_boosted_pipeline_cuts_log_odds_at_zero():
    rng = np.random.default_rng(3)
    y = (rng.random(240) < 0.52 + 0.1 * (X[:, 0] > 0)).astype(int)
    model = make_pipeline(
        StandardScaler(), LGBMClassifier(n_estimators=5, learning_rate=0.01, verbose=-1)
    ).fit(X, y)
    raw = model.predict(X, raw_score=True)
    assert 0 < raw.min() and raw.max() < 1  # log-odds that look like probabilities
    truth = np.mean(model.predict(X) == y)
    assert np.mean((raw > 0.5) == y) != truth  # a cut at 0.5 would score another accuracy
    w = ll.feature_elimination(model, X, y).wait(60)
    assert w.score[-1] == pytest.approx(truth)


# -- compare -----------------------------------------------------------------------------
def test_compare_defaults_adapt_to_a_wide_row():
    wide = RNG.normal(size=(60, 20))
    coef = np.arange(20.0) - 10
    model = LinearRegression().fit(wide, wide @ coef)
    w = ll.compare(model, wide[0], background=wide[:20], random_state=0)
    exps, agreement = w.wait(120)
    assert list(exps) == ["leverage", "kernel", "lime"]
    closed = coef * (wide[0] - wide[:20].mean(axis=0))  # a linear model's Shapley values
    np.testing.assert_allclose(exps["leverage"].values[0], closed, atol=1e-6)
    assert len(agreement) == 3
    narrow = ll.compare(fitted("regression", "xgboost"), X[0], background=X[:20])
    assert list(narrow.wait(120)[0]) == ["exact", "kernel", "lime"]


# -- bad input, refused at the call --------------------------------------------------------
LOGISTIC_BAD = [
    (ll.surrogate, {"max_depth": 0}),
    (ll.surrogate, {"max_depth": 2.5}),
    (ll.surrogate, {"test_size": 1.5}),
    (ll.surrogate, {"output": 5}),
    (ll.surrogate, {"random_state": "x"}),
    (ll.dependence, {"feature": 0, "grid": []}),
    (ll.dependence, {"feature": 0, "grid": [np.nan, 1.0]}),
    (ll.dependence, {"feature": 0, "grid": ["a", "b"]}),
    (ll.dependence, {"feature": [0, 1], "grid": [1.0, 2.0]}),
    (ll.dependence, {"feature": 0, "percentiles": (-1, 2)}),
    (ll.dependence, {"feature": 0, "percentiles": (0.9, 0.1)}),
    (ll.dependence, {"feature": 0, "grid_resolution": 1}),
    (ll.dependence, {"feature": 0, "output": 5}),
    (ll.dependence, {"feature": 0, "centered": "no"}),
    (ll.dependence, {"feature": [0, 1], "centered": True}),
    (ll.dependence, {"feature": [0, 0]}),
    (ll.dependence, {"feature": True}),
    (ll.dependence, {"feature": 1.5}),
    (ll.dependence, {"feature": 9}),
    (ll.feature_elimination, {"y": Y2, "cv": 1}),
    (ll.feature_elimination, {"y": Y2, "cv": 1000}),
    (ll.feature_elimination, {"y": Y2, "step": 0}),
    (ll.feature_elimination, {"y": Y2, "min_features": 0}),
    (ll.feature_elimination, {"y": Y2, "min_features": 10}),
    (ll.feature_elimination, {"y": Y2, "tolerance": -1}),
    (ll.feature_elimination, {"y": Y2, "scoring": "bogus"}),
    (ll.feature_elimination, {"y": np.zeros(240, int)}),
    (ll.feature_elimination, {"y": Y2[:10]}),
    (ll.feature_elimination, {"y": np.c_[Y2, Y2]}),
    (ll.feature_elimination, {"y": np.where(Y2 == 1, 7, 0)}),
    (ll.compare, {"methods": []}),
    (ll.compare, {"methods": ["exact"]}),
    (ll.compare, {"methods": "exact"}),
    (ll.compare, {"top_k": 0}),
]


@pytest.mark.parametrize(
    "view, options", LOGISTIC_BAD, ids=[f"{v.__name__}-{o}"[:60] for v, o in LOGISTIC_BAD]
)
def test_bad_options_are_refused_at_the_call(view, options):
    options = dict(options)
    model = fitted("binary", "logistic")
    if view is ll.compare:
        args = (model, X[0])
        options.setdefault("methods", ["exact", "kernel"])
        options["background"] = X[:20]
    elif view is ll.dependence:
        args = (model, X, options.pop("feature"))
    elif view is ll.feature_elimination:
        args = (model, X, options.pop("y"))
    else:
        args = (model, X)
    with pytest.raises(LimelightError):
        view(*args, **options)


def test_function_elimination_and_exact_on_wide_rows_are_refused_at_the_call():
    with pytest.raises(LimelightError, match="tolerance"):
        ll.feature_elimination(lambda B: B[:, 0], X, YR, tolerance=-1)
    with pytest.raises(LimelightError, match="constant"):
        ll.feature_elimination(lambda B: B[:, 0], X, np.ones(240))
    wide = RNG.normal(size=(30, 20))
    with pytest.raises(LimelightError, match="1,048,576 coalitions"):
        ll.compare(lambda B: B.sum(axis=1), wide[0], methods=["exact", "kernel"], background=wide)
    with pytest.raises(LimelightError, match="1,048,576 coalitions"):  # an explainer object
        ll.compare(
            lambda B: B.sum(axis=1), wide[0], methods=[ExactShapley(), "lime"], background=wide
        )
