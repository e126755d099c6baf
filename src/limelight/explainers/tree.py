"""Exact interventional Shapley values for tree ensembles, from the trees' paths instead of
from ``2**d`` coalitions: the same numbers as :class:`ExactShapley`, at any number of
features, with ``m + 1`` model rows instead of ``2**d * m``.

A leaf with value ``v`` adds ``v`` to ``f(x_S, b_{not S})`` exactly when, on every feature
split on along its path, the hybrid row goes the leaf's way. Per background row ``b`` the
path's features fall into: both ``x`` and ``b`` go that way (free), only ``x`` (the set
``A``: must be in S), only ``b`` (``B``: must be out of S), neither (leaf never reached).
The Shapley value of the game ``[A in S, B out of S]`` is ``(|A|-1)! |B|! / (|A|+|B|)!``
for a feature of ``A`` and ``-|A|! (|B|-1)! / (|A|+|B|)!`` for one of ``B`` (the
interventional Tree SHAP of Lundberg et al. 2020). Everything runs as array operations
over all (leaf, feature) pairs of all trees at once, a chunk of background rows at a time.

Supported: scikit-learn decision trees, random forests and extra trees (regressors on
``predict``, classifiers on ``predict_proba``), gradient boosting regressors, and gradient
boosting classifiers on ``model_output="decision"``. Before use, the leaf values are checked
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

from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from .base import Explainer
from .shapley import RunningMean, _explanation

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

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Sum of leaf values over trees for rows ``X`` (as the model's own float32 test)."""
        X = np.asarray(X, dtype=np.float32)
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        rows = np.arange(len(X))[:, None]
        while True:
            f = self.feature[node]
            inner = f >= 0
            if not inner.any():
                break
            go_left = X[rows, np.where(inner, f, 0)] <= self.threshold[node]
            step = np.where(go_left, self.left[node], self.right[node])
            node = np.where(inner, step, node)
        return self.value[node].sum(axis=1)


def _tree_parts(est: Any, output_kind: str) -> list[tuple[Any, float, np.ndarray]] | None:
    """``[(sklearn Tree, scale, leaf values (nodes, k))]`` for a supported model, else None."""
    name = type(est).__name__
    if name in ("DecisionTreeRegressor", "ExtraTreeRegressor") and output_kind == "predict":
        return [(est.tree_, 1.0, est.tree_.value[:, :, 0])]
    if name in ("DecisionTreeClassifier", "ExtraTreeClassifier") and output_kind == "proba":
        if getattr(est, "n_outputs_", 1) != 1:
            return None
        v = est.tree_.value[:, 0, :]
        total = v.sum(axis=1, keepdims=True)
        return [(est.tree_, 1.0, v / np.where(total > 0, total, 1.0))]
    if name in ("RandomForestRegressor", "ExtraTreesRegressor", "RandomForestClassifier",
                "ExtraTreesClassifier"):
        trees = getattr(est, "estimators_", [])
        parts = []
        for t in trees:
            sub = _tree_parts(t, output_kind)
            if sub is None:
                return None
            parts += [(tree, scale / len(trees), v) for tree, scale, v in sub]
        return parts or None
    if name == "GradientBoostingRegressor" and output_kind == "predict":
        return [(t.tree_, est.learning_rate, t.tree_.value[:, :, 0]) for t in est.estimators_[:, 0]]
    if name == "GradientBoostingClassifier" and output_kind == "decision":
        grid = est.estimators_
        k = grid.shape[1]
        parts = []
        for row in grid:
            for c, t in enumerate(row):
                v = np.zeros((t.tree_.node_count, k))
                v[:, c] = t.tree_.value[:, 0, 0]
                parts.append((t.tree_, est.learning_rate, v))
        return parts
    return None


