"""What every limelight widget's run life shares, in one place: ``save`` checks its target
before it waits for a run (a wrong suffix or a file it may not replace is said at once,
not after a long run), ``wait`` times out with one error type, and :class:`Lifecycle`
gives every widget the same reading verbs (``done``, ``error``, ``to_frame()``,
``cancel()``), whether it computes in the background or shows a finished result.

    >>> target_first("x.html", True).suffix
    '.html'
    >>> target_first("x.docx", True)
    Traceback (most recent call last):
    ...
    limelight.errors.InputError: cannot save as '.docx'. Fix: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._atomic import check_target
from ..errors import InputError, LimelightError, WaitTimeout

#: what a widget's snapshot can be, and the suffixes of the rows' own files
SUFFIXES = (".html", ".htm", ".png", ".svg", ".json", ".parquet")


def target_first(path: Any, overwrite: bool) -> Path:
    """``path`` refused before any wait or work: an unknown suffix, a folder, a missing
    folder, or an existing file with ``overwrite=False``."""
    p = Path(path)
    if p.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"cannot save as {p.suffix or 'a name with no suffix'!r}",
            fix="use .html (interactive, offline), .png, .svg or .json",
        )
    return check_target(p, overwrite)


class Lifecycle:
    """The verbs every widget answers alike. A widget that computes in the background gives
    ``wait(timeout)`` (the result, or the run's error) and ``running``; one that shows a
    finished result (a model's structure, its layers, training curves) gives
    ``_result()`` and inherits a ``wait`` that returns it at once and a ``cancel`` that has
    nothing to stop."""

    @property
    def running(self) -> bool:
        """Whether a computation is still going (never, for a finished view)."""
        return False

    def _result(self) -> Any:  # pragma: no cover - each finished view says its own
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> Any:
        """The view's result (nothing is computing here, so at once)."""
        return self._result()

    def cancel(self) -> None:
        """Stop a run in progress after its batch; a view with nothing running ignores it."""

    def _outcome(self) -> tuple[str, Any]:
        """``("running", None)``, ``("done", result)`` or ``("failed", error)``, not waiting."""
        if self.running:
            return "running", None
        try:
            return "done", self.wait(0)
        except WaitTimeout:  # a new run started between the two reads: it is running
            return "running", None
        except Exception as exc:  # noqa: BLE001 - the run's own error (or Cancelled)
            return "failed", exc

    @property
    def done(self) -> bool:
        """True once the run finished with its result (False while running, after a cancel
        or an error)."""
        return self._outcome()[0] == "done"

    @property
    def error(self) -> BaseException | None:
        """Why the run did not finish: its exception, a ``Cancelled`` after a cancel, or a
        LimelightError saying what is missing; None while running and once done."""
        status, value = self._outcome()
        return value if status == "failed" else None

    def to_frame(self, *args: Any, **kwargs: Any):
        """The result's numbers as a pandas DataFrame (waits for a run still going, as
        ``wait()`` does)."""
        result = self.wait()
        to_frame = getattr(result, "to_frame", None)
        if to_frame is None:
            raise LimelightError(
                f"a {type(result).__name__} has no table of numbers",
                fix="read the result's attributes instead (w.wait())",
            )
        return to_frame(*args, **kwargs)
