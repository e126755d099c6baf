"""Shapley values for tabular models: exact (every coalition, batched) and Kernel SHAP
(weighted least squares over sampled coalitions), both interventional over a background.

The value of a coalition S is the model's output with the features in S taken from the
instance and the rest from each background row, averaged over the (weighted) background.

    >>> import numpy as np
    >>> from limelight.inputs.tabular import read_instance
    >>> from limelight.models.tabular import TabularModel
    >>> f = TabularModel(lambda X: X[:, 0] * X[:, 1], output_names=["y"])
    >>> inst = read_instance(np.array([1.0, 1.0]), np.zeros((1, 2)))
    >>> ExactShapley().explain(f, inst).values.round(12).tolist()   # the interaction, split
    [[0.5, 0.5]]
"""

from __future__ import annotations

from collections.abc import Iterator
from math import comb, lgamma

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ..models.tabular import predict_hybrids
from .base import Explainer

ROWS_PER_CALL = 65_536  # measured: larger calls gain little for sklearn models here


def all_masks(d: int) -> np.ndarray:
    """Every coalition of ``d`` features as a ``(2**d, d)`` boolean array (row i = bits of i)."""
    return ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(bool)


def shapley_weights(masks: np.ndarray) -> np.ndarray:
    """``(d, n)`` matrix W with phi = W @ v for coalition values v over all ``masks``:
    W[j, S] = w(|S|-1) if j in S else -w(|S|), with w(s) = s! (d-s-1)! / d!."""
    d = masks.shape[1]
    s = np.arange(d + 1)
    w = np.exp([lgamma(k + 1) + lgamma(d - k) - lgamma(d + 1) if k < d else -np.inf for k in s])
    sizes = masks.sum(axis=1)
    inside = w[np.clip(sizes - 1, 0, d)]
    outside = -w[np.clip(sizes, 0, d)]
    return np.where(masks.T, inside[None, :], outside[None, :])


def _scale(model: Model) -> dict:
    """``{"output_scale": "log-odds"}`` (or "probability", ...) when the model says."""
    scale = getattr(model, "output_scale", None)
    return {} if scale is None else {"output_scale": scale}


def _explanation(
    model: Model,
    inst: TabularInstance,
    method: str,
    values,
    base,
    pred,
    *,
    stderr=None,
    n_evals: int,
    done: bool,
    params: dict,
) -> Explanation:
    return Explanation(
        values=np.asarray(values).T if np.asarray(values).shape[0] == inst.d else values,
        base_values=base,
        prediction=pred,
        output_names=list(model.output_names),
        feature_names=list(inst.feature_names),
        data=inst.x,
        method=method,
        params={**params, "background": dict(inst.background_info),
                **_scale(model)},
        stderr=None
        if stderr is None
        else (np.asarray(stderr).T if np.asarray(stderr).shape[0] == inst.d else stderr),
        n_evals=int(n_evals),
        done=done,
        modality="tabular",
    )


