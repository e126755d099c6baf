"""Gradient-boosted regression trees on 0/1 coalition inputs, for the regression
adjustment of :mod:`.msr`: several independent fits at once (one per cross-fitting fold,
``group``), grown level by level with a few ``bincount`` calls per level, and the exact
Shapley values of each fit (a leaf is a game ``[A in S, B out of S]``).

    >>> import numpy as np
    >>> z = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 4, bool)
    >>> trees, _ = boost_groups(z, z[:, 0] * 2.0, np.zeros(16, int), 1,
    ...                         n_trees=1, depth=1, rate=1.0, min_leaf=1)
    >>> tree_shapley(trees, 2, 0).round(9).tolist()       # the game 2 * [feature 0 in S]
    [2.0, 0.0]
"""

from __future__ import annotations

from math import factorial

import numpy as np

# a tree: its split feature per group, level and node (-1: none), (G, 2**lv) per level,
# and its leaf values (G, 2**depth)
Tree = tuple[list[np.ndarray], np.ndarray]


def boost_groups(
    z: np.ndarray,
    r: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    *,
    n_trees: int,
    depth: int,
    rate: float,
    min_leaf: int,
) -> tuple[list[Tree], np.ndarray]:
    """Boosted trees (squared loss) on boolean ``z`` ``(n, d)`` for targets ``r`` ``(n,)``,
    one independent ensemble per ``group`` value; returns the trees (the first holds each
    group's mean) and each row's final residual (``r`` minus its group's fit)."""
    order = np.argsort(group, kind="stable")
    if np.any(order != np.arange(len(order))):  # rows grouped together, then put back
        trees, resid = boost_groups(
            z[order], r[order], group[order], n_groups,
            n_trees=n_trees, depth=depth, rate=rate, min_leaf=min_leaf,
        )  # fmt: skip
        return trees, resid[np.argsort(order)]
    zb = np.asarray(z, bool)
    n, d = zb.shape
    G, D = n_groups, depth
    bounds = np.r_[0, np.cumsum(np.bincount(group, minlength=G))]
    z1 = np.hstack([zb, np.ones((n, 1), bool)]).astype(np.float32)  # last column: counts
    rows = np.arange(n)
    cnt0 = np.maximum(np.bincount(group, minlength=G), 1)
    mean = np.bincount(group, r, G) / cnt0
    resid = r - mean[group]
    base = np.zeros((G, 2**D))
    base[:, 0] = mean
    trees: list[Tree] = [([np.full((G, 2**lv), -1) for lv in range(D)], base)]
    for _ in range(n_trees):
        node, feats = np.zeros(n, int), []
        for lv in range(D):
            GL = G * 2**lv
            key = group * 2**lv + node
            ones, sums = _node_sums(z1, node, resid, bounds, 2**lv)
            n1, s1, cnt, tot = ones[:, :d], sums[:, :d], ones[:, d:], sums[:, d:]
            n0, s0 = cnt - n1, tot - s1
            gain = s1**2 / np.maximum(n1, 1) + s0**2 / np.maximum(n0, 1)
            gain[(n1 < min_leaf) | (n0 < min_leaf)] = -np.inf
            j = np.argmax(gain, axis=1)
            top = gain[np.arange(GL), j]
            best = top - tot[:, 0] ** 2 / np.maximum(cnt[:, 0], 1)  # the split's gain
            f = np.where(best > 1e-4 * np.abs(top), j, -1)  # beyond float32's rounding
            feats.append(f.reshape(G, -1))
            fn = f[key]
            node = 2 * node + (zb[rows, np.maximum(fn, 0)] & (fn >= 0))
        leaf = group * 2**D + node
        values = rate * np.bincount(leaf, resid, G * 2**D)
        values /= np.maximum(np.bincount(leaf, minlength=G * 2**D), 1)
        resid -= values[leaf]
        trees.append((feats, values.reshape(G, -1)))
    return trees, resid


def _node_sums(z1, node, resid, bounds, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group and node (``(G * L, d + 1)`` each): the rows' sums of ``z1`` (counts per
    feature, then the row count) and of ``resid * z1``, one float32 product per group (its
    rows are ``bounds[g]:bounds[g + 1]``; measured fastest here, and float32 only steers
    the choice of splits)."""
    ones, sums = [], []
    for g in range(len(bounds) - 1):
        a, b = bounds[g], bounds[g + 1]
        both = np.zeros((2 * L, b - a), np.float32)
        both[node[a:b], np.arange(b - a)] = 1.0
        both[L + node[a:b], np.arange(b - a)] = resid[a:b]
        out = (both @ z1[a:b]).astype(float)
        ones.append(out[:L])
        sums.append(out[L:])
    return np.concatenate(ones), np.concatenate(sums)


def route_groups(trees: list[Tree], z: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each row's fit ``(n,)``: the sum of its group's trees on boolean ``z``."""
    zb = np.asarray(z, bool)
    rows, out = np.arange(len(zb)), np.zeros(len(zb))
    for feats, values in trees:
        node = np.zeros(len(zb), int)
        for f in feats:
            fn = f[group, node]
            node = 2 * node + (zb[rows, np.maximum(fn, 0)] & (fn >= 0))
        out += values[group, node]
    return out


def tree_shapley(trees: list[Tree], d: int, g: int) -> np.ndarray:
    """Exact Shapley values ``(d,)`` of the game ``S -> fit_g(1_S)``, every leaf at once. A
    leaf with value ``v`` is ``v * [A in S, B out of S]`` (``A``: the features its path
    needs, ``B``: those it forbids); each of the ``a`` needed features gets
    ``v (a-1)! b! / (a+b)!`` and each of the ``b`` forbidden ones ``-v a! (b-1)! / (a+b)!``
    (they add up to the leaf's full - empty; a leaf needing and forbidding one feature is
    never reached)."""
    depth = len(trees[0][0])
    values = np.stack([t[1][g] for t in trees])  # (T, 2**depth)
    T, L = values.shape
    leaf, tt = np.arange(L), np.arange(T)[:, None]
    need, forbid = np.zeros((T, L, d + 1), bool), np.zeros((T, L, d + 1), bool)
    for lv in range(depth):
        f = np.stack([t[0][lv][g] for t in trees])[:, leaf >> (depth - lv)]  # (T, L)
        split = f >= 0
        go = ((leaf >> (depth - 1 - lv)) & 1).astype(bool)[None, :]
        need[tt, leaf, np.where(split & go, f, d)] = True  # no split: the spare column d
        forbid[tt, leaf, np.where(split & ~go, f, d)] = True
    need, forbid = need[..., :d], forbid[..., :d]
    a, b = need.sum(axis=2), forbid.sum(axis=2)
    fact = np.array([float(factorial(i)) for i in range(depth + 1)])
    v = np.where(~(need & forbid).any(axis=2), values, 0.0) / fact[a + b]
    wn = v * fact[np.maximum(a - 1, 0)] * fact[b]
    wf = v * fact[a] * fact[np.maximum(b - 1, 0)]
    return np.einsum("tl,tld->d", wn, need) - np.einsum("tl,tld->d", wf, forbid)