def tree_ensemble(estimator: Any, output_kind: str | None) -> TreeEnsemble | None:
    """The model's trees as one :class:`TreeEnsemble`, or None when it is not one we read."""
    if estimator is None or output_kind is None:
        return None
    try:
        parts = _tree_parts(estimator, output_kind)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    if not parts:
        return None
    feats, thrs, lefts, rights, values, roots = [], [], [], [], [], []
    depth = max(int(tree.max_depth) for tree, _, _ in parts)
    offset = 0
    for tree, scale, v in parts:
        n = tree.node_count
        feats.append(np.asarray(tree.feature, dtype=np.int64))
        thrs.append(np.asarray(tree.threshold, dtype=float))
        cl, cr = np.asarray(tree.children_left), np.asarray(tree.children_right)
        lefts.append(np.where(cl >= 0, cl + offset, -1))
        rights.append(np.where(cr >= 0, cr + offset, -1))
        values.append(scale * np.asarray(v, dtype=float))
        roots.append(offset)
        offset += n
    if len({v.shape[1] for v in values}) != 1:
        return None
    feature = np.concatenate(feats)
    feature[np.concatenate(lefts) < 0] = -2  # leaves
    return TreeEnsemble(feature, np.concatenate(thrs), np.concatenate(lefts),
                        np.concatenate(rights), np.asarray(roots), np.concatenate(values),
                        len(parts), depth)


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


def _bits(masks: np.ndarray, d: int) -> np.ndarray:
    """``(n, words)`` uint64 bit sets -> ``(n, d)`` booleans."""
    shifts = np.arange(min(d, 64), dtype=np.uint64)
    bits = (masks[:, :, None] >> shifts) & np.uint64(1)
    return bits.reshape(len(masks), -1)[:, :d].astype(bool)


