"""The scriptless rendering for notebook viewers that do not run widgets (nbconvert,
GitHub): HTML bars, coloured spans, a PNG; no altair, no vl-convert."""

from __future__ import annotations

import base64
import html

import numpy as np

from ..explanation import Explanation
from . import draw


def static_head(exp: Explanation, i: int) -> str:
    """The picture's title line: method, output and its scale, and the badges that need no
    model call (exactness, the standard error, additivity)."""
    scale = exp.params.get("output_scale")
    out = f"{exp.output_names[i]} ({scale})" if scale else exp.output_names[i]
    parts = [f"limelight · {exp.method or exp.modality} · {out}"]
    if exp.stderr is not None and np.isfinite(exp.stderr).any():
        parts.append(f"max stderr {float(np.nanmax(exp.stderr)):.2g}")
    elif exp.method in ("exact", "tree", "tree_path_dependent"):
        parts.append("exact")
    if exp.modality == "tabular" and exp.method not in ("lime",) and exp.values.size:
        parts.append(f"additivity error {exp.additivity_error():.1g}")
    if not exp.done:
        parts.append("partial")
    return " · ".join(parts)


def static_html(exp: Explanation, output: int | str | None = None) -> str:
    """A scriptless rendering for notebook viewers that do not run widgets (nbconvert,
    GitHub), cheap enough for every display (no altair, no vl-convert): HTML bars for
    charts, coloured spans (inline styles) for text, a PNG for images.

        >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
        ...                 output_names=["y"], feature_names=["a", "b"])
        >>> static_html(e).startswith('<div class="limelight-static"')
        True
    """
    try:
        i = exp.output_index(output)
        head = html.escape(static_head(exp, i))
        if exp.modality == "text":
            body = draw.text_html(exp, i)
        elif exp.modality in ("tabular", "importance"):
            body = draw.bars_html(exp, i)
        else:
            png = draw.write_png(draw.image_rgba(exp, i))
            w, h = draw.png_size(png)
            data = base64.b64encode(png).decode("ascii")
            body = (
                f'<img alt="limelight {html.escape(exp.method)} explanation" width="{w}" '
                f'height="{h}" src="data:image/png;base64,{data}"/>'
            )
    except Exception as exc:  # noqa: BLE001 - a fallback must never break the display
        return (
            f"<pre>{html.escape(repr(exp))}\n(static view unavailable: "
            f"{html.escape(str(exc))})</pre>"
        )
    return (
        f'<div class="limelight-static"><div style="font:12px sans-serif;color:#555">'
        f"{head}</div>{body}</div>"
    )
