"""Kernel SHAP for tabular models: Shapley values as the weighted least-squares fit over
coalitions (Lundberg & Lee 2017), its numbers kept in :class:`KernelAccumulator`.

    >>> import numpy as np
    >>> from limelight.inputs.tabular import read_instance
    >>> from limelight.models.tabular import TabularModel
    >>> f = TabularModel(lambda X: X @ [1.0, 2.0, 3.0], output_names=["y"])
    >>> inst = read_instance(np.ones(3), np.zeros((1, 3)))
    >>> KernelShap(random_state=0).explain(f, inst).values.round(9).tolist()
    [[1.0, 2.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from math import comb

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from .base import Explainer
from .shapley import ROWS_PER_CALL, coalition_values, tabular_explanation


def kernel_mass(d: int, s: int) -> float:
    """The Shapley kernel's total weight on coalitions of size ``s`` (0 < s < d)."""
    return (d - 1) / (s * (d - s))


def size_masks(d: int, s: int) -> np.ndarray:
    """Every coalition of ``s`` of ``d`` features, ``(comb(d, s), d)`` boolean."""
    idx = np.array(list(combinations(range(d), s)), dtype=int).reshape(-1, s)
    mk = np.zeros((len(idx), d), bool)
    np.put_along_axis(mk, idx, True, axis=1)
    return mk


