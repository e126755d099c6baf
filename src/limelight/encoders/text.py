"""Widget state for a text explanation: tokens and the original text in ``_meta``,
numbers (values, spans, stderr, prediction) as arrays that cross as binary buffers.

    >>> import numpy as np
    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[0.1], prediction=[0.35],
    ...                 output_names=["pos"], feature_names=["good", "bad"], data="good bad",
    ...                 spans=[(0, 4), (5, 8)], modality="text")
    >>> meta, arrays = encode(e)
    >>> meta["tokens"], arrays["spans"].dtype.name, arrays["values"].shape
    (['good', 'bad'], 'int32', (1, 2))
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..explanation import Explanation


def encode(exp: Explanation) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` for the text view. Text and tokens stay plain strings here; the
    view writes them with ``textContent`` only, so markup in a document is shown, not run."""
    if exp.modality != "text" or exp.spans is None or not isinstance(exp.data, str):
        raise InputError(
            f"a {exp.modality} explanation without text spans cannot use the text view",
            fix="pass an Explanation made from a string (modality='text')",
        )
    values = np.asarray(exp.values, dtype=np.float32).reshape(exp.n_outputs, -1)
    tokens = list(exp.feature_names or [exp.data[s:e] for s, e in exp.spans])
    if values.shape[1] != len(tokens) or len(exp.spans) != len(tokens):
        raise InputError(
            f"{values.shape[1]} values, {len(tokens)} tokens and {len(exp.spans)} spans",
            fix="give one value and one span per token",
        )
    finite = np.abs(values[np.isfinite(values)])
    meta = {
        "modality": "text",
        "text": exp.data,
        "tokens": tokens,
        "output_names": list(exp.output_names),
        "method": exp.method,
        "predicted": exp.output_index(None),
        "n_evals": int(exp.n_evals),
        "done": bool(exp.done),
        # one colour scale for every class, so switching classes does not rescale
        "scale": float(np.percentile(finite, 99.5)) if finite.size else 1.0,
        # what the values add up to, and an integrated-gradients run that did not
        "notes": [
            str(exp.params[k]) for k in ("additivity", "completeness_note") if exp.params.get(k)
        ],
    }
    arrays = {
        "values": values,
        "spans": utf16_spans(exp.data, exp.spans),
        "prediction": np.asarray(exp.prediction, dtype=np.float32),
        "base_values": np.asarray(exp.base_values, dtype=np.float32),
    }
    if exp.stderr is not None:
        arrays["stderr"] = np.nan_to_num(np.asarray(exp.stderr, dtype=np.float32), nan=0.0)
    return meta, arrays


def utf16_spans(text: str, spans) -> np.ndarray:
    """Python's character offsets as the browser's: JavaScript strings index UTF-16 code
    units, where a character beyond U+FFFF (an emoji) takes two.

        >>> utf16_spans("\U0001f600 good", [(0, 1), (2, 6)]).tolist()
        [[0, 2], [3, 7]]
    """
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if not text.isascii():
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        extra = np.concatenate([[0], np.cumsum(codes > 0xFFFF)])
        spans = spans + extra[np.clip(spans, 0, len(text))]
    return spans.astype(np.int32)
