"""The regression fits behind Leverage SHAP and the regression-adjusted Monte Carlo
estimator (:mod:`.leverage`, :mod:`.msr`): from a :class:`~.coalition_design.CoalitionDesign`'s
coalitions ``z`` ``(groups, n, d)``, their values ``y`` ``(groups, n, k)`` (minus the base
value), size classes ``cls`` and units ``unit``, each group's Shapley values and standard
errors ``(groups, d, k)``.

- :func:`leverage_fit`: the constrained weighted least-squares (Kernel SHAP) regression with
  Leverage SHAP's weights, and its sandwich standard errors (:func:`_sandwich`);
- :func:`msr_estimate`: that fit (plus, for ``adjust="tree"``, boosted trees on its
  residuals) cross-fitted in ``FOLDS`` folds, corrected by the unbiased Monte Carlo sum of
  its residuals on coalitions it never saw.

:func:`~.leverage.estimate_game` draws the coalitions and calls these.
"""

from __future__ import annotations

from math import comb

import numpy as np

from .coalition_design import CoalitionDesign
from .coalition_trees import boost_groups, route_groups, tree_shapley


def leverage_fit(design: CoalitionDesign, z, y, cls, unit, delta, *, counts=None, with_se=True):
    """The constrained weighted least-squares values ``(groups, d, k)`` of each group from
    its coalitions ``z`` ``(groups, n, d)`` with values ``y`` ``(groups, n, k)`` (minus
    its base value; ``delta`` ``(groups, k)``) and, if ``with_se``, their standard errors.
    Every group has the same classes and units (``cls``, ``unit``) and so the same weights
    and sizes: the sums run over all groups at once. A unit's two coalitions are
    complements, so their projected rows are ``b`` and ``-b``: each unit contributes
    ``2 b b'`` to the normal equations and ``b (t1 - t2)`` to the right-hand side."""
    d = design.d
    counts = design.drawn if counts is None else counts
    order = np.lexsort((unit, cls))  # by class, a unit's two coalitions adjacent
    first, second = order[0::2], order[1::2]
    zh, ucls = z[:, first], cls[first]
    s = zh[0].sum(axis=-1).astype(float)  # the sizes of the units' first coalitions
    sw = np.sqrt(design.mass[ucls] / (design.per_unit * np.maximum(counts[ucls], 1)))
    B = zh.astype(float)  # the first coalitions' rows off the ones direction, times sqrt(w)
    B *= sw[:, None]
    B -= (s / d * sw)[:, None]
    t = y - z[0].sum(axis=-1)[None, :, None] * delta[:, None, :] / d
    dt = (t[:, first] - t[:, second]) * sw[None, :, None]  # (groups, units, k)
    BT = B.transpose(0, 2, 1)
    H = 2 * (BT @ B) + np.ones((d, d))  # + 11': the projected rows never move along 1
    try:
        Hinv = np.linalg.inv(H)
    except np.linalg.LinAlgError:  # too few coalitions to pin every value down
        Hinv = np.linalg.pinv(H)
    x = Hinv @ (BT @ dt)  # (groups, d, k)
    phi = x + delta[:, None, :] / d
    if not with_se:
        return phi, None
    return phi, _sandwich(design, counts, ucls, B, dt - 2 * (B @ x), Hinv)


def _sandwich(design: CoalitionDesign, counts, ucls, B, dr, Hinv) -> np.ndarray:
    """Standard errors ``(groups, d, k)`` from the sandwich (linearised) variance: each
    unit's influence ``Hinv p``, ``p = b (r1 - r2)`` (its first row ``B`` and weighted
    residuals' difference ``dr``, units sorted by class), its spread within each sampled
    size class, finite-population corrected: ``diag(Hinv M Hinv)``, ``M`` the classes'
    scatter of ``p``, each scaled by ``n fpc / (n - 1)``, from ``Q = p sqrt(scale)`` as
    ``Q'Q - sum_c q_c q_c' / n_c`` (``q_c``: class c's sum of ``Q``)."""
    G, _, d = B.shape
    var = np.zeros((G, d, dr.shape[2]))
    per = np.bincount(ucls, minlength=len(design.classes))
    live = ~design.enumerated & (counts >= 2) & (per >= 2)
    cs = np.flatnonzero(live)
    if not len(cs):
        return var
    keep = np.flatnonzero(live[ucls])
    sel = slice(keep[0], keep[-1] + 1) if len(keep) == keep[-1] - keep[0] + 1 else keep
    n_c = per[cs].astype(float)
    root = np.sqrt(n_c * (1 - counts[cs] / design.units[cs]) / (n_c - 1))
    starts = np.r_[0, np.cumsum(per[cs])[:-1]]
    Bk = B[:, sel]
    for j in range(dr.shape[2]):
        Q = Bk * (dr[:, sel, j] * np.repeat(root, per[cs])[None, :])[..., None]
        q = np.add.reduceat(Q, starts, axis=1)  # (G, classes, d)
        M = Q.transpose(0, 2, 1) @ Q - (q.transpose(0, 2, 1) / n_c) @ q
        var[:, :, j] = ((Hinv @ M) * Hinv).sum(axis=-1)
    return np.sqrt(np.maximum(var, 0.0))