class KernelAccumulator:
    """The normal equations of Kernel SHAP, accumulated batch by batch.

    The efficiency constraint (values sum to ``delta``) is exact: the last unknown is
    eliminated. Enumerated coalitions carry their exact kernel weight; sampled ones come
    in complementary pairs and share ``rest_mass`` equally, spread over ``groups``
    independent groups whose spread gives the standard error.
    """

    def __init__(self, d: int, delta: np.ndarray, *, rest_mass: float, groups: int) -> None:
        self.d, self.delta, self.rest_mass = d, delta, rest_mass
        k, G = len(delta), max(2, groups)
        self.E_AtA, self.E_Atb = np.zeros((d - 1, d - 1)), np.zeros((d - 1, k))
        self.g_AtA, self.g_Atb = np.zeros((G, d - 1, d - 1)), np.zeros((G, d - 1, k))
        self.g_n = np.zeros(G)
        self.sampled = self.pairs = 0

    def _pieces(self, masks, y, w):
        z = masks.astype(float)
        A = z[:, :-1] - z[:, -1:]
        t = y - z[:, -1:] * self.delta[None, :]
        Aw = A * w[:, None]
        return Aw.T @ A, Aw.T @ t

    def add(self, masks: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Coalitions and their values minus the base value: enumerated ones with their
        ``weights``, or (``weights=None``) sampled ones, a half then its complements."""
        if weights is not None:
            a, b = self._pieces(masks, y, weights)
            self.E_AtA += a
            self.E_Atb += b
            return
        G, half = len(self.g_n), len(masks) // 2
        group = (self.pairs + np.arange(half)) % G
        group = np.concatenate([group, group])
        self.pairs += half
        # every group's sums in one batched product: its rows gathered, zero-padded
        order = np.argsort(group, kind="stable")
        counts = np.bincount(group, minlength=G)
        slot = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
        z = masks.astype(float)
        A = np.zeros((G, max(int(counts.max()), 1), self.d - 1))
        t = np.zeros((G, A.shape[1], len(self.delta)))
        gs = group[order]
        A[gs, slot] = z[order, :-1] - z[order, -1:]
        t[gs, slot] = y[order] - z[order, -1:] * self.delta[None, :]
        At = A.transpose(0, 2, 1)
        self.g_AtA += At @ A
        self.g_Atb += At @ t
        self.g_n += counts
        self.sampled += len(masks)

    def _solve(self, AtA, Atb):
        """The values ``(..., d, k)`` of one system or a stack of them."""
        n = AtA.shape[-1]
        reg = 1e-12 * np.trace(AtA, axis1=-2, axis2=-1) / max(1, n)
        phi = np.linalg.solve(AtA + reg[..., None, None] * np.eye(n), Atb)  # (..., d-1, k)
        last = self.delta - phi.sum(axis=-2)
        return np.concatenate([phi, last[..., None, :]], axis=-2)

    def solve(self) -> np.ndarray:
        """The values ``(d, k)`` from everything added so far."""
        if not self.sampled:
            return self._solve(self.E_AtA, self.E_Atb)
        scale = self.rest_mass / self.sampled  # sampled coalitions share the mass left
        return self._solve(
            self.E_AtA + scale * self.g_AtA.sum(0), self.E_Atb + scale * self.g_Atb.sum(0)
        )

    def stderr(self) -> np.ndarray | None:
        """Standard errors ``(d, k)`` from the spread of the groups' own solutions (all
        solved at once)."""
        active = np.flatnonzero(self.g_n > 0)
        if len(active) < 2:
            return None
        scale = (self.rest_mass / self.g_n[active])[:, None, None]
        ests = self._solve(
            self.E_AtA + scale * self.g_AtA[active], self.E_Atb + scale * self.g_Atb[active]
        )
        return ests.std(axis=0, ddof=1) / np.sqrt(len(active))


def plan_sizes(d: int, budget: int) -> tuple[list[int], list[int], float]:
    """Sizes enumerated completely, sizes left to sample, and the kernel mass left.

    Walks size pairs (s, d-s) from the smallest: a pair is enumerated when its share of
    the remaining budget covers all its coalitions."""
    mass = {s: kernel_mass(d, s) for s in range(1, d)}
    remaining, left = float(budget), float(sum(mass.values()))
    full: list[int] = []
    for s in range(1, d // 2 + 1):
        pair = [s] if s == d - s else [s, d - s]
        count = sum(comb(d, t) for t in pair)
        pair_mass = sum(mass[t] for t in pair)
        if remaining * pair_mass / left < count - 1e-9:
            break
        full += pair
        remaining -= count
        left -= pair_mass
    rest = [s for s in range(1, d) if s not in full]
    return full, rest, (left if rest else 0.0)


def call_rows(d: int, m: int, rows_per_call: int) -> int:
    """Coalitions per model call: at most ~4M input values, so hundreds of features fit."""
    rows = min(rows_per_call, max(2048, 4_000_000 // d))
    return max(4, rows // m)


def stop_now(stderr: np.ndarray | None, delta: np.ndarray, tol: float) -> bool:
    """Whether every output's largest standard error is within ``tol * |delta|``."""
    return bool(
        stderr is not None and tol > 0 and np.all(stderr.max(axis=0) <= tol * np.abs(delta))
    )