class ExactShapley(Explainer):
    """Exact interventional Shapley values: all ``2**d`` coalitions, each over every
    background row, in a few large model calls, combined by one matrix product.

    Streams one partial per chunk of background rows: the exact values for the background
    seen so far, with a standard error across background rows (None once complete).
    """

    name = "exact"
    MAX_FEATURES = 16

    def __init__(self, *, rows_per_call: int = ROWS_PER_CALL) -> None:
        self.rows_per_call = int(rows_per_call)

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        if d > self.MAX_FEATURES:
            raise InputError(
                f"exact Shapley values over {d} features need {2**d:,} coalitions per "
                "background row",
                fix="use method='kernel' (sampled, with a standard error)",
            )
        masks = all_masks(d)
        W = shapley_weights(masks)  # (d, 2**d)
        n_masks = len(masks)
        chunk = max(1, self.rows_per_call // n_masks)
        weights = inst.weights
        budget = n_masks * m
        pred = None
        params = {"budget": budget, "coalitions": n_masks}
        acc = RunningMean(m)
        for b0 in range(0, m, chunk):
            rows = slice(b0, min(m, b0 + chunk))
            mc = rows.stop - rows.start
            out = predict_hybrids(model, inst, masks, rows)  # (n_masks * mc, k)
            k = out.shape[1]
            phi = (W @ out.reshape(n_masks, mc * k)).reshape(d, mc, k)  # per background row
            by_mask = out.reshape(n_masks, mc, k)
            acc.add(phi, by_mask[0], weights[rows])
            if pred is None:
                pred = by_mask[-1, 0]
            mean, base, stderr = acc.result()
            yield _explanation(
                model,
                inst,
                self.name,
                mean,
                base,
                pred,
                stderr=stderr,
                n_evals=n_masks * rows.stop,
                done=acc.finished,
                params=params,
            )


class RunningMean:
    """Shapley values averaged over background rows as chunks of them arrive: the weighted
    mean, the base value, and a standard error across rows (finite-population corrected, so
    None once every row is in: the values are then exact)."""

    def __init__(self, m: int) -> None:
        self.m, self.rows = m, 0
        self.s1 = self.s2 = self.base = 0.0
        self.seen_w = 0.0

    @property
    def finished(self) -> bool:
        return self.rows >= self.m

    def add(self, phi: np.ndarray, f_bg: np.ndarray, weights: np.ndarray) -> None:
        """``phi`` (d, rows, k) per background row, ``f_bg`` (rows, k) their outputs."""
        w = weights[None, :, None]
        self.s1 = self.s1 + (phi * w).sum(axis=1)
        self.s2 = self.s2 + (phi**2 * w).sum(axis=1)
        self.seen_w += float(weights.sum())
        self.base = self.base + (f_bg * weights[:, None]).sum(axis=0)
        self.rows += len(weights)

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        mean = self.s1 / self.seen_w
        stderr = None
        if not self.finished:
            var = np.maximum(self.s2 / self.seen_w - mean**2, 0.0)
            stderr = np.sqrt(var / max(self.rows, 1) * (1 - self.rows / self.m))
        return mean, self.base / self.seen_w, stderr


class KernelShap(Explainer):
    """Kernel SHAP: Shapley values as the weighted least-squares fit over coalitions
    (Lundberg & Lee 2017), with what makes it converge fast and honestly:

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

    # -- the coalition plan ------------------------------------------------------------
    @staticmethod
    def plan_sizes(d: int, budget: int) -> tuple[list[int], list[int], float]:
        """Sizes enumerated completely, sizes left to sample, and the kernel mass left.

        Walks size pairs (s, d-s) from the smallest: a pair is enumerated when its share
        of the remaining budget covers all its coalitions."""
        mass = {s: (d - 1) / (s * (d - s)) for s in range(1, d)}
        remaining, left = float(budget), float(sum(mass.values()))
        full: list[int] = []
        sizes = list(range(1, d // 2 + 1))
        for s in sizes:
            pair = [s] if s == d - s else [s, d - s]
            count = sum(comb(d, t) for t in pair)
            pair_mass = sum(mass[t] for t in pair)
            if remaining * pair_mass / left >= count - 1e-9:
                full += pair
                remaining -= count
                left -= pair_mass
            else:
                break
        rest = [s for s in range(1, d) if s not in full]
        return full, rest, (left if rest else 0.0)

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        if d < 2:
            raise InputError("Kernel SHAP needs at least 2 features", fix="use method='exact'")
        max_evals = self.max_evals if self.max_evals is not None else 2 * d + 2048
        budget = max(max_evals - 2, 2)
        rng = np.random.default_rng(self.random_state)
        weights = inst.weights
        params = {"budget": max_evals * m, "max_evals": max_evals, "tol": self.tol}

        full, rest, rest_mass = self.plan_sizes(d, budget)
        # enumerated coalitions, each with its exact kernel weight
        enum_masks = [np.zeros((0, d), bool)]
        enum_w = [np.zeros(0)]
        for s in full:
            idx = np.array(list(_combinations(d, s)))
            mk = np.zeros((len(idx), d), bool)
            np.put_along_axis(mk, idx, True, axis=1)
            enum_masks.append(mk)
            enum_w.append(np.full(len(mk), (d - 1) / (s * (d - s)) / comb(d, s)))
        emasks, eweights = np.concatenate(enum_masks), np.concatenate(enum_w)
        n_sample = budget - len(emasks)
        n_sample -= n_sample % 2  # complementary pairs
        if not rest or n_sample < 2:
            rest, n_sample = [], 0
        p = None
        if rest:
            p = np.array([(d - 1) / (s * (d - s)) for s in rest])
            p /= p.sum()

        def sample(nb: int) -> np.ndarray:
            """``nb`` coalitions in complementary pairs, sizes drawn from the kernel."""
            half = nb // 2
            sizes = rng.choice(rest, size=half, p=p)
            order = np.argsort(rng.random((half, d)), axis=1)
            ranks = np.empty_like(order)
            np.put_along_axis(ranks, order, np.arange(d)[None, :].repeat(half, 0), axis=1)
            mk = ranks < sizes[:, None]
            return np.concatenate([mk, ~mk])

        # normal equations after eliminating the last unknown: A = z[:-1] - z[-1]
        def pieces(masks, y, w, delta):
            z = masks.astype(float)
            A = z[:, :-1] - z[:, -1:]
            t = y - z[:, -1:] * delta[None, :]
            Aw = A * w[:, None]
            return Aw.T @ A, Aw.T @ t

        def solve(AtA, Atb, delta):
            reg = 1e-12 * np.trace(AtA) / max(1, len(AtA))
            phi = np.linalg.solve(AtA + reg * np.eye(len(AtA)), Atb)  # (d-1, k)
            return np.vstack([phi, delta[None, :] - phi.sum(axis=0, keepdims=True)])

        # Few, large model calls: the first holds the empty and full coalitions, the
        # enumerated ones and, in the room left, the first sampled batch.
        # at most ~4M input values per call, so hundreds of features stay within memory
        rows = min(self.rows_per_call, max(2048, 4_000_000 // d))
        per_call = max(4, rows // m)
        batch = int(self.batch_size) if self.batch_size else per_call
        G = max(2, self.groups)
        base = pred = delta = None
        E_AtA = E_Atb = g_AtA = g_Atb = None
        g_n = np.zeros(G)
        n_evals = e_pos = done_samples = pair_no = 0
        first = True
        while True:
            room = per_call
            blocks = []
            if first:
                blocks.append(np.array([np.zeros(d, bool), np.ones(d, bool)]))
                room -= 2
            take = max(0, min(room, len(emasks) - e_pos))
            blocks.append(emasks[e_pos : e_pos + take])
            e_slice = slice(e_pos, e_pos + take)
            e_pos += take
            room -= take
            nb = 0
            if e_pos == len(emasks) and done_samples < n_sample:
                nb = min(max(room, 0), batch, n_sample - done_samples)
                nb -= nb % 2
                if nb >= 2:
                    blocks.append(sample(nb))
                else:
                    nb = 0
            masks = np.concatenate(blocks)
            out = predict_hybrids(model, inst, masks)
            vals = np.einsum("nmk,m->nk", out.reshape(len(masks), m, -1), weights)
            n_evals += len(masks) * m
            if first:
                base, pred = vals[0], vals[1]
                delta = pred - base
                k = len(base)
                E_AtA, E_Atb = np.zeros((d - 1, d - 1)), np.zeros((d - 1, k))
                g_AtA, g_Atb = np.zeros((G, d - 1, d - 1)), np.zeros((G, d - 1, k))
                vals = vals[2:]
                first = False
            y = vals - base[None, :]
            if take:
                a, b = pieces(emasks[e_slice], y[:take], eweights[e_slice], delta)
                E_AtA += a
                E_Atb += b
            if nb:
                mk, ys = masks[len(masks) - nb :], y[take:]
                half = nb // 2
                group = (pair_no + np.arange(half)) % G
                group = np.concatenate([group, group])
                pair_no += half
                for g in np.unique(group):
                    sel = group == g
                    a, b = pieces(mk[sel], ys[sel], np.ones(int(sel.sum())), delta)
                    g_AtA[g] += a
                    g_Atb[g] += b
                    g_n[g] += sel.sum()
                done_samples += nb
            if e_pos < len(emasks):
                continue  # the enumerated part is not complete: nothing to show yet
            info = {**params, "enumerated": len(emasks), "sampled": done_samples}
            if n_sample == 0:
                yield _explanation(
                    model,
                    inst,
                    self.name,
                    solve(E_AtA, E_Atb, delta),
                    base,
                    pred,
                    stderr=None,
                    n_evals=n_evals,
                    done=True,
                    params=info,
                )
                return
            if done_samples == 0:
                continue
            # sampled coalitions share the kernel mass left after enumeration
            scale = rest_mass / done_samples
            phi = solve(E_AtA + scale * g_AtA.sum(0), E_Atb + scale * g_Atb.sum(0), delta)
            active = np.flatnonzero(g_n > 0)
            stderr = None
            if len(active) >= 2:
                ests = np.stack(
                    [
                        solve(
                            E_AtA + rest_mass / g_n[g] * g_AtA[g],
                            E_Atb + rest_mass / g_n[g] * g_Atb[g],
                            delta,
                        )
                        for g in active
                    ]
                )
                stderr = ests.std(axis=0, ddof=1) / np.sqrt(len(active))
            finished = done_samples >= n_sample
            if (
                not finished
                and stderr is not None
                and self.tol > 0
                # every output's largest standard error within tol * |prediction - base|
                and np.all(stderr.max(axis=0) <= self.tol * np.abs(delta))
            ):
                finished = True
            yield _explanation(
                model,
                inst,
                self.name,
                phi,
                base,
                pred,
                stderr=stderr,
                n_evals=n_evals,
                done=finished,
                params=info,
            )
            if finished:
                return


def _combinations(d: int, s: int):
    from itertools import combinations

    return combinations(range(d), s)
