"""What every snapshot starts from: the explanation behind an object (an Explanation or a
widget showing one), the output it shows, and a copy without the raw input
(``include_data=False``); the JSON file."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation

OMITTED = "the raw input (feature values, text or pixels) was left out of this file"


def _explanation_of(obj: Any) -> Explanation:
    exp = getattr(obj, "explanation", obj)
    if not isinstance(exp, Explanation):
        raise InputError(
            f"cannot export a {type(obj).__name__}", fix="pass an Explanation or a limelight widget"
        )
    return exp


def _widget_output(obj: Any, output: Any = None) -> Any:
    """The output to draw: the one asked for, else the widget's current class."""
    if output is not None or isinstance(obj, Explanation):
        return output
    return getattr(obj, "output_index", None)


def redact(exp: Explanation) -> Explanation:
    """A copy without the raw input, keeping the attributions: tabular feature values
    dropped, text tokens replaced by their positions, image pixels by flat grey."""
    params = {**exp.params, "data_omitted": True}
    if exp.modality == "text":
        tokens = [f"[{i}]" for i in range(exp.values.shape[-1])]
        spans, at = [], 0
        for t in tokens:
            spans.append((at, at + len(t)))
            at += len(t) + 1
        return exp.with_(
            data=" ".join(tokens), feature_names=tokens, spans=np.array(spans), params=params
        )
    if exp.modality == "image" and exp.data is not None:
        return exp.with_(data=np.full(np.shape(exp.data)[:2], 128, np.uint8), params=params)
    return exp.with_(data=None, params=params)


def to_json(obj: Any, *, include_data: bool = True, full_resolution: bool = False) -> str:
    """JSON of the explanation; an image's picture and maps at most 512 / 256 px a side
    (numbers as text are about five times the bytes of the binary views: a 4000 x 4000
    photo's file stays a few MB) unless ``full_resolution=True`` keeps the originals."""
    exp = _explanation_of(obj)
    if exp.modality == "image" and not full_resolution:
        from ..encoders.image import at_display_size

        exp = at_display_size(exp, picture_side=512, map_side=256)
    return (exp if include_data else redact(exp)).to_json()
