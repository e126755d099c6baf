"""The numbers of an interaction dependence view, readable from Python (to_frame) and in
standard JSON (to_dict, save .json: NaN and missing as null), checked against brute-force
Shapley values and the rows' own values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from references import brute_force_shapley

import limelight as ll


def _f(R):
    R = np.asarray(R, dtype=float)
    return R[:, 0] * R[:, 1] + R[:, 2] + 0.3 * R[:, 3] * R[:, 2]


def _no_nan(text):
    raise AssertionError(f"{text} in the JSON: not standard JSON")


def test_to_frame_holds_each_rows_value_shapley_value_and_partner():
    rng = np.random.default_rng(7)
    B, X = rng.normal(size=(6, 4)), rng.normal(size=(20, 4))
    r = ll.interactions(_f, X, background=B, feature_names=["a", "b", "c", "d"])
    f = r.dependence("a").to_frame()
    assert list(f.columns) == ["row", "a", "shapley_value", "b"]  # b: a's partner in a*b
    phi = np.array([brute_force_shapley(_f, x, B)[0] for x in X])
    np.testing.assert_allclose(f["shapley_value"], phi, atol=1e-9)
    np.testing.assert_allclose(f["a"].astype(float), X[:, 0])
    np.testing.assert_allclose(f["b"].astype(float), X[:, 1])
    main = r.dependence("a", main_effect=True, color=None).to_frame()
    assert list(main.columns) == ["row", "a", "main_effect"]
    # the diagonal (the main effect) and the row's off-diagonal add up to the Shapley value
    off = r.values[:, 0, 0, 1:].sum(axis=1)
    np.testing.assert_allclose(main["main_effect"] + off, phi, atol=1e-9)


def test_save_json_is_standard_json_with_missing_values_as_null(tmp_path):
    rng = np.random.default_rng(3)
    n = 16
    X = pd.DataFrame(
        {
            "dose": rng.normal(size=n),
            "tone": rng.choice(["red", "blue"], size=n),
            "w": rng.normal(size=n),
        }
    )
    X.loc[[2, 5], "dose"] = np.nan

    def f(D):
        dose = np.nan_to_num(D["dose"].to_numpy(dtype=float))
        return dose * (D["tone"].to_numpy() == "red") + D["w"].to_numpy()

    r = ll.interactions(f, X, background=X.iloc[:4], method="exact")
    view = r.dependence("dose", color="tone")
    saved = json.loads(view.save(tmp_path / "dep.json").read_text(), parse_constant=_no_nan)
    assert saved["feature"] == "dose" and saved["partner"] == "tone"
    assert saved["value"] == "shapley_value"
    assert saved["x"][2] is None and saved["x"][5] is None
    assert saved["x"][0] == pytest.approx(X["dose"][0])
    assert saved["colour_values"] == X["tone"].tolist()
    # brute force on the same game with tone read as 1 (red) / 0
    enc = np.column_stack([X["dose"], X["tone"] == "red", X["w"]]).astype(float)

    def g(R):
        return np.nan_to_num(R[:, 0]) * R[:, 1] + R[:, 2]

    phi = [brute_force_shapley(g, row, enc[:4])[0] for row in enc]
    np.testing.assert_allclose(saved["y"], phi, atol=1e-9)
    bare = json.loads(ll.save(view, tmp_path / "bare.json", include_data=False).read_text())
    assert "x" not in bare and "colour_values" not in bare and bare["y"] == saved["y"]
    with pytest.raises(ll.InputError, match=r"\.json"):
        view.save(tmp_path / "dep.csv")
