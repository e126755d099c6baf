"""Which coalitions Leverage SHAP and MSR evaluate (Musco & Witter, ICLR 2025): every
coalition *size* carries the same leverage, so each size gets the same number of
coalitions, drawn without replacement and paired with their complements (sizes whose
coalitions all fit are enumerated); with background groups, one such design per group,
each group's draws its own.

    >>> import numpy as np
    >>> design = CoalitionDesign(4, 12, np.random.default_rng(0))
    >>> design.target.tolist(), design.enumerated.tolist()   # units of sizes 1|3, 2|2
    ([4, 2], [True, False])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb

import numpy as np

from .kernel import kernel_mass, size_masks


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
        self._seen = np.zeros(0, np.uint64)  # every drawn coalition's key (any class)
        keys = np.random.default_rng(12345).integers(0, 2**63, size=d + 1, dtype=np.uint64)
        self._hash = keys[:d] * 2 + 1
        # each group's coalitions are drawn on their own: its keys are offset by its salt
        self._salt = np.arange(self.groups, dtype=np.uint64) * (keys[d] * 2 + 1)
        # sampled units in an interleaved order, so that every prefix is spread evenly
        self._schedule = _interleaved(np.where(self.enumerated, 0, self.target))
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
        todo, counts = np.unique(cls, return_counts=True)
        drawn = self._distinct(todo, counts, G) if len(todo) else None
        for i, c in enumerate(todo):
            halves[:, cls == c] = drawn[i, :, : counts[i]]
            self.drawn[c] += counts[i]
        if shared and self.groups > 1:  # drawn in every group: keyed with each salt
            keys = (halves[0] * self._hash).sum(axis=-1)
            self._seen = np.concatenate([self._seen, (keys[None] + self._salt[1:, None]).ravel()])
        if shared:
            self._shared = (halves[0].copy(), cls.copy())
        halves = np.broadcast_to(halves, (self.groups, *halves.shape[1:]))
        return np.concatenate([halves, ~halves], axis=1), cls

    def collapse(self) -> None:
        """Go on as one design (the groups' draws so far were shared)."""
        self.groups, self._salt = 1, self._salt[:1]

    def extend(self, units: int) -> None:
        """``units`` more to draw, spread over the sampled classes as the budget is (a class
        may come to be drawn whole: without replacement, its estimate is then exact)."""
        s = np.flatnonzero(~self.enumerated)
        if units <= 0 or not len(s):
            return
        total = int(self.target[s].sum()) + units
        self.target[s] = _water_fill(self.units[s], self.share[s], total).astype(int)
        rest = np.maximum(self.target - self.drawn, 0) * ~self.enumerated
        self._schedule, self._pos = _interleaved(rest), 0

    def undraw_shared(self) -> None:
        """Put the last shared draw back (a pilot whose coalitions are set aside): its units
        not drawn, not seen in any group, the schedule rewound to draw as many again."""
        halves, cls = self._shared
        keys = (halves * self._hash).sum(axis=-1)
        salted = (keys[None, :] + self._salt[:, None]).ravel()
        self._seen = self._seen[~np.isin(self._seen, salted)]
        self.drawn -= np.bincount(cls, minlength=len(self.classes))
        self._pos -= len(cls)

    def _distinct(self, todo: np.ndarray, counts: np.ndarray, G: int) -> np.ndarray:
        """``counts[i]`` new units of each class ``todo[i]`` (ascending) for each of the
        first ``G`` groups, ``(classes, G, max(counts), d)``, none drawn before in that group
        (without replacement), every class and group in one pass: each coalition is keyed
        by a random 64-bit hash plus its group's salt (a collision is a 1e-19 event)."""
        d = self.d
        row_t = np.repeat([self.classes[c] for c in todo], G)  # a row: a class and group
        row_g = np.tile(np.arange(G), len(todo))
        row_need = np.repeat(counts, G)
        out, got = np.zeros((len(row_t), int(counts.max()), d), bool), np.zeros(len(row_t), int)
        while np.any(got < row_need):
            rows = np.flatnonzero(got < row_need)
            need = row_need[rows] - got[rows]
            k = int(need.max())
            k += k // 8 + 8  # a few spare: repeats are dropped
            mk = _subsets(self.rng, np.repeat(row_t[rows], k), d).reshape(len(rows), k, d)
            flip = (2 * row_t[rows] == d)[:, None] & ~mk[..., 0]
            mk[flip] = ~mk[flip]  # the middle size's canonical half: the one holding feature 0
            keys = (mk * self._hash).sum(axis=-1) + self._salt[row_g[rows]][:, None]  # mod 2**64
            fresh = _first_new(keys.ravel(), self._seen).reshape(keys.shape)
            rank = np.cumsum(fresh, axis=1)
            take = fresh & (rank <= need[:, None])  # in drawing order: reproducible
            r, j = np.nonzero(take)
            out[rows[r], got[rows[r]] + rank[r, j] - 1] = mk[r, j]
            self._seen = np.concatenate([self._seen, keys[r, j]])
            got[rows] += take.sum(axis=1)
        return out.reshape(len(todo), G, -1, d)


def _subsets(rng: np.random.Generator, ts: np.ndarray, d: int) -> np.ndarray:
    """Uniform random subsets of ``d`` features, row ``i`` of size ``ts[i]`` (ascending),
    as boolean masks ``(len(ts), d)``, by Floyd's algorithm: step ``j`` (``d - t <= j <
    d``) adds ``r`` uniform in ``0..j``, or ``j`` if ``r`` is in already; the rows of every
    size take their steps together (``max(ts)`` vector steps in all)."""
    n = len(ts)
    mk = np.zeros((n, d), bool)
    if n == 0:
        return mk
    flat, base = mk.reshape(-1), np.arange(n) * d
    for j in range(d - int(ts[-1]), d):
        lo = int(np.searchsorted(ts, d - j))  # the rows of size >= d - j take step j
        at = base[lo:] + rng.integers(0, j + 1, n - lo)
        flat[np.where(flat[at], base[lo:] + j, at)] = True
    return mk


def _first_new(keys: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Whether each key is new: not in ``seen`` and not equal to an earlier key (one stable
    sort of both: a key is new when it leads its run of equal keys, from ``keys``)."""
    both = np.concatenate([seen, keys])
    order = np.argsort(both, kind="stable")
    ranked = both[order]
    lead = np.r_[True, ranked[1:] != ranked[:-1]]
    new = np.zeros(len(both), bool)
    new[order[lead]] = True
    return new[len(seen) :]


def _interleaved(counts: np.ndarray) -> np.ndarray:
    """``counts[c]`` draws of each class ``c`` in an interleaved order (class ``c``'s
    ``i``-th at ``(i + 0.5) / counts[c]``), so that every prefix is spread evenly."""
    c = np.flatnonzero(counts)
    cls = np.repeat(c, counts[c])
    starts = np.cumsum(counts[c]) - counts[c]
    i = np.arange(len(cls)) - np.repeat(starts, counts[c])
    return cls[np.lexsort((cls, (i + 0.5) / counts[cls]))]  # by key, ties by class


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
