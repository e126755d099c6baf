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


class CoalitionDesign:
    """Which coalitions to evaluate: size classes ``t = 1 .. d//2`` (sizes ``t`` and
    ``d - t``), each unit a coalition and its complement; ``budget`` coalitions in all
    (besides the empty and the full one), the same number for every size. With
    ``groups`` > 1, that many designs at once (one per background group), the same
    counts per size in each, each group's coalitions drawn independently of the others':
    masks are ``(groups, n, d)``."""

    def __init__(self, d: int, budget: int, rng: np.random.Generator, groups: int = 1) -> None:
        self.d, self.rng, self.groups = d, rng, int(groups)
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
        keys = np.random.default_rng(12345).integers(0, 2**63, size=d + 1, dtype=np.uint64)
        self._hash = keys[:d] * 2 + 1
        # each group's coalitions are drawn on their own: its keys are offset by its salt
        self._salt = np.arange(self.groups, dtype=np.uint64) * (keys[d] * 2 + 1)
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
        """Every unit of the enumerated classes: masks ``(groups, 2u, d)`` (a half, then
        its complements) and each unit's class."""
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
            return np.zeros((self.groups, 0, self.d), bool), np.zeros(0, int)
        h = np.concatenate(halves)
        both = np.concatenate([h, ~h])  # every group evaluates all of them
        return np.broadcast_to(both, (self.groups, *both.shape)), np.concatenate(cls)

    def sample_units(self, n: int, shared: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The next ``n`` sampled units (fewer at the end), as :meth:`enumerated_units`;
        ``shared``: the same units in every group (a pilot that compares the groups)."""
        cls = self._schedule[self._pos : self._pos + n]
        self._pos += len(cls)
        G = 1 if shared else self.groups
        halves = np.zeros((G, len(cls), self.d), bool)
        todo = np.unique(cls)
        wants = [np.flatnonzero(cls == c) for c in todo]
        # every class's first candidates in one pass (Floyd's steps shared by the classes)
        extra = [len(w) + len(w) // 8 + 8 for w in wants]
        ts = np.repeat([self.classes[c] for c in todo], [G * k for k in extra])
        drafts = np.split(_subsets(self.rng, ts, self.d), np.cumsum([G * k for k in extra]))
        for c, where, k, draft in zip(todo, wants, extra, drafts):
            halves[:, where] = self._distinct(c, len(where), G, draft.reshape(G, k, self.d))
            self.drawn[c] += len(where)
            if shared and self.groups > 1:  # drawn in every group: keyed with each salt
                keys = (halves[0, where] * self._hash).sum(axis=-1)
                salted = (keys[None, :] + self._salt[1:, None]).ravel()
                self._seen[c] = np.concatenate([self._seen[c], salted])
        halves = np.broadcast_to(halves, (self.groups, *halves.shape[1:]))
        return np.concatenate([halves, ~halves], axis=1), cls

    def collapse(self) -> None:
        """Go on as one design (the groups' draws so far were shared)."""
        self.groups, self._salt = 1, self._salt[:1]

    def _distinct(self, c: int, n: int, G: int, draft: np.ndarray) -> np.ndarray:
        """``n`` new units of class ``c`` for each of the first ``G`` groups ``(G, n, d)``,
        none drawn before in that group (without replacement), from the candidates
        ``draft`` ``(G, k, d)`` first: each coalition is keyed by a random 64-bit hash plus
        its group's salt (a collision is a 1e-19 event)."""
        t, d = self.classes[c], self.d
        out, got = np.zeros((G, n, d), bool), np.zeros(G, int)
        while np.any(got < n):
            rows = np.flatnonzero(got < n)
            need = n - got[rows]
            if draft is None:  # the candidates ran short (repeats): more for these rows
                k = int(need.max())
                draft = _subsets(self.rng, np.full(len(rows) * (k + k // 8 + 8), t), d)
                draft = draft.reshape(len(rows), -1, d)
            mk, draft = draft, None  # the first pass: every group, in order
            if 2 * t == d:  # canonical half: the one holding feature 0
                flip = ~mk[..., 0]
                mk[flip] = ~mk[flip]
            keys = (mk * self._hash).sum(axis=-1) + self._salt[rows][:, None]  # mod 2**64
            fresh = np.zeros(keys.size, bool)
            fresh[np.unique(keys, return_index=True)[1]] = True  # first of equal draws
            fresh = fresh.reshape(keys.shape) & ~np.isin(keys, self._seen[c])
            rank = np.cumsum(fresh, axis=1)
            take = fresh & (rank <= need[:, None])  # in drawing order: reproducible
            r, j = np.nonzero(take)
            out[rows[r], got[rows[r]] + rank[r, j] - 1] = mk[r, j]
            self._seen[c] = np.concatenate([self._seen[c], keys[r, j]])
            got[rows] += take.sum(axis=1)
        return out


def _subsets(rng: np.random.Generator, ts: np.ndarray, d: int) -> np.ndarray:
    """Uniform random subsets of ``d`` features, row ``i`` of size ``ts[i]`` (ascending),
    as boolean masks ``(len(ts), d)``, by Floyd's algorithm: step ``j`` (``d - t <= j <
    d``) adds ``r`` uniform in ``0..j``, or ``j`` if ``r`` is in already; the rows of every
    size take their steps together (``max(ts)`` vector steps in all)."""
    n = len(ts)
    mk = np.zeros((n, d), bool)
    if n == 0:
        return mk
    for j in range(d - int(ts[-1]), d):
        lo = int(np.searchsorted(ts, d - j))  # the rows of size >= d - j take step j
        rows = np.arange(lo, n)
        r = rng.integers(0, j + 1, n - lo)
        mk[rows, np.where(mk[rows, r], j, r)] = True
    return mk


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
        """Masks ``(groups, n, d)``, values ``(groups, n, k)``, each coalition's class and
        unit ``(n,)`` (the same in every group)."""
        return (
            np.concatenate(self.masks, axis=1),
            np.concatenate(self.y, axis=1),
            np.concatenate(self.cls),
            np.concatenate(self.unit),
        )


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
    errors independent across the groups (:class:`LeverageShap`). With ``pilot``, the
    first sampled coalitions are shared by every group and measure whether the groups
    lower the error (:func:`_grouping_gain`); if not, the rest is one pooled design."""
    from .msr import msr_estimate

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
    samples = Samples(d)
    per_call = max(1, batch // 2)  # units per call and group
    pilot = pilot and G > 1
    chunks = _first_chunks(design, per_call, tol, pilot=pilot)
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
        if pilot:  # after the pilot: groups only where they lower the error
            gain, pilot = _grouping_gain(design, samples, weights, delta), False
            if gain < GAIN_MIN:
                game, base, pred = _collapse(game, weights, base, pred, samples, design)
                delta, weights, G = pred - base, np.ones(1), 1
            info = {"groups": G, "grouping_gain": round(gain, 3)}
        finished = samples.n_units >= design.total_units
        if not (finished or watched or tol > 0):  # nobody reads this partial: on
            chunks = [design.sample_units(per_call)]
            continue
        z, y, c_, un = samples.arrays()
        info["coalitions"] = n
        info["enumerated"] = int(2 * design.drawn[design.enumerated].sum())
        refit = adjust and (finished or ((watched or tol > 0) and n >= 2 * last_fit))
        fit = msr_estimate if refit else leverage_fit
        kw = {"adjust": adjust} if refit else {}
        phi, se = _pooled(weights, *fit(design, z, y, c_, un, delta, **kw), design)
        # a standard error from fewer pairs per size than this is itself too noisy to trust
        # (the middle class, at half share, from half as many: else at even d the rule waited
        # for twice the coalitions it needs, measured at d = 60)
        sampled = ~design.enumerated
        settled = np.all(design.drawn[sampled] >= MIN_PAIRS_FOR_TOL * design.share[sampled])
        span = np.abs(weights @ delta)
        stop = bool(tol > 0 and settled and se is not None and np.all(se.max(axis=0) <= tol * span))
        if stop and adjust and not refit:
            fitted = msr_estimate(design, z, y, c_, un, delta, adjust=adjust)
            phi, se = _pooled(weights, *fitted, design)
        done = finished or stop
        if done or watched:
            yield GameEstimate(
                phi.T, None if se is None else se.T, weights @ base, weights @ pred, n, done, info
            )
        if done:
            return
        last_fit = n if refit else last_fit
        chunks = [design.sample_units(min(per_call, samples.n_units) if tol > 0 else per_call)]


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


def _collapse(game, weights, base, pred, samples: Samples, design: CoalitionDesign):
    """One pooled game from here on (the pilot's values pooled): its game, base, pred."""
    G = len(weights)
    samples.masks = [mk[:1] for mk in samples.masks]
    samples.y = [np.tensordot(weights, v, axes=1)[None] for v in samples.y]
    design.collapse()

    def pooled(masks):
        return np.tensordot(weights, game(np.broadcast_to(masks, (G, *masks.shape[1:]))), 1)[None]

    return pooled, (weights @ base)[None], (weights @ pred)[None]


# the pilot with background groups: this many units per sampled size class, shared by
# every group, measure whether the groups lower the error (shared units are an ungrouped
# design's: measured at d = 30, an MLP's error was 2.6% with 2 a class, 3.2% with 4 and
# 3.3% with 8; one design for all 4.9%); the groups are kept unless that measure is below
# GAIN_MIN (a pilot this small misjudges gains near 1, where little is at stake)
PILOT_PER_CLASS, GAIN_MIN = 2, 0.8


def _first_chunks(design: CoalitionDesign, per_call: int, tol: float, pilot: bool) -> list:
    """The first calls' ``(masks, classes)``: every enumerated unit, in calls of
    ``per_call`` units, and the first sampled units in the room the last one leaves
    (with ``pilot``, at most the pilot's, the same in every group)."""
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
    if pilot:
        room = min(room, PILOT_PER_CLASS * int((~design.enumerated).sum()))
    if room > 0:  # the first sampled units share the last enumerated call
        s_masks, s_cls = design.sample_units(room, shared=pilot)
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
        if not (groups == "auto" or (isinstance(groups, int | np.integer) and groups >= 1)):
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
