"""CatBoost's oblivious trees, read from its JSON export, as one TreeEnsemble: each tree's
``D`` splits become a full binary tree of depth ``D`` (split ``i`` is bit ``i`` of the
leaf index, ``x > border`` its 1), NaN going where the feature's ``nan_value_treatment``
sends it. Categorical features (one-hot on hashed values, CTRs) are not read: the model
is then explained by coalitions (see :data:`UNREAD`).

    >>> import numpy as np, catboost
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); X[::5, 1] = np.nan
    >>> model = catboost.CatBoostRegressor(iterations=5, depth=3, verbose=0).fit(X, X[:, 0])
    >>> ens = read_catboost(model)
    >>> gap = model.predict(X) - ens.predict(X)[:, 0]
    >>> ens.library, bool(np.ptp(gap) < 1e-6)
    ('catboost', True)
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

from limelight.explainers.trees.ensemble import _Builder

#: why a CatBoost model is not read by its trees (shown when method='tree' is asked for)
UNREAD = (
    "CatBoost's categorical splits (one-hot on hashed categories, CTR statistics) are "
    "not reproduced from its export"
)


def _export(est: Any) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.json")
        est.save_model(path, format="json")
        with open(path) as fh:
            return json.load(fh)


def read_catboost(est: Any):
    """The TreeEnsemble of a CatBoost model on numeric features, or None (categorical
    features, non-oblivious trees, an export that fails)."""
    try:
        model = _export(est)
    except Exception:  # noqa: BLE001 - any model CatBoost cannot export is not read
        return None
    info = model.get("features_info", {})
    if info.get("categorical_features") or info.get("ctrs") or "oblivious_trees" not in model:
        return None
    floats = info.get("float_features", [])
    column = {f["feature_index"]: f["flat_feature_index"] for f in floats}
    nan_right = {f["feature_index"]: f.get("nan_value_treatment") == "AsTrue" for f in floats}
    scale, bias = model.get("scale_and_bias", [1.0, [0.0]])
    trees = model["oblivious_trees"]
    k = max(1, len(trees[0]["leaf_values"]) // (2 ** len(trees[0]["splits"]))) if trees else 1
    b = _Builder(k)
    for tree in trees:
        splits = tree["splits"]
        if any(s.get("split_type") != "FloatFeature" for s in splits):
            return None
        leaves = np.asarray(tree["leaf_values"], dtype=float).reshape(-1, k) * float(scale)
        for c in range(k):  # one tree per output column: the kernel adds one column a tree
            b.roots.append(len(b.feature))
            b.columns.append(c)
            _grow(b, splits, leaves[:, c], column, nan_right, 0, 0)
        b.depth = max(b.depth, len(splits))
    return b.build(np.float32, "catboost") if trees else None


def _grow(
    b: _Builder,
    splits: list,
    leaves: np.ndarray,
    column: dict,
    nan_right: dict,
    level: int,
    index: int,
) -> int:
    """Append the subtree under the path bits ``index`` (levels so far); returns its id."""
    if level == len(splits):
        return b.node(value=float(leaves[index]))
    s = splits[level]
    f = s["float_feature_index"]
    border = float(np.float32(s["border"]))
    node = b.node(int(column[f]), border, not nan_right[f])
    left = _grow(b, splits, leaves, column, nan_right, level + 1, index)
    right = _grow(b, splits, leaves, column, nan_right, level + 1, index | (1 << level))
    b.left[node], b.right[node] = left, right
    return node
