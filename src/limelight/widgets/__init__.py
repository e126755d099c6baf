"""`ExplanationWidget`: one anywidget for every modality, fed by a streaming explainer.

``run(stream_factory)`` computes in a daemon thread and pushes each partial result to the
browser (throttled); the kernel stays free. Arrays cross as binary buffers.

    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"])
    >>> w = ExplanationWidget.from_explanation(e)
    >>> w._view, w.explanation is e
    ('tabular', True)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from .._cancel import cancellable
from ..encoders import CHART_VIEWS, chart_specs, encode
from ..encoders import buffers as _buffers
from ..errors import Cancelled, LimelightError
from ..explanation import Explanation

__all__ = ["CHART_VIEWS", "ExplanationWidget", "chart_specs", "encode", "_buffers"]

STATIC = Path(__file__).resolve().parent.parent / "static"

_MISSING_BUNDLE = """
export default { render({ el }) {
  const d = document.createElement("div");
  d.style.cssText = "color:#b71c1c;padding:8px;font:13px system-ui";
  d.textContent = "limelight's frontend bundle is missing (src/limelight/static/widget.js). " +
    "Reinstall with `pip install .` (it builds the JS with npm) or run `npm install && npm run build`.";
  el.append(d);
} };
"""


def _esm() -> str | Path:
    path = STATIC / "widget.js"
    return path if path.exists() else _MISSING_BUNDLE


_vega_bytes: bytes | None = None


def vega_bundle() -> bytes:
    """The chart renderer bundle (read once). It is not widget state: the first chart view
    on a page asks for it with a ``{"type": "vega"}`` message and gets it as one binary
    buffer, so a saved notebook does not carry a copy per chart."""
    global _vega_bytes
    if _vega_bytes is None:
        path = STATIC / "vega.js"
        _vega_bytes = path.read_bytes() if path.exists() else b""
    return _vega_bytes


def _cancellable(stream_factory: Callable[[], Iterator[Explanation]], event: threading.Event):
    """The stream, with every model call it makes checking ``event`` (see ``_cancel``)."""
    with cancellable(event):
        yield from stream_factory()


class ExplanationWidget(anywidget.AnyWidget):
    """A live explanation: the view for its modality, a progress strip and a Cancel button.

    ``.explanation`` is the latest result (partial while running), ``.wait()`` blocks for the
    final one, ``.cancel()`` stops the run within one batch.
    """

    _esm = _esm()
    _view = traitlets.Unicode("").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)
    _specs = traitlets.Dict().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    output_index = traitlets.Int(None, allow_none=True).tag(sync=True)

    #: seconds between pushes of partial results to the browser
    push_interval: float = 0.15

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._latest: Explanation | None = None
        self._error: BaseException | None = None
        self._cancel_event = threading.Event()
        self._finished = threading.Event()
        self._finished.set()
        self._thread: threading.Thread | None = None
        self.on_msg(self._on_message)

    # -- Python API -------------------------------------------------------------------------
    @classmethod
    def from_explanation(cls, exp: Explanation) -> ExplanationWidget:
        """A static widget showing a finished (or partial) explanation."""
        w = cls()
        w._latest = exp
        w._show(exp)
        w._progress = {"status": "done" if exp.done else "cancelled", "n_evals": exp.n_evals,
                       "budget": exp.params.get("budget")}
        return w

    @property
    def explanation(self) -> Explanation | None:
        """The latest result: a partial while the run is going, the final one after."""
        return self._latest

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def wait(self, timeout: float | None = None) -> Explanation:
        """Block until the run ends and return the final Explanation.

        Raises the run's error if it failed, :class:`~limelight.errors.Cancelled` if it was
        cancelled (``.explanation`` still holds the latest partial), ``TimeoutError`` if
        ``timeout`` seconds pass first.
        """
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the explanation is still running after {timeout} s")
        if self._error is not None:
            raise self._error
        if self._latest is None or not self._latest.done:
            n = self._latest.n_evals if self._latest is not None else 0
            raise Cancelled(
                f"the run was cancelled after {n} model evaluations",
                fix="use .explanation for the latest partial result, or run it again",
            )
        return self._latest

    def cancel(self) -> None:
        """Stop the run after the batch in progress; the latest partial stays shown."""
        self._cancel_event.set()

    def run(self, stream_factory: Callable[[], Iterator[Explanation]], *,
            budget: int | None = None, view: str | None = None) -> ExplanationWidget:
        """Start computing in a background thread; returns at once.

        ``view`` (the modality) lets the widget lay itself out before the first result.
        """
        if self.running:
            raise LimelightError("this widget is already running", fix="cancel it first")
        self._cancel_event.clear()
        self._finished.clear()
        self._error = None
        if view is not None:
            self._set_view(view)
        self._progress = {"status": "running", "n_evals": 0, "budget": budget, "elapsed": 0.0}
        self._thread = threading.Thread(
            target=self._work, args=(stream_factory, budget), daemon=True, name="limelight"
        )
        self._thread.start()
        return self

    # -- internals --------------------------------------------------------------------------
    def _work(self, stream_factory, budget) -> None:
        t0 = time.perf_counter()
        last_push = -1.0
        pushed: Explanation | None = None
        stream = None
        status = "done"
        try:
            stream = _cancellable(stream_factory, self._cancel_event)
            for exp in stream:
                self._latest = exp
                now = time.perf_counter()
                if exp.done or now - last_push >= self.push_interval:
                    self._show(exp, elapsed=now - t0, status="done" if exp.done else "running")
                    pushed = exp
                    last_push = now
                if self._cancel_event.is_set() and not exp.done:
                    status = "cancelled"
                    break
            if status == "done" and (self._latest is None or not self._latest.done):
                status = "cancelled" if self._cancel_event.is_set() else "error"
                if status == "error":
                    self._error = LimelightError("the explainer stopped without a final result")
        except Cancelled:  # raised at the model call after cancel(): within one batch
            status = "cancelled"
        except BaseException as exc:  # shown in the widget, re-raised by wait()
            status = "error"
            self._error = exc
        finally:
            if stream is not None and hasattr(stream, "close"):
                try:
                    stream.close()
                except Exception:  # noqa: BLE001 - closing must not hide the real outcome
                    pass
            latest = self._latest
            try:
                if latest is not None and latest is not pushed:
                    self._show(latest, elapsed=time.perf_counter() - t0, status=status)
                progress = dict(self._progress)
                progress.update(status=status, elapsed=round(time.perf_counter() - t0, 3))
                if status == "error":
                    err = self._error
                    progress["message"] = (str(err) if isinstance(err, LimelightError)
                                           else f"{type(err).__name__}: {err}")
                self._progress = progress
            finally:
                self._finished.set()

    def _show(self, exp: Explanation, *, elapsed: float | None = None,
              status: str | None = None) -> None:
        view, meta, arrays = encode(exp)
        with self.hold_sync():
            self._set_view(view)
            self._meta = meta
            self._arrays = arrays
            if status is not None:
                stderr = None
                if exp.stderr is not None and np.isfinite(exp.stderr).any():
                    stderr = float(np.nanmax(exp.stderr))
                self._progress = {
                    "status": status, "n_evals": int(exp.n_evals),
                    "budget": exp.params.get("budget"),
                    "elapsed": None if elapsed is None else round(elapsed, 3), "stderr": stderr,
                }

    def save(self, path: Any, *, include_data: bool = True, **options: Any):
        """Snapshot what the widget shows: ``.html`` (interactive, offline, no kernel),
        ``.png``, ``.svg`` or ``.json``; the class on screen is the one drawn."""
        from ..export import save

        if self._latest is None:
            raise LimelightError("nothing to save yet", fix="wait for the first result")
        return save(self, path, include_data=include_data, **options)

    def _repr_mimebundle_(self, **kwargs: Any):
        """The widget, plus a scriptless picture of the latest result for viewers that do not
        run widgets (nbconvert, GitHub)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict) and self._latest is not None:
            from ..export import static_html

            data["text/html"] = static_html(self._latest)
        return bundle

    def _set_view(self, view: str) -> None:
        """Switch the view; chart views also get their specs."""
        if view == self._view:
            return
        if view in CHART_VIEWS:
            self._specs = chart_specs()
        self._view = view

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "cancel":
            self.cancel()
        elif content.get("type") == "ready":
            # the view exists now: send what it may have missed
            self.send_state(["_view", "_meta", "_arrays", "_specs", "_progress", "output_index"])
        elif content.get("type") == "vega":
            # the chart renderer, once per page (the view caches it on globalThis)
            self.send({"type": "vega", "size": len(vega_bundle())}, buffers=[vega_bundle()])
        elif content.get("type") == "snapshot":
            # exporting a chart takes vl-convert ~0.5 s: off the kernel's message loop
            threading.Thread(target=self._send_snapshot, args=(content,), daemon=True).start()

    def snapshot(self, format: str = "html", *, kind: str | None = None) -> tuple[str, bytes]:
        """``(file name, bytes)`` of what the widget shows, as the Snapshot control
        downloads it: ``"html"``, ``"png"``, ``"svg"`` or ``"json"``."""
        from .. import export

        exp = self._latest
        if exp is None:
            raise LimelightError("nothing to snapshot yet", fix="wait for the first result")
        # the chart kind on screen, for the formats that draw a chart
        chart = {"kind": kind} if kind in ("bar", "waterfall") and format in ("png", "svg") else {}
        return f"{self._snapshot_stem(exp)}.{format}", export.to_bytes(self, format, **chart)

    def _snapshot_stem(self, exp: Explanation) -> str:
        return "limelight-" + "".join(c if c.isalnum() else "-" for c in (exp.method or exp.modality or "x"))

    def _send_snapshot(self, content: dict) -> None:
        fmt = str(content.get("format", "html"))
        # the asking control's id: every view of the widget gets the reply, one downloads it
        reply = {"type": "snapshot", "format": fmt, "id": content.get("id")}
        try:
            name, data = self.snapshot(fmt, kind=content.get("kind"))
        except Exception as exc:  # shown beside the control, not lost in a thread
            message = str(exc) if isinstance(exc, LimelightError) else f"{type(exc).__name__}: {exc}"
            self.send({**reply, "error": f"snapshot failed: {message}"})
            return
        self.send({**reply, "filename": name}, buffers=[data])

    def __repr__(self) -> str:
        state = "running" if self.running else (self._progress or {}).get("status", "idle")
        return f"ExplanationWidget({self._view or 'empty'}, {state})"
