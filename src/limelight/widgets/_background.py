"""The run life of the widgets that compute in a background thread over many inputs
(``explain_many`` over rows and over texts): ``wait``, ``cancel`` and the events behind
them, written once."""

from __future__ import annotations

import threading
from typing import Any

from ..errors import Cancelled


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
        """Block until the run ends; the run's error, ``Cancelled`` or ``TimeoutError``."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the run is still going after {timeout} s")
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
