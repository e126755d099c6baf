"""ll.dependence over a feature group: the group's columns are set together to each value
combination they take in X, checked against a linear model's closed form (the curve at a
combination c is w_group . c + the mean of the other columns' part) and against
brute-force averaging with numpy."""

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import limelight as ll

W = np.array([1.0, 2.0, 3.0, 0.5, -1.0])
B0 = 0.25
ONE_HOT = {"colour": ["c_r", "c_g", "c_b"]}


def linear(B):
    return np.asarray(B, dtype=float) @ W + B0


def frame(n=80, seed=0, drop_first=False):
    rng = np.random.default_rng(seed)
    cat = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    X = pd.DataFrame(
        {
            "c_r": (cat == 0).astype(int),
            "c_g": (cat == 1).astype(int),
            "c_b": (cat == 2).astype(int),
            "u": rng.normal(size=n),
            "v": rng.normal(size=n),
        }
    )
    if drop_first:  # the base category is the row with every column 0
        X["c_r"] = 0
    return X


def test_one_hot_group_curve_is_the_closed_form_ordered_by_frequency():
    X = frame()
    before = X.copy()
    d = ll.dependence(linear, X, "colour", feature_groups=ONE_HOT).wait()
    A = X.to_numpy(float)
    rows = Counter(map(tuple, A[:, :3].astype(int).tolist()))
    expected_order = [c for c, _ in rows.most_common()]
    names = ["c_r", "c_g", "c_b"]
    labels = [names[int(np.argmax(c))] for c in expected_order]
    rest = (A[:, 3:] @ W[3:]).mean()
    curve = [np.dot(W[:3], c) + rest + B0 for c in expected_order]
    f = d.to_frame()
    assert f["colour"].tolist() == labels
    np.testing.assert_allclose(f["average"], curve, atol=1e-12)
    # every ICE curve: the row's own other columns, the group set to the combination
    ice = A[:, 3:] @ W[3:] + B0
    np.testing.assert_allclose(
        d.ice_frame().to_numpy(), ice[:, None] + np.array(expected_order) @ W[:3], atol=1e-12
    )
    assert d.extras["groups"] == {"colour": names}
    assert d.extras["combinations"]["colour"] == {"shown": 3, "distinct": 3, "rows": 1.0}
    pd.testing.assert_frame_equal(X, before)  # the user's frame is not changed


def test_drop_first_one_hot_labels_the_base_row_all_0():
    X = frame(drop_first=True)
    groups = {"colour": ["c_r", "c_g", "c_b"]}
    f = ll.dependence(linear, X, "colour", feature_groups=groups).wait().to_frame()
    assert set(f["colour"]) == {"all 0", "c_g", "c_b"}
    rest = (X[["u", "v"]].to_numpy() @ W[3:]).mean() + B0
    at = dict(zip(f["colour"], f["average"]))
    assert at["all 0"] == pytest.approx(rest, abs=1e-12)
    assert at["c_b"] == pytest.approx(W[2] + rest, abs=1e-12)


def test_numeric_group_brute_force_with_the_cap_and_coverage():
    rng = np.random.default_rng(5)
    n = 90
    X = np.column_stack(
        [
            rng.choice(3, n, p=[0.5, 0.3, 0.2]),
            rng.choice(2, n, p=[0.7, 0.3]),
            rng.normal(size=(n, 3)),
        ]
    ).astype(float)
    X[5, 0] = np.nan  # a row with a missing group value gives no combination

    def model(B):
        B = np.asarray(B, dtype=float)
        return np.nan_to_num(B[:, 0]) * B[:, 1] + np.sin(B[:, 2]) + B[:, 3] * B[:, 4]

    d = ll.dependence(model, X, "ab", feature_groups={"ab": [0, 1]}, max_combinations=4).wait()
    complete = X[~np.isnan(X[:, :2]).any(axis=1), :2]
    combos, counts = np.unique(complete, axis=0, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    assert len(set(counts)) == len(counts)  # no ties: the order is the frequency order
    top = combos[order[:4]]
    brute = []
    for a, b in top:  # brute force: set both columns, average the model over the rows
        Z = X.copy()
        Z[:, 0], Z[:, 1] = a, b
        brute.append(model(Z).mean())
    f = d.to_frame()
    assert len(f) == 4
    assert f["ab"].tolist() == [f"x0={a:.4g}, x1={b:.4g}" for a, b in top]
    np.testing.assert_allclose(f["average"], brute, atol=1e-12)
    cov = d.extras["combinations"]["ab"]
    assert cov["distinct"] == len(combos) and cov["shown"] == 4
    covered = sum(counts[k] for k in order[:4])
    assert cov["rows"] == pytest.approx(covered / n)


def test_group_and_column_heat_map_is_the_closed_form():
    X = frame()
    d = ll.dependence(linear, X, ("colour", "u"), feature_groups=ONE_HOT, grid_resolution=5)
    f = d.wait().to_frame()
    onehot = {"c_r": [1, 0, 0], "c_g": [0, 1, 0], "c_b": [0, 0, 1]}
    v_mean = X["v"].mean()
    expected = [
        np.dot(W[:3], onehot[c]) + W[3] * u + W[4] * v_mean + B0
        for c, u in zip(f["colour"], f["u"])
    ]
    np.testing.assert_allclose(f["average"], expected, atol=1e-12)
    assert len(f) == 3 * len(np.unique(f["u"]))


def test_the_widget_draws_and_exports_the_group_by_its_labels(tmp_path):
    X = frame().rename(columns={"c_r": "<r>"})
    w = ll.dependence(linear, X, "<colour>", feature_groups={"<colour>": ["<r>", "c_g", "c_b"]})
    w.wait()
    path = w.save(tmp_path / "dep.json")
    saved = json.loads(path.read_text())
    assert saved["grid"][0][0] == "<r>" and saved["groups"] == {"<colour>": ["<r>", "c_g", "c_b"]}
    svg = w._svg()
    assert "&lt;colour&gt;" in svg and "<colour>" not in svg and "<r>" not in svg


@pytest.mark.parametrize(
    "feature, groups, options, says",
    [
        ("hue", ONE_HOT, {}, "not a group of feature_groups (['colour'])"),
        ("c_g", ONE_HOT, {}, "pass feature='colour'"),
        (("colour", "c_r"), ONE_HOT, {}, "the column 'c_r' is in the group 'colour'"),
        ("colour", {"colour": ["c_r", "c_g"], "g2": ["c_g", "u"]}, {}, "in two groups"),
        ("colour", {"colour": ["c_r", "missing"]}, {}, "names the column 'missing'"),
        ("colour", ONE_HOT, {"grid": [0, 1]}, "drop grid="),
        ("colour", ONE_HOT, {"max_combinations": 0}, "max_combinations=0"),
        (("colour", "colour"), ONE_HOT, {}, "names one feature twice"),
    ],
)
def test_bad_groups_are_refused_at_the_call_with_the_fix(feature, groups, options, says):
    with pytest.raises(ll.InputError, match="Fix:") as err:
        ll.dependence(linear, frame(), feature, feature_groups=groups, **options)
    assert says in str(err.value)
