"""The explorer's input checks and filters: what ``filters`` may hold (normalised as the
browser and Python both set it) and which rows a filter keeps.

    >>> normalise_filters({"classes": "b", "prediction": [0.5, None]}, ["a", "b"])
    {'classes': [1], 'prediction': [0.5, None], 'misclassified': False}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ._explorer_data import is_images, is_texts


def check_input(X: Any, y: Any, sample: int) -> tuple[str, Any, np.ndarray | None, int]:
    """``(modality, X, y as an array, n)``, or an InputError naming the problem."""
    n = len(X) if X is not None else 0
    if X is None or n == 0:
        raise InputError("X is empty", fix="pass the data set to explore (rows of features)")
    modality = "text" if is_texts(X) else "image" if is_images(X) else "tabular"
    if modality == "text":
        X = [str(t) for t in X]
    elif modality == "tabular" and (
        isinstance(X, (list, str)) or (isinstance(X, np.ndarray) and X.ndim != 2)
    ):
        raise InputError(
            f"X must be a table of rows (a DataFrame or a 2-D array), texts or images, got "
            f"{type(X).__name__}{'' if not isinstance(X, np.ndarray) else f' of shape {X.shape}'}",
            fix="pass a DataFrame, an (n_rows, n_features) array, a list of strings or an "
            "(n, H, W[, C]) array of images",
        )
    y_arr = None
    if y is not None:
        y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if y_arr.ndim != 1 or len(y_arr) != n:
            raise InputError(
                f"X has {n} rows but y has {len(y_arr)}", fix="pass one label per row of X"
            )
    if int(sample) < 0:
        raise InputError(f"sample={sample}", fix="use sample >= 0 (0 skips the beeswarm)")
    return modality, X, y_arr, n


def normalise_filters(value: dict | None, names: list[str]) -> dict:
    """``filters`` checked and normalised: class names to indices, ranges to floats."""
    f = dict(value or {})
    unknown = sorted(set(f) - {"misclassified", "classes", "prediction"})
    if unknown:
        raise InputError(
            f"unknown filter(s) {unknown}",
            fix="use 'misclassified' (bool), 'classes' (list of class indices "
            "or names) and 'prediction' ([low, high], None for open)",
        )
    if f.get("classes") is not None:
        classes = f["classes"]
        classes = [classes] if isinstance(classes, (str, int)) else list(classes)
        out = []
        for c in classes:
            if isinstance(c, str) and c in names:
                out.append(names.index(c))
            elif isinstance(c, (int, np.integer)) and 0 <= int(c) < len(names):
                out.append(int(c))
            else:
                raise InputError(f"no class {c!r} to filter by", fix=f"use one of {names[:20]}")
        f["classes"] = out
    rng = f.get("prediction")
    if rng is not None:
        try:
            lo, hi = rng
            f["prediction"] = [None if lo is None else float(lo), None if hi is None else float(hi)]
        except (TypeError, ValueError):
            raise InputError(
                f"prediction filter {rng!r}", fix="give [low, high] (None for an open end)"
            ) from None
    f["misclassified"] = bool(f.get("misclassified", False))
    return f


def visible_rows(
    filters: dict | None,
    n: int,
    *,
    has_labels: bool,
    classifier: bool,
    error: np.ndarray,
    predicted: np.ndarray,
    score: np.ndarray,
) -> np.ndarray:
    """Indices of the rows ``filters`` keep."""
    keep = np.ones(n, dtype=bool)
    f = filters or {}
    if f.get("misclassified"):
        if not has_labels:
            raise InputError(
                "filtering misclassified rows needs labels", fix="pass y to explore(model, X, y)"
            )
        keep &= error > 0 if classifier else np.zeros(n, bool)
    classes = f.get("classes")
    if classes is not None and classifier:
        keep &= np.isin(predicted, [int(c) for c in classes])
    rng = f.get("prediction")
    if rng is not None:
        lo, hi = (-np.inf if rng[0] is None else rng[0]), (np.inf if rng[1] is None else rng[1])
        keep &= (score >= lo) & (score <= hi)
    return np.flatnonzero(keep)
