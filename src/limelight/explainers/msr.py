"""Regression-adjusted Monte Carlo Shapley values (Witter, Liu & Musco, NeurIPS 2025).

Fit a function ``f`` to the game on some coalitions, take ``f``'s Shapley values exactly,
and estimate the Shapley values of what is left, ``v - f``, by the unbiased maximum-sample-
reuse Monte Carlo sum on coalitions ``f`` never saw:

    phi_i = phi_i(f) + sum_S r(S) (p[|S|-1] [i in S] - p[|S|] [i not in S]) / D(S)

with ``r = v - f`` and Shapley's ``p[s] = 1 / (d comb(d-1, s))``; within one coalition size
(our strata, each sampled uniformly) the weight is ``r(S) (1/s if i in S else -1/(d-s))``.
Here ``f`` is the Leverage SHAP fit (``adjust="linear"``) plus, for ``adjust="tree"``,
gradient-boosted trees on its residuals, whose Shapley values on 0/1 coalition inputs are
exact (:mod:`.coalition_trees`). The coalitions are those of
:class:`~limelight.explainers.leverage.CoalitionDesign`, split in ``FOLDS`` folds
(cross-fitting): each fold's fit is made on the other folds, and its sum counts the
coalitions that fit saw exactly and estimates the rest of each size from this fold's
coalitions, a uniform draw from the ones the fit never saw, so each fold's estimate is
unbiased given its fit. Their mean gets the efficiency constraint exactly by projection,
which keeps it unbiased (a function of the size alone, like the sum's empty and full
terms, moves every value equally).

    >>> import numpy as np
    >>> from limelight.explainers.leverage import estimate_game
    >>> game = lambda z: (z @ [1.0, 2.0, 3.0])[:, None]
    >>> est = list(estimate_game(game, 3, budget=8, rng=np.random.default_rng(0), adjust="tree"))[-1]
    >>> est.values.round(9).tolist()
    [[1.0, 2.0, 3.0]]
"""

from __future__ import annotations

from math import comb

import numpy as np

from .coalition_design import CoalitionDesign
from .coalition_trees import boost_groups, route_groups, tree_shapley
from .leverage import TabularLeverage, leverage_fit

# below this many coalitions per feature each fold's fit is too noisy for its correction
# (measured: a 201-token text at 1,000 coalitions lost every planted cue), so Leverage SHAP
MIN_PER_FEATURE = 10
# cross-fitting folds: each fit sees (FOLDS - 1) / FOLDS of the sampled coalitions. Measured
# (bench/shapley_estimators.py, d = 30 and 60): 3 folds cut the error 5-10% against 2; 4
# gain little more for a third more time
FOLDS = 3
TREES = {"n_trees": 25, "depth": 4, "rate": 0.2, "min_leaf": 4}  # tuned in bench: error vs time


def _adjust_with_trees(z, fits, tests, K: int) -> list:
    """Boosted trees on each fold's linear residuals (fitted on its training rows, all folds
    in one pass): each fold's residuals after its trees (training rows: the fit's own
    residuals; test rows: routed through that fold's trees) and its trees' Shapley values."""
    d = z.shape[1]
    train = [np.flatnonzero(~t) for t in tests]
    test = [np.flatnonzero(t) for t in tests]
    tr, te = np.concatenate(train), np.concatenate(test)
    g_tr = np.concatenate([np.full(len(i), f) for f, i in enumerate(train)])
    g_te = np.concatenate([np.full(len(i), f) for f, i in enumerate(test)])
    out = [(r.copy(), np.zeros((d, r.shape[1]))) for _, r in fits]
    for j in range(fits[0][1].shape[1]):
        R = np.concatenate([fits[f][1][train[f], j] for f in range(K)])
        trees, res = boost_groups(z[tr], R, g_tr, K, **TREES)
        pred = route_groups(trees, z[te], g_te)
        phi_trees = tree_shapley(trees, d)  # (K, d): every fold's at once
        for f, (r, phi) in enumerate(out):
            r[train[f], j] = res[g_tr == f]
            r[test[f], j] -= pred[g_te == f]
            phi[:, j] = phi_trees[f]
    return out


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
    """Cross-fitted regression-adjusted values and standard errors, each ``(groups, d, k)``,
    for each group's coalitions (arrays as :func:`~.leverage.leverage_fit`'s)."""
    fits = [_msr_one(design, z[g], y[g], cls, unit, delta[g], adjust) for g in range(len(z))]
    return np.stack([f[0] for f in fits]), np.stack([f[1] for f in fits])


def _linear(design, z, y, cls, unit, delta, **options):
    """:func:`~.leverage.leverage_fit` on one group's arrays."""
    phi, se = leverage_fit(design, z[None], y[None], cls, unit, delta[None], **options)
    return phi[0], None if se is None else se[0]


