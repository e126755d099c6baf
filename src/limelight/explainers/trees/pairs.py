"""Interventional Shapley *interaction* values of a tree ensemble, by its paths:
``(rows, d, d, k)`` in shap's convention (off-diagonal: half the Shapley interaction
index; diagonal: the main effect, so each row of the matrix sums to the Shapley values).

Against one background row b, a leaf of value v that the walk of :mod:`.kernel` reaches
with the path's players split into A (only x goes the leaf's way: must be in S) and B
(only b does: must be out) adds the game ``g(S) = v [A in S] [B out of S]``. Its Möbius
coefficients are ``(-1)^|C|`` on ``A + C`` for every ``C`` in B, and the Shapley
interaction index is ``I_ij = sum over T >= {i, j} of m(T) / (|T| - 1)``; with
``1 / (t - 1) = integral of u^(t-2)`` the sums are Beta integrals (``a = |A|, b = |B|``):

- i, j both in A: ``(a-2)! b! / (a+b-1)!``
- one in A, one in B: ``-(a-1)! (b-1)! / (a+b-1)!``
- both in B: ``a! (b-2)! / (a+b-1)!``

(the Shapley value's ``(a-1)! b! / (a+b)!`` and ``-a! (b-1)! / (a+b)!`` come the same way).
Halved, these are shap's off-diagonal entries; the diagonal is the Shapley value minus its
row's off-diagonal sum.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from limelight.explainers.trees.readers import tree_ensemble
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> ens = tree_ensemble(DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1]), "predict")
    >>> interventional_pairs(ens, X[3:], X[:1])[0, :, :, 0].round(12).tolist()  # an AND
    [[0.0, 0.5], [0.5, 0.0]]
"""

from __future__ import annotations

import numpy as np

from limelight._cancel import check as check_cancelled
from limelight._compiled import Compiled
from limelight.explainers.trees.rules import goes_left

STEP_CELLS = 8_000_000  # (rows x nodes) decisions at a time: 8 MB
PAIR_CELLS = 4_000_000  # (rows or walkers) x d x d pair values held at a time: ~32 MB


