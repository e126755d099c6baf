"""The trees read from a model, kept between calls: reading a 200-tree booster's dump
costs ~30 ms, more than one row's whole explanation. An entry is keyed weakly by the
estimator object and holds a *fingerprint* of what was read; it is used only while the
fingerprint still matches, so a refitted model (a new booster, new fitted attributes, more
trees, other leaf values) is read again. The plan still checks the trees' outputs against
the model's own on x and the background, and re-reads uncached when that check fails."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from limelight.models.boosted import library_of

# id(estimator) -> (a weak reference to it, its entries); by id, not by hash: CatBoost
# models define == (and so no hash); the weak reference drops the entry with the model
_ENTRIES: dict[int, tuple[Any, list]] = {}


def _held(obj: Any, est: Any) -> Any:
    """``obj`` to compare by identity (held, so its id cannot be reused); the estimator
    itself is not held (a strong reference would keep its own weak key alive)."""
    return "self" if obj is est else obj


def _sized(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.shape
    try:
        return len(value)
    except TypeError:
        return None


def fingerprint(est: Any, output_kind: str) -> tuple | None:
    """What changes when ``est`` is refitted (or None: not cached)."""
    lib = library_of(est)
    if lib == "xgboost":
        booster = est.get_booster() if hasattr(est, "get_booster") else est
        best = getattr(est, "best_iteration", None) if booster is not est else None
        return (lib, _held(booster, est), booster.num_boosted_rounds(), best)
    if lib == "lightgbm":
        booster = est.booster_ if hasattr(est, "booster_") else est
        best = getattr(est, "best_iteration_", None) if booster is not est else None
        return (lib, _held(booster, est), booster.current_iteration(), booster.num_trees(), best)
    if lib == "catboost":  # fit() changes the same object in place: hash the leaves
        leaves = np.ascontiguousarray(est.get_leaf_values())
        return (lib, est.tree_count_, leaves.shape, hash(leaves.tobytes()))
    if lib is not None:
        return None
    # scikit-learn: the fitted attributes (``estimators_``, ``tree_``, ``_predictors``, ...),
    # rebound by every fit; a warm start that extends them in place changes their sizes
    fitted = sorted(k for k in vars(est) if k.endswith("_") or k.startswith("_"))
    if not fitted:
        return None  # not fitted: read (and fail) every time
    return ("sklearn", *((k, _held(getattr(est, k), est), _sized(getattr(est, k))) for k in fitted))


def _same(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for u, v in zip(a, b):
        if isinstance(u, tuple) and isinstance(v, tuple):
            if not _same(u, v):
                return False
        elif isinstance(u, (str, int, float, type(None))) and isinstance(v, type(u)):
            if u != v and not (u != u and v != v):  # NaN equals NaN here
                return False
        elif u is not v:
            return False
    return True


def cached(est: Any, output_kind: str, read) -> Any:
    """``read(est, output_kind)``, or the ensemble read before from the same fitted model."""
    try:
        key = (output_kind, fingerprint(est, output_kind))
    except (AttributeError, TypeError, ValueError, RuntimeError, ImportError):
        key = None
    if key is None or key[1] is None:
        return read(est, output_kind)
    entries = _entries(est)
    if entries is None:  # not weak-referenceable
        return read(est, output_kind)
    for old_key, ens in entries:
        if _same(old_key, key):
            return ens
    ens = read(est, output_kind)
    # one fitted state an estimator (an entry per output kind): an older state is stale
    entries[:] = [(k, e) for k, e in entries if k[0] != output_kind and _same(k[1], key[1])]
    if ens is not None:
        _freeze(ens)
        entries.append((key, ens))
    return ens


def _entries(est: Any) -> list | None:
    found = _ENTRIES.get(id(est))
    if found is not None and found[0]() is est:
        return found[1]
    key = id(est)
    try:
        ref = weakref.ref(est, lambda _, key=key: _ENTRIES.pop(key, None))
    except TypeError:
        return None
    _ENTRIES[key] = (ref, [])
    return _ENTRIES[key][1]


def _freeze(ens: Any) -> None:
    for v in vars(ens).values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
