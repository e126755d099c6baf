"""PNG and SVG of what the view shows: charts through altair and vl-convert, text and
images drawn here (:mod:`limelight.export.draw`), titled with the output, its scale, the
prediction and the base value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import check_target, write_atomic
from ..errors import InputError
from ..explanation import Explanation
from . import draw
from .figure import _vl_convert
from .snapshot import _explanation_of, _widget_output, redact

_png = draw.write_png


def image_overlay(
    exp: Explanation, output: int | str | None = None, opacity: float = draw.OPACITY
) -> np.ndarray:
    """The picture with the signed map over it, as the view draws it (``(h, w, 4)`` uint8)."""
    return draw.image_rgba(exp, output, opacity=opacity)


def text_svg(exp: Explanation, output: int | str | None = None, width: int = 720) -> str:
    """The text with each token's background coloured by its attribution, as SVG."""
    return draw.text_svg(exp, output, width=width)


def to_svg(
    obj: Any,
    *,
    output: int | str | None = None,
    kind: str = "bar",
    include_data: bool = True,
    theme: str = "light",
) -> str:
    """SVG of what the view shows, with its title (output, scale, prediction, base value),
    its badges and an opaque background in ``theme`` ("light" or "dark")."""
    from .figure import dress_chart, image_svg, theme_colours

    theme_colours(theme)  # a clear error for an unknown theme, before any drawing
    exp = _explanation_of(obj)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality in ("tabular", "importance"):
        vlc = _vl_convert()

        from ..charts import tabular_chart

        chart = dress_chart(
            tabular_chart(exp, kind, output), exp, _chart_output(exp, output), theme
        )
        return vlc.vegalite_to_svg(chart.to_dict())
    if exp.modality == "text":
        return text_svg(exp, output)
    return image_svg(exp, output, theme)


def _chart_output(exp: Explanation, output: Any) -> int:
    return 0 if exp.modality == "importance" else exp.output_index(output)


def to_png(
    obj: Any,
    path: str | Path | None = None,
    *,
    output: int | str | None = None,
    kind: str = "bar",
    scale: float = 2,
    include_data: bool = True,
    theme: str = "light",
    overwrite: bool = True,
) -> bytes:
    """PNG bytes of what the view shows (also written to ``path`` if given, whole or not at
    all; ``overwrite=False`` refuses to replace an existing file), titled as :func:`to_svg`;
    charts through vl-convert at ``scale`` x; images at least 256 px on their long side,
    with their colour legend (the bare overlay without vl-convert)."""
    exp = _explanation_of(obj)
    if path is not None:
        check_target(path, overwrite)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality == "image":
        try:
            vlc = _vl_convert()
        except InputError:  # no vl-convert: the bare overlay, enlarged
            vlc = None
        if vlc is None:
            png = _png(draw.upscale(image_overlay(exp, output), int(round(scale))))
        else:
            from .figure import image_svg

            png = vlc.svg_to_png(image_svg(exp, output, theme), scale=scale)
    elif exp.modality in ("tabular", "importance"):
        svg = to_svg(exp, output=output, kind=kind, theme=theme)
        png = _vl_convert().svg_to_png(svg, scale=scale)
    else:
        vlc = _vl_convert()

        png = vlc.svg_to_png(text_svg(exp, output), scale=scale)
    if path is not None:
        write_atomic(path, png, overwrite=overwrite)
    return png
