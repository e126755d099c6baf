"""Walking each tree once per distinct way through it, not once per row.

A tree's walk for a row x against a background row b reads only x's and b's decisions at
that tree's splits. Rows with the same decisions there (a "pattern") get the same
contribution, so per tree the walk runs over the distinct x patterns against the
distinct background patterns (their weights summed) and each row takes its pattern's
result. A depth-3 tree has at most 8 leaves: 1,000 rows fall in ~40 patterns and 100
background rows in ~20, against 100,000 pairs walked one by one.

    >>> import numpy as np
    >>> dec = np.array([[1, 0, 1], [1, 0, 1], [0, 0, 1]], dtype=bool)
    >>> reps, inverse = patterns(dec, np.array([0, 2]))
    >>> reps.tolist(), inverse.tolist()
    ([2, 0], [1, 1, 0])
"""

from __future__ import annotations

import numpy as np


def tree_nodes(ens) -> list[np.ndarray]:
    """The split (non-leaf) nodes of each tree of ``ens``, found from its roots."""
    n = len(ens.feature)
    tree = np.full(n, -1, dtype=np.int64)
    tree[np.asarray(ens.roots, dtype=np.int64)] = np.arange(len(ens.roots))
    inner = np.asarray(ens.feature) >= 0
    front = np.asarray(ens.roots, dtype=np.int64)
    for _ in range(int(ens.depth) + 1):
        front = front[inner[front]]
        if not len(front):
            break
        kids = np.concatenate([ens.left[front], ens.right[front]]).astype(np.int64)
        tree[kids] = np.concatenate([tree[front], tree[front]])
        front = kids
    split = np.flatnonzero(inner & (tree >= 0))
    order = np.argsort(tree[split], kind="stable")
    split = split[order]
    bounds = np.searchsorted(tree[split], np.arange(len(ens.roots) + 1))
    return [split[bounds[t] : bounds[t + 1]] for t in range(len(ens.roots))]


def patterns(dec: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(reps, inverse)``: one row index per distinct pattern of ``dec[:, nodes]`` (in
    a fixed order: the same patterns give the same order whatever the other rows), and
    each row's pattern."""
    if len(nodes) == 0:
        return np.zeros(1, np.int64), np.zeros(len(dec), np.int64)
    if len(nodes) < 63:  # the pattern as the bits of one integer: a fast sort
        keys = dec[:, nodes].astype(np.int64) @ (np.int64(1) << np.arange(len(nodes)))
    else:
        keys = np.ascontiguousarray(dec[:, nodes]).view(np.dtype((np.void, len(nodes))))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def background_patterns(bl: np.ndarray, w: np.ndarray, nodes: list[np.ndarray]) -> list:
    """Per tree: the distinct background decision rows and their summed weights."""
    out = []
    for t_nodes in nodes:
        reps, inverse = patterns(bl, t_nodes)
        out.append((np.ascontiguousarray(bl[reps]), np.bincount(inverse, weights=w)))
    return out


def walk_by_patterns(kernel, xl, bg, player, tree, tcol, nodes, WA, WB, out, depth) -> None:
    """Add into ``out`` (rows, d, k) every tree's contributions for the rows' decisions
    ``xl``, walking each tree (the compiled ``kernel``) once per distinct pattern pair;
    ``bg`` from :func:`background_patterns`."""
    left, right, roots, value = tree
    k = out.shape[2]
    for t, t_nodes in enumerate(nodes):
        if not len(t_nodes):
            continue  # a single leaf: the same output with or without any player
        reps, inverse = patterns(xl, t_nodes)
        b_dec, b_w = bg[t]
        part = np.zeros((len(reps), out.shape[1], k))
        kernel(
            np.ascontiguousarray(xl[reps]),
            b_dec,
            player,
            left,
            right,
            roots[t : t + 1],
            value,
            tcol[t : t + 1],
            b_w,
            WA,
            WB,
            part,
            depth,
            False,
        )
        players = np.unique(player[t_nodes])
        out[:, players] += part[:, players][inverse]
