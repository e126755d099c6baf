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

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..encoders import CHART_VIEWS, chart_specs, encode
from ..encoders import buffers as _buffers
from ..errors import Cancelled, LimelightError, WaitTimeout
from ..explanation import Explanation
from ._describe import describe_run
from ._display import StaticDisplay
from ._runner import Run, finished_run, start

__all__ = ["CHART_VIEWS", "ExplanationWidget", "chart_specs", "encode", "_buffers"]

STATIC = Path(__file__).resolve().parent.parent / "static"

_MISSING_BUNDLE = """
export default { render({ el }) {
  const d = document.createElement("div");
  d.style.cssText = "color:#b71c1c;padding:8px;font:13px system-ui";
  d.textContent = "limelight's frontend bundle is missing (src/limelight/static/). " +
    "Reinstall with `pip install .` (it builds the JS with npm) or run `npm install && npm run build`.";
  el.append(d);
} };
"""


def _esm(bundle: str = "explain.js") -> str | Path:
    """A widget family's bundle's text (``js/src/entries/``: each carries the core views
    and its own, so a saved notebook holds only what its widgets draw). (As a Path,
    anywidget would watch the file and keep every widget alive through the watcher's
    callback; only live reload while developing wants that.)"""
    path = STATIC / bundle
    if not path.exists():
        return _MISSING_BUNDLE
    return path if os.environ.get("ANYWIDGET_HMR") else path.read_text(encoding="utf-8")


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


_renderer = {"offered": False}  # whether this kernel has sent the renderer unasked
_renderer_lock = threading.Lock()


def offer_renderer(widget: Any) -> None:
    """Send the chart renderer to the page, unasked, once per kernel, when the first widget
    with charts gets its specs: a kernel busy with the user's cell (a chart shown, then a
    long loop; Run All) answers no ``{"type": "vega"}`` request until the cell ends, and
    the chart would stay blank meanwhile. The page keeps it for every later view (any
    widget); a page opened later asks, as before."""
    with _renderer_lock:
        if _renderer["offered"]:
            return
        _renderer["offered"] = True
    bundle = vega_bundle()
    if bundle:
        widget.send({"type": "vega", "size": len(bundle)}, buffers=[bundle])


#: seconds a widget whose last view went waits for a new one before it stops its run
DETACH_GRACE = 2.0


def send_snapshot(widget: Any, content: dict) -> None:
    """Answer a Snapshot control's ``{"type": "snapshot"}`` message with the file (or the
    error), on ``widget``'s comm."""
    fmt = str(content.get("format", "html"))
    # the asking control's id: every view of the widget gets the reply, one downloads it
    reply = {"type": "snapshot", "format": fmt, "id": content.get("id")}
    try:
        name, data = widget.snapshot(fmt, kind=content.get("kind"))
    except Exception as exc:  # shown beside the control, not lost in a thread
        message = str(exc) if isinstance(exc, LimelightError) else f"{type(exc).__name__}: {exc}"
        widget.send({**reply, "error": f"snapshot failed: {message}"})
        return
    widget.send({**reply, "filename": name}, buffers=[data])


