"""Encoders: an :class:`~limelight.explanation.Explanation` as the views' state, ``(view,
meta, arrays)``, shared by the live widget and every export. They sit below both, so the
value type imports neither (``explanation`` <- ``encoders`` <- ``widgets``, ``export``).

Arrays cross as ``{view, dtype, shape}`` with float64 narrowed to float32; ipywidgets sends
each ``view`` as a binary buffer, the HTML export as base64.

    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"])
    >>> view, meta, arrays = encode(e)
    >>> view, meta["feature_names"], arrays["values"]["dtype"], arrays["values"]["shape"]
    ('tabular', ['a', 'b'], 'float32', [1, 2])
"""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path

import numpy as np

from ..explanation import Explanation

#: the view module that draws each modality
VIEWS = {"tabular": "tabular", "importance": "tabular", "text": "text", "image": "image"}
#: views drawn as Vega-Lite charts (they need the specs and the chart renderer)
CHART_VIEWS = ("tabular", "importance")
SPECS = Path(__file__).resolve().parent / "chart_specs.json"

_specs_cache: dict | None = None


def chart_specs() -> dict:
    """The chart views' Vega-Lite specs. Built by altair (``limelight.encoders.charts``) and kept as
    JSON beside this module, so the first chart needs no altair import (about 2 s)."""
    global _specs_cache
    if _specs_cache is None:
        if SPECS.exists():
            _specs_cache = json.loads(SPECS.read_text(encoding="utf-8"))
        else:  # pragma: no cover - a source tree without the generated file
            from .charts import specs

            _specs_cache = specs()
    return _specs_cache


def buffers(arrays: dict[str, np.ndarray], keep: tuple[str, ...] = ()) -> dict[str, dict]:
    """``{name: {view, dtype, shape}}``, each ``view`` a memoryview of the bytes; the
    arrays named in ``keep`` stay float64."""
    out = {}
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        if a.dtype == np.float64 and name not in keep:
            a = a.astype(np.float32)
        out[name] = {
            "view": memoryview(a.reshape(-1)).cast("B"),
            "dtype": a.dtype.name,
            "shape": list(a.shape),
        }
    return out


def encode(exp: Explanation) -> tuple[str, dict, dict[str, dict]]:
    """``(view, meta, arrays)`` for an explanation of any modality."""
    module = import_module(f"{__name__}.{VIEWS[exp.modality]}")
    meta, arrays = module.encode(exp)
    q = getattr(exp, "quality", None)
    if q is not None:  # the badge row under every view (a Quality, or its dict as loaded)
        meta["quality"] = q.to_dict() if hasattr(q, "to_dict") else dict(q)
    view = exp.modality if exp.modality in CHART_VIEWS else VIEWS[exp.modality]
    return view, meta, buffers(arrays)
