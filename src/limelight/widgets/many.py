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

from .._warn import from_user
from ..errors import Cancelled, LimelightError
from ..explanations import Explanations
from . import _buffers, _esm
from ._background import BackgroundRun
from ._display import StaticDisplay, importance_picture
from ._many_stream import MAX_POINTS, Stream, summary_arrays

__all__ = ["MAX_POINTS", "ManyWidget", "explain_many", "summary_arrays"]

PUSH_INTERVAL = 0.5  # seconds between pushes of the growing summary, plus 1 s per 100k rows


def _short(v: Any) -> str:
    """A feature value as the row panel shows it (4 significant digits for numbers)."""
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


class ManyWidget(BackgroundRun, StaticDisplay, anywidget.AnyWidget):
    """The live summary of an ``attribute_many`` run (see :func:`explain_many`).

    ``.explanations`` holds the rows done so far, ``.wait()`` the whole result,
    ``.cancel()`` stops after the chunk being computed; ``.selected`` is the row shown.
    """

    _CANCELLED_FIX = "read .explanations for the rows done, or rerun"
    _esm = _esm("many.js")
    _view = traitlets.Unicode("many").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    _row = traitlets.Dict().tag(sync=True)
    output_index = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stream = Stream(0, 1)
        self._sent = 0  # points the views hold (appends since the last reset)
        self._epoch = 0  # bumped when the views must start over (another output)
        self._final = False  # `_arrays` holds every point: views need no messages
        self._init_run()
        self._lock = threading.RLock()
        self.on_msg(self._on_message)
        self.observe(self._redraw, names=["output_index"])
        self.observe(self._show_row, names=["selected"])

    @traitlets.validate("output_index")
    def _valid_output(self, proposal: Any) -> int:
        """An output index the run has (negative counts from the end), refused at once."""
        from ..plans.outputs import output_index

        names = list(self._meta.get("output_names") or [])
        return output_index(names, proposal["value"]) if names else proposal["value"]

    @property
    def explanations(self) -> Explanations | None:
        """The rows explained so far (all of them once done), in row order."""
        with self._lock:
            parts = list(self._stream.parts)
        if not parts:
            return None
        ex = Explanations.concat(sorted(parts, key=lambda p: int(p.row[0])))
        for key in ("model_seconds", "model_calls"):
            ex.params.pop(key, None)
        return ex

    def _static_picture(self) -> str | None:
        with self._lock:
            if not self._stream.parts:
                return None
            o = min(self.output_index, self._stream.abs_sum.shape[0] - 1)
            values = self._stream.mean_abs(o)
        names = self._meta.get("feature_names", [])
        outputs = self._meta.get("output_names", [""])
        title = (
            f"limelight · {self._meta.get('method', '')} · mean |attribution| over "
            f"{self._stream.n_ok} rows · {outputs[o]}"
        )
        return importance_picture(names, values, title)

    def _display_key(self) -> Any:
        return (self._run_status(), self.output_index)

    def run(self, run: Any) -> ManyWidget:
        """Compute ``run`` (a :class:`limelight.many.ManyRun`) in a background thread."""
        plan = run.plan
        with self._lock:
            self._stream = Stream(plan.n_rows, len(plan.plan.model.output_names))
            self._sent, self._final = 0, False
            self._epoch += 1
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
        threading.Thread(
            target=from_user(self._work), args=(run,), daemon=True, name="limelight-many"
        ).start()
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
            return self._stream.n_rows_done

    def _consume(self, run: Any, chunks: Any, t0: float) -> None:
        last, done = 0.0, 0
        for _, ex in chunks:
            with self._lock:
                self._stream.add(ex)
            done += len(ex)
            now = time.perf_counter()
            if now - last >= PUSH_INTERVAL + done / 100_000 or done >= run.plan.n_rows:
                self._push(done, run.plan.n_rows, now - t0, "running")
                last = now
            if self._cancel.is_set() and done < run.plan.n_rows:
                return

    def _push(self, done: int, total: int, elapsed: float, status: str) -> None:
        """Send what is new: the points of the chunks since the last push (an ``append``
        message, binary buffers), then the progress; at the end every point once, as
        ``_arrays`` (what a saved notebook or a view opened later shows)."""
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
        with self._lock, self.hold_sync():
            if status == "running":
                self._send_points("append", self._stream.take(self.output_index))
            elif self._stream.parts:
                self._set_final()
            self._meta = {**self._meta, "failed": self._stream.failed}
            self._progress = progress

    def _set_final(self) -> None:
        o = self.output_index
        self._arrays = _buffers({**self._stream.full(o), "mean_abs": self._stream.mean_abs(o)})
        self._final, self._sent = True, 0

    def _send_points(self, kind: str, pts: dict[str, np.ndarray]) -> None:
        """One ``append`` (points after the ``start`` the views hold) or ``full`` (every
        point: the views start over) message; arrays as buffers, never JSON lists."""
        start = 0 if kind == "full" else self._sent
        arrays, bufs = {}, []
        for name, entry in _buffers(pts).items():
            arrays[name] = {"buffer": len(bufs), "dtype": entry["dtype"], "shape": entry["shape"]}
            bufs.append(entry["view"])
        content = {
            "type": kind,
            "epoch": self._epoch,
            "start": start,
            "count": len(pts["row"]),
            "arrays": arrays,
            "mean_abs": [float(v) for v in self._stream.mean_abs(self.output_index)],
            "failed": self._stream.failed,
        }
        self.send(content, buffers=bufs)
        self._sent = start + len(pts["row"])

    def to_html(self, *, title: str | None = None) -> str:
        """One self-contained HTML page with the summary of every row done so far (the
        bars, the beeswarm, the dependence scatter); opens from ``file://``, no kernel.

            >>> w.save("summary.html")   # doctest: +SKIP
        """
        from ..export import b64_arrays, page

        ex = self.explanations
        arrays = {} if ex is None else _buffers(summary_arrays(ex, self.output_index))
        state = {
            "_view": "many",
            "_meta": dict(self._meta),
            "_arrays": b64_arrays(arrays),
            "_progress": dict(self._progress),
            "_row": {},
            "output_index": self.output_index,
            "_static": True,
        }
        method = self._meta.get("method", "")
        title = title or f"limelight: {method} explanations of many rows"
        return page(state, title=title, chart=False)

    def save(
        self,
        path: Any,
        *,
        title: str | None = None,
        overwrite: bool = True,
        partial: bool = False,
        **options: Any,
    ) -> Any:
        """Write :meth:`to_html` to ``path`` (an ``.html`` file), or the rows as ``.svg`` /
        ``.png`` (the beeswarm), ``.json`` or ``.parquet`` (see :meth:`Explanations.save`).
        A run still going is waited for (as :meth:`wait`); ``partial=True`` writes the rows
        done so far. Whole or not at all; ``overwrite=False`` refuses to replace a file."""

        from .._atomic import write_atomic
        from ..export.many import PICTURES
        from ._lifecycle import target_first

        path = target_first(path, overwrite)
        if not partial:
            self.wait()
        if path.suffix.lower() in PICTURES + (".parquet",):
            ex = self.explanations
            if ex is None:
                raise LimelightError("no row is explained yet", fix="w.wait() first, then save")
            if path.suffix.lower() != ".parquet":
                options.setdefault("output", self.output_index)
            return ex.save(path, overwrite=overwrite, **options)
        # target_first refused every other suffix: what is left is .html / .htm
        return write_atomic(path, self.to_html(title=title), overwrite=overwrite)

    def _redraw(self, _change: Any = None) -> None:
        with self._lock:
            if not self._stream.parts:
                return
            if self._final:
                self._set_final()
            else:  # running: every view starts over with this output's points
                self._epoch += 1
                self._send_points("full", self._stream.full(self.output_index))

    def _catch_up(self) -> None:
        """A view that started late (or lost its place) gets every point so far."""
        with self._lock:
            if self._final:
                return  # `_arrays` has them
            self._send_points("full", self._stream.full(self.output_index))

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
        elif kind == "points":  # the many view has no (or not all) points: send them
            self._catch_up()


