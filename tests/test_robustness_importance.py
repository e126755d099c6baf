"""Permutation importance for models without ``classes_`` (plain functions): labels are
matched to the right output column, or the user is told exactly what to pass. Checked
against scikit-learn's permutation_importance on the same classifier."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.inspection import permutation_importance as sk_importance
from sklearn.linear_model import LogisticRegression

import limelight as ll
from limelight.errors import InputError


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=0)
    names = np.array(["cat", "dog"])
    clf = LogisticRegression().fit(X, names[y])
    return X, names[y], clf


def reference(clf, X, y):
    return sk_importance(clf, X, y, n_repeats=30, random_state=0).importances_mean


def test_string_labels_matched_by_output_names(fitted):
    X, y, clf = fitted
    f = clf.predict_proba  # a plain function: no classes_
    e = ll.permutation_importance(
        f, X, y, n_repeats=30, random_state=0, output_names=["cat", "dog"]
    ).wait()
    assert e.params["scoring"] == "accuracy"
    assert e.base_values[0] == pytest.approx(clf.score(X, y))
    np.testing.assert_allclose(e.values[0], reference(clf, X, y), atol=0.03)


def test_string_labels_with_classes_option(fitted):
    X, y, clf = fitted
    e = ll.permutation_importance(
        clf.predict_proba,
        X,
        y,
        n_repeats=30,
        random_state=0,
        classes=["cat", "dog"],
        scoring="accuracy",
    ).wait()
    assert e.base_values[0] == pytest.approx(clf.score(X, y))
    np.testing.assert_allclose(e.values[0], reference(clf, X, y), atol=0.03)


def test_integer_labels_are_column_indices(fitted):
    X, y, clf = fitted
    yi = (y == "dog").astype(int)
    e = ll.permutation_importance(
        clf.predict_proba, X, yi, n_repeats=30, random_state=0, scoring="accuracy"
    ).wait()
    assert e.base_values[0] == pytest.approx(clf.score(X, y))


def test_labels_that_name_no_column_are_refused_clearly(fitted):
    X, y, clf = fitted
    with pytest.raises(InputError, match=r"do not name the model's 2 output column.*classes="):
        ll.permutation_importance(clf.predict_proba, X, y)
    with pytest.raises(InputError, match=r"not among classes"):
        ll.permutation_importance(clf.predict_proba, X, y, classes=["cat", "cow"])
    with pytest.raises(InputError, match=r"unknown option\(s\) \['colour'\]"):
        ll.permutation_importance(clf.predict_proba, X, y, colour="red")


def test_a_function_regressor_keeps_r2():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [2.0, 0.0, -1.0]
    e = ll.permutation_importance(
        lambda Z: Z @ [2.0, 0.0, -1.0], X, y, n_repeats=5, random_state=0
    ).wait()
    assert e.params["scoring"] == "r2" and e.base_values[0] == pytest.approx(1.0)
    # shuffling a column of weight w costs 2 w^2 var / var(y) of R^2 (closed form)
    np.testing.assert_allclose(e.values[0], 2 * np.array([4.0, 0.0, 1.0]) / 5.0, atol=0.2)