class KernelShap(Explainer):
    """Kernel SHAP, with what makes it converge fast and honestly:

    - coalition sizes whose share of the Shapley kernel fits the budget are enumerated
      completely (as shap), the rest sampled from the kernel, always in complementary pairs;
    - the efficiency constraint (values sum to prediction - base value) is exact, by
      eliminating one unknown; no l1 feature selection;
    - a standard error from independent groups of samples, streamed after every batch;
      stops at ``max_evals`` coalitions or when the largest standard error falls below
      ``tol`` times ``|prediction - base value|`` (for every output; default 1%, a
      difference no bar chart shows; ``tol=0`` spends the whole budget).

    ``max_evals`` counts coalitions, as shap's ``nsamples`` (each costs one model row per
    background row); default ``2 * d + 2048``.

        >>> KernelShap(max_evals=500, random_state=0).max_evals
        500
    """

    name = "kernel"

    def __init__(
        self,
        *,
        max_evals: int | None = None,
        tol: float = 0.01,
        random_state=None,
        rows_per_call: int = ROWS_PER_CALL,
        batch_size: int | None = None,
        groups: int = 10,
    ) -> None:
        if max_evals is not None and int(max_evals) < 4:
            raise InputError(f"max_evals={max_evals} is too small", fix="use max_evals >= 4")
        self.max_evals = None if max_evals is None else int(max_evals)
        self.tol = float(tol)
        self.random_state = random_state
        self.rows_per_call = int(rows_per_call)
        self.batch_size = batch_size
        self.groups = int(groups)

    plan_sizes = staticmethod(plan_sizes)

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        if d < 2:
            raise InputError("Kernel SHAP needs at least 2 features", fix="use method='exact'")
        max_evals = self.max_evals if self.max_evals is not None else 2 * d + 2048
        budget = max(max_evals - 2, 2)
        rng = np.random.default_rng(self.random_state)
        params = {"budget": max_evals * m, "max_evals": max_evals, "tol": self.tol}

        full, rest, rest_mass = plan_sizes(d, budget)
        emasks = np.concatenate([np.zeros((0, d), bool)] + [size_masks(d, s) for s in full])
        eweights = np.concatenate(
            [np.zeros(0)] + [np.full(comb(d, s), kernel_mass(d, s) / comb(d, s)) for s in full]
        )
        n_sample = budget - len(emasks)
        n_sample -= n_sample % 2  # complementary pairs
        if not rest or n_sample < 2:
            rest, n_sample = [], 0
        p = np.array([kernel_mass(d, s) for s in rest]) if rest else None
        if p is not None:
            p /= p.sum()

        def sample(nb: int) -> np.ndarray:
            """``nb`` coalitions in complementary pairs, sizes drawn from the kernel."""
            half = nb // 2
            sizes = rng.choice(rest, size=half, p=p)
            u = rng.random((half, d))
            # the `size` features of smallest u: below the row's size-th smallest value
            mk = u < np.sort(u, axis=1)[np.arange(half), sizes][:, None]
            return np.concatenate([mk, ~mk])

        # Few, large model calls: the first holds the empty and full coalitions, the
        # enumerated ones and, in the room left, the first sampled batch.
        per_call = call_rows(d, m, self.rows_per_call)
        batch = int(self.batch_size) if self.batch_size else per_call
        acc = base = pred = None
        n_evals = e_pos = 0
        while True:
            room = per_call - (2 if acc is None else 0)
            take = max(0, min(room, len(emasks) - e_pos))
            blocks = [emasks[e_pos : e_pos + take]]
            e_slice = slice(e_pos, e_pos + take)
            e_pos += take
            nb = 0
            if e_pos == len(emasks):
                left = n_sample - (acc.sampled if acc is not None else 0)
                nb = min(max(room - take, 0), batch, left)
                nb -= nb % 2
                if nb >= 2:
                    blocks.append(sample(nb))
                else:
                    nb = 0
            if acc is None:
                blocks.insert(0, np.array([np.zeros(d, bool), np.ones(d, bool)]))
            masks = np.concatenate(blocks)
            vals = coalition_values(model, inst, masks)
            n_evals += len(masks) * m
            if acc is None:
                base, pred = vals[0], vals[1]
                acc = KernelAccumulator(d, pred - base, rest_mass=rest_mass, groups=self.groups)
                vals = vals[2:]
            y = vals - base[None, :]
            if take:
                acc.add(emasks[e_slice], y[:take], eweights[e_slice])
            if nb:
                acc.add(masks[len(masks) - nb :], y[take:])
            info = {**params, "enumerated": len(emasks), "sampled": acc.sampled}
            finished = e_pos == len(emasks) and acc.sampled >= n_sample
            if e_pos < len(emasks) or (n_sample and not acc.sampled):
                continue  # nothing to show yet (coalition_values still checks for a cancel)
            stderr = None if n_sample == 0 else acc.stderr()
            finished = finished or stop_now(stderr, acc.delta, self.tol)
            yield tabular_explanation(
                model,
                inst,
                self.name,
                acc.solve(),
                base,
                pred,
                stderr=stderr,
                n_evals=n_evals,
                done=finished,
                params=info,
            )
            if finished:
                return