def explain_many(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    chunk_size: int | None = None,
    **kwargs: Any,
) -> ManyWidget:
    """Like :func:`limelight.attribute_many` (same arguments), but return a widget at once
    that fills in as chunks finish; ``.wait()`` gives the :class:`Explanations`. Planning
    (and any error in the arguments) happens here, in the caller's cell. A list of texts
    gives a :class:`~limelight.widgets.many_text.TextsWidget` (top tokens, one text).

        >>> w = ll.explain_many(model, X_test, background=X_train)   # doctest: +SKIP
        >>> w.selected = 12   # that row's explanation, as a click on its dot  # doctest: +SKIP
    """
    from ..many import ManyRun
    from ..many.items import items_kind

    kind = items_kind(X)
    if kind is not None:
        return _explain_items(kind, model, X, background, method, chunk_size, kwargs)
    opts = {k: kwargs.pop(k, None) for k in ("output", "random_state", "n_jobs", "client", "out")}
    resume = bool(kwargs.pop("resume", False))
    run = ManyRun(
        model,
        X,
        background=background,
        method=method,
        chunk_size=256 if chunk_size is None else chunk_size,
        resume=resume,
        options=kwargs,
        **opts,
    )
    return ManyWidget().run(run)


def _explain_items(kind, model, X, background, method, chunk_size, kwargs):
    from ..errors import InputError
    from .many_text import explain_texts

    if kind != "text":
        raise InputError(
            "explain_many draws tables and texts; many images have no widget yet",
            fix="use ll.attribute_many(model, images, ...) and look at ex[i]",
        )
    if background is not None:
        raise InputError("text explanations take no background", fix="drop background=")
    return explain_texts(model, X, method=method, chunk_size=chunk_size or 32, **kwargs)
