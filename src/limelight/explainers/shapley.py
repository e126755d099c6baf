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
from math import lgamma

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ..models.tabular import predict_hybrids, predict_paired
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


def grouping(inst: TabularInstance) -> dict:
    """``{"feature_groups": {name: [column, ...]}}`` when the players are feature groups."""
    groups = getattr(inst, "groups", None)
    return {"feature_groups": groups} if groups else {}


def coalition_values(model: Model, inst: TabularInstance, masks: np.ndarray) -> np.ndarray:
    """The value ``(n, k)`` of each coalition in ``masks``: the model's outputs averaged over
    the weighted background, in one model call (after checking for a cancel)."""
    check_cancelled()
    out = predict_hybrids(model, inst, masks)
    return np.einsum("nmk,m->nk", out.reshape(len(masks), inst.m, -1), inst.weights)


def background_groups(m: int, groups: int) -> list[np.ndarray]:
    """The background's rows in ``groups`` groups of consecutive rows (sizes within one)."""
    return np.array_split(np.arange(m), max(1, min(int(groups), m)))


def group_values(
    model: Model, inst: TabularInstance, masks: np.ndarray, groups: list[np.ndarray]
) -> np.ndarray:
    """The value ``(G, n, k)`` of each group's coalitions ``masks`` ``(G, n, d)``: the
    model's outputs averaged over that group's (weighted) background rows, one model call
    for all groups."""
    check_cancelled()
    n = masks.shape[1]
    sizes = [len(g) for g in groups]
    if max(sizes) == 1:  # one row a group: every coalition meets its own row
        rows = np.repeat(np.concatenate(groups), n)
        out = predict_paired(model, inst, masks.reshape(-1, inst.d), rows)
        return out.reshape(len(groups), n, -1)
    stacked = np.concatenate([np.repeat(mk, s, axis=0) for mk, s in zip(masks, sizes)])
    rows = np.concatenate([np.tile(g, n) for g in groups])
    out = predict_paired(model, inst, stacked, rows)
    parts = np.split(out, np.cumsum([n * s for s in sizes])[:-1])
    vals = []
    for part, g in zip(parts, groups):
        w = inst.weights[g] / inst.weights[g].sum()
        vals.append(np.einsum("nmk,m->nk", part.reshape(n, len(g), -1), w))
    return np.stack(vals)


def tabular_explanation(
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
        params={
            **params,
            "background": dict(inst.background_info),
            **_scale(model),
            **grouping(inst),
        },
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

    def check(self, model: Model, inst: TabularInstance) -> None:
        """More than ``MAX_FEATURES`` features is refused at plan time, not at the run."""
        self._check_size(inst.d)

    def _check_size(self, d: int) -> None:
        if d > self.MAX_FEATURES:
            raise InputError(
                f"exact Shapley values over {d} features need {2**d:,} coalitions per "
                "background row",
                fix="use method='kernel' (sampled, with a standard error)",
            )

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d, m = inst.d, inst.m
        self._check_size(d)
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
            check_cancelled()
            out = predict_hybrids(model, inst, masks, rows)  # (n_masks * mc, k)
            k = out.shape[1]
            phi = (W @ out.reshape(n_masks, mc * k)).reshape(d, mc, k)  # per background row
            by_mask = out.reshape(n_masks, mc, k)
            acc.add(phi, by_mask[0], weights[rows])
            if pred is None:
                pred = by_mask[-1, 0]
            mean, base, stderr = acc.result()
            yield tabular_explanation(
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


_explanation = tabular_explanation  # the older name
