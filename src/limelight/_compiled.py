"""Functions compiled by numba (the optional ``fast`` extra) on first use: one registry
for every module with compiled loops, each compiled once per process (and cached on
disk); None without numba, so callers take their numpy path.

    >>> from limelight.inputs._cross import _kernel       # Compiled(fill=..., paired=...)
    >>> fn = _kernel("paired")
    >>> fn is None or fn is _kernel("paired")               # compiled once
    True
"""

from __future__ import annotations

from collections.abc import Callable

try:
    import numba as _numba
except ImportError:  # pragma: no cover - numpy fallback
    _numba = None


class Compiled:
    """``Compiled(name=fn, ...)``: calling it with a name (default: the first) gives that
    function compiled, compiling all of them the first time; None without numba."""

    def __init__(self, **functions: Callable) -> None:
        self._plain = functions
        self._done: dict[str, Callable] = {}

    def __call__(self, name: str | None = None) -> Callable | None:
        if _numba is None:
            return None
        if not self._done:
            self._done = {
                k: _numba.njit(cache=True, nogil=True)(fn) for k, fn in self._plain.items()
            }
        return self._done[name or next(iter(self._plain))]
