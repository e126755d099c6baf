"""`ManyWidget`: explanations of a whole data set, streamed chunk by chunk into a global
summary (mean |attribution| bars, a canvas beeswarm, a dependence scatter of one feature's
value against its attribution coloured by another), with progress, ETA and Cancel;
clicking a point shows that row's explanation.

    >>> import numpy as np, limelight as ll
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> w = ll.explain_many(lambda X: X @ [1.0, 2.0, 3.0], X, background=X[:5])
    >>> w.wait().values.shape
    (50, 1, 3)
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..errors import Cancelled, LimelightError
from ..explanations import Explanations
from . import _buffers, _esm

PUSH_INTERVAL = 0.5  # seconds between pushes of the growing summary, plus 1 s per 100k rows
MAX_POINTS = 200_000  # rows drawn at most (evenly spaced); the bars average every row


def summary_arrays(ex: Explanations, output: int) -> dict[str, np.ndarray]:
    """What the view draws, for one output: per-row values, feature values (NaN where a
    value is not a number), predictions and row numbers; mean |attribution| per feature."""
    ok = ex.ok
    mean = (
        np.abs(ex.values[ok, output, :]).mean(axis=0)
        if ok.any()
        else np.zeros(len(ex.feature_names))
    )
    if ok.sum() > MAX_POINTS:  # ~50 MB of points a push at most
        keep = np.flatnonzero(ok)
        ok = np.zeros_like(ok)
        ok[keep[np.linspace(0, len(keep) - 1, MAX_POINTS).astype(int)]] = True
    vals = ex.values[ok, output, :]
    data = np.full(vals.shape, np.nan)
    if ex.data is not None:
        raw = ex.data[ok]
        for j in range(raw.shape[1]):
            try:
                data[:, j] = raw[:, j].astype(float)
            except (TypeError, ValueError):
                pass  # a category: the view colours it grey
    return {
        "values": vals.astype(np.float32),
        "data": data.astype(np.float32),
        "prediction": ex.prediction[ok, output].astype(np.float32),
        "row": ex.row[ok].astype(np.int32),
        "mean_abs": mean.astype(np.float32),
    }


def _short(v: Any) -> str:
    """A feature value as the row panel shows it (4 significant digits for numbers)."""
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


class ManyWidget(anywidget.AnyWidget):
    """The live summary of an ``attribute_many`` run (see :func:`explain_many`).

    ``.explanations`` holds the rows done so far, ``.wait()`` the whole result,
    ``.cancel()`` stops after the chunk being computed; ``.selected`` is the row shown.
    """

    _esm = _esm()
    _view = traitlets.Unicode("many").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    _row = traitlets.Dict().tag(sync=True)
    output_index = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._parts: list[Explanations] = []
        self._error: BaseException | None = None
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._finished.set()
        self._lock = threading.Lock()
        self.on_msg(self._on_message)
        self.observe(self._redraw, names=["output_index"])
        self.observe(self._show_row, names=["selected"])

    @property
    def explanations(self) -> Explanations | None:
        """The rows explained so far (all of them once done), in row order."""
        with self._lock:
            parts = list(self._parts)
        if not parts:
            return None
        ex = Explanations.concat(sorted(parts, key=lambda p: int(p.row[0])))
        for key in ("model_seconds", "model_calls"):
            ex.params.pop(key, None)
        return ex

    def wait(self, timeout: float | None = None) -> Explanations:
        """Block until the run ends; the run's error, ``Cancelled`` or ``TimeoutError``."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the run is still going after {timeout} s")
        if self._error is not None:
            raise self._error
        if self._progress.get("status") == "cancelled":
            raise Cancelled(
                "the run was cancelled", fix="read .explanations for the rows done, or rerun"
            )
        return self.explanations

    def cancel(self) -> None:
        self._cancel.set()

    def run(self, run: Any) -> ManyWidget:
        """Compute ``run`` (a :class:`limelight.many.ManyRun`) in a background thread."""
        plan = run.plan
        self._meta = {
            "feature_names": list(plan.template.feature_names),
            "output_names": list(plan.plan.model.output_names),
            "n_rows": plan.n_rows,
            "method": plan.method,
        }
        self._progress = {
            "status": "running",
            "n_evals": 0,
            "budget": plan.n_rows,
            "unit": "rows",
            "elapsed": 0.0,
        }
        self._finished.clear()
        threading.Thread(target=self._work, args=(run,), daemon=True, name="limelight-many").start()
        return self

    def _work(self, run: Any) -> None:
        from .._cancel import cancellable

        t0, status = time.perf_counter(), "done"
        chunks = run.chunks()
        try:
            with cancellable(self._cancel):
                self._consume(run, chunks, t0)
                status = (
                    "cancelled"
                    if self._cancel.is_set() and self._rows_done() < run.plan.n_rows
                    else "done"
                )
        except Cancelled:
            status = "cancelled"
        except BaseException as exc:  # shown in the widget, raised by wait()
            self._error, status = exc, "error"
        finally:
            chunks.close()
            self._push(self._rows_done(), run.plan.n_rows, time.perf_counter() - t0, status)
            self._finished.set()

    def _rows_done(self) -> int:
        with self._lock:
            return sum(len(p) for p in self._parts)

    def _consume(self, run: Any, chunks: Any, t0: float) -> None:
        last, done = 0.0, 0
        for _, ex in chunks:
            with self._lock:
                self._parts.append(ex)
            done += len(ex)
            now = time.perf_counter()
            if now - last >= PUSH_INTERVAL + done / 100_000 or done >= run.plan.n_rows:
                self._push(done, run.plan.n_rows, now - t0, "running")
                last = now
            if self._cancel.is_set() and done < run.plan.n_rows:
                return

    def _push(self, done: int, total: int, elapsed: float, status: str) -> None:
        ex = self.explanations
        progress = {
            "status": status,
            "n_evals": done,
            "budget": total,
            "unit": "rows",
            "elapsed": round(elapsed, 2),
        }
        if status == "running" and done:
            progress["eta"] = round(elapsed / done * (total - done), 1)
        if status == "error":
            err = self._error
            progress["message"] = (
                str(err) if isinstance(err, LimelightError) else f"{type(err).__name__}: {err}"
            )
        with self.hold_sync():
            if ex is not None:
                self._arrays = _buffers(summary_arrays(ex, self.output_index))
                self._meta = {**self._meta, "failed": int((~ex.ok).sum())}
            self._progress = progress

    def _redraw(self, _change: Any = None) -> None:
        ex = self.explanations
        if ex is not None:
            self._arrays = _buffers(summary_arrays(ex, self.output_index))

    def _show_row(self, _change: Any = None) -> None:
        ex, i = self.explanations, self.selected
        if ex is None or i is None:
            self._row = {}
            return
        where = np.flatnonzero(ex.row == i)
        if not len(where):
            self._row = {"row": int(i), "error": "not explained yet"}
            return
        e, o = ex[int(where[0])], self.output_index
        self._row = {
            "row": int(i),
            "error": e.params.get("error", ""),
            "prediction": float(e.prediction[o]),
            "base": float(e.base_values[o]),
            "values": [float(v) for v in e.values[o]],
            "data": [_short(v) for v in (e.data if e.data is not None else [])],
        }

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "cancel":
            self.cancel()
        elif kind == "select":
            self.selected = int(content["row"])
        elif kind == "ready":
            self.send_state(["_view", "_meta", "_arrays", "_progress", "_row", "output_index"])


def explain_many(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    chunk_size: int = 256,
    **kwargs: Any,
) -> ManyWidget:
    """Like :func:`limelight.attribute_many` (same arguments), but return a widget at once
    that fills in as chunks finish; ``.wait()`` gives the :class:`Explanations`. Planning
    (and any error in the arguments) happens here, in the caller's cell.

        >>> w = ll.explain_many(model, X_test, background=X_train)   # doctest: +SKIP
        >>> w.selected = 12   # that row's explanation, as a click on its dot  # doctest: +SKIP
    """
    from ..many import ManyRun

    opts = {k: kwargs.pop(k, None) for k in ("output", "random_state", "n_jobs", "client", "out")}
    resume = bool(kwargs.pop("resume", False))
    run = ManyRun(
        model,
        X,
        background=background,
        method=method,
        chunk_size=chunk_size,
        resume=resume,
        options=kwargs,
        **opts,
    )
    return ManyWidget().run(run)
