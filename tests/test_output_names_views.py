"""One model, one set of names: ``output_names=`` renames a classifier's outputs the same
way in an explanation, a dependence curve and a surrogate tree (widget and blocking twin),
and a surrogate or dependence twin refuses or takes feature groups as its widget does."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import limelight as ll
from limelight.errors import MethodError

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 3))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
model = LogisticRegression().fit(X, y)
NAMES = ["stays", "leaves"]


def test_every_view_names_the_outputs_it_is_given():
    e = ll.attribute(model, X[0], background=X[:50], output_names=NAMES)
    assert list(e.output_names) == NAMES
    d = ll.dependence_curves(model, X, 0, output="leaves", output_names=NAMES)
    w = ll.dependence(model, X, 0, output="leaves", output_names=NAMES).wait(60)
    assert d.output == w.output == "leaves"
    # the named output's curve is the model's own probability of class 1, averaged
    grid = d.grid[0][:3]
    want = [
        model.predict_proba(np.column_stack([np.full(200, g), X[:, 1:]]))[:, 1].mean() for g in grid
    ]
    assert np.allclose(d.average[:3], want)
    s = ll.surrogate_tree(model, X, output="leaves", output_names=NAMES)
    assert s.output_name == "leaves (probability)"  # the name and its scale
    assert (
        ll.surrogate(model, X, output="leaves", output_names=NAMES).wait(60).output_name
        == s.output_name
    )


def test_the_twins_take_groups_as_their_widgets_do():
    groups = {"ab": [0, 1]}
    with pytest.raises(MethodError, match="splits on single columns"):
        ll.surrogate_tree(model, X, feature_groups=groups)
    Xg = X.copy()
    Xg[:, :2] = (Xg[:, :2] > 0).astype(float)
    twin = ll.dependence_curves(model, Xg, "ab", feature_groups=groups)
    widget = ll.dependence(model, Xg, "ab", feature_groups=groups).wait(60)
    assert np.allclose(twin.average, widget.average) and len(twin.grid[0]) == 4
