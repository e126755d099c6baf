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

:func:`estimate_game` runs it (and :mod:`.msr`'s regression adjustment) on any
``game(masks) -> values``: tabular rows over a background, tokens, image segments.

    >>> import numpy as np
    >>> game = lambda z: (z @ [1.0, 2.0, 3.0] + 4.0 * z[:, 0] * z[:, 1])[:, None]
    >>> est = list(estimate_game(game, 3, budget=6, rng=np.random.default_rng(0)))[-1]
    >>> est.values.round(9).tolist()          # exact: an interaction of order two
    [[3.0, 4.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from math import comb

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from .base import Explainer
from .kernel import call_rows, kernel_mass, size_masks
from .shapley import ROWS_PER_CALL, coalition_values, tabular_explanation

MIN_PAIRS_FOR_TOL = 8  # measured: at 3 pairs per size |error| / stderr reached 4


class CoalitionDesign:
    """Which coalitions to evaluate: size classes ``t = 1 .. d//2`` (sizes ``t`` and
    ``d - t``), each unit a coalition and its complement; ``budget`` coalitions in all
    (besides the empty and the full one), the same number for every size."""

    def __init__(self, d: int, budget: int, rng: np.random.Generator) -> None:
        self.d, self.rng = d, rng
        self.classes = list(range(1, d // 2 + 1))
        # float: comb(200, 100) is far beyond int64
        self.units = np.array(
            [float(comb(d, t) if 2 * t != d else comb(d, t) // 2) for t in self.classes]
        )
        self.per_unit = 2  # coalitions per unit
        # the middle size (d even) is one class of half as many units (a unit: S and its
        # complement, both of size d/2), so it gets half their share
        self.share = np.array([1.0 if 2 * t != d else 0.5 for t in self.classes])
        self.target = _water_fill(self.units, self.share, max(budget, 2) // 2).astype(int)
        self.enumerated = self.target >= self.units
        self.mass = np.array([kernel_mass(d, t) * (2 if 2 * t != d else 1) for t in self.classes])
        self.drawn = np.zeros(len(self.classes), int)  # units so far, per class
        self._seen = [np.zeros(0, np.uint64) for _ in self.classes]
        self._hash = (
            np.random.default_rng(12345).integers(0, 2**63, size=d, dtype=np.uint64) * 2 + 1
        )
        # sampled units in an interleaved order, so that every prefix is spread evenly
        sampled = np.flatnonzero(~self.enumerated)
        cls = np.repeat(sampled, self.target[sampled])
        starts = np.cumsum(self.target[sampled]) - self.target[sampled]
        i = np.arange(len(cls)) - np.repeat(starts, self.target[sampled])
        keys = (i + 0.5) / self.target[cls]
        self._schedule = cls[np.lexsort((cls, keys))]  # by key, ties by class
        self._pos = 0

    @property
    def total_units(self) -> int:
        return int(self.target.sum())

    def enumerated_units(self) -> tuple[np.ndarray, np.ndarray]:
        """Every unit of the enumerated classes: masks ``(2u, d)`` (a half, then its
        complements) and each unit's class."""
        halves, cls = [], []
        for c in np.flatnonzero(self.enumerated):
            t = self.classes[c]
            mk = size_masks(self.d, t)
            if 2 * t == self.d:
                mk = mk[mk[:, 0]]  # one of each complementary pair
            halves.append(mk)
            cls.append(np.full(len(mk), c))
            self.drawn[c] = len(mk)
        if not halves:
            return np.zeros((0, self.d), bool), np.zeros(0, int)
        h = np.concatenate(halves)
        return np.concatenate([h, ~h]), np.concatenate(cls)

    def sample_units(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``n`` sampled units (fewer at the end), as :meth:`enumerated_units`."""
        cls = self._schedule[self._pos : self._pos + n]
        self._pos += len(cls)
        halves = np.zeros((len(cls), self.d), bool)
        for c in np.unique(cls):
            where = np.flatnonzero(cls == c)
            halves[where] = self._distinct(c, len(where))
            self.drawn[c] += len(where)
        return np.concatenate([halves, ~halves]), cls

    def _distinct(self, c: int, n: int) -> np.ndarray:
        """``n`` new units of class ``c``, none drawn before (without replacement): each
        coalition is keyed by a random 64-bit hash (a collision is a 1e-19 event)."""
        t, d, out, got = self.classes[c], self.d, [], 0
        while got < n:
            want = n - got
            ranks = np.argsort(self.rng.random((want + want // 8 + 8, d)), axis=1)
            mk = ranks < t
            if 2 * t == d:
                mk[~mk[:, 0]] = ~mk[~mk[:, 0]]  # canonical half: the one holding feature 0
            keys = (mk * self._hash).sum(axis=1)  # wraps modulo 2**64
            keys, first = np.unique(keys, return_index=True)
            fresh = ~np.isin(keys, self._seen[c])
            take = np.sort(first[fresh])[:want]  # in drawing order: reproducible
            out.append(mk[take])
            self._seen[c] = np.concatenate([self._seen[c], (mk[take] * self._hash).sum(axis=1)])
            got += len(take)
        return np.concatenate(out).reshape(n, d)


def _water_fill(cap: np.ndarray, share: np.ndarray, total: int) -> np.ndarray:
    """Integer counts ``min(cap, share * lam)`` summing to ``total`` (or to all of ``cap``)."""
    if total >= cap.sum():
        return cap.copy()
    lo, hi = 0.0, float(total) / share.min() + 1
    for _ in range(100):
        lam = (lo + hi) / 2
        if lam in (lo, hi):  # converged to the last bit: more steps change nothing
            break
        lo, hi = (lam, hi) if np.minimum(cap, share * lam).sum() < total else (lo, lam)
    counts = np.minimum(cap, np.floor(share * lo)).astype(int)
    for c in np.argsort(-(share * lo - counts)):  # hand out what rounding left
        if counts.sum() >= total:
            break
        if counts[c] < cap[c]:
            counts[c] += 1
    return counts


@dataclass
class Samples:
    """Every coalition evaluated so far (besides the empty and full ones)."""

    d: int
    masks: list = field(default_factory=list)
    y: list = field(default_factory=list)
    cls: list = field(default_factory=list)
    unit: list = field(default_factory=list)
    n_units: int = 0

    def add(self, masks: np.ndarray, y: np.ndarray, cls: np.ndarray) -> None:
        u = len(cls)
        ids = self.n_units + np.arange(u)
        self.masks.append(masks)
        self.y.append(y)
        self.cls.append(np.concatenate([cls, cls]))
        self.unit.append(np.concatenate([ids, ids]))
        self.n_units += u

    def arrays(self):
        return (
            np.concatenate(self.masks),
            np.concatenate(self.y),
            np.concatenate(self.cls),
            np.concatenate(self.unit),
        )


def leverage_fit(design: CoalitionDesign, z, y, cls, unit, delta, *, counts=None, with_se=True):
    """The constrained weighted least-squares values ``(d, k)`` from coalitions ``z`` with
    values ``y`` (minus the base value) and, if ``with_se``, their standard errors."""
    d = design.d
    counts = design.drawn if counts is None else counts
    s = z.sum(axis=1, keepdims=True).astype(float)
    A = z - s / d  # rows projected off the all-ones direction
    t = y - s * delta[None, :] / d
    w = design.mass[cls] / (design.per_unit * np.maximum(counts[cls], 1))
    Aw = A * w[:, None]
    H = Aw.T @ A + np.ones((d, d))  # + 11': the projected rows never move along 1
    try:
        Hinv = np.linalg.inv(H)
    except np.linalg.LinAlgError:  # too few coalitions to pin every value down
        Hinv = np.linalg.pinv(H)
    x = Hinv @ (Aw.T @ t)
    phi = x + delta[None, :] / d
    if not with_se:
        return phi, None
    # sandwich variance: each pair's influence Hinv a r, its spread within each size class
    var = np.zeros((d, len(delta)))
    for c in np.flatnonzero(~design.enumerated & (counts >= 2)):
        sel = np.flatnonzero(cls == c)
        order = sel[np.argsort(unit[sel], kind="stable")]  # a unit's two coalitions adjacent
        fpc = 1 - counts[c] / design.units[c]
        R = t[order] - A[order] @ x  # (n, k)
        for j in range(len(delta)):
            g = (Aw[order] * R[:, j : j + 1]).reshape(-1, 2, d).sum(axis=1) @ Hinv
            var[:, j] += len(g) * g.var(axis=0, ddof=1) * fpc
    return phi, np.sqrt(var)


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
) -> Iterator[GameEstimate]:
    """Shapley values of ``game`` (boolean masks ``(n, d)`` -> values ``(n, k)``) from
    ``budget`` coalitions, one partial after each call of ``game`` of up to ``batch``
    coalitions. ``adjust``: None (Leverage SHAP), ``"linear"`` or ``"tree"`` (the
    regression-adjusted Monte Carlo estimator of :mod:`.msr` on the same coalitions).
    Stops early once every standard error is within ``tol * |v(full) - v(empty)|``."""
    from .msr import msr_estimate

    ends = np.array([np.zeros(d, bool), np.ones(d, bool)])
    if d == 1:
        v = game(ends)
        yield GameEstimate(
            (v[1] - v[0])[:, None], np.zeros((v.shape[1], 1)), v[0], v[1], 2, True, {}
        )
        return
    design = CoalitionDesign(d, max(budget - 2, 2), rng)
    samples = Samples(d)
    per_call = max(1, batch // 2)  # units per call
    e_masks, e_cls = design.enumerated_units()
    u = len(e_cls)
    chunks = [
        (
            np.concatenate([e_masks[:u][i : i + per_call], e_masks[u:][i : i + per_call]]),
            e_cls[i : i + per_call],
        )
        for i in range(0, u, per_call)
    ]
    room = per_call - (len(chunks[-1][1]) if chunks else 0)
    if tol > 0:  # batches grow from ~2d coalitions, doubling, so tol stops near its target
        room = min(room, max(d, 8))
    if room > 0:  # the first sampled units share the last enumerated call
        s_masks, s_cls = design.sample_units(room)
        if chunks:
            mk, cl = chunks.pop()
            h = len(cl)
            s_masks = np.concatenate([mk[:h], s_masks[: len(s_cls)], mk[h:], s_masks[len(s_cls) :]])
            s_cls = np.concatenate([cl, s_cls])
        chunks.append((s_masks, s_cls))
    base = pred = delta = None
    n, last_fit = 0, 0
    while True:
        for mk, cl in chunks:
            if base is None:  # the empty and full coalitions ride in the first call
                out = game(np.concatenate([ends, mk]))
                base, pred, vals = out[0], out[1], out[2:]
                delta = pred - base
                n += 2
            else:
                vals = game(mk)
            samples.add(mk, vals - base[None, :], cl)
            n += len(mk)
        finished = samples.n_units >= design.total_units
        z, y, c_, un = samples.arrays()
        info = {"coalitions": n, "enumerated": int(2 * design.drawn[design.enumerated].sum())}
        refit = adjust and (finished or ((watched or tol > 0) and n >= 2 * last_fit))
        fit = msr_estimate if refit else leverage_fit
        phi, se = fit(design, z, y, c_, un, delta, **({"adjust": adjust} if refit else {}))
        if np.all(design.enumerated):
            se = np.zeros_like(phi)  # every coalition seen: exact
        # a standard error from fewer pairs per size than this is itself too noisy to trust
        # (the middle class, at half share, from half as many: else at even d the rule waited
        # for twice the coalitions it needs, measured at d = 60)
        sampled = ~design.enumerated
        settled = np.all(design.drawn[sampled] >= MIN_PAIRS_FOR_TOL * design.share[sampled])
        stop = bool(
            tol > 0 and settled and se is not None and np.all(se.max(axis=0) <= tol * np.abs(delta))
        )
        if stop and adjust and not refit:
            phi, se = msr_estimate(design, z, y, c_, un, delta, adjust=adjust)
        done = finished or stop
        if done or watched:
            yield GameEstimate(phi.T, None if se is None else se.T, base, pred, n, done, info)
        if done:
            return
        last_fit = n if refit else last_fit
        chunks = [design.sample_units(min(per_call, samples.n_units) if tol > 0 else per_call)]


class LeverageShap(Explainer):
    """Leverage SHAP over a tabular model's background (see the module docstring):
    ``max_evals`` coalitions (default ``2 * d + 2048``; each costs one model row per
    background row), stopping early once every standard error is within ``tol`` times
    ``|prediction - base value|`` (``tol=0`` spends the whole budget).

        >>> LeverageShap(max_evals=500, random_state=0).max_evals
        500
    """

    name = "leverage"
    adjust: str | None = None

    def __init__(
        self,
        *,
        max_evals: int | None = None,
        tol: float = 0.01,
        random_state=None,
        rows_per_call: int = ROWS_PER_CALL,
        batch_size: int | None = None,
    ) -> None:
        if max_evals is not None and int(max_evals) < 4:
            raise InputError(f"max_evals={max_evals} is too small", fix="use max_evals >= 4")
        self.max_evals = None if max_evals is None else int(max_evals)
        self.tol = float(tol)
        self.random_state = random_state
        self.rows_per_call = int(rows_per_call)
        self.batch_size = batch_size

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        max_evals = self.max_evals if self.max_evals is not None else 2 * d + 2048
        batch = call_rows(d, m, self.rows_per_call)
        batch = min(batch, int(self.batch_size)) if self.batch_size else batch
        params = {"budget": max_evals * m, "max_evals": max_evals, "tol": self.tol}
        for est in estimate_game(
            lambda masks: coalition_values(model, inst, masks),
            d,
            budget=max_evals,
            rng=np.random.default_rng(self.random_state),
            batch=batch,
            tol=self.tol,
            adjust=self.adjust,
            watched=self.watched,
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
