"""Regression-adjusted Monte Carlo Shapley values (Witter, Liu & Musco, NeurIPS 2025).

Fit a function ``f`` to the game on some coalitions, take ``f``'s Shapley values exactly,
and estimate the Shapley values of what is left, ``v - f``, by the unbiased maximum-sample-
reuse Monte Carlo sum on coalitions ``f`` never saw:

    phi_i = phi_i(f) + sum_S r(S) (p[|S|-1] [i in S] - p[|S|] [i not in S]) / D(S)

with ``r = v - f`` and Shapley's ``p[s] = 1 / (d comb(d-1, s))``; within one coalition size
(our strata, each sampled uniformly) the weight is ``r(S) (1/s if i in S else -1/(d-s))``.
Here ``f`` is the Leverage SHAP fit (``adjust="linear"``) plus, for ``adjust="tree"``,
gradient-boosted trees on its residuals, whose Shapley values on 0/1 coalition inputs are
exact (:func:`leaf_shapley`). The coalitions are those of
:class:`~limelight.explainers.leverage.CoalitionDesign`, split in two folds (cross-fitting:
each fold's fit is corrected on the other fold), so the estimate stays unbiased; the
efficiency constraint is then imposed exactly by projection, which keeps it unbiased.

    >>> import numpy as np
    >>> from limelight.explainers.leverage import estimate_game
    >>> game = lambda z: (z @ [1.0, 2.0, 3.0])[:, None]
    >>> est = list(estimate_game(game, 3, budget=8, rng=np.random.default_rng(0), adjust="tree"))[-1]
    >>> est.values.round(9).tolist()
    [[1.0, 2.0, 3.0]]
"""

from __future__ import annotations

from math import comb, factorial

import numpy as np

from .leverage import CoalitionDesign, LeverageShap, leverage_fit

# below this many coalitions per feature each fold's fit is too noisy for its correction
# (measured: a 201-token text at 1,000 coalitions lost every planted cue), so Leverage SHAP
MIN_PER_FEATURE = 10
FOLDS = 2  # cross-fitting folds
TREES = {"n_trees": 25, "depth": 4, "rate": 0.2, "min_leaf": 4}  # tuned in bench: error vs time


def leaf_shapley(need, forbid, value: float, out: np.ndarray) -> None:
    """Add to ``out`` the Shapley values of ``value * [need in S and forbid not in S]``: each
    of the ``a`` needed features gets ``(a-1)! b! / (a+b)!`` of it, each of the ``b``
    forbidden ones ``-a! (b-1)! / (a+b)!`` (they add up to the game's full - empty)."""
    a, b = len(need), len(forbid)
    if a + b:
        v = value / factorial(a + b)
        out[list(need)] += v * factorial(a - 1) * factorial(b) if a else 0.0
        out[list(forbid)] -= v * factorial(a) * factorial(b - 1) if b else 0.0


def boost(
    z: np.ndarray, r: np.ndarray, *, n_trees: int, depth: int, rate: float, min_leaf: int
) -> list[tuple[list, np.ndarray]]:
    """Gradient-boosted regression trees (squared loss) on 0/1 coalition inputs ``z`` for
    targets ``r`` ``(n,)``, grown level by level (one matrix product per level): each tree
    is its split feature per node and level (-1: no split) and its ``2**depth`` leaf values
    (the first tree holds the mean)."""
    zb, zf = z.astype(bool), z.astype(float)
    n = len(r)
    resid = r - r.mean()
    trees = [([np.full(2**lv, -1) for lv in range(depth)], np.r_[r.mean(), np.zeros(2**depth - 1)])]
    rows = np.arange(n)
    for _ in range(n_trees):
        node, feats = np.zeros(n, int), []
        for lv in range(depth):
            L = 2**lv
            both = np.zeros((2 * L, n))  # per node: its indicator, then its residuals
            both[node, rows] = 1.0
            both[L + node, rows] = resid
            sums = both @ zf  # one product gives every node's counts and sums per feature
            cnt, tot = both[:L].sum(axis=1), both[L:].sum(axis=1)
            n1, s1 = sums[:L], sums[L:]
            n0, s0 = cnt[:, None] - n1, tot[:, None] - s1
            ok = (n1 >= min_leaf) & (n0 >= min_leaf)
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = np.where(ok, s1**2 / n1 + s0**2 / n0 - (tot**2 / cnt)[:, None], -np.inf)
            j = np.argmax(gain, axis=1)
            f = np.where(gain[np.arange(len(j)), j] > 1e-12, j, -1)
            feats.append(f)
            fn = f[node]
            node = 2 * node + (zb[rows, np.maximum(fn, 0)] & (fn >= 0))
        values = (
            rate
            * np.bincount(node, resid, 2**depth)
            / np.maximum(np.bincount(node, None, 2**depth), 1)
        )
        resid -= values[node]
        trees.append((feats, values))
    return trees


def _route(trees, z: np.ndarray) -> np.ndarray:
    """The boosted trees' sum on 0/1 inputs ``z``."""
    zb, rows, out = z.astype(bool), np.arange(len(z)), np.zeros(len(z))
    for feats, values in trees:
        node = np.zeros(len(z), int)
        for f in feats:
            fn = f[node]
            node = 2 * node + (zb[rows, np.maximum(fn, 0)] & (fn >= 0))
        out += values[node]
    return out


