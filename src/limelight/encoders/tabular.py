"""Widget state for tabular and global-importance explanations: names and shown feature
values in ``_meta``, the numbers as float32 arrays that cross as binary buffers.

    >>> import numpy as np
    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"], data=np.array([3.0, 4.5]))
    >>> meta, arrays = encode(e)
    >>> meta["feature_values"], arrays["values"].dtype.name
    (['3', '4.5'], 'float32')
"""

from __future__ import annotations

import numpy as np

from .._format import format_value
from ..errors import InputError
from ..explanation import Explanation

#: methods whose values need not sum to prediction - base value (LIME fits a weighted
#: linear surrogate, not constrained to add up): the view says so instead of an "="
NOT_ADDITIVE = {"lime": "LIME is not additive"}


def _background_note(params: dict) -> str:
    bg = params.get("background")
    if not isinstance(bg, dict):
        return ""
    rows, src, how = bg.get("rows"), bg.get("from"), bg.get("how")
    if str(how).startswith("none"):
        return "no background: path-dependent (the training data's split counts)"
    if src and rows and src != rows:
        seed = bg.get("seed")
        return f"background: {rows} rows summarised from {src} by {how}" + (
            f" (seed {seed})" if seed is not None else ""
        )
    return f"background: {rows} rows" if rows else ""


def encode(exp: Explanation) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` for the tabular or importance view."""
    if exp.modality not in ("tabular", "importance"):
        raise InputError(
            f"a {exp.modality} explanation cannot use the tabular view",
            fix="pass a tabular Explanation (values of shape (outputs, features))",
        )
    values = np.asarray(exp.values, dtype=np.float32).reshape(exp.n_outputs, -1)
    d = values.shape[1]
    names = list(exp.feature_names or [f"x{j}" for j in range(d)])
    if len(names) != d:
        raise InputError(
            f"{d} values but {len(names)} feature names", fix="give one name per value"
        )
    meta: dict = {
        "modality": exp.modality,
        "feature_names": names,
        "output_names": list(exp.output_names),
        "method": exp.method,
        "predicted": exp.output_index(None),
        "n_evals": int(exp.n_evals),
        "done": bool(exp.done),
        "background": _background_note(exp.params),
        "sum_caveat": NOT_ADDITIVE.get(str(exp.method), ""),
        "output_scale": str(exp.params.get("output_scale") or ""),
    }
    if exp.modality == "tabular" and exp.data is not None:
        shown = np.asarray(exp.data, dtype=object).reshape(-1)
        meta["feature_values"] = [format_value(v) for v in shown[:d]]
    if exp.modality == "importance":
        samples = exp.extras.get("samples")
        meta["n_repeats"] = int(np.shape(samples)[-1]) if samples is not None else 0
        meta["predicted"] = 0
    arrays = {
        "values": np.nan_to_num(values, nan=0.0),
        "base_values": np.asarray(exp.base_values, dtype=np.float32),
        "prediction": np.asarray(exp.prediction, dtype=np.float32),
    }
    if exp.stderr is not None:
        arrays["stderr"] = np.nan_to_num(
            np.asarray(exp.stderr, dtype=np.float32).reshape(values.shape), nan=0.0
        )
    return meta, arrays
