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
terms, moves every value equally). The fit and its correction are
:func:`~.regression_fits.msr_estimate`.

    >>> import numpy as np
    >>> from limelight.explainers.leverage import estimate_game
    >>> game = lambda z: (z @ [1.0, 2.0, 3.0])[:, None]
    >>> est = list(estimate_game(game, 3, budget=8, rng=np.random.default_rng(0), adjust="tree"))[-1]
    >>> est.values.round(9).tolist()
    [[1.0, 2.0, 3.0]]
"""

from __future__ import annotations

from .leverage import TabularLeverage


class TabularMsr(TabularLeverage):
    """Regression-adjusted Monte Carlo Shapley values over a tabular model's background
    (see the module docstring), on Leverage SHAP's coalitions: ``adjust="tree"`` (boosted
    trees on the linear fit's residuals) or ``"linear"``. Below ``MIN_PER_FEATURE``
    (:mod:`.regression_fits`) coalitions per feature it returns Leverage SHAP's values. Options as
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
