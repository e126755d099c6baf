"""The monitor's store of logged points: append-only columns (step, series, value) behind
a lock, series named by (run, metric), and the chunks a view has not seen yet.

    >>> store = PointStore()
    >>> store.add(1, "run", {"loss": 0.5, "acc": 0.25}); store.add(2, "run", {"loss": 0.4})
    >>> len(store), store.series
    (3, [('run', 'loss'), ('run', 'acc')])
"""

from __future__ import annotations

import math
import threading
from array import array
from typing import Any

import numpy as np

from ..errors import InputError


def _number(name: str, v: Any) -> float:
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()  # torch / numpy scalars (tensor.item() syncs a GPU once per value)
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise InputError(
            f"the value logged for {name!r} is a {type(v).__name__}, not a number",
            fix="log one number per metric, e.g. loss=loss.item()",
        ) from None
    return out


class PointStore:
    """Every point logged: ``steps`` (float64), ``series`` (int32 index into ``.series``),
    ``values`` (float64); NaN values are kept (the chart leaves a gap)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps = array("d")
        self.values = array("d")
        self.index = array("i")
        self.series: list[tuple[str, str]] = []
        self._series_id: dict[tuple[str, str], int] = {}
        self._last_step: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, step: float | None, run: str, metrics: dict[str, Any]) -> None:
        if not metrics:
            raise InputError("log() was given no metric", fix="mon.log(step, loss=0.3)")
        run = str(run)
        values = [(str(k), _number(k, v)) for k, v in metrics.items()]
        with self.lock:
            if step is None:
                step = self._last_step.get(run, -1.0) + 1
            step = float(step)
            if not math.isfinite(step):
                raise InputError(f"step {step} is not a finite number", fix="log an integer step")
            self._last_step[run] = step
            for metric, value in values:
                key = (run, metric)
                sid = self._series_id.get(key)
                if sid is None:
                    sid = self._series_id[key] = len(self.series)
                    self.series.append(key)
                self.steps.append(step)
                self.index.append(sid)
                self.values.append(value)

    def chunk(self, start: int, limit: int) -> tuple[int, dict[str, np.ndarray], list]:
        """Points ``start`` to ``start + limit`` as arrays, and the series list so far."""
        with self.lock:
            stop = min(len(self.steps), start + limit)
            arrays = {
                "step": np.frombuffer(self.steps, np.float64)[start:stop].copy(),
                "series": np.frombuffer(self.index, np.int32)[start:stop].copy(),
                # float64 to the page: a loss of 1e300 (or 1e-50 on a log scale) is not float32's
                "value": np.frombuffer(self.values, np.float64)[start:stop].copy(),
            }
            return stop, arrays, [list(s) for s in self.series]

    def to_frame(self):
        import pandas as pd

        with self.lock:
            idx = np.frombuffer(self.index, np.int32).copy()
            runs = np.array([r for r, _ in self.series] or [""], dtype=object)
            metrics = np.array([m for _, m in self.series] or [""], dtype=object)
            return pd.DataFrame(
                {
                    "step": np.frombuffer(self.steps, np.float64).copy(),
                    "run": runs[idx] if len(idx) else np.array([], dtype=object),
                    "metric": metrics[idx] if len(idx) else np.array([], dtype=object),
                    "value": np.frombuffer(self.values, np.float64).copy(),
                }
            )
