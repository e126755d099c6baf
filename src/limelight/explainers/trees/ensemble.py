"""A tree ensemble as one set of flat arrays (:class:`TreeEnsemble`): every tree of a model,
its leaves' values summing to the model's output up to a constant, and the builder the
readers (:mod:`.readers`, :mod:`.sklearn_reader`, :mod:`.catboost_reader`) fill node by
node. The walks (:mod:`.kernel`, :mod:`.pairs`) read these arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from limelight.explainers.trees.rules import SplitRules


@dataclass
class TreeEnsemble:
    """All trees of a model as one set of arrays: the model's output ``k`` columns are
    ``constant + sum over trees of scale * value[leaf]`` (the constant is checked, not used)."""

    feature: np.ndarray  # (nodes,) split feature, -2 at leaves (global node ids)
    threshold: np.ndarray  # (nodes,)
    left: np.ndarray  # (nodes,) left child (global id) or -1
    right: np.ndarray  # (nodes,)
    roots: np.ndarray  # (trees,) root node of each tree
    value: np.ndarray  # (nodes, k) scaled leaf contributions to each output
    n_trees: int
    depth: int  # the deepest path (bounds the features one path can split on)
    dtype: Any = np.float32  # what the model's splits compare in (its own cast of X)
    # boosted libraries: missing values' and categories' routes (trees.rules.SplitRules),
    # and the one output column each tree adds to (None: every tree adds to all k)
    rules: Any = None
    columns: np.ndarray | None = None
    library: str = "scikit-learn"

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Sum of leaf values over trees for rows ``X`` (as the model's own tests)."""
        from limelight.explainers.trees.kernel import sum_of_leaves
        from limelight.explainers.trees.rules import goes_left

        fast = sum_of_leaves(self, X)
        if fast is not None:
            return fast
        if len(X) > 1024:  # bounds the (rows, nodes) decisions
            return np.vstack([self.predict(X[a : a + 1024]) for a in range(0, len(X), 1024)])
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        rows = np.arange(len(X))[:, None]
        left = goes_left(self, X)
        while True:
            inner = self.feature[node] >= 0
            if not inner.any():
                break
            step = np.where(left[rows, node], self.left[node], self.right[node])
            node = np.where(inner, step, node)
        return self.value[node].sum(axis=1)


class _Builder:
    """Trees appended node by node into the flat arrays of a TreeEnsemble."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.feature, self.threshold, self.left, self.right = [], [], [], []
        self.default_left, self.zero_missing, self.value = [], [], []
        self.categories: dict[int, np.ndarray] = {}
        self.roots, self.columns, self.depth = [], [], 0

    def node(
        self,
        feature=-2,
        threshold=0.0,
        default_left=False,
        zero_missing=False,
        value=0.0,
        cats=None,
    ) -> int:
        i = len(self.feature)
        self.feature.append(feature)
        self.threshold.append(threshold)
        self.left.append(-1)
        self.right.append(-1)
        self.default_left.append(default_left)
        self.zero_missing.append(zero_missing)
        self.value.append(value)
        if cats is not None:
            self.categories[i] = np.asarray(cats, dtype=float)
        return i

    def build(self, dtype, library: str):
        cols = np.asarray(self.columns, dtype=np.int64)
        value = np.zeros((len(self.value), self.k))
        tree_of = np.zeros(len(self.value), dtype=np.int64)
        bounds = list(self.roots) + [len(self.value)]
        for t in range(len(self.roots)):
            tree_of[bounds[t] : bounds[t + 1]] = t
        value[np.arange(len(self.value)), cols[tree_of]] = self.value
        feature = np.asarray(self.feature, dtype=np.int64)
        rules = SplitRules(
            np.asarray(self.default_left, bool),
            np.asarray(self.zero_missing, bool),
            self.categories,
        )
        return TreeEnsemble(
            feature,
            np.asarray(self.threshold, dtype=np.float64),
            np.asarray(self.left, np.int64),
            np.asarray(self.right, np.int64),
            np.asarray(self.roots, np.int64),
            value,
            len(self.roots),
            max(1, self.depth),
            dtype,
            rules=rules,
            columns=cols,
            library=library,
        )