# below this many coalitions per feature each fold's fit is too noisy for its correction
# (measured: a 201-token text at 1,000 coalitions lost every planted cue), so Leverage SHAP
MIN_PER_FEATURE = 10
# cross-fitting folds: each fit sees (FOLDS - 1) / FOLDS of the sampled coalitions. Measured
# (bench/shapley_estimators.py, d = 30 and 60): 3 folds cut the error 5-10% against 2; 4
# gain little more for a third more time
FOLDS = 3
# the trees' settings, tuned in bench/shapley_families.py for error at shap Kernel's time:
# 10 trees at rate 0.4 had the error of 25 at 0.2 (within 5-10%, d = 14 and 30, five
# families) in ~half the fit's time; 6 at 0.5 lost 5-15% more
TREES = {"n_trees": 10, "depth": 4, "rate": 0.4, "min_leaf": 4}


def _adjust_with_trees(z, fits, tests, K: int) -> list:
    """Boosted trees on each group's and fold's linear residuals (fitted on the fold's
    training rows; every group and fold in one pass, ``g K + f`` their trees' group): each
    fold's residuals ``(G, n, k)`` after its trees (training rows: the fit's own residuals;
    test rows: routed through that fold's trees) and its trees' Shapley values ``(G, d, k)``."""
    G, _, d = z.shape
    train = [np.flatnonzero(~t) for t in tests]
    test = [np.flatnonzero(t) for t in tests]
    pairs = [(g, f) for g in range(G) for f in range(K)]  # tree group g K + f, in order
    g_of = np.concatenate([np.full(len(train[f]), g) for g, f in pairs])
    tr = np.concatenate([train[f] for _, f in pairs])
    gt_of = np.concatenate([np.full(len(test[f]), g) for g, f in pairs])
    te = np.concatenate([test[f] for _, f in pairs])
    gid = np.repeat(np.arange(G * K), [len(train[f]) for _, f in pairs])
    gid_te = np.repeat(np.arange(G * K), [len(test[f]) for _, f in pairs])
    cut = np.cumsum([len(train[f]) for _, f in pairs])[:-1]
    cut_te = np.cumsum([len(test[f]) for _, f in pairs])[:-1]
    z_tr, z_te = z[g_of, tr], z[gt_of, te]
    out = [(r.copy(), np.zeros((G, d, r.shape[2]))) for _, r in fits]
    for j in range(fits[0][1].shape[2]):
        R = np.concatenate([fits[f][1][g, train[f], j] for g, f in pairs])
        trees, res = boost_groups(z_tr, R, gid, G * K, **TREES)
        pred = route_groups(trees, z_te, gid_te)
        phi_trees = tree_shapley(trees, d).reshape(G, K, d)  # every group's and fold's
        for (g, f), res_gf, pred_gf in zip(pairs, np.split(res, cut), np.split(pred, cut_te)):
            r, phi = out[f]
            r[g, train[f], j] = res_gf
            r[g, test[f], j] -= pred_gf
            phi[g, :, j] = phi_trees[g, f]
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
    for each group's coalitions (arrays as :func:`leverage_fit`'s), and whether they are
    adjusted (False: too few coalitions to cross-fit, :func:`leverage_fit`'s values). Two
    outputs that are each other's negation (a binary classifier's two probabilities,
    minus their base values) are fitted once: the trees of ``-r`` are those of ``r``
    negated, so the second's values and errors follow exactly."""
    if _negated_pair(y, delta):
        phi, se, adjusted = msr_estimate(
            design, z, y[..., :1], cls, unit, delta[:, :1], adjust=adjust
        )
        return np.concatenate([phi, -phi], axis=2), np.concatenate([se, se], axis=2), adjusted
    return _msr_groups(design, z, y, cls, unit, delta, adjust)


