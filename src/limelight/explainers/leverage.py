"""Leverage SHAP (Musco & Witter, ICLR 2025) over any game: Shapley values as the Kernel
SHAP regression, with coalitions chosen by their leverage scores.

The Shapley values solve ``min ||W^(1/2) (Z phi - y)||`` over every coalition ``z``
(``y = v(z) - v(empty)``, kernel weights ``W``) subject to ``sum(phi) = v(full) - v(empty)``.
Projecting out the constraint (``phi = delta/d + P x``, ``P = I - 11'/d``) leaves an
unconstrained regression whose rows have leverage scores ``1 / comb(d, |z|)``: every
coalition *size* carries the same weight. So the design here

- gives every size the same number of coalitions, drawn without replacement (sizes whose
  coalitions all fit are enumerated: their estimate is exact);
- pairs each coalition with its complement (which makes the estimate exact for games
  with interactions up to order two);
- reweights each sampled coalition by its size's kernel mass over its count (a
  stratified estimate of the full regression), and solves the constraint exactly;
- reports a standard error from the sandwich (linearised) variance across pairs within
  each size, finite-population corrected.

:func:`estimate_game` runs it (and :mod:`.msr`'s regression adjustment; both fits are in
:mod:`.regression_fits`) on any ``game(masks) -> values``: tabular rows over a background,
tokens, image segments.

    >>> import numpy as np
    >>> game = lambda z: (z @ [1.0, 2.0, 3.0] + 4.0 * z[:, 0] * z[:, 1])[:, None]
    >>> est = list(estimate_game(game, 3, budget=6, rng=np.random.default_rng(0)))[-1]
    >>> est.values.round(9).tolist()          # exact: an interaction of order two
    [[3.0, 4.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from .base import Explainer
from .coalition_design import CoalitionDesign, Samples
from .kernel import call_rows
from .regression_fits import MIN_PER_FEATURE, leverage_fit, msr_estimate
from .shapley import (
    ROWS_PER_CALL,
    background_groups,
    coalition_values,
    group_values,
    tabular_explanation,
)

# "auto" background groups: one per background row up to this many (each draws its own
# coalitions: their errors average out across the groups; measured in
# bench/shapley_estimators.py)
MAX_GROUPS = 16
MIN_PAIRS_FOR_TOL = 8  # measured: at 3 pairs per size |error| / stderr reached 4


@dataclass
class GameEstimate:
    """One step of :func:`estimate_game`: values and standard errors ``(k, d)``."""

    values: np.ndarray
    stderr: np.ndarray | None
    base: np.ndarray
    pred: np.ndarray
    coalitions: int
    done: bool
    info: dict


def estimate_game(
    game: Callable[[np.ndarray], np.ndarray],
    d: int,
    *,
    budget: int,
    rng: np.random.Generator,
    batch: int = 4096,
    tol: float = 0.0,
    adjust: str | None = None,
    watched: bool = True,
    weights: np.ndarray | None = None,
    pilot: bool = False,
) -> Iterator[GameEstimate]:
    """Shapley values of ``game`` (boolean masks ``(n, d)`` -> values ``(n, k)``) from
    ``budget`` coalitions, one partial after each call of ``game`` of up to ``batch``
    coalitions. ``adjust``: None (Leverage SHAP), ``"linear"`` or ``"tree"`` (the
    regression-adjusted Monte Carlo estimator of :mod:`.msr` on the same coalitions).
    Stops early once every standard error is within ``tol * |v(full) - v(empty)|``.

    With ``weights`` ``(G,)`` (summing to 1), ``game`` is ``G`` games at once (masks
    ``(G, n, d)`` -> values ``(G, n, k)``: a background's groups of rows), each explained
    from ``budget`` coalitions of its own, drawn independently, and the values are their
    weighted mean: the Shapley values of the weighted mean game, with the coalitions'
    errors independent across the groups (:class:`TabularLeverage`). With ``pilot``, the
    first sampled coalitions (:func:`_pilot_units`, out of the budget) are shared by
    every group and measure whether the groups lower the error (:func:`_grouping_gain`):
    if they do, the pilot is set aside and each group draws its own; if not, the rest is
    one pooled design with the pilot in it."""
    if weights is None:
        single = game
        game = lambda masks: single(masks[0])[None]  # noqa: E731
        weights = np.ones(1)
    G = len(weights)
    ends = np.broadcast_to(np.array([np.zeros(d, bool), np.ones(d, bool)]), (G, 2, d))
    if d == 1:
        v = np.tensordot(weights, game(ends), axes=1)
        yield GameEstimate(
            (v[1] - v[0])[:, None], np.zeros((v.shape[1], 1)), v[0], v[1], 2, True, {}
        )
        return
    design = CoalitionDesign(d, max(budget - 2, 2), rng, groups=G)
    n_pilot = _pilot_units(design) if pilot and G > 1 else 0
    if n_pilot:  # the pilot's coalitions come out of the budget
        design = CoalitionDesign(d, max(budget - 2 - 2 * n_pilot, 2), rng, groups=G)
    pilot = n_pilot > 0
    samples = Samples(d)
    per_call = max(1, batch // 2)  # units per call and group
    chunks = _first_chunks(design, per_call, tol, n_pilot)
    base = pred = delta = None
    n, last_fit, info = 0, 0, {}
    while True:
        for mk, cl in chunks:
            if base is None:  # the empty and full coalitions ride in the first call
                out = game(np.concatenate([ends, mk], axis=1))
                base, pred, vals = out[:, 0], out[:, 1], out[:, 2:]
                delta = pred - base
                n += 2
            else:
                vals = game(mk)
            samples.add(mk, vals - base[:, None, :], cl)
            n += mk.shape[1]
        aside = False
        if pilot:  # after the pilot: groups only where they lower the error
            gain, pilot = _grouping_gain(design, samples, weights, delta), False
            if gain < GAIN_MIN:  # one design from here on, the pilot's units in it
                game, base, pred = _collapse(game, weights, base, pred, samples, design)
                delta, weights = pred - base, np.ones(1)
                design.extend(n_pilot)  # the pilot's share of the budget back
            else:  # shared units would tie the groups' errors: set aside, drawn anew
                _drop_sampled(samples, design)
                design.undraw_shared()
                aside = True
            info = {"groups": len(weights), "grouping_gain": round(gain, 3)}
        finished = samples.n_units >= design.total_units
        if aside or not (finished or watched or tol > 0):  # no partial to read: on
            grow = max(samples.n_units, n_pilot, 1)  # doubling (a pilot set aside counts)
            chunks = [design.sample_units(min(per_call, grow) if tol > 0 else per_call)]
            continue
        z, y, c_, un = samples.arrays()
        info["coalitions"] = n
        info["enumerated"] = int(2 * design.drawn[design.enumerated].sum())
        refit = adjust and (finished or ((watched or tol > 0) and n >= 2 * last_fit))
        if refit:
            phi, se, info["estimator"] = _adjusted(design, weights, z, y, c_, un, delta, adjust)
        else:
            phi, se = _pooled(weights, *leverage_fit(design, z, y, c_, un, delta), design)
        # a standard error from fewer pairs per size than this is itself too noisy to trust
        # (the middle class, at half share, from half as many: else at even d the rule waited
        # for twice the coalitions it needs, measured at d = 60)
        sampled = ~design.enumerated
        settled = np.all(design.drawn[sampled] >= MIN_PAIRS_FOR_TOL * design.share[sampled])
        span = np.abs(weights @ delta)
        stop = bool(tol > 0 and settled and se is not None and np.all(se.max(axis=0) <= tol * span))
        if stop and adjust and not refit:
            phi, se, info["estimator"] = _adjusted(design, weights, z, y, c_, un, delta, adjust)
        done = finished or stop
        if done or watched:
            yield GameEstimate(
                phi.T, None if se is None else se.T, weights @ base, weights @ pred, n, done, info
            )
        if done:
            return
        last_fit = n if refit else last_fit
        chunks = [design.sample_units(min(per_call, samples.n_units) if tol > 0 else per_call)]


def _adjusted(design: CoalitionDesign, weights, z, y, cls, unit, delta, adjust: str):
    """The regression-adjusted values and standard errors ``(d, k)``, or Leverage SHAP's on
    the same coalitions where theirs are lower (each estimator's own standard error: the
    sandwich, and the correction's spread, both measured honest in
    bench/shapley_estimators.py), and the choice with both errors and why (for ``params``).
    Measured (bench/shapley_families.py): the adjustment wins on every family there, by
    up to 4x, but a game the linear fit leaves no structure in gains nothing from it."""
    phi_a, se_a, adjusted = msr_estimate(design, z, y, cls, unit, delta, adjust=adjust)
    pa, sa = _pooled(weights, phi_a, se_a, design)
    pl, sl = _pooled(weights, *leverage_fit(design, z, y, cls, unit, delta), design)
    err = {"msr": _rss(sa), "leverage": _rss(sl)}
    if not adjusted:
        chosen = "leverage"
        why = f"under {MIN_PER_FEATURE} coalitions a feature: too few to cross-fit the adjustment"
    else:
        lower = err["msr"] is not None and (
            err["leverage"] is None or err["msr"] <= err["leverage"]
        )
        chosen = "msr" if lower else "leverage"
        why = "the lower standard error on the same coalitions"
    info = {"chosen": chosen, "stderr": err, "why": why}
    return (pa, sa, info) if chosen == "msr" else (pl, sl, info)


def _rss(se) -> float | None:
    """The root sum of squares of standard errors, to 4 digits (None when unknown)."""
    total = float(np.sqrt(np.sum(np.square(se)))) if se is not None else float("nan")
    return float(f"{total:.4g}") if np.isfinite(total) else None


def _grouping_gain(design: CoalitionDesign, samples: Samples, weights, delta) -> float:
    """How many times lower the variance is with each group drawing its own coalitions
    than with one design for the pooled game, measured on the pilot (coalitions every
    group shares): the pooled game's sandwich variance over the groups' pooled one (the
    groups' errors are independent when their draws are). Above 1 when the groups' games
    share their non-additive part (their errors then add up in the pooled game), below
    when it cancels across them."""
    z, y, cls, unit = samples.arrays()
    _, se = leverage_fit(design, z, y, cls, unit, delta)
    grouped = float(np.tensordot(weights**2, se**2, axes=1).sum())
    y1, d1 = np.tensordot(weights, y, axes=1)[None], (weights @ delta)[None]
    _, se1 = leverage_fit(design, z[:1], y1, cls, unit, d1)
    pooled = float((se1**2).sum())
    return pooled / grouped if grouped > 0 else 1.0


def _drop_sampled(samples: Samples, design: CoalitionDesign) -> None:
    """Keep only the enumerated classes' coalitions (units renumbered in order)."""
    z, y, cls, unit = samples.arrays()
    keep = design.enumerated[cls]
    _, unit = np.unique(unit[keep], return_inverse=True)
    samples.masks, samples.y, samples.cls = [z[:, keep]], [y[:, keep]], [cls[keep]]
    samples.unit, samples.n_units = [unit], int(unit.max()) + 1 if len(unit) else 0


def _collapse(game, weights, base, pred, samples: Samples, design: CoalitionDesign):
    """One pooled game from here on (the pilot's values pooled): its game, base, pred."""
    G = len(weights)
    samples.masks = [mk[:1] for mk in samples.masks]
    samples.y = [np.tensordot(weights, v, axes=1)[None] for v in samples.y]
    design.collapse()

    def pooled(masks):
        return np.tensordot(weights, game(np.broadcast_to(masks, (G, *masks.shape[1:]))), 1)[None]

    return pooled, (weights @ base)[None], (weights @ pred)[None]


# the pilot with background groups: units shared by every group measure whether the
# groups lower the error; kept as the groups' own they would tie their errors (measured
# at d = 30, an MLP: 3.5% against 2.7% without), so they are set aside (from the budget:
# ~6% of it at d = 30, ~10% at d = 60) when the groups are kept. At least this many a
# sampled size class, and with the enumerated ones 2 d units in all: fewer leave the
# pilot's regression no residuals to read (at d = 60, 60 units: its measure ranged over
# 0.001-11 where the groups' gain is ~4). The groups stay unless the measure is below
# GAIN_MIN: noisy, it misjudges gains near 1, where little is at stake, and the groups
# lowered the error of every model of the bench
PILOT_PER_CLASS, GAIN_MIN = 2, 0.5


def _pilot_units(design: CoalitionDesign) -> int:
    """The pilot's units: ``PILOT_PER_CLASS`` a sampled class, ``2 d`` with the
    enumerated units, at most half the sampled units."""
    sampled = design.total_units - int(design.target[design.enumerated].sum())
    enumerated = design.total_units - sampled
    want = max(PILOT_PER_CLASS * int((~design.enumerated).sum()), 2 * design.d - enumerated)
    return min(want, sampled // 2)


def _first_chunks(design: CoalitionDesign, per_call: int, tol: float, n_pilot: int) -> list:
    """The first calls' ``(masks, classes)``: every enumerated unit, in calls of
    ``per_call`` units, and the first sampled units in the room the last one leaves
    (with ``n_pilot``, the pilot's that many, the same in every group)."""
    e_masks, e_cls = design.enumerated_units()
    u = len(e_cls)
    halves, rest = e_masks[:, :u], e_masks[:, u:]
    chunks = [
        (
            np.concatenate([halves[:, i : i + per_call], rest[:, i : i + per_call]], axis=1),
            e_cls[i : i + per_call],
        )
        for i in range(0, u, per_call)
    ]
    room = per_call - (len(chunks[-1][1]) if chunks else 0)
    if tol > 0:  # batches grow from ~2d coalitions, doubling, so tol stops near its target
        room = min(room, max(design.d, 8))
    if n_pilot:
        room = min(room, n_pilot)
    if room > 0:  # the first sampled units share the last enumerated call
        s_masks, s_cls = design.sample_units(room, shared=n_pilot > 0)
        if chunks:
            mk, cl = chunks.pop()
            h, k = len(cl), len(s_cls)
            parts = [mk[:, :h], s_masks[:, :k], mk[:, h:], s_masks[:, k:]]
            s_masks, s_cls = np.concatenate(parts, axis=1), np.concatenate([cl, s_cls])
        chunks.append((s_masks, s_cls))
    return chunks


def _pooled(weights: np.ndarray, phi: np.ndarray, se, design: CoalitionDesign):
    """The groups' weighted mean ``(d, k)`` and its standard error (the groups' draws are
    independent); zero error once every coalition is seen."""
    mean = np.tensordot(weights, phi, axes=1)
    if np.all(design.enumerated):
        return mean, np.zeros_like(mean)  # every coalition seen: exact
    if se is None:
        return mean, None
    return mean, np.sqrt(np.tensordot(weights**2, se**2, axes=1))


class TabularLeverage(Explainer):
    """Leverage SHAP over a tabular model's background (see the module docstring):
    ``max_evals`` coalitions (default ``2 * d + 2048``; each costs one model row per
    background row), stopping early once every standard error is within ``tol`` times
    ``|prediction - base value|`` (``tol=0`` spends the whole budget). ``groups``: the
    background's rows in that many groups, each explained from coalitions of its own
    (:func:`estimate_game`'s ``weights``; the same model rows); ``"auto"``: one per row up
    to ``max_groups``, kept if a pilot measures that they lower the error; 1: one design.

        >>> TabularLeverage(max_evals=500, random_state=0).max_evals
        500
    """

    name = "leverage"
    adjust: str | None = None
    max_groups = MAX_GROUPS  # "auto" background groups, at most

    def __init__(
        self,
        *,
        max_evals: int | None = None,
        tol: float = 0.01,
        random_state=None,
        rows_per_call: int = ROWS_PER_CALL,
        batch_size: int | None = None,
        groups: int | str = "auto",
    ) -> None:
        whole = isinstance(groups, int | np.integer) and not isinstance(groups, bool)
        if not (groups == "auto" or (whole and groups >= 1)):
            raise InputError(
                f"groups={groups!r} is not a number of background groups",
                fix="use groups='auto' or an integer >= 1 (1: every coalition meets the whole "
                "background)",
            )
        self.groups = groups
        if max_evals is not None and int(max_evals) < 4:
            raise InputError(f"max_evals={max_evals} is too small", fix="use max_evals >= 4")
        self.max_evals = None if max_evals is None else int(max_evals)
        self.tol = float(tol)
        self.random_state = random_state
        self.rows_per_call = int(rows_per_call)
        self.batch_size = batch_size

    def _groups(self, d: int, m: int, max_evals: int) -> int:
        """How many background groups: ``groups``, or for "auto" one per background row up
        to ``max_groups``, and one when the budget sees every coalition anyway."""
        if max_evals >= 2**d:
            return 1
        return min(m, self.max_groups) if self.groups == "auto" else int(self.groups)

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        max_evals = self.max_evals if self.max_evals is not None else 2 * d + 2048
        batch = call_rows(d, m, self.rows_per_call)
        batch = min(batch, int(self.batch_size)) if self.batch_size else batch
        groups = background_groups(m, self._groups(d, m, max_evals))
        params = {"budget": max_evals * m, "max_evals": max_evals, "tol": self.tol}
        params["groups"] = len(groups)
        if len(groups) > 1:
            weights = np.array([inst.weights[g].sum() for g in groups])
            game = lambda masks: group_values(model, inst, masks, groups)  # noqa: E731
        else:
            weights, game = None, lambda masks: coalition_values(model, inst, masks)  # noqa: E731
        for est in estimate_game(
            game,
            d,
            budget=max_evals,
            rng=np.random.default_rng(self.random_state),
            batch=batch,
            tol=self.tol,
            adjust=self.adjust,
            watched=self.watched,
            weights=None if weights is None else weights / weights.sum(),
            pilot=self.groups == "auto",
        ):
            yield tabular_explanation(
                model,
                inst,
                self.name,
                est.values,
                est.base,
                est.pred,
                stderr=est.stderr,
                n_evals=est.coalitions * m,
                done=est.done,
                params={**params, **est.info},
            )
