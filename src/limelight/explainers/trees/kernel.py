"""Interventional Tree SHAP for many rows at once: ``(rows, d, k)`` Shapley values of a
:class:`~.ensemble.TreeEnsemble`, averaged over a weighted background.

Per (row x, tree, background row b) the tree is walked as in :mod:`..tree`: where x and b
go the same way the walk follows; where they part on a player already taken (from x: set
A, from b: set B) it follows that side; else it forks, x's side adding the player to A,
b's side to B. A leaf of value v reached with ``|A| = a``, ``|B| = b`` adds
``v (a-1)! b! / (a+b)!`` to each player of A and takes ``v a! (b-1)! / (a+b)!`` from each of
B. The walk is a compiled loop (numba, the ``fast`` extra) that decides each split as it
goes, or, without numba, vectorised numpy over decisions made beforehand (:mod:`.rules`).

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from limelight.explainers.trees.readers import tree_ensemble
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> ens = tree_ensemble(DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1]), "predict")
    >>> interventional(ens, X[3:], X[:1]).round(12)[0, :, 0].tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

import numpy as np

from limelight._cancel import check as check_cancelled
from limelight._compiled import Compiled
from limelight.explainers.trees.rules import goes_left

ROWS_PER_STEP = 512  # x rows decided at a time by the numpy walk (rows x nodes booleans)
STEP_CELLS = 8_000_000  # the compiled walk's (rows x nodes) decisions at a time: 8 MB


def _decide(X, col, thr, dleft, zmiss, cnodes, cstart, cend, cvals, out):
    """``out`` (n, nodes): whether each row goes left at each node (leaves: anything).
    Numeric splits without branches (a branchy version compiled ~40x slower, measured):
    missing (NaN, or zero where ``zmiss``) goes to ``dleft``, else ``x <= thr``. Then the
    category nodes ``cnodes``: left iff the truncated code is in the node's set."""
    for i in range(X.shape[0]):
        for node in range(col.shape[0]):
            v = X[i, col[node]]
            miss = (v != v) | (zmiss[node] & (abs(v) <= 1e-35))
            out[i, node] = (miss & dleft[node]) | ((not miss) & (v <= thr[node]))
        for c in range(cnodes.shape[0]):
            node = cnodes[c]
            v = X[i, col[node]]
            hit = False
            if v >= 0.0:
                code = np.floor(v)
                for q in range(cstart[c], cend[c]):
                    if cvals[q] == code:
                        hit = True
            out[i, node] = hit


def _walk(xl, bl, player, left, right, roots, value, tcol, w, WA, WB, out, depth, by_bg):
    """The walk for rows ``xl`` (n, nodes) against background ``bl`` (m, nodes), adding
    into ``out`` (n, d, k), or with ``by_bg`` into ``out`` (m, d, k) per background row.
    Plain Python loops: compiled by numba when it is installed."""
    n, m, T, k = xl.shape[0], bl.shape[0], roots.shape[0], value.shape[1]
    size = depth + 2
    s_node = np.empty(size, np.int64)
    s_a = np.empty(size, np.int64)
    s_b = np.empty(size, np.int64)
    s_p = np.empty(size, np.int64)
    s_f = np.empty(size, np.int64)
    path = np.empty(size, np.int64)  # the players taken so far on this walk
    from_x = np.empty(size, np.bool_)  # and whether each was taken from x (A) or b (B)
    for i in range(n):
        for t in range(T):
            c = tcol[t]
            for j in range(m):
                wj = w[j]
                o = j if by_bg else i
                s_node[0], s_a[0], s_b[0], s_p[0], s_f[0] = roots[t], 0, 0, 0, -1
                top = 1
                while top > 0:
                    top -= 1
                    node, a, b, p = s_node[top], s_a[top], s_b[top], s_p[top]
                    if s_f[top] >= 0:  # a fork's x side, resumed
                        path[p - 1] = s_f[top]
                        from_x[p - 1] = True
                    while player[node] >= 0:
                        f = player[node]
                        xg, bg = xl[i, node], bl[j, node]
                        if xg == bg:
                            node = left[node] if xg else right[node]
                            continue
                        q = -1
                        for r in range(p):
                            if path[r] == f:
                                q = r
                                break
                        if q >= 0:
                            go = xg if from_x[q] else bg
                            node = left[node] if go else right[node]
                            continue
                        s_node[top] = left[node] if xg else right[node]
                        s_a[top], s_b[top], s_p[top], s_f[top] = a + 1, b, p + 1, f
                        top += 1
                        path[p], from_x[p] = f, False
                        p += 1
                        b += 1
                        node = left[node] if bg else right[node]
                    if a + b == 0:
                        continue  # x and b share the leaf: no player changes it
                    wa, wb = WA[a, b] * wj, WB[a, b] * wj
                    for r in range(p):
                        s = wa if from_x[r] else -wb
                        f = path[r]
                        if c >= 0:
                            out[o, f, c] += s * value[node, c]
                        else:
                            for kk in range(k):
                                out[o, f, kk] += s * value[node, kk]


