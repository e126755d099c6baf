"""Warnings that point at the user's code: the line that called limelight, never a line
of limelight's own, also when the warning is raised in one of limelight's threads (it
then points at the line that started the run, as recorded by :func:`from_user`).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn("a note")
    >>> str(seen[0].message), seen[0].category.__name__
    ('a note', 'UserWarning')
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, NamedTuple

_ORIGIN = threading.local()  # .site: where the user started this thread's run
_MACHINERY = ("threading", "concurrent.futures", "queue")  # frames that start threads


class Site(NamedTuple):
    """A line of the user's code: what ``warnings.warn_explicit`` needs to point at it."""

    filename: str
    lineno: int
    module_globals: dict


def _ours(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "limelight" or name.startswith("limelight.")


def _machinery(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return any(name == m or name.startswith(m + ".") for m in _MACHINERY)


def user_site(frame: FrameType | None = None) -> Site | None:
    """The first frame outside limelight above ``frame`` (default: the caller's); in a
    limelight thread, whose stack holds no user code, where the user started its run."""
    f = sys._getframe(1) if frame is None else frame
    while f is not None and _ours(f):
        f = f.f_back
    if f is None or _machinery(f):
        return getattr(_ORIGIN, "site", None)
    return Site(f.f_code.co_filename, f.f_lineno, f.f_globals)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` at the user's line (see :func:`user_site`);
    filters and "once per line" work as for the user's own warnings."""
    site = user_site(sys._getframe(1))
    if site is None:  # no user frame at all (limelight run as a script of its own)
        warnings.warn(message, category, stacklevel=2)
        return
    g = site.module_globals
    # no module_globals: the line's text comes from linecache by file name (a notebook
    # cell's too), not from the module's loader, which fails for some __main__s
    try:
        warnings.warn_explicit(
            message,
            category,
            site.filename,
            site.lineno,
            module=g.get("__name__", "__main__"),
            registry=g.setdefault("__warningregistry__", {}),
        )
    except Warning:
        raise  # a filter turned it into an error: the user asked for that
    except Exception:  # noqa: BLE001 - a warning must never fail the run that raised it
        warnings.warn(message, category, stacklevel=2)


def from_user(target: Callable[..., Any]) -> Callable[..., Any]:
    """``target`` for a thread started now: warnings it raises point at the user's line
    that started it (the caller's site, found now, in the starting thread).

        >>> import threading
        >>> threading.Thread(target=from_user(lambda: None)).start()
    """
    site = user_site(sys._getframe(1))

    def run(*args: Any, **kwargs: Any) -> Any:
        _ORIGIN.site = site
        try:
            return target(*args, **kwargs)
        finally:
            _ORIGIN.site = None

    return run
