"""How values are shown beside feature names (shared by the widget state and exports;
kept apart from ``charts`` so the live widget never imports altair)."""

from __future__ import annotations

from typing import Any

import numpy as np


def format_value(v: Any) -> str:
    """A feature value as shown beside its name (numbers to 4 significant digits).

    >>> format_value(3.14159), format_value("x" * 50)[-3:]
    ('3.142', 'xx…')
    """
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    text = str(v)
    return text if len(text) <= 40 else text[:39] + "…"
