"""What the many-rows view draws, kept up to date chunk by chunk: the points (per-row
attributions, feature values, predictions, row numbers) and the running mean |attribution|.

A push sends only the points of the chunks that arrived since the last one, as binary
buffers in an ``append`` message; a view that starts late (a second display, a reconnect)
asks and gets every point so far in one ``full`` message. At most ``MAX_POINTS`` rows are
drawn: every ``stride``-th row by row number, so the streamed points are the same set as a
one-shot :func:`summary_arrays` of the whole result.

    >>> import numpy as np
    >>> from limelight.explanations import Explanations
    >>> ex = Explanations(values=np.ones((4, 1, 2)), base_values=np.zeros((4, 1)),
    ...                   prediction=np.full((4, 1), 2.0), output_names=["y"],
    ...                   feature_names=["a", "b"], data=np.zeros((4, 2)))
    >>> s = Stream(n_rows=4, n_outputs=1)
    >>> s.add(ex[:2]); s.add(ex[2:])
    >>> s.take(0)["row"].tolist(), s.mean_abs(0).tolist()
    ([0, 1, 2, 3], [1.0, 1.0])
"""

from __future__ import annotations

import math

import numpy as np

from ..explanations import Explanations

MAX_POINTS = 200_000  # rows drawn at most (every stride-th); the bars average every row
FIELDS = ("values", "data", "prediction", "row")


def stride_for(n_rows: int) -> int:
    """Every how many rows one is drawn, so that at most ``MAX_POINTS`` are."""
    return max(1, math.ceil(n_rows / MAX_POINTS))


def points(ex: Explanations, output: int, stride: int) -> dict[str, np.ndarray]:
    """The drawn rows of ``ex`` for one output: rows explained without error whose row
    number is a multiple of ``stride``; feature values as float32 (NaN where a value is not
    a number: the view colours it grey)."""
    keep = ex.ok & (ex.row % stride == 0)
    vals = ex.values[keep, output, :]
    data = np.full(vals.shape, np.nan, dtype=np.float32)
    if ex.data is not None:
        raw = ex.data[keep]
        for j in range(raw.shape[1]):
            try:
                data[:, j] = raw[:, j].astype(float)
            except (TypeError, ValueError):
                pass  # a category
    return {
        "values": vals.astype(np.float32),
        "data": data,
        "prediction": ex.prediction[keep, output].astype(np.float32),
        "row": ex.row[keep].astype(np.int32),
    }


def mean_abs(ex: Explanations, output: int) -> np.ndarray:
    """Mean |attribution| per feature over the rows explained without error."""
    ok = ex.ok
    if not ok.any():
        return np.zeros(len(ex.feature_names), dtype=np.float32)
    return np.abs(ex.values[ok, output, :]).mean(axis=0).astype(np.float32)


def summary_arrays(ex: Explanations, output: int, n_rows: int | None = None) -> dict:
    """Everything the view draws for a finished result, in one go (``n_rows``: the size of
    the run, which sets the stride; ``len(ex)`` by default)."""
    stride = stride_for(len(ex) if n_rows is None else n_rows)
    return {**points(ex, output, stride), "mean_abs": mean_abs(ex, output)}


def _concat(parts: list[dict[str, np.ndarray]], n_features: int) -> dict[str, np.ndarray]:
    if not parts:
        return {
            "values": np.zeros((0, n_features), np.float32),
            "data": np.zeros((0, n_features), np.float32),
            "prediction": np.zeros(0, np.float32),
            "row": np.zeros(0, np.int32),
        }
    return {k: np.concatenate([p[k] for p in parts]) for k in FIELDS}


class Stream:
    """The chunks of a run as they arrive: running |attribution| sums for every output
    (no re-reading of old rows), the chunks not pushed yet, and every chunk for a late
    view's ``full`` reply."""

    def __init__(self, n_rows: int, n_outputs: int) -> None:
        self.stride = stride_for(n_rows)
        self.parts: list[Explanations] = []
        self.pending: list[Explanations] = []
        self.abs_sum: np.ndarray | None = None
        self.n_ok = 0
        self.failed = 0
        self.n_rows_done = 0
        self.n_outputs = n_outputs

    def add(self, ex: Explanations) -> None:
        ok = ex.ok
        part = np.abs(ex.values[ok]).sum(axis=0)  # (n_outputs, n_features)
        self.abs_sum = part if self.abs_sum is None else self.abs_sum + part
        self.n_ok += int(ok.sum())
        self.failed += int((~ok).sum())
        self.n_rows_done += len(ex)
        self.parts.append(ex)
        self.pending.append(ex)

    def mean_abs(self, output: int) -> np.ndarray:
        if self.abs_sum is None or not self.n_ok:
            n = 0 if self.abs_sum is None else self.abs_sum.shape[1]
            return np.zeros(n, dtype=np.float32)
        return (self.abs_sum[output] / self.n_ok).astype(np.float32)

    def _n_features(self) -> int:
        return 0 if not self.parts else len(self.parts[0].feature_names)

    def take(self, output: int) -> dict[str, np.ndarray]:
        """The points of the chunks since the last ``take`` (and forget them as pending)."""
        new = [points(p, output, self.stride) for p in self.pending]
        self.pending = []
        return _concat(new, self._n_features())

    def full(self, output: int) -> dict[str, np.ndarray]:
        """Every point so far, in row order (as :func:`summary_arrays` of the result)."""
        parts = sorted(self.parts, key=lambda p: int(p.row[0]) if len(p) else -1)
        self.pending = []
        return _concat([points(p, output, self.stride) for p in parts], self._n_features())
