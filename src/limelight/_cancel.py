"""Cancellation at the one place every explainer passes through: the model call.

A widget runs its explainer inside :func:`cancellable` with its cancel event; every model
call (:meth:`limelight.models.base.Model.predict`, gradients) first calls :func:`check`,
which raises :class:`~limelight.errors.Cancelled` once the event is set. So any explainer,
however many batches it makes between two partial results (Kernel SHAP's enumerated
phase, exact enumeration, LIME's samples), stops within one batch of model calls, with
no check of its own. The event is per thread: two widgets running at once stop apart.

    >>> import threading
    >>> stop = threading.Event()
    >>> with cancellable(stop):
    ...     check()          # not cancelled: returns
    ...     stop.set()
    ...     try:
    ...         check()
    ...     except Cancelled:
    ...         print("stopped")
    stopped
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import Cancelled

_local = threading.local()


@contextmanager
def cancellable(event: threading.Event) -> Iterator[None]:
    """Model calls made in this thread, inside the block, stop once ``event`` is set."""
    before = getattr(_local, "event", None)
    _local.event = event
    try:
        yield
    finally:
        _local.event = before


def check() -> None:
    """Raise :class:`Cancelled` if the run this thread is doing was cancelled."""
    event = getattr(_local, "event", None)
    if event is not None and event.is_set():
        raise Cancelled("the run was cancelled", fix="run it again to compute the rest")