def pair_tables(depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(AA, AB, BB)[a, b]``: half the interaction index a leaf adds to a pair of players
    both in A, one in each, both in B (see the module); zero where no such pair exists."""
    from scipy.special import gammaln

    a, b = np.meshgrid(np.arange(depth + 1), np.arange(depth + 1), indexing="ij")
    lg = lambda n: gammaln(np.maximum(n, 0) + 1)  # noqa: E731 - log n!
    total = lg(a + b - 1)
    with np.errstate(invalid="ignore", over="ignore"):
        AA = np.where(a >= 2, 0.5 * np.exp(lg(a - 2) + lg(b) - total), 0.0)
        AB = np.where((a >= 1) & (b >= 1), -0.5 * np.exp(lg(a - 1) + lg(b - 1) - total), 0.0)
        BB = np.where(b >= 2, 0.5 * np.exp(lg(a) + lg(b - 2) - total), 0.0)
    return AA, AB, BB


def _walk_pairs(xl, bl, player, left, right, root, value, c, w, WA, WB, AA, AB, BB, out, depth):
    """One tree (``root``, adding to output column ``c``; -1: all) walked for the rows'
    decisions ``xl`` (n, nodes) against the background's ``bl`` (m, nodes) with weights
    ``w``, adding into ``out`` (n, p, p, k): Shapley values on the diagonal, half the
    interaction index off it. ``player`` maps nodes to 0..p-1. Compiled by numba."""
    n, m, k = xl.shape[0], bl.shape[0], value.shape[1]
    size = depth + 2
    s_node = np.empty(size, np.int64)
    s_a = np.empty(size, np.int64)
    s_b = np.empty(size, np.int64)
    s_p = np.empty(size, np.int64)
    s_f = np.empty(size, np.int64)
    path = np.empty(size, np.int64)
    from_x = np.empty(size, np.bool_)
    for i in range(n):
        for j in range(m):
            wj = w[j]
            s_node[0], s_a[0], s_b[0], s_p[0], s_f[0] = root, 0, 0, 0, -1
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
                    continue
                wa, wb = WA[a, b] * wj, WB[a, b] * wj
                aa, ab, bb = AA[a, b] * wj, AB[a, b] * wj, BB[a, b] * wj
                for r in range(p):
                    fr = path[r]
                    s = wa if from_x[r] else -wb
                    for kk in range(k):
                        if c < 0 or kk == c:
                            out[i, fr, fr, kk] += s * value[node, kk]
                    for q in range(r + 1, p):
                        fq = path[q]
                        if from_x[r] and from_x[q]:
                            s = aa
                        elif from_x[r] or from_x[q]:
                            s = ab
                        else:
                            s = bb
                        for kk in range(k):
                            if c < 0 or kk == c:
                                add = s * value[node, kk]
                                out[i, fr, fq, kk] += add
                                out[i, fq, fr, kk] += add


_kernel = Compiled(pairs=_walk_pairs)


def interventional_pairs(
    ens,
    X: np.ndarray,
    B: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    owner: np.ndarray | None = None,
    d: int | None = None,
    compiled: bool | None = None,
    leaves: bool | None = None,
) -> np.ndarray:
    """``(len(X), d, d, k)`` interventional Shapley interaction values (shap's convention)
    of ``ens`` for rows ``X`` over the background ``B`` (``weights``; default uniform).
    ``owner`` maps the trees' columns to ``d`` players; ``compiled=False`` forces numpy;
    ``leaves``: score leaf by leaf (:mod:`.pair_leaves`) or walk (None: what suits ``ens``)."""
    from limelight.explainers.trees.kernel import (
        _arrays,
        _decisions,
        _players,
        _tcol,
        shapley_table,
    )
    from limelight.explainers.trees.patterns import background_patterns, tree_nodes

    X, B = np.atleast_2d(np.asarray(X)), np.atleast_2d(np.asarray(B))
    owner, d = _players(B, owner, d)
    w = np.full(len(B), 1.0 / len(B)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    depth = min(d, int(ens.depth))
    tables = (*shapley_table(depth), *pair_tables(depth))
    k = ens.value.shape[1]
    out = np.zeros((len(X), d, d, k))
    kernel = _kernel("pairs") if compiled is not False else None
    if kernel is None:
        _numpy_pairs(ens, X, goes_left(ens, B), w, owner, d, tables, out)
    else:
        from limelight.explainers.trees import pair_leaves

        rule, player, tree = _arrays(ens, owner)
        bl = _decisions(ens, B, rule)
        by_leaves = pair_leaves.usable(ens, d) if leaves is None else leaves
        if by_leaves:
            paths = pair_leaves.LeafPaths(player, tree, _tcol(ens))
        else:
            nodes, tcol = tree_nodes(ens), _tcol(ens)
            bg = background_patterns(bl, w, nodes)
        # rows a step: their decisions within STEP_CELLS, their (rows, d, d, k) pairs
        # within PAIR_CELLS (a tree's patterns are at most the step's rows)
        cap = min(STEP_CELLS // max(1, len(player)), PAIR_CELLS // (d * d * k))
        step = int(np.clip(cap, 1, 8192))
        for a in range(0, len(X), step):
            xl = _decisions(ens, X[a : a + step], rule)
            if by_leaves:
                paths.add(xl, bl, w, tables, out[a : a + step])
                continue
            _pairs_by_patterns(
                kernel, xl, bg, player, tree, tcol, nodes, tables, out[a : a + step], int(ens.depth)
            )
    return main_effects(out)


def _pairs_by_patterns(kernel, xl, bg, player, tree, tcol, nodes, tables, out, depth) -> None:
    """Add into ``out`` (rows, d, d, k) every tree's pairs for the rows' decisions ``xl``,
    each tree walked once per distinct pattern pair (:mod:`.patterns`), over its own
    players only (``local``: 0..p-1 on its nodes)."""
    from limelight.explainers.trees.patterns import patterns

    left, right, roots, value = tree
    k = out.shape[3]
    local = np.full(len(player), -1, np.int64)
    for t, t_nodes in enumerate(nodes):
        if not len(t_nodes):
            continue  # a single leaf: no player changes it
        if t % 16 == 0:
            check_cancelled()  # no model call here: a cancelled run stops between trees
        reps, inverse = patterns(xl, t_nodes)
        players = np.unique(player[t_nodes])
        local[t_nodes] = np.searchsorted(players, player[t_nodes])
        part = np.zeros((len(reps), len(players), len(players), k))
        b_dec, b_w = bg[t]
        kernel(
            np.ascontiguousarray(xl[reps]), b_dec, local, left, right, int(roots[t]),
            value, int(tcol[t]), b_w, *tables, part, depth,
        )  # fmt: skip
        local[t_nodes] = -1
        out[:, players[:, None], players[None, :]] += part[inverse]


def main_effects(out: np.ndarray) -> np.ndarray:
    """``out`` (n, d, d, k) with Shapley values on the diagonal -> the diagonal as the main
    effects (the Shapley value less the row's off-diagonal entries), in place."""
    d = out.shape[1]
    diag = np.arange(d)
    phi = out[:, diag, diag].copy()  # (n, d, k)
    out[:, diag, diag] = 0.0
    out[:, diag, diag] = phi - out.sum(axis=2)
    return out


def _numpy_pairs(ens, X, bl, w, owner, d, tables, out) -> None:
    """Without numba: every x row walked against the background as array operations
    (:func:`.walk_numpy.reached`), each finished walker scored over its pairs."""
    from limelight.explainers.trees.walk_numpy import _bits, reached

    WA, WB, AA, AB, BB = tables
    for i in range(len(X)):
        check_cancelled()
        xl = goes_left(ens, X[i : i + 1])[0]
        row, in_a, in_b, node = reached(ens, xl, bl, owner, d)
        step = max(1, PAIR_CELLS // (d * d))
        for s0 in range(0, len(row), step):
            part = slice(s0, s0 + step)
            a_bits, b_bits = _bits(in_a[part], d), _bits(in_b[part], d)
            na, nb = a_bits.sum(axis=1), b_bits.sum(axis=1)
            v = ens.value[node[part]] * w[row[part]][:, None]  # (walkers, k)
            fa, fb = a_bits.astype(float), b_bits.astype(float)
            pairs = (
                AA[na, nb][:, None, None] * fa[:, :, None] * fa[:, None, :]
                + AB[na, nb][:, None, None]
                * (fa[:, :, None] * fb[:, None, :] + fb[:, :, None] * fa[:, None, :])
                + BB[na, nb][:, None, None] * fb[:, :, None] * fb[:, None, :]
            )
            diag = np.arange(d)
            pairs[:, diag, diag] = WA[na, nb][:, None] * fa - WB[na, nb][:, None] * fb
            out[i] += np.einsum("npq,nk->pqk", pairs, v)