class ExplanationWidget(StaticDisplay, anywidget.AnyWidget):
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
        self._run: Run = finished_run()
        self._views = 0  # views the browser said it drew and has not removed
        self._detached: float | None = None
        #: appended to snapshot file names (the explorer names the row)
        self.snapshot_suffix = ""
        self.on_msg(self._on_message)

    @traitlets.observe("_specs")
    def _send_renderer(self, change: dict) -> None:
        if change["new"]:
            offer_renderer(self)

    @traitlets.validate("output_index")
    def _valid_output(self, proposal: Any) -> int | None:
        """An output the explanation has (negative counts from the end), refused at once."""
        from ..plans.outputs import output_index

        value, latest = proposal["value"], self._latest
        if value is None or latest is None or not latest.output_names:
            return value
        return output_index(list(latest.output_names), value)

    # -- Python API -------------------------------------------------------------------------
    @classmethod
    def from_explanation(cls, exp: Explanation) -> ExplanationWidget:
        """A static widget showing a finished (or partial) explanation."""
        w = cls()
        w.show(exp)
        return w

    def show(self, exp: Explanation) -> None:
        """Show ``exp`` (a finished or partial explanation); a run in progress is cancelled
        and left to end in the background."""
        self._replace_run().finished.set()
        self._latest = exp
        self._show(exp)
        self._progress = {
            "status": "done" if exp.done else "cancelled",
            "n_evals": exp.n_evals,
            "budget": exp.params.get("budget"),
        }

    @property
    def explanation(self) -> Explanation | None:
        """The latest result: a partial while the run is going, the final one after."""
        return self._latest

    @property
    def running(self) -> bool:
        """Whether the explainer is still computing (False once done, cancelled or failed)."""
        return not self._run.finished.is_set()

    def wait(self, timeout: float | None = None) -> Explanation:
        """Block until the run ends and return the final Explanation.

        Raises the run's error if it failed, :class:`~limelight.errors.Cancelled` if it was
        cancelled (``.explanation`` still holds the latest partial), and
        :class:`~limelight.errors.WaitTimeout` (a ``TimeoutError``) if ``timeout`` seconds
        pass first; the run goes on.
        """
        run = self._run
        if not run.finished.wait(timeout):
            n = self._latest.n_evals if self._latest is not None else 0
            raise WaitTimeout(
                f"the explanation is still running after {timeout} s "
                f"({n} model evaluations so far)",
                fix="wait longer, use .explanation for the latest partial, or .cancel() it",
            )
        if run.error is not None:
            raise run.error
        if self._latest is None or not self._latest.done:
            n = self._latest.n_evals if self._latest is not None else 0
            raise Cancelled(
                f"the run was cancelled after {n} model evaluations",
                fix="use .explanation for the latest partial result, or run it again",
            )
        return self._latest

    def cancel(self) -> None:
        """Stop the run after the batch in progress; the latest partial stays shown."""
        self._run.cancel.set()

    def close(self) -> None:
        """Stop the run (within one batch) and close the widget."""
        run = getattr(self, "_run", None)  # (a widget that failed to build has none)
        if run is not None:
            run.cancel.set()
        super().close()

    def __del__(self) -> None:
        run = getattr(self, "_run", None)
        if run is not None:
            run.cancel.set()
        super().__del__()

    def run(
        self,
        stream_factory: Callable[[], Iterator[Explanation]],
        *,
        budget: int | None = None,
        view: str | None = None,
        restart: bool = False,
    ) -> ExplanationWidget:
        """Start computing in a background thread; returns at once.

        ``view`` (the modality) lets the widget lay itself out before the first result.
        ``restart=True`` cancels a run in progress instead of refusing: it ends its batch in
        the background, without waiting, and never touches the widget again;
        ``.explanation`` is None until the new run's first result.
        """
        if self.running and not restart:
            raise LimelightError("this widget is already running", fix="cancel it first")
        run = self._replace_run(clear=restart)
        if view is not None:
            self._set_view(view)
        self._progress = {"status": "running", "n_evals": 0, "budget": budget, "elapsed": 0.0}
        start(self, run, stream_factory, budget)
        return self

    # -- internals --------------------------------------------------------------------------
    def _replace_run(self, *, clear: bool = False) -> Run:
        """A new run in place of the current one, which is cancelled (not waited for);
        ``clear`` forgets the latest result too."""
        self._run.cancel.set()
        self._run = Run()
        if clear:
            self._latest = None
        return self._run

    def _show(
        self, exp: Explanation, *, elapsed: float | None = None, status: str | None = None
    ) -> None:
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
                    "status": status,
                    "n_evals": int(exp.n_evals),
                    "budget": exp.params.get("budget"),
                    "elapsed": None if elapsed is None else round(elapsed, 3),
                    "stderr": stderr,
                }

    def save(
        self,
        path: Any,
        *,
        include_data: bool = True,
        overwrite: bool = True,
        partial: bool = False,
        **options: Any,
    ):
        """Snapshot the result: ``.html`` (interactive, offline, no kernel), ``.png``,
        ``.svg`` or ``.json``; the class on screen is the one drawn. A run still going is
        waited for (as :meth:`wait`); ``partial=True`` writes the latest partial result
        now, marked partial. Written whole or not at all; ``overwrite=False`` refuses to
        replace an existing file."""
        from ..export import save
        from ._lifecycle import target_first

        target_first(path, overwrite)
        if not partial:
            self.wait()
        if self._latest is None:
            raise LimelightError("nothing to save yet", fix="wait for the first result")
        return save(self, path, include_data=include_data, overwrite=overwrite, **options)

    def _static_picture(self) -> str | None:
        """The scriptless picture of the latest result (bars, coloured text, an image)."""
        if self._latest is None:
            return None
        from ..export import static_html

        return static_html(self._latest, self.output_index)

    def _display_key(self) -> Any:
        return (self._run_status(), id(self._latest), self.output_index)

    def _describe(self) -> str:
        return describe_run(self._latest, self._progress, self._view)

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
            # a view exists now: send what it may have missed
            self._views += 1
            self._detached = None
            self.send_state(["_view", "_meta", "_arrays", "_specs", "_progress", "output_index"])
        elif content.get("type") == "detached":
            self._views = max(0, self._views - 1)
            if self._views == 0:
                self._on_detached()
        elif content.get("type") == "vega":
            # the chart renderer, once per page (the view caches it on globalThis)
            self.send({"type": "vega", "size": len(vega_bundle())}, buffers=[vega_bundle()])
        elif content.get("type") == "quality":  # the badge row's "check" button
            threading.Thread(target=self._check_quality, daemon=True).start()
        elif content.get("type") == "snapshot":
            # exporting a chart takes vl-convert ~0.5 s: off the kernel's message loop
            threading.Thread(target=self._send_snapshot, args=(content,), daemon=True).start()

    def _check_quality(self) -> None:
        exp = self._latest
        if exp is not None and getattr(exp, "quality", None) is not None:
            try:
                exp.quality.compute()
            except Exception as exc:  # noqa: BLE001 - shown in the badge row
                exp.quality.error = f"{type(exc).__name__}: {exc}"
            self._show(exp)

    def _on_detached(self) -> None:
        """The page's last view of this widget went (its output cleared, its cell deleted):
        stop the run unless a view comes back (a redraw) within ``DETACH_GRACE`` seconds."""
        at = self._detached = time.monotonic()

        def check() -> None:
            if self._detached == at:
                self.cancel()

        timer = threading.Timer(DETACH_GRACE, check)
        timer.daemon = True
        timer.start()

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
        name = "".join(c if c.isalnum() else "-" for c in (exp.method or exp.modality or "x"))
        return f"limelight-{name}{self.snapshot_suffix}"

    def _send_snapshot(self, content: dict) -> None:
        send_snapshot(self, content)
