"""`Monitor`: a live training-curve widget. ``mon.log(step, loss=...)`` from any loop or
thread appends to a store; a pump thread sends only the new points, as binary buffers,
at most every ``interval`` seconds, so thousands of points a second cost the kernel a few
messages a second. The browser draws them on a canvas (one panel per metric, one colour
per run, smoothing, log scale, zoom).

Nothing waits for the browser: a kernel busy with the user's cell (the loop that logs)
reads no message from it, so the pump sends every chunk unasked from its thread (those
reach the page while the cell runs), the page's model holds them from the widget's
creation (views attached later draw them all), and the state the page reads when it
restores the widget (``_history``, serialised at that moment) carries the points so far.
A page that finds a gap asks for the rest (``ready`` with the count it holds).

    >>> mon = Monitor()
    >>> for step in range(3):
    ...     mon.log(step, loss=1 / (step + 1), run="a")
    >>> mon.to_frame()["value"].round(2).tolist()
    [1.0, 0.5, 0.33]
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..export import model_svg, model_views
from ..widgets import _esm
from ..widgets._display import StaticDisplay
from . import _watch
from .points import PointStore

QUIET_S = 1.0  # seconds without a point from a thread before the saved picture is replaced
CHUNK = 200_000  # points per message at most (~2.8 MB), e.g. the history on display


class Monitor(StaticDisplay, anywidget.AnyWidget):
    """Training curves that fill in while a loop logs: ``mon.log(step, loss=..., run=...)``.

    ``.to_frame()`` holds every point (step, run, metric, value); ``.keras_callback()``
    and ``.watch(module, every=N)`` log for you; ``.save("curves.html")`` exports.
    """

    _esm = _esm("modelviz.js")
    _view = traitlets.Unicode("monitor").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)  # empty live; exports carry every point here
    _uid = traitlets.Unicode().tag(sync=True)  # names the page's feed of this widget's points
    # never set: its value is the history at the moment the state is read (widget creation,
    # a page's restore), so it is sent only when the page asks for the whole state
    _history = traitlets.Dict().tag(sync=True, to_json=lambda _v, w: w._history_state())

    #: seconds between messages to the browser (points logged meanwhile go together)
    interval: float = 0.1

    def __init__(
        self, *, title: str = "", smoothing: float = 0.0, log_scale: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._meta = {
            "title": str(title),
            "smoothing": float(smoothing),
            "log_scale": bool(log_scale),
        }
        self.store = PointStore()
        self._sent = 0  # points sent to the page
        self._resend_from: int | None = None  # a page that missed points holds this many
        self._wake = threading.Event()
        self._pump_lock = threading.Lock()
        self._pump: threading.Thread | None = None
        self._closed = False
        self.messages = 0  # messages sent to the browser (for tests and the benchmark)
        self.on_msg(self._on_message)

    @traitlets.default("_uid")
    def _new_uid(self) -> str:
        return uuid.uuid4().hex

    def log(self, step: float | None = None, /, *, run: str = "run", **metrics: Any) -> None:
        """Add one point per metric at ``step`` (default: the run's last step + 1)."""
        self.store.add(step, run, metrics)
        thread = threading.current_thread()
        if thread is not threading.main_thread():
            self._thread_logged = (time.monotonic(), thread)
        self._ensure_pump()

    def to_frame(self):
        """Every point logged: columns step, run, metric, value."""
        return self.store.to_frame()

    def _result(self):
        """The points logged so far (a monitor never ends: ``wait()`` returns at once)."""
        return self.to_frame()

    def keras_callback(self, *, run: str = "keras"):
        """A ``keras.callbacks.Callback`` logging each batch's metrics and each epoch's
        (``val_*`` included) at the batch count reached."""
        return _watch.keras_callback(self, run)

    def watch(self, module: Any, *, every: int = 10, run: str = "watch"):
        """Log each layer's weight norm and gradient norm (metrics ``weight_norm`` and
        ``grad_norm``, run ``"<run>/<layer>"``) every ``every`` training steps (forward
        passes with gradients on) of a torch module; ``.remove()`` stops it."""
        return _watch.TorchWatch(self, module, every=every, run=run)

    def flush(self, timeout: float = 5.0) -> None:
        """Send what is pending now and wait until it has gone."""
        self._ensure_pump()
        self._wake.set()
        with self._pump_lock:
            self._send_pending()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        super().close()

    # -- exports ----------------------------------------------------------------------------
    def snapshot(self, format: str = "html") -> tuple[str, bytes]:
        return "limelight-monitor." + format, model_views.to_bytes(self, format)

    def save(self, path: Any, *, overwrite: bool = True, **options: Any):
        """``.html`` (interactive, offline), ``.png``, ``.svg`` or ``.json`` with every point,
        written whole or not at all; ``overwrite=False`` refuses to replace an existing file."""
        return model_views.save(self, path, overwrite=overwrite, **options)

    def _page_state(self):
        _, arrays, series = self.store.chunk(0, len(self.store))
        step = arrays["step"]
        # exports narrow float64 to float32 (exact to 2**24): integer steps travel as int32
        if step.size and np.all(step == np.round(step)) and np.abs(step).max() < 2**31:
            arrays["step"] = step.astype(np.int32)
        return "monitor", {**self._meta, "series": series}, arrays, {}

    def _json(self) -> dict:
        frame = self.to_frame()
        return {
            "kind": "monitor",
            **self._meta,
            "points": {c: frame[c].tolist() for c in frame.columns},
        }

    def _svg(self) -> str:
        return model_svg.curves(
            self.to_frame(),
            title=self._meta["title"],
            log_scale=self._meta["log_scale"],
            smoothing=self._meta["smoothing"],
        )

    # -- the pump ---------------------------------------------------------------------------
    def _ensure_pump(self) -> None:
        if self._pump is None or not self._pump.is_alive():
            with self._pump_lock:
                if self._pump is None or not self._pump.is_alive():
                    self._pump = threading.Thread(
                        target=self._run_pump, daemon=True, name="limelight-monitor"
                    )
                    self._pump.start()

    def _run_pump(self) -> None:
        idle = 0.0
        while not self._closed and idle < 30:
            self._wake.wait(self.interval)
            self._wake.clear()
            with self._pump_lock:
                sent = self._send_pending()
            idle = 0.0 if sent else idle + self.interval

    def _send_pending(self) -> bool:
        if self._resend_from is not None:
            self._resend_from, self._sent = None, min(self._sent, self._resend_from)
        if len(self.store) <= self._sent:
            return False
        while self._sent < len(self.store):
            start = self._sent
            stop, arrays, series = self.store.chunk(start, CHUNK)
            self.send(
                {"type": "points", "start": start, "n": stop - start, "series": series},
                buffers=[
                    arrays["step"].tobytes(),
                    arrays["series"].tobytes(),
                    arrays["value"].tobytes(),
                ],
            )
            self.messages += 1
            self._sent = stop
        return True

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ready" and "have" in content:
            # a page that missed points (it restored the widget mid-stream): send from what
            # it holds (the others skip what they hold). A view's plain "ready" needs
            # nothing: the page's model has held every point since the widget's creation.
            try:
                have = max(0, int(content["have"]))
            except (TypeError, ValueError):
                return
            with self._pump_lock:
                held = self._resend_from
                self._resend_from = have if held is None else min(have, held)
            self._ensure_pump()
            self._wake.set()
        elif content.get("type") == "snapshot":
            threading.Thread(
                target=model_views.reply_snapshot, args=(self, content), daemon=True
            ).start()

    def _history_state(self) -> dict:
        """The points so far (up to ``CHUNK``; a page asks for the rest), as arrays."""
        store = getattr(self, "store", None)  # None while the widget opens its comm
        if store is None:
            return {}
        _, arrays, names = store.chunk(0, CHUNK)
        out: dict[str, Any] = {"total": len(store), "names": names}
        for key, a in arrays.items():
            out[key] = {"view": memoryview(a).cast("B"), "dtype": a.dtype.name, "shape": [a.size]}
        return out

    def _display_key(self) -> Any:
        # The saved picture follows the points logged. Read at a cell's end, every point the
        # cell's own loop logged is in (the README's pattern: the picture shows them all);
        # a thread that still logs would have its live view re-created at every cell's end
        # (its zoom lost, a flicker): the picture waits until the thread pauses or ends.
        at, thread = getattr(self, "_thread_logged", (-QUIET_S, None))
        if time.monotonic() - at < QUIET_S and thread.is_alive():
            return self._sent_key
        return len(self.store)

    def _describe(self) -> str:
        return f"monitor: {len(self.store)} points, {len(self.store.series)} series"
