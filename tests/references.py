"""Independent references shared by the tests: Shapley values from their permutation
definition, written without limelight (a Python loop per ordering)."""

from itertools import permutations

import numpy as np


def shapley_by_orderings(value, d):
    """phi_j = mean over all d! orderings of j's marginal contribution; ``value(S)`` is the
    coalition's value. Written independently of limelight: a Python loop per ordering."""
    orders = list(permutations(range(d)))
    seen = {}  # each coalition's value computed once (the same set recurs across orderings)

    def cached(S):
        key = frozenset(S)
        if key not in seen:
            seen[key] = value(S)
        return seen[key]

    total = 0.0
    for order in orders:
        S, prev, marg = [], cached([]), {}
        for j in order:
            S.append(j)
            cur = cached(S)
            marg[j], prev = cur - prev, cur
        total = total + np.stack([marg[j] for j in range(d)])
    return (total / len(orders)).T  # (k, d)


def brute_force_shapley(f, x, background):
    """Interventional Shapley values: a coalition's value is the mean of f over the
    background rows with the coalition's features taken from x."""
    x = np.asarray(x, dtype=float)
    background = np.asarray(background, dtype=float)

    def value(S):
        rows = background.copy()
        rows[:, list(S)] = x[list(S)]
        return f(rows).mean(axis=0)

    return shapley_by_orderings(value, len(x))


def shapley_by_subsets(value, d):
    """phi_j = sum over S without j of |S|! (d-|S|-1)! / d! (v(S + j) - v(S)), every
    coalition's value computed once; independent of limelight (a Python loop per subset)."""
    from itertools import combinations
    from math import factorial

    vals = {}
    for s in range(d + 1):
        for S in combinations(range(d), s):
            vals[S] = np.asarray(value(list(S)), dtype=float)
    phi = []
    for j in range(d):
        others = [i for i in range(d) if i != j]
        total = 0.0
        for s in range(d):
            w = factorial(s) * factorial(d - s - 1) / factorial(d)
            for S in combinations(others, s):
                total = total + w * (vals[tuple(sorted((*S, j)))] - vals[S])
        phi.append(total)
    return np.stack(phi)  # (d, ...)
