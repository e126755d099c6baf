"""XGBoost, LightGBM and CatBoost models as one :class:`~.ensemble.TreeEnsemble` each, read
from their own dumps (XGBoost's JSON model, LightGBM's ``dump_model()``, CatBoost's JSON
export), with the library's routing of missing values and categories. :func:`tree_ensemble`
reads any model we read: these, else scikit-learn's (:mod:`.sklearn_reader`).

The ensemble's leaves add up to the model's *margin* (log-odds for a binary classifier,
one raw score per class for a multi-class one, the prediction for a plain regressor),
up to a constant; the plan checks that against the model's own margin before use.

    >>> import numpy as np, xgboost
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); X[::5, 1] = np.nan
    >>> model = xgboost.XGBRegressor(n_estimators=5, max_depth=3).fit(X, X[:, 0])
    >>> ens = read_boosted(model, "predict")
    >>> gap = model.predict(X) - ens.predict(X)[:, 0]     # the base score, on every row
    >>> ens.library, bool(np.ptp(gap) < 1e-5)
    ('xgboost', True)
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from limelight.explainers.trees.ensemble import TreeEnsemble, _Builder
from limelight.explainers.trees.read_cache import cached
from limelight.explainers.trees.sklearn_reader import sklearn_trees
from limelight.models.boosted import library_of


def _xgboost(est: Any):
    booster = est.get_booster() if hasattr(est, "get_booster") else est
    learner = json.loads(booster.save_raw("json"))["learner"]
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        return None  # dart drops trees at random, gblinear has none
    params = learner["learner_model_param"]
    k = max(1, int(params.get("num_class", "0")))
    if int(params.get("num_target", "1")) > 1:
        return None
    model = gb["model"]
    trees, info = model["trees"], model["tree_info"]
    best = getattr(est, "best_iteration", None) if hasattr(est, "get_booster") else None
    if best is not None and model.get("iteration_indptr"):
        stop = int(model["iteration_indptr"][int(best) + 1])
        trees, info = trees[:stop], info[:stop]
    b = _Builder(k)
    for tree, col in zip(trees, info):
        if any(int(s) != 0 for s in tree["split_type"]):
            return None  # categorical splits: not read (coalitions instead)
        if int(tree["tree_param"].get("size_leaf_vector", "1")) > 1:
            return None
        base = len(b.feature)
        b.roots.append(base)
        b.columns.append(int(col))
        cond = np.asarray(tree["split_conditions"], dtype=np.float32)
        # x < t in float32 is x <= the float32 just below t
        below = np.nextafter(cond, np.float32(-np.inf))
        left, right = tree["left_children"], tree["right_children"]
        for i, (f, c, lo, dl) in enumerate(
            zip(tree["split_indices"], cond, below, tree["default_left"])
        ):
            if left[i] == -1:
                b.node(value=float(c))
            else:
                b.node(int(f), float(lo), bool(dl))
                b.left[-1], b.right[-1] = base + left[i], base + right[i]
        b.depth = max(b.depth, _depth(np.asarray(left), np.asarray(right)))
    return b.build(np.float32, "xgboost")


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    level, frontier, depth = 0, [0], 0
    while frontier:
        depth = level
        frontier = [c for n in frontier for c in (left[n], right[n]) if c >= 0]
        level += 1
    return depth


def _lightgbm(est: Any):
    booster = est.booster_ if hasattr(est, "booster_") else est
    dump = booster.dump_model()
    if getattr(booster, "pandas_categorical", None):
        return None  # categories as pandas labels: the trees see codes we do not map
    k = int(dump.get("num_tree_per_iteration", 1))
    infos = dump["tree_info"]
    best = getattr(est, "best_iteration_", None) if hasattr(est, "booster_") else None
    if best:
        infos = infos[: int(best) * k]
    b = _Builder(k)
    for t, info in enumerate(infos):
        b.roots.append(len(b.feature))
        b.columns.append(t % k)
        b.depth = max(b.depth, _lightgbm_tree(b, info["tree_structure"]))
    return b.build(np.float64, "lightgbm")


def _lightgbm_tree(b: _Builder, root: dict) -> int:
    """Append one LightGBM tree (nested dicts) depth first; returns its depth."""
    deepest = 0
    stack = [(root, -1, False, 0)]  # (node, parent id, is right child, depth)
    while stack:
        node, parent, is_right, depth = stack.pop()
        if "split_feature" in node:
            if "leaf_coeff" in node or node["decision_type"] not in ("<=", "=="):
                raise ValueError("linear trees or an unknown decision type")
            cats, missing = None, node.get("missing_type", "None")
            thr = node["threshold"]
            if node["decision_type"] == "==":
                cats = [int(c) for c in str(thr).split("||")]
                thr = 0.0
            thr = float(thr)
            # missing "None": NaN is compared as 0.0
            default = bool(node["default_left"]) if missing != "None" else 0.0 <= thr
            i = b.node(int(node["split_feature"]), thr, default, missing == "Zero", cats=cats)
            stack.append((node["right_child"], i, True, depth + 1))
            stack.append((node["left_child"], i, False, depth + 1))
        else:
            i = b.node(value=float(node["leaf_value"]))
            deepest = max(deepest, depth)
        if parent >= 0:
            if is_right:
                b.right[parent] = i
            else:
                b.left[parent] = i
    return deepest


def read_boosted(est: Any, output_kind: str | None):
    """The trees of an XGBoost / LightGBM / CatBoost model whose ``output_kind`` is a sum of
    leaves (``"margin"``; ``"predict"`` for regressors, checked later), else None."""
    lib = library_of(est)
    if lib is None or output_kind not in ("margin", "predict", "decision"):
        return None
    if lib == "xgboost":
        return _xgboost(est)
    if lib == "lightgbm":
        return _lightgbm(est)
    from limelight.explainers.trees.catboost_reader import read_catboost

    return read_catboost(est)


def tree_ensemble(
    estimator: Any, output_kind: str | None, *, cache: bool = True
) -> TreeEnsemble | None:
    """The model's trees as one :class:`TreeEnsemble`, or None when it is not one we read;
    ``cache``: reuse what was read from the same fitted model (:mod:`.read_cache`)."""
    if estimator is None or output_kind is None:
        return None
    if cache:
        return cached(estimator, output_kind, _read)
    return _read(estimator, output_kind)


def _read(estimator: Any, output_kind: str) -> TreeEnsemble | None:
    try:
        boosted = read_boosted(estimator, output_kind)
        if boosted is not None:
            return boosted
        found = sklearn_trees(estimator, output_kind)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    if not found or not found[0]:
        return None
    trees, dtype = found
    if len({t.value.shape[1] for t in trees}) != 1:
        return None
    offsets = np.cumsum([0] + [len(t.feature) for t in trees])[:-1]
    shift = lambda child, o: np.where(child >= 0, child + o, -1)  # noqa: E731
    left = np.concatenate([shift(t.left, o) for t, o in zip(trees, offsets)])
    feature = np.concatenate([t.feature for t in trees])
    feature[left < 0] = -2  # leaves
    return TreeEnsemble(
        feature,
        np.concatenate([t.threshold for t in trees]),
        left,
        np.concatenate([shift(t.right, o) for t, o in zip(trees, offsets)]),
        offsets,
        np.concatenate([t.value for t in trees]),
        len(trees),
        max(t.depth for t in trees),
        dtype,
    )
