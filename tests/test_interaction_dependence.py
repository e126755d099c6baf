"""The dependence view of Interactions (shap's dependence_plot coloured by the strongest
partner), against brute-force Shapley values and a partner known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from references import brute_force_shapley

import limelight as ll
from limelight.errors import InputError


def _f(R):
    R = np.asarray(R, dtype=float)
    return R[:, 0] * R[:, 1] + R[:, 2] + 0.3 * R[:, 3] * R[:, 2]


@pytest.fixture(scope="module")
def game():
    rng = np.random.default_rng(7)
    B, X = rng.normal(size=(6, 4)), rng.normal(size=(30, 4))
    return X, B, ll.interactions(_f, X, background=B, feature_names=["a", "b", "c", "d"])


def test_dots_are_each_rows_value_and_brute_force_shapley_value(game):
    X, B, r = game
    view = r.dependence("a")
    np.testing.assert_allclose(view.x.astype(float), X[:, 0])
    phi = np.array([brute_force_shapley(_f, x, B)[0] for x in X])
    np.testing.assert_allclose(view.y, phi, atol=1e-9)
    assert view.svg.count("<circle") >= len(X)


def test_partner_is_the_argmax_of_mean_abs_off_diagonal_by_construction(game):
    X, B, r = game
    # a*b: a's partner is b; c's strongest partner is d (0.3*c*d is its only interaction)
    assert r.dependence("a").partner == "b" and r.dependence("b").partner == "a"
    assert r.dependence("c").partner == "d"
    assert "coloured by b" in r.dependence("a").svg
    np.testing.assert_allclose(r.dependence("a").colour_values.astype(float), X[:, 1])
    assert r.dependence("a", color="c").partner == "c"
    assert r.dependence("a", color=None).partner is None


def test_main_effect_is_the_diagonal(game):
    X, B, r = game
    # a's main effect in a*b: v(a) - v() with b averaged, by brute force over subsets
    v = r.dependence("a", main_effect=True)
    np.testing.assert_allclose(v.y, r.values[:, 0, 0, 0])
    full = r.dependence("a").y
    np.testing.assert_allclose(full - v.y, r.values[:, 0, 0, 1:].sum(axis=1), atol=1e-12)
    assert "main effect of a" in v.svg


def test_categorical_and_missing_values_names_escaped_and_saved(tmp_path):
    rng = np.random.default_rng(3)
    n = 24
    X = pd.DataFrame(
        {
            "<b>dose</b>": rng.normal(size=n),
            "colour & tone": rng.choice(["red", "<i>blue</i>"], size=n),
            "w": rng.normal(size=n),
        }
    )
    X.loc[[2, 5], "<b>dose</b>"] = np.nan

    def f(D):
        dose = np.nan_to_num(D["<b>dose</b>"].to_numpy(dtype=float))
        return dose * (D["colour & tone"].to_numpy() == "red") + D["w"].to_numpy()

    r = ll.interactions(f, X, background=X.iloc[:5], method="exact")
    view = r.dependence("<b>dose</b>")
    assert view.partner == "colour & tone"
    assert "2 missing, not drawn" in view.svg
    cat = r.dependence("colour & tone")
    for svg in (view.svg, cat.svg, r._repr_html_(), r.to_html()):
        assert "<b>dose" not in svg and "<i>blue" not in svg
        assert "&lt;b&gt;dose&lt;/b&gt;" in svg
    assert "&lt;i&gt;blue&lt;/i&gt;" in cat.svg  # a category is an x slot's label
    assert r._repr_html_().count("<svg") >= 1 + 3  # the heatmap and three dependence views
    png = view.save(tmp_path / "d.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = ll.save(r, tmp_path / "d.svg", feature="w").read_text()
    assert "Shapley value of w" in svg


def test_bad_dependence_input_gets_clear_errors(game):
    X, B, r = game
    with pytest.raises(InputError, match="not one of"):
        r.dependence("zz")
    with pytest.raises(InputError, match="not one of"):
        r.dependence("a", color="zz")
    with pytest.raises(InputError, match="main_effect"):
        r.dependence("a", main_effect="yes")
    bare = ll.Interactions(r.values, r.base_values, r.predictions, r.feature_names, ["y"], "exact")
    with pytest.raises(InputError, match="feature values"):
        bare.dependence("a")