def _msr_one(design: CoalitionDesign, z, y, cls, unit, delta, adjust: str):
    """One game's values and standard errors ``(d, k)``: for each of ``FOLDS`` folds, a
    fit on the other folds and its correction on this one."""
    d, K = design.d, FOLDS
    enum = design.enumerated[cls]
    fold = _folds(cls, unit, K)
    sampled = np.flatnonzero(~design.enumerated & (design.drawn > 0))
    n_cls = len(design.classes)
    fold_units = [np.bincount(cls[~enum & (fold == f)], minlength=n_cls) // 2 for f in range(K)]
    if len(z) < MIN_PER_FEATURE * d or any(np.any(t[sampled] < 2) for t in fold_units):
        return _linear(design, z, y, cls, unit, delta)  # too few to cross-fit
    sizes = z.sum(axis=1)
    inv_c = 1.0 / np.array([float(comb(d, s)) for s in range(d + 1)])[sizes]
    sign = np.where(
        z, 1.0 / np.maximum(sizes, 1)[:, None], -1.0 / np.maximum(d - sizes, 1)[:, None]
    )
    sign -= sign.mean(axis=1, keepdims=True)  # the projection onto sum-zero corrections
    weight = inv_c[:, None] * sign  # (n, d): a coalition's residual -> its correction
    tests = [~enum & (fold == f) for f in range(K)]
    fits = []  # per fold: the linear fit on the other folds, and its residuals
    for f, test in enumerate(tests):
        counts = np.where(design.enumerated, design.drawn, design.drawn - fold_units[f])
        tr = ~test
        beta, _ = _linear(
            design, z[tr], y[tr], cls[tr], unit[tr], delta, counts=counts, with_se=False
        )
        fits.append((beta, y - z @ beta))
    if adjust == "tree":
        adjusted = _adjust_with_trees(z, fits, tests, K)
        fits = [(beta + phi_t, r) for (beta, _), (r, phi_t) in zip(fits, adjusted)]
    ests, variances = [], []
    for f, ((phi_f, r), test) in enumerate(zip(fits, tests)):
        # the Monte Carlo sum of r over every coalition: the training coalitions' terms
        # exactly (r is known there), the rest of each class estimated from this fold, a
        # uniform draw from the coalitions the fit did not see (so unbiased given the fit)
        nt = fold_units[f]
        unseen = design.units - (design.drawn - nt)
        factor = np.where(test, unseen[cls] / np.maximum(nt[cls], 1), 1.0)
        # the empty and full coalitions' terms are the same for every feature: the
        # projection below (efficiency) accounts for them exactly
        ests.append(phi_f + np.einsum("n,nd,nk->dk", factor, weight, r))
        variances.append(_correction_variance(design, sampled, test, cls, unit, weight, r, nt))
    phi = sum(ests) / K
    phi += ((delta - phi.sum(axis=0)) / d)[None, :]  # efficiency, exactly
    return phi, np.sqrt(sum(variances)) / K


def _correction_variance(design, sampled, test, cls, unit, weight, r, nt) -> np.ndarray:
    """The variance ``(d, k)`` of one fold's correction: per size class, the spread of its
    test units' terms, finite-population corrected as if the folds' (disjoint) draws were
    one draw of every drawn unit. The folds' estimates share their fits' data, and this
    leaves out that covariance; measured over 150 seeds (d = 10, 300 and 600 coalitions,
    exact reference) MSE / mean(se^2) is 0.95-1.06 per feature (median), 0.76-1.25 for
    the extremes, where each fold's own correction gave 1.2-1.5."""
    var = np.zeros((weight.shape[1], r.shape[1]))
    sel = np.flatnonzero(test & np.isin(cls, sampled))
    if not len(sel):
        return var
    order = sel[np.lexsort((unit[sel], cls[sel]))]  # by class, a unit's two coalitions adjacent
    per = weight[order][:, :, None] * r[order][:, None, :]
    G = per.reshape(-1, 2, *per.shape[1:]).sum(axis=1)  # (units, d, k)
    c_unit = cls[order][::2]
    starts = np.flatnonzero(np.r_[True, c_unit[1:] != c_unit[:-1]])
    counts = np.diff(np.r_[starts, len(c_unit)])
    c = c_unit[starts]
    mean = np.add.reduceat(G, starts, axis=0) / counts[:, None, None]
    ss = np.add.reduceat((G - np.repeat(mean, counts, axis=0)) ** 2, starts, axis=0)
    fpc = np.maximum(0.0, 1 - design.drawn[c] / design.units[c])
    scale = design.units[c] ** 2 / nt[c] * fpc / np.maximum(counts - 1, 1)
    scale[counts < 2] = np.nan  # one unit: no spread to read (as np.var with ddof=1)
    return var + np.einsum("c,cdk->dk", scale, ss)


class TabularMsr(TabularLeverage):
    """Regression-adjusted Monte Carlo Shapley values over a tabular model's background
    (see the module docstring), on Leverage SHAP's coalitions: ``adjust="tree"`` (boosted
    trees on the linear fit's residuals) or ``"linear"``. Below ``MIN_PER_FEATURE``
    coalitions per feature it returns Leverage SHAP's values. Options as
    :class:`TabularLeverage`.

        >>> TabularMsr(adjust="linear").adjust
        'linear'
    """

    name = "msr"
    # each group fits its own trees: measured (bench/shapley_estimators.py, d = 30) 4
    # groups take most of the groups' gain (MLP 3.75% -> 2.36%, 8: 2.26%)
    max_groups = 4

    def __init__(self, *, adjust: str = "tree", **options) -> None:
        if adjust not in ("tree", "linear"):
            from ..errors import InputError

            raise InputError(f"adjust={adjust!r}", fix="use adjust='tree' or 'linear'")
        super().__init__(**options)
        self.adjust = adjust
