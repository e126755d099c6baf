"""Functions compiled by numba (the optional ``fast`` extra): one registry for every
module with compiled loops, each compiled once per process and cached on disk (next to
the module, or numba's user-wide cache when the install is read-only; uncached when
neither is writable); None without numba, so callers take their numpy path.

``import limelight`` starts the warm-up in a background thread: it calls the tree kernels
on a tiny ensemble (importing nothing: the imports are made before it starts), so they are
compiled (or read from the cache) while the user loads data and fits a model; a call that
needs a kernel before then waits for it (the numpy walk is ~20x slower on 100 rows than
the remaining compile), except one row's, which takes the numpy walk meanwhile (as fast
there). ``LIMELIGHT_WARMUP=0`` turns it off;
``python -m limelight._warm_up`` fills the cache ahead, e.g. after install.

    >>> from limelight.inputs._cross import _kernel       # Compiled(fill=..., paired=...)
    >>> fn = _kernel("paired")
    >>> fn is None or fn is _kernel("paired")               # compiled once
    True
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

try:
    import numba as _numba
except ImportError:  # pragma: no cover - numpy fallback
    _numba = None

_lock = threading.RLock()
_warm: threading.Thread | None = None


class Compiled:
    """``Compiled(name=fn, ...)``: calling it with a name (default: the first) gives that
    function compiled, compiling all of them the first time; None without numba."""

    def __init__(self, **functions: Callable) -> None:
        self._plain = functions
        self._done: dict[str, Callable] = {}

    def __call__(self, name: str | None = None, *, wait: bool = True) -> Callable | None:
        """``wait=False``: None while the warm-up still runs in another thread (a caller
        whose numpy path is about as fast as the kernel, e.g. one row, takes it)."""
        if _numba is None or (not wait and _warming()):
            return None
        wait_for_warm_up()
        if not self._done:
            with _lock:
                if not self._done:
                    self._done = {k: _jit(fn) for k, fn in self._plain.items()}
        return self._done[name or next(iter(self._plain))]


def _jit(fn: Callable) -> Callable:
    try:
        return _numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "no locator available": nowhere writable to cache
        return _numba.njit(nogil=True)(fn)


def _warming() -> bool:
    t = _warm
    return t is not None and t.is_alive() and t is not threading.current_thread()


def wait_for_warm_up() -> None:
    """Block until the background warm-up (if running, in another thread) is done."""
    if _warming():
        _warm.join()


def _quietly(run: Callable[[], None]) -> None:
    try:
        run()
    except Exception:  # noqa: BLE001 - a failed warm-up only means compiling on first use
        pass


def start_warm_up() -> None:
    """Start the warm-up in a daemon thread (once; not without numba, nor with
    ``LIMELIGHT_WARMUP=0``). Its imports and inputs are made here, in the caller's thread:
    the thread itself imports nothing, so it never races the user's own imports."""
    global _warm
    if _numba is None or _warm is not None or os.environ.get("LIMELIGHT_WARMUP") == "0":
        return
    import importlib

    try:  # by name: the explainers import this module, not the other way round
        run = importlib.import_module("limelight._warm_up").prepare()
    except Exception:  # noqa: BLE001 - a failed warm-up only means compiling on first use
        return
    _warm = threading.Thread(target=_quietly, args=(run,), name="limelight-warm-up", daemon=True)
    _warm.start()


if hasattr(os, "register_at_fork"):  # a forked worker must not inherit a half-held lock
    os.register_at_fork(before=wait_for_warm_up)
