"""Turning the user's ``x`` into an instance: tabular rows, text, images."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ._polars import from_polars

MODALITIES = ("tabular", "text", "image")


def detect_modality(x: Any, modality: str | None = None, background: Any = None) -> str:
    """Which kind of instance ``x`` is: ``"text"``, ``"image"`` or ``"tabular"``.

    Strings are text; PIL images and arrays of 3 or 4 dimensions are images; a 2-D array
    is an image unless it is a single row (shape ``(1, d)``), which is tabular; anything
    else (Series, DataFrame row, 1-D array, list) is tabular. Pass ``modality=`` to
    override the guess. A 2-D array given with a background table of the same width is
    tabular.

        >>> detect_modality("great film"), detect_modality(np.zeros((28, 28)))
        ('text', 'image')
    """
    if modality is not None:
        if modality not in MODALITIES:
            raise InputError(f"unknown modality {modality!r}", fix=f"use one of {MODALITIES}")
        return modality
    if isinstance(x, str):
        return "text"
    if type(x).__module__.startswith("PIL."):
        return "image"
    if type(x).__module__.startswith("torch") and getattr(x, "ndim", 0) >= 3:
        return "image"
    if (
        isinstance(x, np.ndarray)
        and x.ndim == 2
        and np.ndim(background) == 2
        and np.shape(background)[1] == x.shape[1]
    ):
        return "tabular"  # rows with a table of background rows: tabular, even if several
    # a 2-D array is a picture unless a side is too thin for one: (2, d) is two rows of a
    # table, (4, 1) a column of values, and both get the tabular reader's clear message
    if isinstance(x, np.ndarray) and (x.ndim >= 3 or (x.ndim == 2 and min(x.shape) > 2)):
        return "image"
    return "tabular"


def _is_text_model(model: Any) -> bool:
    steps = getattr(model, "steps", None)
    first = steps[0][1] if steps else model
    return hasattr(first, "build_analyzer") or hasattr(model, "tokenizer")


def normalise(x: Any, model: Any = None) -> Any:
    """The user's ``x`` as the readers take it, or an :class:`InputError` that names the
    mistake: bytes (decode them), several texts (one at a time), a dict of columns; a
    dict of scalars is one row (a Series), a nested list an array.

        >>> normalise({"age": 30, "income": 2.5}).to_dict()
        {'age': 30.0, 'income': 2.5}
    """
    x = from_polars(x)  # polars frames and series become pandas ones, names kept
    if isinstance(x, (bytes, bytearray, memoryview)):
        raise InputError(
            f"x is {type(x).__name__}, not text or numbers",
            fix="decode it first, e.g. x.decode('utf-8'), and pass the string",
        )
    if isinstance(x, dict):
        if any(np.ndim(v) > 0 for v in x.values()):
            raise InputError(
                "x is a dict of columns; limelight explains one row at a time",
                fix="pass one row: pd.DataFrame(x).iloc[0] (or a dict of single values)",
            )
        import pandas as pd

        return pd.Series(x)
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, str) for v in x):
        if _is_text_model(model):
            raise InputError(
                f"x is a list of {len(x)} strings; limelight explains one text at a time",
                fix="pass one string, e.g. docs[0] (ll.explore browses many rows)",
            )
        return x
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple, np.ndarray)):
        try:
            return np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise InputError(
                "x is a nested list whose rows differ in length or hold non-numbers",
                fix="pass a numpy array of one shape (an image as (H, W) or (H, W, C))",
            ) from None
    return x
