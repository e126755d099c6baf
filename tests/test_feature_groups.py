"""feature_groups=: a group of columns is one player, on every tabular path.

The reference is written here: v(S) = the mean over the background of f with the groups in
S taken from x and the other players from the background row; Shapley values over the
players by enumerating their subsets."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest

import limelight as ll
from limelight.errors import InputError, MethodError


def enumerated_shapley(f, x, background, players):
    """Shapley values over ``players`` (lists of column indices) by subset enumeration."""
    x, bg = np.asarray(x, float), np.asarray(background, float)
    p = len(players)

    def v(S):
        rows = bg.copy()
        for q in S:
            rows[:, players[q]] = x[players[q]]
        return float(np.mean(f(rows)))

    phi = np.zeros(p)
    for j in range(p):
        others = [q for q in range(p) if q != j]
        for size in range(p):
            w = factorial(size) * factorial(p - size - 1) / factorial(p)
            for S in combinations(others, size):
                phi[j] += w * (v(S + (j,)) - v(S))
    return phi


def interacting(Z):
    Z = np.asarray(Z, float)
    # x0 * x1 * x5: a three-way interaction across the group "ab" and x5
    return Z[:, 0] * Z[:, 2] + np.sin(Z[:, 1]) * Z[:, 4] + Z[:, 0] * Z[:, 1] * Z[:, 5]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(25, 6))


GROUPS = {"ab": [0, 1], "de": ["x3", "x4"]}
PLAYERS = [[0, 1], [2], [3, 4], [5]]  # a group sits where its first column is


def test_exact_over_groups_equals_enumeration_and_is_efficient(data):
    x, bg = data[0], data[1:]
    e = ll.attribute(interacting, x, background=bg, method="exact", feature_groups=GROUPS)
    assert e.feature_names == ["ab", "x2", "de", "x5"]
    want = enumerated_shapley(interacting, x, bg, PLAYERS)
    np.testing.assert_allclose(e.values[0], want, atol=1e-10)
    np.testing.assert_allclose(e.values.sum(), e.prediction[0] - e.base_values[0], atol=1e-10)
    assert e.params["feature_groups"] == {"ab": ["x0", "x1"], "de": ["x3", "x4"]}
    # an interacting model: a group's value is not the sum of its members' values
    single = ll.attribute(interacting, x, background=bg, method="exact")
    summed = single.values[0, 0] + single.values[0, 1]
    assert abs(summed - e.values[0, 0]) > 1e-3


def test_a_group_of_an_additive_model_is_the_sum_of_its_members(data):
    from sklearn.linear_model import LinearRegression

    y = data @ np.array([1.0, -2.0, 0.5, 3.0, 1.5, -1.0])
    model = LinearRegression().fit(data, y)
    x, bg = data[0], data[1:]
    e = ll.attribute(model, x, background=bg, method="exact", feature_groups=GROUPS)
    single = ll.attribute(model, x, background=bg, method="exact").values[0]
    np.testing.assert_allclose(
        e.values[0], [single[0] + single[1], single[2], single[3] + single[4], single[5]]
    )


def test_groups_as_a_list_of_lists_and_a_dataframe(data):
    frame = pd.DataFrame(data, columns=list("uvwxyz"))
    f = lambda df: interacting(np.asarray(df, float))  # noqa: E731 - a model on frames
    e = ll.attribute(
        f, frame.iloc[0], background=frame.iloc[1:], method="exact", feature_groups=[["u", "v"]]
    )
    assert e.feature_names == ["u+v", "w", "x", "y", "z"]
    want = enumerated_shapley(interacting, data[0], data[1:], [[0, 1], [2], [3], [4], [5]])
    np.testing.assert_allclose(e.values[0], want, atol=1e-10)


@pytest.mark.parametrize("method", ["kernel", "leverage", "msr"])
def test_sampled_methods_over_groups_are_close_to_exact(method):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 14))

    def f(Z):
        return (
            Z[:, 0] * Z[:, 4] * Z[:, 6]
            + np.sin(Z[:, 2] + Z[:, 7]) * Z[:, 3] * Z[:, 9]
            + np.tanh(Z[:, 4:].sum(1))
            + Z[:, 5] * Z[:, 13] * Z[:, 1]
        )

    groups = {"a": [0, 1], "b": [2, 3], "c": [12, 13], "d": [10, 11]}  # 10 players
    exact = ll.attribute(f, X[0], background=X, method="exact", feature_groups=groups)
    e = ll.attribute(
        f, X[0], background=X, method=method, feature_groups=groups, max_evals=200,
        random_state=0,
    )  # fmt: skip
    assert e.feature_names == exact.feature_names and e.values.shape == (1, 10)
    assert e.stderr is not None and e.stderr.max() > 0  # sampled, not enumerated
    gap = np.abs(e.values - exact.values)
    assert (gap <= 4 * e.stderr + 1e-9).all(), (gap, e.stderr)
    np.testing.assert_allclose(e.values.sum(), e.prediction[0] - e.base_values[0], atol=1e-8)


def test_lime_over_groups_has_one_coefficient_per_group(data):
    x, bg = data[0], data[1:]
    e = ll.attribute(interacting, x, background=bg, method="lime", feature_groups=GROUPS,
                     random_state=0)  # fmt: skip
    assert e.feature_names == ["ab", "x2", "de", "x5"] and e.values.shape == (1, 4)
    assert np.isfinite(e.values).all()


def test_tree_over_groups_enumerates_coalitions_of_groups(data):
    from sklearn.ensemble import RandomForestRegressor

    y = interacting(data)
    forest = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(data, y)
    x, bg = data[0], data[1:]
    e = ll.attribute(forest, x, background=bg, method="tree", feature_groups=GROUPS)
    assert e.method == "exact"
    np.testing.assert_allclose(
        e.values[0], enumerated_shapley(forest.predict, x, bg, PLAYERS), atol=1e-10
    )
    assert ll.attribute(forest, x, background=bg, feature_groups=GROUPS).method == "exact"
    wide = np.random.default_rng(2).normal(size=(30, 18))
    forest18 = RandomForestRegressor(n_estimators=3, random_state=0).fit(wide, wide[:, 0])
    with pytest.raises(MethodError, match="too many to enumerate"):
        ll.attribute(forest18, wide[0], background=wide, method="tree", feature_groups=[[0, 1]])
    with pytest.raises(MethodError, match="does not take feature_groups"):
        ll.attribute(forest, x, background=bg, method="tree_path_dependent", feature_groups=GROUPS)


def test_one_hot_columns_grouped_equal_the_pipelines_own_grouping(monkeypatch):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame(
        {
            "colour": rng.choice(["blue", "green", "red"], n),
            "size": rng.normal(size=n),
            "w": rng.normal(size=n),
        }
    )
    y = (df.colour == "red") * df["size"] + df["size"] * df.w
    encode = make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough")
    pipe = make_pipeline(encode, GradientBoostingRegressor(n_estimators=20, random_state=0))
    pipe.fit(df, y)
    auto = ll.attribute(pipe, df.iloc[0], background=df.iloc[1:30], method="exact")
    assert auto.feature_names == ["colour", "size", "w"]
    # the same trees on the encoded columns, the one-hot block named as one group
    encoded = np.asarray(pipe[0].transform(df), float)  # blue, green, red, size, w
    names = ["colour_blue", "colour_green", "colour_red", "size", "w"]
    groups = {"colour": ["colour_blue", "colour_green", "colour_red"]}
    e = ll.attribute(
        pipe[-1], encoded[0], background=encoded[1:30], method="exact",
        feature_names=names, feature_groups=groups,
    )  # fmt: skip
    assert e.feature_names == ["colour", "size", "w"]
    np.testing.assert_allclose(e.values, auto.values, atol=1e-10)
    # user groups over a pipeline's original columns compose with its one-hot grouping
    both = ll.attribute(
        pipe, df.iloc[0], background=df.iloc[1:30], method="exact",
        feature_groups={"body": ["size", "w"]},
    )  # fmt: skip
    assert both.feature_names == ["colour", "body"]
    want = enumerated_shapley(pipe[-1].predict, encoded[0], encoded[1:30], [[0, 1, 2], [3, 4]])
    np.testing.assert_allclose(both.values[0], want, atol=1e-10)
    # the same through the pipeline's shortcut (hybrid rows built after its encoder)
    monkeypatch.setattr("limelight.models.tabular.SHORTCUT_MIN_ROWS", 1)
    p = ll.api.plan(
        pipe, df.iloc[0], background=df.iloc[1:30], method="exact",
        feature_groups={"body": ["size", "w"]},
    )  # fmt: skip
    np.testing.assert_allclose(p.run().values[0], want, atol=1e-10)
    assert p.model.split_ok is True


def test_the_svg_and_html_show_the_group_names_escaped(data, tmp_path):
    e = ll.attribute(
        interacting, data[0], background=data[1:], method="exact",
        feature_groups={"<b>a&b": [0, 1]},
    )  # fmt: skip
    for name in ("e.svg", "e.html"):
        e.save(tmp_path / name)
        text = (tmp_path / name).read_text()
        assert "&lt;b&gt;a&amp;b" in text and "<b>a&b" not in text


def test_attribute_many_over_groups_equals_attribute_per_row(data):
    X, bg = data[:5], data[5:]
    many = ll.attribute_many(interacting, X, background=bg, method="exact", feature_groups=GROUPS)
    assert many.feature_names == ["ab", "x2", "de", "x5"]
    for i in range(len(X)):
        one = ll.attribute(interacting, X[i], background=bg, method="exact", feature_groups=GROUPS)
        np.testing.assert_allclose(many.values[i], one.values, atol=1e-12)
        assert list(many.data[i]) == list(one.data)


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ({"g": ["x0", "nope"]}, "'nope', which is not one of"),
        ({"g": [0, 1], "h": [1, 2]}, "'x1' is in two groups"),
        ({"g": []}, "is empty"),
        ({"x2": [0, 1]}, "also the name of another column"),
        ({"g": [9]}, "position 9"),
        ("x0", "not a dict or a list"),
    ],
)
def test_bad_groups_are_refused_at_the_call(data, groups, match):
    with pytest.raises(InputError, match=match):
        ll.attribute(interacting, data[0], background=data[1:], feature_groups=groups)


def test_permutation_importance_shuffles_a_group_together():
    from limelight.plans.importance import plan_importance

    rng = np.random.default_rng(4)
    x0 = rng.normal(size=200)
    X = np.c_[x0, x0, rng.normal(size=200)]  # x1 is a copy of x0
    f = lambda Z: Z[:, 0] - Z[:, 1] + Z[:, 2]  # noqa: E731 - x0 - x1 is 0 on the data
    y = X[:, 2]
    grouped = plan_importance(f, X, y, feature_groups={"pair": [0, 1]}, random_state=0).run()
    assert grouped.feature_names == ["pair", "x2"]
    # one permutation for both columns keeps x0 - x1 = 0: the pair carries no information
    assert np.all(grouped.extras["samples"][0, 0] == 0)
    assert grouped.values[0, 1] > 1.0
    apart = plan_importance(f, X, y, random_state=0).run()
    assert apart.values[0, 0] > 1.0  # shuffled apart, x0 - x1 is noise


def test_the_explorer_explains_rows_and_its_global_views_over_groups():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 4))
    y = X[:, 0] + 2 * X[:, 1] + X[:, 2]
    model = LinearRegression().fit(X, y)
    groups = {"ab": [0, 1]}
    ex = ll.explore(model, X, y, feature_groups=groups, sample=8, random_state=0)
    try:
        ex.selected = 3
        e = ex.wait(60)
        want = ll.attribute(model, X[3], background=X, feature_groups=groups)
        assert e.feature_names == ["ab", "x2", "x3"]
        np.testing.assert_allclose(e.values, want.values, atol=1e-10)
        ex.wait_global(120)
        assert ex.global_["importance"].feature_names == ["ab", "x2", "x3"]
        assert ex.global_["swarm"].feature_names == ["ab", "x2", "x3"]
    finally:
        ex.close()


def test_compare_runs_every_method_over_the_same_groups(data):
    x, bg = data[0], data[1:]
    w = ll.compare(
        interacting, x, background=bg, methods=["exact", "kernel", "lime"],
        feature_groups=GROUPS, random_state=0,
    )  # fmt: skip
    exps, _agreement = w.wait(60)
    assert {k: e.feature_names for k, e in exps.items()} == {
        k: ["ab", "x2", "de", "x5"] for k in ("exact", "kernel", "lime")
    }
    want = enumerated_shapley(interacting, x, bg, PLAYERS)
    np.testing.assert_allclose(exps["exact"].values[0], want, atol=1e-10)
