"""Shared pieces of the image explainers: targets, batching, building the Explanation."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..explanation import Explanation
from ..inputs.image import ImageInstance
from ..models.base import Model
from .base import Explainer


class ImageExplainer(Explainer):
    """Base of the image explainers. ``targets``: the model outputs to explain (indices;
    None = all); ``values`` get one ``(h, w)`` map per target, in that order."""

    name = "image"
    max_batch = 10
    # Batch sizes chosen by measuring (bench/images.py, 2-core CPU): rows per model call
    # stay under ~1.5M input values; bigger batches fall out of cache and get slower per
    # row (a 224x224 conv net: 0.9 ms/row forward at 5-10 rows, 2.2 ms/row at 32).
    BATCH_VALUES = 1_500_000

    def __init__(self, *, targets: Sequence[int] | None = None, batch_size: int | None = None):
        self.targets = None if targets is None else [int(t) for t in targets]
        self.batch_size = int(batch_size) if batch_size else None

    def _batch(self, inst: ImageInstance) -> int:
        """Rows per model call: ``batch_size`` if given, else sized to the input."""
        if self.batch_size:
            return self.batch_size
        return int(max(1, min(self.max_batch, self.BATCH_VALUES // max(1, inst.input.size))))

    # a partial result (the map so far) at most this often: the first and the last always.
    # Building one costs ~1 ms on a 224x224 map (a LIME refit more), which a batch of a
    # fast model does not pay for; the view redraws no faster than this anyway.
    partial_seconds = 0.05

    def _pacer(self) -> Callable[[bool], bool]:
        """``due(done) -> bool``: whether to build and yield a partial now (at most every
        ``partial_seconds``, the first and the last always; only the last when unwatched)."""
        last = [None]

        def due(done: bool) -> bool:
            if not self.watched:  # only the final map is read
                return done
            now = time.perf_counter()
            if done or last[0] is None or now - last[0] >= self.partial_seconds:
                last[0] = now
                return True
            return False

        return due

    def _targets(self, k: int) -> list[int]:
        return list(range(k)) if self.targets is None else list(self.targets)

    def _explanation(
        self,
        model: Model,
        inst: ImageInstance,
        values: np.ndarray,
        *,
        pred: np.ndarray,
        base: np.ndarray,
        n_evals: int,
        done: bool,
        stderr: np.ndarray | None = None,
        extras: dict[str, Any] | None = None,
        budget: int | None = None,
    ) -> Explanation:
        targets = self._targets(len(pred))
        names = [model.output_names[t] if t < len(model.output_names) else str(t) for t in targets]
        params = self.params()
        params["targets"] = targets
        if budget is not None:
            params["budget"] = int(budget)
        return Explanation(
            values=values,
            base_values=np.asarray(base, dtype=float)[targets],
            prediction=np.asarray(pred, dtype=float)[targets],
            output_names=names,
            feature_names=None,
            data=inst.picture,
            method=self.name,
            params=params,
            stderr=stderr,
            n_evals=int(n_evals),
            done=done,
            modality="image",
            extras=dict(extras or {}),
        )


def json_safe(value: Any) -> Any:
    """Numbers, strings and small lists as they are; arrays and objects by description."""
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return list(value)
    if isinstance(value, np.ndarray):
        return f"array{tuple(value.shape)}"
    return type(value).__name__
