"""The run life of the widgets that compute in a background thread over many inputs
(``explain_many`` over rows and over texts): ``wait``, ``cancel`` and the events behind
them, written once."""

from __future__ import annotations

import threading
from typing import Any

from ..errors import Cancelled, WaitTimeout


class BackgroundRun:
    """Mixin: call :meth:`_init_run` in ``__init__``; the subclass gives ``explanations``
    (what is done so far) and ``_CANCELLED_FIX`` (what to do after a cancel)."""

    _CANCELLED_FIX = "read .explanations for what is done, or rerun"

    def _init_run(self) -> None:
        self._error: BaseException | None = None
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._finished.set()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the run ends and return what it explained; raises the run's error,
        :class:`~limelight.errors.Cancelled`, or :class:`~limelight.errors.WaitTimeout`
        (a ``TimeoutError``) after ``timeout`` seconds (the run goes on)."""
        if not self._finished.wait(timeout):
            p = self._progress or {}
            raise WaitTimeout(
                f"the run is still going after {timeout} s "
                f"({p.get('n_evals', 0)} of {p.get('budget', 0)} {p.get('unit', 'rows')} done)",
                fix="wait longer, read .explanations for what is done, or .cancel() it",
            )
        if self._error is not None:
            raise self._error
        if self._progress.get("status") == "cancelled":
            raise Cancelled("the run was cancelled", fix=self._CANCELLED_FIX)
        return self.explanations

    def _describe(self) -> str:
        p = self._progress or {}
        status = p.get("status") or "idle"
        unit = p.get("unit", "rows")
        text = f"explain_many ({status}): {p.get('n_evals', 0)} of {p.get('budget', 0)} {unit}"
        if status == "error":
            text += f": {p.get('message', 'the run failed')}"
        return text

    def cancel(self) -> None:
        """Stop after the chunk being computed (the chunks done are kept)."""
        self._cancel.set()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def close(self) -> None:
        """Stop the run (after its chunk) and close the widget."""
        cancel = getattr(self, "_cancel", None)
        if cancel is not None:
            cancel.set()
        super().close()  # type: ignore[misc]
