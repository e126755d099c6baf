"""Exact interventional Shapley values for tree ensembles, from the trees' paths instead of
from ``2**d`` coalitions: the same numbers as :class:`ExactShapley`, at any number of
features, with ``m + 1`` model rows instead of ``2**d * m``.

A leaf with value ``v`` adds ``v`` to ``f(x_S, b_{not S})`` exactly when, on every feature
split on along its path, the hybrid row goes the leaf's way. Per background row ``b`` the
path's features fall into: both ``x`` and ``b`` go that way (free), only ``x`` (the set
``A``: must be in S), only ``b`` (``B``: must be out of S), neither (leaf never reached).
The Shapley value of the game ``[A in S, B out of S]`` is ``(|A|-1)! |B|! / (|A|+|B|)!``
for a feature of ``A`` and ``-|A|! (|B|-1)! / (|A|+|B|)!`` for one of ``B`` (the
interventional Tree SHAP of Lundberg et al. 2020). The trees are walked for all trees and
a chunk of background rows at once (:mod:`limelight.explainers.trees`: numba, or array
operations in :mod:`~limelight.explainers.trees.walk_numpy`).

Supported: scikit-learn decision trees, random forests and extra trees (regressors on
``predict``, classifiers on ``predict_proba``), gradient boosting and histogram gradient
boosting (numeric splits) regressors on ``predict`` and classifiers on
``model_output="decision"``; XGBoost, LightGBM and CatBoost on their margin
(:mod:`limelight.explainers.trees`, with missing values and categories routed as they
route them). Before use, the leaf values are checked
to reproduce the model's own outputs on the instance and the background; a model that does
not match is explained by coalitions instead.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> tree = DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1])   # an AND: 1 only at (1, 1)
    >>> from limelight.api import attribute
    >>> e = attribute(tree, [1.0, 1.0], background=X[:1], method="tree")
    >>> e.method, e.values.round(12).tolist()
    ('tree', [[0.5, 0.5]])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import MethodError, ModelError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ..models.tabular_context import TabularContext
from .base import Explainer
from .shapley import RunningMean, _explanation
from .trees.kernel import against_rows

WALKERS_PER_CHUNK = 20_000  # (background rows x trees) started per step


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
        from .trees.kernel import sum_of_leaves
        from .trees.rules import goes_left

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


def _trees(est: Any, output_kind: str) -> tuple[list[_Tree], np.dtype] | None:
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


def tree_ensemble(estimator: Any, output_kind: str | None) -> TreeEnsemble | None:
    """The model's trees as one :class:`TreeEnsemble`, or None when it is not one we read."""
    if estimator is None or output_kind is None:
        return None
    from .trees.readers import read_boosted

    try:
        boosted = read_boosted(estimator, output_kind)
        if boosted is not None:
            return boosted
        found = _trees(estimator, output_kind)
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


def shapley_table(depth: int) -> tuple[np.ndarray, np.ndarray]:
    """``WA[a, b] = (a-1)! b! / (a+b)!`` (a feature x must bring), ``WB[a, b] = a! (b-1)! /
    (a+b)!`` (one the background must keep); zero where the set is empty."""
    from scipy.special import gammaln

    a, b = np.meshgrid(np.arange(depth + 1), np.arange(depth + 1), indexing="ij")
    total = gammaln(a + b + 1)
    with np.errstate(invalid="ignore"):
        WA = np.where(a > 0, np.exp(gammaln(np.maximum(a, 1)) + gammaln(b + 1) - total), 0.0)
        WB = np.where(b > 0, np.exp(gammaln(a + 1) + gammaln(np.maximum(b, 1)) - total), 0.0)
    return WA, WB


class TreeShap(Explainer):
    """Exact interventional Shapley values of a tree ensemble by its paths (see the module).

    Reads the trees the plan found (scikit-learn forests, boosting, single trees, alone or
    after a pipeline's scalers and one-hot encoders); costs the model's outputs on x and
    the background only. Streams a partial per chunk of background rows (exact for the
    rows seen, with a standard error across rows), as :class:`ExactShapley` does.

        >>> TreeShap().name
        'tree'
    """

    name = "tree"

    def check(self, model: Model, instance: TabularInstance) -> None:
        """A MethodError unless ``model`` is a plan's context that found readable trees."""
        if not isinstance(model, TabularContext) or model.trees is None:
            raise MethodError(
                "TreeShap reads the trees of the model a plan checked",
                fix="pass it as method= to limelight.attribute / explain / explore",
            )

    def params(self) -> dict[str, Any]:
        return {"algorithm": "tree paths"}

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        self.check(model, inst)
        ens = model.trees.ensemble
        d, m = inst.d, inst.m
        seen = model.tree_view(inst)
        if seen is None:
            raise ModelError(
                "the pipeline's leading steps could not be applied to this row",
                fix="use method='exact' or 'kernel'",
            )
        x = np.asarray(seen.x, dtype=ens.dtype)
        B = np.asarray(seen.numeric_background(), dtype=ens.dtype)
        # the model's own prediction and base value: x and the background rows
        pred, f_bg = model.row_outputs(inst)[0], model.background_outputs()
        # model rows: x and the background (run by the plan's probe, or here)
        params = {**self.params(), "trees": ens.n_trees, "budget": 1 + m}
        chunk = max(1, WALKERS_PER_CHUNK // len(ens.roots))
        acc = RunningMean(m)
        owner = model.tree_owner()
        for b0 in range(0, m, chunk):
            check_cancelled()  # no model call here: the walkers check between chunks
            rows = slice(b0, min(m, b0 + chunk))
            phi = against_rows(ens, x, B[rows], model.columns, owner, d)  # (mc, d, k)
            acc.add(phi.transpose(1, 0, 2), f_bg[rows], inst.weights[rows])
            mean, base, stderr = acc.result()
            yield _explanation(
                model,
                inst,
                self.name,
                mean,
                base,
                pred,
                stderr=stderr,
                n_evals=1 + m,
                done=acc.finished,
                params=params,
            )