def _negated_pair(y: np.ndarray, delta: np.ndarray) -> bool:
    """Whether ``y`` has two outputs, the second the first's negation (to rounding)."""
    if y.shape[-1] != 2:
        return False
    scale = max(float(np.abs(y[..., 0]).max(initial=0.0)), float(np.abs(delta).max()), 1e-300)
    gap = max(
        float(np.abs(y[..., 0] + y[..., 1]).max(initial=0.0)), float(np.abs(delta.sum(-1)).max())
    )
    return gap <= 1e-12 * scale


def _msr_groups(design: CoalitionDesign, z, y, cls, unit, delta, adjust: str):
    """Every group's values and standard errors ``(G, d, k)`` at once (the groups share
    their classes, units and so folds), and whether they are adjusted: for each of
    ``FOLDS`` folds, a fit on the other folds and its correction on this one."""
    d, K = design.d, FOLDS
    enum = design.enumerated[cls]
    fold = _folds(cls, unit, K)
    sampled = np.flatnonzero(~design.enumerated & (design.drawn > 0))
    n_cls = len(design.classes)
    fold_units = [np.bincount(cls[~enum & (fold == f)], minlength=n_cls) // 2 for f in range(K)]
    if z.shape[1] < MIN_PER_FEATURE * d or any(np.any(t[sampled] < 2) for t in fold_units):
        return (*leverage_fit(design, z, y, cls, unit, delta), False)  # too few to cross-fit
    sizes = z.sum(axis=2)  # (G, n)
    inv_c = 1.0 / np.array([float(comb(d, s)) for s in range(d + 1)])[sizes]
    inside, outside = 1.0 / np.maximum(sizes, 1), -1.0 / np.maximum(d - sizes, 1)
    sign = np.where(z, inside[..., None], outside[..., None])
    sign -= sign.mean(axis=2, keepdims=True)  # the projection onto sum-zero corrections
    weight = inv_c[..., None] * sign  # (G, n, d): a coalition's residual -> its correction
    tests = [~enum & (fold == f) for f in range(K)]
    fits = []  # per fold: the linear fit on the other folds, and its residuals
    for f, test in enumerate(tests):
        counts = np.where(design.enumerated, design.drawn, design.drawn - fold_units[f])
        tr = ~test
        beta, _ = leverage_fit(
            design, z[:, tr], y[:, tr], cls[tr], unit[tr], delta, counts=counts, with_se=False
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
        ests.append(phi_f + np.einsum("n,gnd,gnk->gdk", factor, weight, r))
        variances.append(_correction_variance(design, sampled, test, cls, unit, weight, r, nt))
    phi = sum(ests) / K
    phi += ((delta - phi.sum(axis=1)) / d)[:, None, :]  # efficiency, exactly
    return phi, np.sqrt(sum(variances)) / K, True


def _correction_variance(design, sampled, test, cls, unit, weight, r, nt) -> np.ndarray:
    """The variance ``(G, d, k)`` of one fold's correction, each group's: per size class,
    the spread of its test units' terms, finite-population corrected as if the folds'
    (disjoint) draws were one draw of every drawn unit. The folds' estimates share their fits' data, and this
    leaves out that covariance; measured over 150 seeds (d = 10, 300 and 600 coalitions,
    exact reference) MSE / mean(se^2) is 0.95-1.06 per feature (median), 0.76-1.25 for
    the extremes, where each fold's own correction gave 1.2-1.5."""
    var = np.zeros((weight.shape[0], weight.shape[2], r.shape[2]))
    sel = np.flatnonzero(test & np.isin(cls, sampled))
    if not len(sel):
        return var
    order = sel[np.lexsort((unit[sel], cls[sel]))]  # by class, a unit's two coalitions adjacent
    per = weight[:, order][..., None] * r[:, order][:, :, None, :]  # (G, 2 units, d, k)
    G = per.reshape(per.shape[0], -1, 2, *per.shape[2:]).sum(axis=2)  # (G, units, d, k)
    c_unit = cls[order][::2]
    starts = np.flatnonzero(np.r_[True, c_unit[1:] != c_unit[:-1]])
    counts = np.diff(np.r_[starts, len(c_unit)])
    c = c_unit[starts]
    mean = np.add.reduceat(G, starts, axis=1) / counts[None, :, None, None]
    ss = np.add.reduceat((G - np.repeat(mean, counts, axis=1)) ** 2, starts, axis=1)
    fpc = np.maximum(0.0, 1 - design.drawn[c] / design.units[c])
    scale = design.units[c] ** 2 / nt[c] * fpc / np.maximum(counts - 1, 1)
    scale[counts < 2] = np.nan  # one unit: no spread to read (as np.var with ddof=1)
    return var + np.einsum("c,gcdk->gdk", scale, ss)
