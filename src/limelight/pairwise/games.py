"""Pairwise Shapley interaction values of any model from its coalition values
``v(S) = mean over the background of f(x_S, b_{not S})``: exactly by enumerating all
``2**d`` coalitions, or sampled by permutations (with a standard error).

The Shapley interaction index of players i and j (Grabisch) is

    I_ij = sum over S without i, j of |S|! (d-|S|-2)! / (d-1)! * (v(S+ij) - v(S+i) - v(S+j) + v(S))

shap's convention halves it off the diagonal and puts the main effect ``phi_i - sum over
j != i`` on the diagonal, so each row of the matrix sums to the Shapley value ``phi_i``.

Sampling (as shapiq's permutation sampling): in a random ordering, two neighbours
``(pi_t, pi_t+1)`` meet after a predecessor set distributed exactly as the weights above
(the pair as one player among ``d - 1``), and each pair is a neighbour pair with chance
``2 / d``. So one ordering gives, from ``2d`` coalitions, an unbiased estimate of every
entry: ``d / 4`` times the neighbours' difference (zero for the other pairs), and the
Shapley values from the same prefixes; its rows sum to ``f(x) - base`` exactly.

    >>> import numpy as np
    >>> v = np.array([[0.0], [0.0], [0.0], [1.0]])  # an AND of two players: v(S) at mask S
    >>> (index_matrix(v, 2)[0].round(12) + 0.0).tolist()  # (k, d, d)
    [[0.0, 0.5], [0.5, 0.0]]
"""

from __future__ import annotations

from math import lgamma

import numpy as np

from ..explainers.shapley import all_masks, coalition_values, shapley_weights

ROWS_PER_CALL = 65_536  # hybrid rows per model call (as ExactShapley's)


def pair_weights(d: int) -> np.ndarray:
    """``w[s] = s! (d-s-2)! / (d-1)!`` for a predecessor set of size ``s = 0..d-2``."""
    return np.exp([lgamma(s + 1) + lgamma(d - s - 1) - lgamma(d) for s in range(max(0, d - 1))])


def index_matrix(v: np.ndarray, d: int) -> np.ndarray:
    """``(k, d, d)`` interaction values (shap's convention) from the values ``v`` (2**d, k)
    of every coalition, coalition ``S`` at the integer whose bits are S."""
    ids = np.arange(2**d)
    sizes = np.bitwise_count(ids) if hasattr(np, "bitwise_count") else all_masks(d).sum(axis=1)
    w = pair_weights(d)
    phi = shapley_weights(all_masks(d)) @ v  # (d, k)
    out = np.zeros((d, d, v.shape[1]))
    for i in range(d):
        for j in range(i + 1, d):
            S = ids[((ids >> i) & 1 == 0) & ((ids >> j) & 1 == 0)]
            bi, bj = 1 << i, 1 << j
            delta = v[S | bi | bj] - v[S | bi] - v[S | bj] + v[S]
            out[i, j] = out[j, i] = 0.5 * (w[sizes[S]] @ delta)
    diag = np.arange(d)
    out[diag, diag] = phi - out.sum(axis=1)
    return out.transpose(2, 0, 1)


def exact(model, inst, rows_per_call: int = ROWS_PER_CALL) -> tuple[np.ndarray, np.ndarray]:
    """``(values (k, d, d), v)``: the exact matrix of ``inst``'s row over its background
    by all ``2**d`` coalitions (``v``: their values, v[0] the base, v[-1] the prediction)."""
    masks = all_masks(inst.d)
    chunk = max(1, rows_per_call // inst.m)
    v = np.concatenate(
        [coalition_values(model, inst, masks[a : a + chunk]) for a in range(0, len(masks), chunk)]
    )
    return index_matrix(v, inst.d), v


def ordering_masks(order: np.ndarray) -> np.ndarray:
    """``(P, 2d, d)`` coalitions one ordering needs: the prefixes ``P_0..P_d`` (d + 1) and
    ``P_t + pi_t+1`` for ``t = 0..d-2`` (the neighbours' other side)."""
    n, d = order.shape
    rank = np.argsort(order, axis=1)  # position of each feature
    t = np.arange(d + 1)[None, :, None]
    prefixes = rank[:, None, :] < t
    s = np.arange(d - 1)[None, :, None]
    skips = (rank[:, None, :] < s) | (rank[:, None, :] == s + 1)
    return np.concatenate([prefixes, skips], axis=1)


def ordering_estimates(order: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``(P, k, d, d)``: each ordering's unbiased estimate from its coalitions' values
    ``v`` (P, 2d, k) in :func:`ordering_masks`' order."""
    n, d = order.shape
    k = v.shape[2]
    pre, skip = v[:, : d + 1], v[:, d + 1 :]
    rows = np.arange(n)[:, None]
    est = np.zeros((n, d, d, k))
    if d >= 2:
        t = np.arange(d - 1)
        delta = pre[:, t + 2] - pre[:, t + 1] - skip[:, t] + pre[:, t]  # (P, d-1, k)
        a, b = order[:, :-1], order[:, 1:]
        est[rows, a, b] = est[rows, b, a] = (d / 4.0) * delta
    phi = np.zeros((n, d, k))
    phi[rows, order] = pre[:, 1:] - pre[:, :-1]
    diag = np.arange(d)
    est[:, diag, diag] = phi - est.sum(axis=2)
    return est.transpose(0, 3, 1, 2)


def sampled(
    model, inst, n_permutations: int, rng: np.random.Generator, rows_per_call: int = ROWS_PER_CALL
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(values, stderr, base, prediction)`` of ``inst``'s row by ``n_permutations``
    random orderings (values and stderr ``(k, d, d)``)."""
    d = inst.d
    order = np.argsort(rng.random((n_permutations, d)), axis=1)
    per_call = max(1, rows_per_call // (2 * d * inst.m))
    total = total_sq = 0.0
    ends = None
    for a in range(0, n_permutations, per_call):
        part = order[a : a + per_call]
        masks = ordering_masks(part)
        v = coalition_values(model, inst, masks.reshape(-1, d)).reshape(len(part), 2 * d, -1)
        est = ordering_estimates(part, v)
        total = total + est.sum(axis=0)
        total_sq = total_sq + (est**2).sum(axis=0)
        ends = (v[0, 0], v[0, d])
    mean = total / n_permutations
    if n_permutations > 1:
        var = np.maximum(total_sq / n_permutations - mean**2, 0.0) * n_permutations
        stderr = np.sqrt(var / (n_permutations - 1) / n_permutations)
    else:
        stderr = np.full_like(mean, np.inf)
    return mean, stderr, ends[0], ends[1]