def per_row(ens: TreeEnsemble, x: np.ndarray, B: np.ndarray, value: np.ndarray,
            tables: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Shapley values ``(rows of B, d, k)`` of ``x`` against each background row.

    Walks every tree for every background row at once. A walker is (row, node, A, B) with A
    and B bit sets of features; where x and the row part ways on a feature not yet in A or
    B, it splits in two (x's way, adding the feature to A; the row's way, adding it to B),
    so it visits only the leaves some hybrid of x and that row can reach."""
    WA, WB = tables
    m, d = B.shape
    words = (d + 63) // 64
    n_trees = len(ens.roots)
    row = np.repeat(np.arange(m), n_trees)
    node = np.tile(ens.roots, m)
    in_a = np.zeros((len(row), words), dtype=np.uint64)
    in_b = np.zeros((len(row), words), dtype=np.uint64)
    done: list[tuple[np.ndarray, ...]] = []  # walkers that reached a leaf
    while len(node):
        f = ens.feature[node]
        leaf = f < 0
        if leaf.any():
            done.append((row[leaf], in_a[leaf], in_b[leaf], node[leaf]))
            keep = ~leaf
            row, node, in_a, in_b, f = row[keep], node[keep], in_a[keep], in_b[keep], f[keep]
            if not len(node):
                break
        thr = ens.threshold[node]
        x_left = x[f] <= thr
        b_left = B[row, f] <= thr
        word, bit = f // 64, np.left_shift(np.uint64(1), (f % 64).astype(np.uint64))
        idx = np.arange(len(node))
        has_a = (in_a[idx, word] & bit) != 0
        has_b = (in_b[idx, word] & bit) != 0
        # where the walker goes: x's way (feature in A), the row's way (in B), the common way
        go_left = np.where(has_a, x_left, b_left)
        split = ~has_a & ~has_b & (x_left != b_left)
        nxt = np.where(go_left, ens.left[node], ens.right[node])
        if split.any():
            s = np.flatnonzero(split)
            # the walker itself takes the row's way (B); a copy takes x's way (A)
            copy_a, copy_b = in_a[s], in_b[s]  # fancy indexing: copies
            copy_a[np.arange(len(s)), word[s]] |= bit[s]
            in_b[s, word[s]] |= bit[s]
            copy_node = np.where(x_left[s], ens.left[node[s]], ens.right[node[s]])
            row = np.concatenate([row, row[s]])
            nxt = np.concatenate([nxt, copy_node])
            in_a = np.concatenate([in_a, copy_a])
            in_b = np.concatenate([in_b, copy_b])
        node = nxt
    row, in_a, in_b, node = (np.concatenate(parts) for parts in zip(*done))
    return _score_leaves(m, row, in_a, in_b, value[node], d, WA, WB)


def _score_leaves(m, row, in_a, in_b, v, d, WA, WB) -> np.ndarray:
    """``(m, d, k)``: each finished walker's leaf value added to its row's features in A
    (weight WA) and subtracted from those in B (weight WB)."""
    from scipy import sparse

    a_bits, b_bits = _bits(in_a, d), _bits(in_b, d)
    n_a, n_b = a_bits.sum(axis=1), b_bits.sum(axis=1)
    live = (n_a + n_b) > 0  # x and the row share the leaf: no feature changes it
    a_bits, b_bits, n_a, n_b, v, row = (t[live] for t in (a_bits, b_bits, n_a, n_b, v, row))
    weight = a_bits * WA[n_a, n_b][:, None] - b_bits * WB[n_a, n_b][:, None]  # (n, d)
    k = v.shape[1]
    contrib = (weight[:, :, None] * v[:, None, :]).reshape(len(v), d * k)
    rows = sparse.csr_matrix((np.ones(len(row)), (row, np.arange(len(row)))), shape=(m, len(row)))
    return np.asarray(rows @ contrib).reshape(m, d, k)


class TreeShapley(Explainer):
    """Exact interventional Shapley values of a tree ensemble by its paths (see the module).

    Streams a partial per chunk of background rows (exact for the rows seen, with a
    standard error across rows), as :class:`ExactShapley` does.
    """

    name = "tree"

    def __init__(self, ensemble: TreeEnsemble, *, columns: list[int] | None = None,
                 outputs: tuple[Any, np.ndarray, np.ndarray] | None = None) -> None:
        self._ensemble = ensemble
        self._columns = columns
        # (instance, x's outputs, the background's): the model's, already computed for
        # that instance (the planning check); any other instance is predicted afresh
        self._outputs = outputs

    def params(self) -> dict[str, Any]:
        return {"algorithm": "tree paths", "trees": self._ensemble.n_trees}

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        ens = self._ensemble
        d, m = inst.d, inst.m
        value = ens.value if self._columns is None else ens.value[:, self._columns]
        x = np.asarray(inst.x, dtype=np.float32)
        B = np.asarray(inst._bg_matrix(), dtype=np.float32)
        tables = shapley_table(min(d, ens.depth))
        # the model's own outputs for the prediction and the base value: m + 1 rows
        if self._outputs is None or self._outputs[0] is not inst:
            # the model's own prediction and base value: m + 1 rows
            x_out, f_bg = model.predict(inst.x_batch()), model.predict(inst.cross(np.zeros((1, d), bool)))
        else:
            x_out, f_bg = self._outputs[1:]
            if self._columns is not None:
                x_out, f_bg = x_out[:, self._columns], f_bg[:, self._columns]
        pred = x_out[0]
        params = self.params()
        chunk = max(1, WALKERS_PER_CHUNK // len(ens.roots))
        acc = RunningMean(m)
        for b0 in range(0, m, chunk):
            rows = slice(b0, min(m, b0 + chunk))
            phi = per_row(ens, x, B[rows], value, tables)  # (mc, d, k)
            acc.add(phi.transpose(1, 0, 2), f_bg[rows], inst.weights[rows])
            mean, base, stderr = acc.result()
            yield _explanation(model, inst, self.name, mean, base, pred, stderr=stderr,
                               n_evals=1 + rows.stop, done=acc.finished,
                               params=params)
