"""Cancellation that reaches every explainer within one batch of model calls.

A widget runs its stream in a thread inside :func:`cancel_scope`; every batch of model
calls (``Model.predict``, the tabular model boundary, the Shapley estimators' batches)
calls :func:`check_cancelled`, which raises :class:`~limelight.errors.Cancelled` once the
scope's event is set. Outside a scope the check costs one attribute lookup.

    >>> import threading
    >>> stop = threading.Event()
    >>> with cancel_scope(stop):
    ...     check_cancelled()       # not set: nothing happens
    ...     stop.set()
    ...     try:
    ...         check_cancelled()
    ...     except Exception as e:
    ...         print(type(e).__name__)
    Cancelled
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import Cancelled

_local = threading.local()


@contextmanager
def cancel_scope(event: threading.Event) -> Iterator[None]:
    """Within this block (in this thread), model calls stop once ``event`` is set."""
    previous = getattr(_local, "event", None)
    _local.event = event
    try:
        yield
    finally:
        _local.event = previous


def check_cancelled() -> None:
    """Raise :class:`Cancelled` if this thread's run was cancelled."""
    event = getattr(_local, "event", None)
    if event is not None and event.is_set():
        raise Cancelled("the run was cancelled", fix="start it again to finish it")