def _tree_shapley(trees, d: int) -> np.ndarray:
    """Exact Shapley values ``(d,)`` of the game ``S -> trees(1_S)``, leaf by leaf."""
    out = np.zeros(d)
    for feats, values in trees:
        depth = len(feats)
        for leaf in np.flatnonzero(values):
            need, forbid = set(), set()
            for lv, f in enumerate(feats):
                j = int(f[leaf >> (depth - lv)])
                if j >= 0:
                    (need if (leaf >> (depth - 1 - lv)) & 1 else forbid).add(j)
            if not need & forbid:
                leaf_shapley(need, forbid, float(values[leaf]), out)
    return out


def _fit_trees(z: np.ndarray, r: np.ndarray):
    """Boosted trees on residuals ``r`` ``(n, k)``: their predictor and Shapley values."""
    d, k = z.shape[1], r.shape[1]
    fits = [boost(z, r[:, j], **TREES) for j in range(k)]
    phi = np.stack([_tree_shapley(t, d) for t in fits], axis=1)

    def predict(x: np.ndarray) -> np.ndarray:
        return np.stack([_route(t, x) for t in fits], axis=1)

    return predict, phi


def _folds(cls: np.ndarray, unit: np.ndarray, k: int) -> np.ndarray:
    """Fold ``0 .. k-1`` of each coalition: a class's units take the folds in turn (in
    drawing order, which is random: each fold is a uniform sample of the class)."""
    fold = np.zeros(len(unit), int)
    for c in np.unique(cls):
        sel = np.flatnonzero(cls == c)
        ids, inv = np.unique(unit[sel], return_inverse=True)
        fold[sel] = inv % k
    return fold


def msr_estimate(design: CoalitionDesign, z, y, cls, unit, delta, *, adjust: str = "tree"):
    """Cross-fitted regression-adjusted values and standard errors, each ``(d, k)``: for each
    of ``FOLDS`` folds, a fit on the other folds and its correction on this one."""
    d, K = design.d, FOLDS
    enum = design.enumerated[cls]
    fold = _folds(cls, unit, K)
    sampled = np.flatnonzero(~design.enumerated & (design.drawn > 0))
    n_cls = len(design.classes)
    fold_units = [np.bincount(cls[~enum & (fold == f)], minlength=n_cls) // 2 for f in range(K)]
    if len(z) < MIN_PER_FEATURE * d or any(np.any(t[sampled] < 2) for t in fold_units):
        return leverage_fit(design, z, y, cls, unit, delta)  # too few to cross-fit
    sizes = z.sum(axis=1)
    inv_c = 1.0 / np.array([float(comb(d, int(s))) for s in sizes])
    sign = np.where(
        z, 1.0 / np.maximum(sizes, 1)[:, None], -1.0 / np.maximum(d - sizes, 1)[:, None]
    )
    sign -= sign.mean(axis=1, keepdims=True)  # the projection onto sum-zero corrections
    weight = inv_c[:, None] * sign  # (n, d): a coalition's residual -> its correction
    ests, variances = [], []
    for f in range(K):
        test = ~enum & (fold == f)
        train = ~test
        counts = np.where(design.enumerated, design.drawn, design.drawn - fold_units[f])
        beta, _ = leverage_fit(
            design, z[train], y[train], cls[train], unit[train], delta, counts=counts, with_se=False
        )
        r = y - z @ beta
        phi_f = beta.copy()
        if adjust == "tree":
            predict, phi_t = _fit_trees(z[train].astype(float), r[train])
            r = r - predict(z)
            phi_f += phi_t
        factor = np.zeros(len(z))
        factor[enum] = 1.0
        nt = fold_units[f]
        factor[test] = design.units[cls[test]] / np.maximum(nt[cls[test]], 1)
        # the empty and full coalitions' terms are the same for every feature: the
        # projection below (efficiency) accounts for them exactly
        ests.append(phi_f + np.einsum("n,nd,nk->dk", factor, weight, r))
        variances.append(_correction_variance(design, sampled, test, cls, unit, weight, r, nt))
    phi = sum(ests) / K
    phi += ((delta - phi.sum(axis=0)) / d)[None, :]  # efficiency, exactly
    return phi, np.sqrt(sum(variances)) / K


def _correction_variance(design, sampled, test, cls, unit, weight, r, nt) -> np.ndarray:
    """The variance ``(d, k)`` of one fold's stratified correction sum (its fit held
    fixed): per size class, the spread of its units' terms, finite-population corrected."""
    var = np.zeros((weight.shape[1], r.shape[1]))
    for c in sampled:
        sel = np.flatnonzero(test & (cls == c))
        order = sel[np.argsort(unit[sel], kind="stable")]  # a unit's two coalitions adjacent
        per = weight[order][:, :, None] * r[order][:, None, :]
        G = per.reshape(-1, 2, *per.shape[1:]).sum(axis=1)
        n_u = len(G)
        fpc = max(0.0, 1 - n_u / design.units[c])
        var += (design.units[c] / n_u) ** 2 * n_u * G.var(axis=0, ddof=1) * fpc
    return var


class MsrShap(LeverageShap):
    """Regression-adjusted Monte Carlo Shapley values over a tabular model's background
    (see the module docstring), on Leverage SHAP's coalitions: ``adjust="tree"`` (boosted
    trees on the linear fit's residuals) or ``"linear"``. Below ``MIN_PER_FEATURE``
    coalitions per feature it returns Leverage SHAP's values. Options as
    :class:`LeverageShap`.

        >>> MsrShap(adjust="linear").adjust
        'linear'
    """

    name = "msr"

    def __init__(self, *, adjust: str = "tree", **options) -> None:
        if adjust not in ("tree", "linear"):
            from ..errors import InputError

            raise InputError(f"adjust={adjust!r}", fix="use adjust='tree' or 'linear'")
        super().__init__(**options)
        self.adjust = adjust
