"""Turning the user's ``x`` into an instance: tabular rows, text, images."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

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
    if (isinstance(x, np.ndarray) and x.ndim == 2 and np.ndim(background) == 2
            and np.shape(background)[1] == x.shape[1]):
        return "tabular"  # rows with a table of background rows: tabular, even if several
    if isinstance(x, np.ndarray) and (x.ndim >= 3 or (x.ndim == 2 and x.shape[0] > 1)):
        return "image"
    return "tabular"
