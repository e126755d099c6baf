"""What every limelight widget's run life shares, in one place: ``save`` checks its target
before it waits for a run (a wrong suffix or a file it may not replace is said at once,
not after a long run), and ``wait`` times out with one error type.

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
from ..errors import InputError

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
