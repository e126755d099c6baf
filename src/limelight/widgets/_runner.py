"""One run of an explainer's stream in a daemon thread, pushing partials to a widget.

The thread holds the widget only weakly, so a widget nobody holds any more is collected
and its run stops at the next batch; a run replaced by a newer one (the explorer's next
row) stops the same way and never touches the widget again. Nothing here blocks: a
cancelled run finishes its batch in the background.

    >>> run = Run()
    >>> run.finished.is_set(), run.cancel.is_set()
    (False, False)
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .._cancel import cancellable
from .._warn import from_user
from ..errors import Cancelled, LimelightError


@dataclass(eq=False)
class Run:
    """The state of one run: its cancel flag, its end, and the error it ended with."""

    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def finished_run() -> Run:
    run = Run()
    run.finished.set()
    return run


def start(
    widget: Any,
    run: Run,
    stream_factory: Callable[[], Iterator],
    budget: int | None,
) -> threading.Thread:
    """Run ``stream_factory()`` for ``widget`` (while ``widget._run is run``) in a thread."""
    thread = threading.Thread(
        target=from_user(_work),  # its warnings point at the user's line that started it
        args=(weakref.ref(widget), run, stream_factory, budget),
        daemon=True,
        name="limelight",
    )
    thread.start()
    return thread


def _cancellable(stream_factory: Callable[[], Iterator], event: threading.Event):
    """The stream, with every model call it makes checking ``event`` (see ``_cancel``)."""
    with cancellable(event):
        yield from stream_factory()


def _message(err: BaseException | None) -> str:
    return str(err) if isinstance(err, LimelightError) else f"{type(err).__name__}: {err}"


def _current(ref: weakref.ref, run: Run) -> Any:
    """The widget if this run is still its run, else None (collected, closed or replaced)."""
    widget = ref()
    return widget if widget is not None and widget._run is run else None


def _work(ref: weakref.ref, run: Run, stream_factory, budget) -> None:
    t0 = time.perf_counter()
    last_push, pushed, latest = -1.0, None, None
    stream, status = None, "done"
    try:
        stream = _cancellable(stream_factory, run.cancel)
        for exp in stream:
            widget = _current(ref, run)
            if widget is None:  # nobody will see this run: stop after this batch
                status = "cancelled"
                break
            latest = widget._latest = exp
            now = time.perf_counter()
            if exp.done or now - last_push >= widget.push_interval:
                widget._show(exp, elapsed=now - t0, status="done" if exp.done else "running")
                pushed, last_push = exp, now
            del widget
            if run.cancel.is_set() and not exp.done:
                status = "cancelled"
                break
        if status == "done" and (latest is None or not latest.done):
            status = "cancelled" if run.cancel.is_set() else "error"
            if status == "error":
                run.error = LimelightError("the explainer stopped without a final result")
    except Cancelled:  # raised at the model call after cancel(): within one batch
        status = "cancelled"
    except BaseException as exc:  # shown in the widget, re-raised by wait()
        status, run.error = "error", exc
    finally:
        if stream is not None and hasattr(stream, "close"):
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - closing must not hide the real outcome
                pass
        try:
            widget = _current(ref, run)
            if widget is not None:
                if latest is not None and latest is not pushed:
                    widget._show(latest, elapsed=time.perf_counter() - t0, status=status)
                progress = dict(widget._progress)
                progress.update(status=status, elapsed=round(time.perf_counter() - t0, 3))
                if status == "error":
                    progress["message"] = _message(run.error)
                widget._progress = progress
        finally:
            run.finished.set()