def _sum_leaves(xl, player, left, right, roots, value, out):
    """``out`` (n, k): each row's leaf values summed over the trees (the model's margin),
    from its decisions ``xl`` (n, nodes)."""
    for i in range(xl.shape[0]):
        for t in range(roots.shape[0]):
            node = roots[t]
            while player[node] >= 0:
                node = left[node] if xl[i, node] else right[node]
            for kk in range(value.shape[1]):
                out[i, kk] += value[node, kk]


# the optional compiled walk (None without numba): _kernel() the walk, "decide", "sum"
_kernel = Compiled(walk=_walk, decide=_decide, sum=_sum_leaves)


def _arrays(ens, owner: np.ndarray) -> tuple[tuple, np.ndarray, tuple]:
    """The node arrays the compiled code takes: the split rule's (columns, threshold,
    default side, zero-as-missing, category nodes and their sets), each node's player (-1
    at leaves), and the trees' (children, roots, leaf values)."""
    col = np.maximum(ens.feature, 0).astype(np.int64)
    player = np.where(ens.feature >= 0, np.asarray(owner)[col], -1).astype(np.int64)
    nodes = len(col)
    rules = getattr(ens, "rules", None)
    dleft = np.zeros(nodes, bool) if rules is None else np.asarray(rules.default_left, bool)
    zmiss = np.zeros(nodes, bool)
    if rules is not None and rules.zero_missing is not None:
        zmiss = np.asarray(rules.zero_missing, bool)
    cats = rules.categories if rules is not None else {}
    cnodes = np.asarray(list(cats), dtype=np.int64)
    sizes = np.asarray([len(c) for c in cats.values()], dtype=np.int64)
    cend = np.cumsum(sizes).astype(np.int64)
    cstart = (cend - sizes).astype(np.int64)
    flat = np.concatenate([np.asarray(c, float) for c in cats.values()]) if cats else np.zeros(0)
    thr = np.asarray(ens.threshold, dtype=np.float64)
    rule = (col, thr, dleft, zmiss, cnodes, cstart, cend, flat.astype(np.float64))
    tree = (
        ens.left.astype(np.int64),
        ens.right.astype(np.int64),
        np.asarray(ens.roots, dtype=np.int64),
        np.asarray(ens.value, dtype=np.float64),
    )
    return rule, player, tree


def _tcol(ens) -> np.ndarray:
    cols = getattr(ens, "columns", None)
    return np.asarray(np.full(len(ens.roots), -1) if cols is None else cols, dtype=np.int64)


def _as_model(ens, X: np.ndarray) -> np.ndarray:
    """Rows in the model's own precision (float32 for most), held as float64."""
    return np.ascontiguousarray(np.asarray(X, dtype=ens.dtype), dtype=np.float64)


def _decisions(ens, X: np.ndarray, rule: tuple) -> np.ndarray:
    """``(rows, nodes)``: each row's way at each split (compiled)."""
    out = np.zeros((len(X), len(rule[0])), dtype=bool)  # leaves: False, never read
    _kernel("decide")(_as_model(ens, np.atleast_2d(X)), *rule, out)
    return out


def sum_of_leaves(ens, X: np.ndarray) -> np.ndarray | None:
    """``(n, k)`` leaf values summed over the trees, compiled; None without numba."""
    fn = _kernel("sum", wait=len(np.atleast_2d(X)) > 1024)  # numpy: as fast below
    if fn is None:
        return None
    X = np.atleast_2d(X)
    out = np.zeros((len(X), ens.value.shape[1]))
    rule, player, tree = _arrays(ens, np.arange(X.shape[1]))
    for a in range(0, len(X), ROWS_PER_STEP):
        xl = _decisions(ens, X[a : a + ROWS_PER_STEP], rule)
        fn(xl, player, *tree, out[a : a + ROWS_PER_STEP])
    return out


