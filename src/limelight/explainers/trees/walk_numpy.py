"""The numpy walk (no numba): one row x against every background row, all trees at once,
as array operations, from precomputed "goes left" decisions (see :func:`.kernel._walk`
for the rule; the module docstring of :mod:`limelight.explainers.tree` for the game).

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from limelight.explainers.trees.kernel import shapley_table
    >>> from limelight.explainers.trees.readers import tree_ensemble
    >>> from limelight.explainers.trees.rules import goes_left
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> ens = tree_ensemble(DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1]), "predict")
    >>> phi = walk_row(ens, goes_left(ens, X[3:])[0], goes_left(ens, X[:1]),
    ...                ens.value, shapley_table(2), np.arange(2), 2)
    >>> phi.round(12)[0, :, 0].tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

import numpy as np

SCORE_CELLS = 4_000_000  # (leaves reached x features x outputs) scored at a time: ~32 MB


def walk_row(
    ens, xl: np.ndarray, bl: np.ndarray, value: np.ndarray, tables, owner: np.ndarray, d: int
) -> np.ndarray:
    """``(m, d, k)``: x's Shapley values against each background row; ``xl`` (nodes,) and
    ``bl`` (m, nodes) say where x and each row go at every node."""
    WA, WB = tables
    m = bl.shape[0]
    row, in_a, in_b, node = reached(ens, xl, bl, owner, d)
    out = np.zeros((m, d, value.shape[1]))
    step = max(1, SCORE_CELLS // (d * value.shape[1]))
    for a in range(0, len(row), step):
        part = slice(a, a + step)
        out += _score_leaves(m, row[part], in_a[part], in_b[part], value[node[part]], d, WA, WB)
    return out


def reached(ens, xl: np.ndarray, bl: np.ndarray, owner: np.ndarray, d: int) -> tuple:
    """Every leaf the walk of x (decisions ``xl``) against each background row (``bl``)
    reaches: ``(row, in_a, in_b, node)``, its background row, the players taken from x
    and from the row (uint64 bit sets), and the leaf."""
    m = bl.shape[0]
    words = (d + 63) // 64
    n_trees = len(ens.roots)
    row = np.repeat(np.arange(m), n_trees)
    node = np.tile(ens.roots, m)
    in_a = np.zeros((len(row), words), dtype=np.uint64)
    in_b = np.zeros((len(row), words), dtype=np.uint64)
    done: list[tuple[np.ndarray, ...]] = []
    while len(node):
        f = ens.feature[node]
        leaf = f < 0
        if leaf.any():
            done.append((row[leaf], in_a[leaf], in_b[leaf], node[leaf]))
            keep = ~leaf
            row, node, in_a, in_b, f = row[keep], node[keep], in_a[keep], in_b[keep], f[keep]
            if not len(node):
                break
        x_left, b_left = xl[node], bl[row, node]
        player = owner[f]
        word, bit = player // 64, np.left_shift(np.uint64(1), (player % 64).astype(np.uint64))
        idx = np.arange(len(node))
        has_a = (in_a[idx, word] & bit) != 0
        has_b = (in_b[idx, word] & bit) != 0
        go_left = np.where(has_a, x_left, b_left)
        split = ~has_a & ~has_b & (x_left != b_left)
        nxt = np.where(go_left, ens.left[node], ens.right[node])
        if split.any():
            s = np.flatnonzero(split)
            copy_a, copy_b = in_a[s], in_b[s]
            copy_a[np.arange(len(s)), word[s]] |= bit[s]
            in_b[s, word[s]] |= bit[s]
            copy_node = np.where(x_left[s], ens.left[node[s]], ens.right[node[s]])
            row = np.concatenate([row, row[s]])
            nxt = np.concatenate([nxt, copy_node])
            in_a = np.concatenate([in_a, copy_a])
            in_b = np.concatenate([in_b, copy_b])
        node = nxt
    row, in_a, in_b, node = (np.concatenate(parts) for parts in zip(*done))
    return row, in_a, in_b, node


def _bits(masks: np.ndarray, d: int) -> np.ndarray:
    """``(n, words)`` uint64 bit sets -> ``(n, d)`` booleans."""
    shifts = np.arange(min(d, 64), dtype=np.uint64)
    bits = (masks[:, :, None] >> shifts) & np.uint64(1)
    return bits.reshape(len(masks), -1)[:, :d].astype(bool)


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
