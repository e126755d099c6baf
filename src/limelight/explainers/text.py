"""Perturbation explainers over tokens: occlusion, sampled Shapley, hierarchical Shapley.

Each masks tokens of a :class:`~limelight.inputs.text.TextInstance` (removing them or
putting a mask token in their place, as the instance says), calls the model on the
perturbed strings in large batches, and yields a partial :class:`Explanation` after
every batch.

    >>> from limelight.inputs.text import tokenize
    >>> from limelight.models.text import TextModel
    >>> m = TextModel(lambda xs: [[s.count("good")] for s in xs], output_names=["good"])
    >>> e = TokenOcclusion().explain(m, tokenize("a good good day"))
    >>> e.values.tolist()
    [[0.0, 1.0, 1.0, 0.0]]
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.text import TextInstance
from ..models.base import Model
from .base import Explainer


def evaluate(model: Model, instance: TextInstance, masks: np.ndarray) -> np.ndarray:
    """Model outputs ``(n, k)`` on the strings that ``masks`` (``(n, n_tokens)``) make."""
    return model.predict(instance.perturb(masks))


class TextExplainer(Explainer):
    """Shared plumbing: batching, the two reference rows, building text Explanations."""

    name = "text"

    def __init__(self, *, batch_size: int = 1000) -> None:
        if batch_size < 1:
            raise InputError(f"batch_size={batch_size}", fix="use a positive batch_size")
        self.batch_size = int(batch_size)

    def _explanation(
        self,
        model: Model,
        inst: TextInstance,
        values: np.ndarray,
        *,
        base: np.ndarray,
        pred: np.ndarray,
        n_evals: int,
        done: bool,
        stderr: np.ndarray | None = None,
    ) -> Explanation:
        return Explanation(
            values=np.array(values, dtype=float),
            base_values=base,
            prediction=pred,
            output_names=list(model.output_names),
            feature_names=list(inst.tokens),
            data=inst.text,
            method=self.name,
            params={**self.params(), "masking": inst.masking},
            stderr=None if stderr is None else np.array(stderr, dtype=float),
            n_evals=int(n_evals),
            done=done,
            modality="text",
            spans=inst.spans,
        )


class TokenOcclusion(TextExplainer):
    """Leave-one-out: a token's value is ``f(text) - f(text without that token)``.

    Costs ``n_tokens + 2`` model rows; deterministic. ``base_values`` is ``f`` with every
    token masked.

        >>> TokenOcclusion(batch_size=256)
        TokenOcclusion(batch_size=256)
    """

    name = "occlusion"

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        n = len(instance)
        first = evaluate(model, instance, np.stack([np.ones(n, bool), np.zeros(n, bool)]))
        pred, base = first[0], first[1]
        values = np.zeros((len(pred), n))
        for start in range(0, n, self.batch_size):
            idx = np.arange(start, min(n, start + self.batch_size))
            values[:, idx] = (pred[None, :] - model.predict(instance.leave_out(idx))).T
            done = idx[-1] == n - 1
            yield self._explanation(
                model, instance, values, base=base, pred=pred, n_evals=2 + idx[-1] + 1, done=done
            )

    def __repr__(self) -> str:
        return f"TokenOcclusion(batch_size={self.batch_size})"


class TokenShapley(TextExplainer):
    """Shapley values of tokens estimated from random token orders (antithetic pairs).

    Each order costs ``n_tokens - 1`` rows; it is walked forwards and backwards, and the
    standard error comes from the spread between pairs. Every sample adds up exactly to
    ``f(text) - f(all masked)``. ``budget`` caps model rows.

        >>> TokenShapley(budget=2000, random_state=0).budget
        2000
    """

    name = "shapley"

    def __init__(
        self, *, budget: int = 2000, batch_size: int = 1000, random_state: int | None = None
    ) -> None:
        super().__init__(batch_size=batch_size)
        self.budget = check_budget(budget, minimum=1)
        self.random_state = random_state

    def check(self, model: Model, instance: TextInstance) -> None:
        """The budget must cover one antithetic pair of token orders."""
        check_budget(self.budget, minimum=2 + 2 * max(len(instance) - 1, 1))

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        n = len(instance)
        rng = np.random.default_rng(self.random_state)
        ref = evaluate(model, instance, np.stack([np.ones(n, bool), np.zeros(n, bool)]))
        pred, base = ref[0], ref[1]
        k = len(pred)
        per_pair = 2 * max(n - 1, 0)
        if n == 1:  # one token: its value is the whole difference
            yield self._explanation(
                model,
                instance,
                (pred - base)[:, None],
                base=base,
                pred=pred,
                n_evals=2,
                done=True,
                stderr=np.zeros((k, 1)),
            )
            return
        n_pairs = max(1, (self.budget - 2) // per_pair)
        pairs_per_batch = max(1, self.batch_size // per_pair)
        total, total_sq, done_pairs = np.zeros((k, n)), np.zeros((k, n)), 0
        steps = np.arange(1, n)
        while done_pairs < n_pairs:
            p = min(pairs_per_batch, n_pairs - done_pairs)
            orders = np.argsort(rng.random((p, n)), axis=1)
            ranks = np.argsort(orders, axis=1)
            ranks = np.concatenate([ranks, n - 1 - ranks])  # the reversed orders
            masks = ranks[:, None, :] < steps[None, :, None]  # (2p, n-1, n)
            out = evaluate(model, instance, masks.reshape(-1, n)).reshape(2 * p, n - 1, k)
            path = np.concatenate(
                [np.broadcast_to(base, (2 * p, 1, k)), out, np.broadcast_to(pred, (2 * p, 1, k))],
                axis=1,
            )
            gains = np.diff(path, axis=1)  # gains[s, j] = value of the token placed j-th
            phi = np.take_along_axis(gains, ranks[:, :, None], axis=1)  # (2p, n, k)
            pair = 0.5 * (phi[:p] + phi[p:])
            total += pair.sum(axis=0).T
            total_sq += (pair**2).sum(axis=0).T
            done_pairs += p
            mean = total / done_pairs
            var = np.maximum(total_sq / done_pairs - mean**2, 0.0)
            stderr = np.sqrt(var / max(done_pairs - 1, 1)) if done_pairs > 1 else None
            yield self._explanation(
                model,
                instance,
                mean,
                base=base,
                pred=pred,
                n_evals=2 + done_pairs * per_pair,
                done=done_pairs >= n_pairs,
                stderr=stderr if stderr is not None else np.full((k, n), np.nan),
            )


class HierarchicalShapley(TextExplainer):
    """Shapley-style values over a binary tree of token ranges, for long documents.

    The root gets ``f(text) - f(all masked)``. A range is split in two halves and each
    half gets the two-player Shapley value of the split, averaged over the rest of the
    document masked and the rest present (4 new rows per split), corrected so halves add
    up to their parent. The ranges with the largest |value| are split first (each round
    splits those at least half as large as the largest) until ``budget`` rows are spent; an unsplit range shares its value evenly between its tokens.
    Deterministic; exact for additive models.

        >>> HierarchicalShapley(budget=500).budget
        500
    """

    name = "hierarchical"

    def __init__(self, *, budget: int = 2000, batch_size: int = 1000) -> None:
        super().__init__(batch_size=batch_size)
        self.budget = check_budget(budget, minimum=1)

    def check(self, model: Model, instance: TextInstance) -> None:
        """The budget must cover the root and one split."""
        check_budget(self.budget, minimum=2 if len(instance) == 1 else 6)

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        n = len(instance)
        ref = evaluate(model, instance, np.stack([np.ones(n, bool), np.zeros(n, bool)]))
        pred, base = ref[0], ref[1]
        n_evals = 2
        # node: (a, b) -> value (k,), f(only this range), f(all but this range)
        value = {(0, n): pred - base}
        only = {(0, n): pred}
        allbut = {(0, n): base}
        heap = [(-float(np.abs(pred - base).sum()), 0, n)] if n > 1 else []
        leaves: set[tuple[int, int]] = {(0, n)}
        final = False
        while heap and n_evals + 4 <= self.budget:
            per_batch = max(1, min(self.batch_size, self.budget - n_evals) // 4)
            # greedy but batched: a round splits the ranges at least half as promising as the
            # best one (so the budget follows cues down instead of going breadth-first), and
            # at least 16 of them so that model calls stay large
            top = -heap[0][0]
            nodes = []
            while heap and len(nodes) < per_batch and (-heap[0][0] >= 0.5 * top or len(nodes) < 16):
                nodes.append(heapq.heappop(heap)[1:])
            masks = np.zeros((4 * len(nodes), n), dtype=bool)
            for j, (a, b) in enumerate(nodes):
                m = (a + b) // 2
                masks[4 * j, a:m] = True  # only left
                masks[4 * j + 1, m:b] = True  # only right
                masks[4 * j + 2] = True
                masks[4 * j + 2, a:m] = False  # all but left
                masks[4 * j + 3] = True
                masks[4 * j + 3, m:b] = False  # all but right
            out = evaluate(model, instance, masks)
            n_evals += len(masks)
            for j, (a, b) in enumerate(nodes):
                m = (a + b) // 2
                f_l, f_r, f_nl, f_nr = out[4 * j : 4 * j + 4]
                f_n, f_notn = only[(a, b)], allbut[(a, b)]
                absent_l = 0.5 * ((f_l - base) + (f_n - f_r))
                absent_r = 0.5 * ((f_r - base) + (f_n - f_l))
                present_l = 0.5 * ((f_nr - f_notn) + (pred - f_nl))
                present_r = 0.5 * ((f_nl - f_notn) + (pred - f_nr))
                phi_l, phi_r = 0.5 * (absent_l + present_l), 0.5 * (absent_r + present_r)
                residual = value[(a, b)] - phi_l - phi_r
                leaves.discard((a, b))
                for node, phi, f_only, f_allbut in (
                    ((a, m), phi_l + residual / 2, f_l, f_nl),
                    ((m, b), phi_r + residual / 2, f_r, f_nr),
                ):
                    value[node], only[node], allbut[node] = phi, f_only, f_allbut
                    leaves.add(node)
                    if node[1] - node[0] > 1:
                        heapq.heappush(heap, (-float(np.abs(phi).sum()), *node))
            final = not heap or n_evals + 4 > self.budget
            yield self._explanation(
                model,
                instance,
                _spread(value, leaves, n, len(pred)),
                base=base,
                pred=pred,
                n_evals=n_evals,
                done=final,
            )
        if not final:  # nothing to split (one token) or a budget too small to split
            yield self._explanation(
                model,
                instance,
                _spread(value, leaves, n, len(pred)),
                base=base,
                pred=pred,
                n_evals=n_evals,
                done=True,
            )


def _spread(value: dict, leaves: set, n: int, k: int) -> np.ndarray:
    out = np.zeros((k, n))
    for a, b in leaves:
        out[:, a:b] = (value[(a, b)] / (b - a))[:, None]
    return out


def check_budget(budget: Any, *, minimum: int) -> int:
    """A budget as an int, or an InputError naming the smallest one that works."""
    try:
        budget = int(budget)
    except (TypeError, ValueError):
        raise InputError(f"budget={budget!r} is not a number", fix="pass an integer") from None
    if budget < minimum:
        raise InputError(
            f"budget={budget} model rows is too small for this text",
            fix=f"use budget >= {minimum}",
        )
    return budget
