"""scikit-learn's trees as one :class:`~.ensemble.TreeEnsemble`: decision trees, random
forests and extra trees (regressors on ``predict``, classifiers on ``predict_proba``),
gradient boosting and histogram gradient boosting (numeric splits) regressors on
``predict`` and classifiers on ``model_output="decision"``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class _Tree:
    """One tree in plain arrays: children -1 at leaves, ``value`` (nodes, k) already scaled."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int

    @classmethod
    def sklearn(cls, tree: Any, value: np.ndarray, scale: float = 1.0) -> _Tree:
        return cls(
            np.asarray(tree.feature, dtype=np.int64),
            np.asarray(tree.threshold, float),
            np.asarray(tree.children_left),
            np.asarray(tree.children_right),
            scale * np.asarray(value, dtype=float),
            int(tree.max_depth),
        )

    @classmethod
    def hist(cls, predictor: Any, k: int, column: int) -> _Tree:
        """A HistGradientBoosting predictor (numeric splits; values already shrunk)."""
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits")
        leaf = nodes["is_leaf"].astype(bool)
        value = np.zeros((len(nodes), k))
        value[:, column] = nodes["value"]
        return cls(
            np.asarray(nodes["feature_idx"], np.int64),
            np.asarray(nodes["num_threshold"], float),
            np.where(leaf, -1, nodes["left"].astype(np.int64)),
            np.where(leaf, -1, nodes["right"].astype(np.int64)),
            value,
            int(nodes["depth"].max()),
        )


def _sklearn_tree(est: Any, output_kind: str, scale: float = 1.0) -> _Tree | None:
    name = type(est).__name__
    if name in ("DecisionTreeRegressor", "ExtraTreeRegressor") and output_kind == "predict":
        return _Tree.sklearn(est.tree_, est.tree_.value[:, :, 0], scale)
    if name in ("DecisionTreeClassifier", "ExtraTreeClassifier") and output_kind == "proba":
        if getattr(est, "n_outputs_", 1) != 1:
            return None
        v = est.tree_.value[:, 0, :]
        total = v.sum(axis=1, keepdims=True)
        return _Tree.sklearn(est.tree_, v / np.where(total > 0, total, 1.0), scale)
    return None


def sklearn_trees(est: Any, output_kind: str) -> tuple[list[_Tree], np.dtype] | None:
    """The trees of a supported model (their values summing to its output up to a
    constant) and the dtype its splits compare in; None for any other model."""
    name = type(est).__name__
    single = _sklearn_tree(est, output_kind)
    if single is not None:
        return [single], np.float32
    if name in (
        "RandomForestRegressor",
        "ExtraTreesRegressor",
        "RandomForestClassifier",
        "ExtraTreesClassifier",
    ):
        members = getattr(est, "estimators_", [])
        trees = [_sklearn_tree(t, output_kind, 1.0 / len(members)) for t in members]
        return (trees, np.float32) if trees and all(t is not None for t in trees) else None
    boosted = (name == "GradientBoostingRegressor" and output_kind == "predict") or (
        name == "GradientBoostingClassifier" and output_kind == "decision"
    )
    if boosted:
        grid = est.estimators_
        k = grid.shape[1]
        trees = []
        for row in grid:
            for c, t in enumerate(row):
                v = np.zeros((t.tree_.node_count, k))
                v[:, c] = t.tree_.value[:, 0, 0]
                trees.append(_Tree.sklearn(t.tree_, v, est.learning_rate))
        return trees, np.float32
    hist = (name == "HistGradientBoostingRegressor" and output_kind == "predict") or (
        name == "HistGradientBoostingClassifier" and output_kind == "decision"
    )
    if hist:
        k = len(est._predictors[0])
        return [
            _Tree.hist(pred, k, c) for it in est._predictors for c, pred in enumerate(it)
        ], np.float64
    return None