def _players(B: np.ndarray, owner, d):
    return (np.arange(B.shape[1]), B.shape[1]) if owner is None else (np.asarray(owner), d)


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


def interventional(
    ens,
    X: np.ndarray,
    B: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    owner: np.ndarray | None = None,
    d: int | None = None,
    compiled: bool | None = None,
) -> np.ndarray:
    """``(len(X), d, k)`` interventional Shapley values of ``ens`` for rows ``X`` over the
    background ``B`` (``weights`` sum to 1; default uniform). ``owner`` maps the trees'
    columns to ``d`` players (a one-hot block moves as one). ``compiled``: None uses numba
    when installed, False forces the numpy walk."""
    X, B = np.atleast_2d(np.asarray(X)), np.atleast_2d(np.asarray(B))
    owner, d = _players(B, owner, d)
    w = np.full(len(B), 1.0 / len(B)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    WA, WB = shapley_table(min(d, int(ens.depth)))
    out = np.zeros((len(X), d, ens.value.shape[1]))
    kernel = _kernel() if compiled is not False else None
    if kernel is None:
        return _numpy_rows(ens, X, goes_left(ens, B), w, owner, d, (WA, WB), out)
    from limelight.explainers.trees.patterns import (
        background_patterns,
        tree_nodes,
        walk_by_patterns,
    )

    rule, player, tree = _arrays(ens, owner)
    nodes, tcol = tree_nodes(ens), _tcol(ens)
    bg = background_patterns(_decisions(ens, B, rule), w, nodes)
    step = int(np.clip(STEP_CELLS // max(1, len(player)), 64, 8192))
    for a in range(0, len(X), step):
        check_cancelled()  # no model call here: a cancelled run stops between steps
        xl = _decisions(ens, X[a : a + step], rule)
        part = out[a : a + step]
        walk_by_patterns(kernel, xl, bg, player, tree, tcol, nodes, WA, WB, part, int(ens.depth))
    return out


def against_rows(
    ens,
    x: np.ndarray,
    B: np.ndarray,
    columns: list[int] | None = None,
    owner: np.ndarray | None = None,
    d: int | None = None,
) -> np.ndarray:
    """``(len(B), d, k)``: one row x's Shapley values against each background row (the
    streamed explainer's running mean needs them apart); ``columns`` keeps some outputs."""
    B = np.atleast_2d(np.asarray(B))
    owner, d = _players(B, owner, d)
    WA, WB = shapley_table(min(d, int(ens.depth)))
    kernel = _kernel(wait=False)  # one row: the numpy walk while the kernel compiles
    if kernel is None:
        from limelight.explainers.trees.walk_numpy import walk_row

        xl, bl = goes_left(ens, np.asarray(x)[None, :]), goes_left(ens, B)
        out = walk_row(ens, xl[0], bl, ens.value, (WA, WB), owner, d)
    else:
        out = np.zeros((len(B), d, ens.value.shape[1]))
        rule, player, tree = _arrays(ens, owner)
        xl, bl = _decisions(ens, np.asarray(x)[None, :], rule), _decisions(ens, B, rule)
        kernel(
            xl, bl, player, *tree, _tcol(ens), np.ones(len(B)), WA, WB, out, int(ens.depth), True
        )
    return out if columns is None else out[:, :, columns]


def _numpy_rows(ens, X, bl, w, owner, d, tables, out) -> np.ndarray:
    """Without numba: the vectorised walk of :func:`.walk_numpy.walk_row`, one x row at a time."""
    from limelight.explainers.trees.walk_numpy import walk_row

    for a in range(0, len(X), ROWS_PER_STEP):
        check_cancelled()
        xl = goes_left(ens, X[a : a + ROWS_PER_STEP])
        for i in range(len(xl)):
            phi = walk_row(ens, xl[i], bl, ens.value, tables, owner, d)  # (m, d, k)
            out[a + i] = np.tensordot(w, phi, axes=1)
    return out
