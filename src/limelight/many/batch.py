"""Explaining a chunk of rows with model calls that stay large across rows.

Each row runs the planned explainer unchanged (so its numbers are those of
``ll.attribute`` on that row with the same seed), in one of a few threads; the model
those explainers see is a stand-in that hands each request of hybrid rows to a
:class:`CallPool`. When every live row is waiting, the pool concatenates the requests
into calls of up to ``ROWS_PER_CALL`` rows, calls the model once per group and hands each
row its slice. A group that raises is retried request by request, and outputs that are
not finite fail only the requests they belong to: a failing row fails alone.

    >>> import numpy as np
    >>> pool = CallPool(lambda X: X.sum(axis=1), n_outputs=1)
    >>> pool.live = 1
    >>> pool.request(np.ones((2, 3))).tolist(), pool.calls
    ([[3.0], [3.0]], 1)
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np

from .._warn import from_user
from ..errors import LimelightError, ModelError

ROWS_PER_CALL = 65_536  # rows one pooled call gathers: ~16 MB at 30 features
#: rows a neural net is called on at once: its (rows x width) activations stay in cache
#: (an MLP of 100 hidden units, 30 features: 8,192-row calls 25% faster than 65,536-row
#: ones; a 100-tree forest 23% slower, so trees and linear models keep the large calls)
NET_ROWS = 8_192
MAX_THREADS = 32  # rows explained at once in a chunk (each waits on the pool)


class _Request:
    __slots__ = ("batch", "out", "error", "fn")

    def __init__(self, batch: Any, fn: Any = None) -> None:
        self.batch, self.out, self.error, self.fn = batch, None, None, fn


class CallPool:
    """Model requests from several threads, run together as few large calls."""

    def __init__(
        self,
        fn: Any,
        *,
        n_outputs: int,
        frame: bool = False,
        rows_per_call: int = ROWS_PER_CALL,
        slice_rows: int | None = None,
    ) -> None:
        self.fn, self.k, self.frame, self.max_rows = fn, n_outputs, frame, rows_per_call
        self.slice_rows = slice_rows  # a pooled batch is called in slices of this many rows
        self.cv = threading.Condition()
        self.pending: list[_Request] = []
        self.live = 0  # threads still explaining rows
        self.abort: BaseException | None = None
        self.calls = self.rows = 0
        self.model_seconds = 0.0  # time inside the model's own calls
        # the cancel event of the thread that made the pool (a widget's run): checked
        # before every pooled call, so a cancelled chunk stops within one call
        from .._cancel import _local

        self.stop = getattr(_local, "event", None)

    def request(self, batch: Any, fn: Any = None) -> np.ndarray:
        """The model's outputs on ``batch`` (blocks until the pooled call has run); ``fn``
        another function of the same outputs (a pipeline's later steps on its split)."""
        req = _Request(batch, fn)
        with self.cv:
            self.pending.append(req)
            self._flush_if_ready()
            while req.out is None and req.error is None and self.abort is None:
                self.cv.wait()
        if self.abort is not None and req.out is None and req.error is None:
            raise self.abort
        if req.error is not None:
            raise req.error
        return req.out

    def leave(self) -> None:
        """A thread has no more rows: the others may be waiting only on it."""
        with self.cv:
            self.live -= 1
            self._flush_if_ready()
            self.cv.notify_all()

    def _flush_if_ready(self) -> None:
        if not self.pending:
            return
        if len(self.pending) < self.live and not self._sliced(self.pending):
            return  # a row is still computing: its request may join this call
        reqs, self.pending = self.pending, []
        try:
            if self.stop is not None and self.stop.is_set():
                from ..errors import Cancelled

                raise Cancelled("the run was cancelled", fix="run it again to compute the rest")
            for group in self._groups(reqs):
                self._run(group)
        except BaseException as exc:  # KeyboardInterrupt: stop every thread
            self.abort = exc
        self.cv.notify_all()

    def _groups(self, reqs: list[_Request]) -> list[list[_Request]]:
        groups: list[list[_Request]] = [[]]
        size = 0
        for r in sorted(reqs, key=lambda r: r.fn is not None):  # one function a call
            if groups[-1] and (size + len(r.batch) > self.max_rows or groups[-1][0].fn is not r.fn):
                groups.append([])
                size = 0
            groups[-1].append(r)
            size += len(r.batch)
        return groups

    def _sliced(self, reqs: list[_Request]) -> bool:
        """Whether every request is large enough to be called on its own, in slices of
        ``slice_rows``: then no copy of them all into one batch, and no wait for the rows
        still building theirs (a request's outputs do not depend on the others pending),
        so one row's model calls run while the next row builds its batch."""
        s = self.slice_rows
        return s is not None and all(len(r.batch) >= s for r in reqs)

    def _run(self, group: list[_Request]) -> None:
        if len(group) > 1 and self._sliced(group):
            for r in group:  # called in slices anyway: no copy of every request into one
                self._run([r])
            return
        if len(group) == 1:
            batch = group[0].batch
        elif isinstance(group[0].batch, np.ndarray):
            batch = np.concatenate([r.batch for r in group])
        elif isinstance(group[0].batch, list):  # texts (limelight.many.text)
            batch = [item for r in group for item in r.batch]
        else:
            import pandas as pd

            batch = pd.concat([r.batch for r in group], ignore_index=True)
        try:
            out = self._call(batch, group[0].fn or self.fn)
        except ModelError as exc:
            if len(group) == 1:
                group[0].error = exc
                return
            for r in group:  # find the rows that fail: each request alone
                self._run([r])
            return
        start = 0
        for r in group:
            part = out[start : start + len(r.batch)]
            start += len(r.batch)
            if np.isfinite(part).all():
                r.out = part
            else:
                bad = int((~np.isfinite(part)).any(axis=1).sum())
                r.error = ModelError(
                    f"the model returned NaN or inf for {bad} of {len(part)} rows",
                    fix="make the model return finite numbers (or impute missing inputs first)",
                )

    def _call(self, batch: Any, fn: Any) -> np.ndarray:
        s, n = self.slice_rows, len(batch)
        if s is None or n <= s:
            return self._call_once(batch, fn)
        take = (
            (lambda a, b: batch.iloc[a:b]) if hasattr(batch, "iloc") else (lambda a, b: batch[a:b])
        )
        return np.concatenate([self._call_once(take(a, a + s), fn) for a in range(0, n, s)])

    def _call_once(self, batch: Any, fn: Any) -> np.ndarray:
        import time

        n = len(batch)
        t0 = time.perf_counter()
        try:
            out = fn(batch)
        except Exception as exc:  # noqa: BLE001 - the user's model: per-row failure
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ModelError(
                f"the model raised {type(exc).__name__}: {text}",
                fix="check that the model accepts this row",
            ) from exc
        finally:
            self.model_seconds += time.perf_counter() - t0
        self.calls += 1
        self.rows += n
        try:
            out = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise ModelError(
                "the model returned values that are not numbers", fix="return a numeric array"
            ) from None
        out = out[:, None] if out.ndim == 1 else out
        if out.shape != (n, self.k):
            raise ModelError(
                f"the model returned shape {out.shape} for {n} rows",
                fix=f"return ({n}, {self.k}) outputs",
            )
        return out


def net_rows(adapter: Any) -> int | None:
    """``NET_ROWS`` for a neural net (scikit-learn's MLPs, torch modules on rows), whose
    calls are faster in cache-sized slices; None (the largest calls) for anything else."""
    from ..models.boosted import final_step
    from ..models.torch_tabular import TorchTabularModel

    est = getattr(adapter, "estimator", None)
    name = type(final_step(est)).__name__ if est is not None else ""
    return NET_ROWS if name.startswith("MLP") or isinstance(adapter, TorchTabularModel) else None


class PooledAdapter:
    """The adapted model as one row's context calls it (``predict``, ``call``), its calls
    handed to the pool; everything else read from the real adapter."""

    def __init__(self, pool: CallPool, adapter: Any) -> None:
        self._pool, self._inner = pool, adapter
        self.calls = self.rows = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def predict(self, batch: Any) -> np.ndarray:
        return self.call(self._inner._fn, batch)

    def call(self, fn: Any, batch: Any) -> np.ndarray:
        out = self._pool.request(batch, None if fn is self._inner._fn else fn)
        self.calls += 1
        self.rows += len(batch)
        return out


def row_context(ctx: Any, pool: CallPool, inst: Any, probed: Any = None) -> Any:
    """A copy of the plan's context for one row: its model calls go to ``pool``;
    ``probed`` (the row's outputs, the background's) when they are known already."""
    row = copy.copy(ctx)
    row.adapter = PooledAdapter(pool, ctx.adapter)
    row.calls = row.rows = 0
    if probed is not None:
        row.instance, row.probed = inst, probed
    return row


def error_text(exc: BaseException) -> str:
    """A failed row's reason, as the ``errors`` column shows it."""
    if isinstance(exc, LimelightError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_rows(jobs: list[tuple[Any, Any, Any]], pool: CallPool, threads: int) -> list[Any]:
    """``explainer.explain(model, inst)`` for each ``(explainer, model, inst)`` job,
    ``threads`` at a time sharing ``pool``; a row that fails gives its exception instead."""
    results: list[Any] = [None] * len(jobs)
    lock = threading.Lock()
    it = iter(range(len(jobs)))

    def work() -> None:
        try:
            while pool.abort is None:
                with lock:
                    i = next(it, None)
                if i is None:
                    return
                explainer, model, inst = jobs[i]
                try:
                    results[i] = explainer.explain(model, inst)
                except Exception as exc:  # noqa: BLE001 - reported for this row
                    results[i] = exc
        except BaseException as exc:
            pool.abort = exc
        finally:
            pool.leave()

    threads = max(1, min(threads, len(jobs)))
    pool.live = threads
    workers = [threading.Thread(target=from_user(work), daemon=True) for _ in range(threads - 1)]
    for w in workers:
        w.start()
    work()  # this thread is one of them
    for w in workers:
        w.join()
    if pool.abort is not None:
        raise pool.abort
    return results
