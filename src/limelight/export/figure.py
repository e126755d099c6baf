"""What every picture export says around its chart: a title with the output, its scale,
the prediction and the base value, a line of badges, and an opaque background in the
theme chosen; image saliency at a readable size with its colour legend.

A PNG or SVG is often all a reader gets (a slide, a report, an issue); it must say what
the chart is without the notebook around it.

    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["yes"], feature_names=["a", "b"], method="exact",
    ...                 params={"output_scale": "log-odds"})
    >>> headline(e, 0)
    ('yes (log-odds): f(x) = 1.25, E[f(X)] = 1', 'exact · additivity error 0')
"""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from . import draw

THEMES = {
    "light": {"background": "#ffffff", "fg": "#222222", "muted": "#555555", "grid": "#dddddd"},
    "dark": {"background": "#1e1e1e", "fg": "#e6e6e6", "muted": "#aaaaaa", "grid": "#444444"},
}
MIN_IMAGE_PX = 256  # the long side of an exported saliency map, at least


def _vl_convert():
    try:
        import vl_convert
    except ImportError:
        raise InputError(
            "PNG and SVG pictures of charts and text need vl-convert-python",
            fix="pip install 'limelight[export]' (or save as .html or .json)",
        ) from None
    return vl_convert


def theme_colours(theme: str) -> dict[str, str]:

    if theme not in THEMES:
        raise InputError(f"theme={theme!r}", fix=f"use one of {sorted(THEMES)}")
    return THEMES[theme]


def _fmt(v: float) -> str:
    return f"{float(v):.4g}"


def badges(exp: Explanation) -> list[str]:
    """The badges that need no model call: how exact, the standard error, additivity,
    and the background behind the base value."""
    out = []
    if exp.method:
        out.append(exp.method)
    if exp.stderr is not None and np.isfinite(exp.stderr).any():
        out.append(f"max stderr {float(np.nanmax(exp.stderr)):.2g}")
    elif exp.method in ("tree", "tree_path_dependent"):
        out.append("exact")
    if exp.modality == "tabular" and exp.method != "lime" and exp.values.size:
        out.append(f"additivity error {exp.additivity_error():.1g}")
    bg = exp.params.get("background")
    if isinstance(bg, dict) and bg.get("rows"):
        out.append(f"background {bg['rows']} rows ({bg.get('how', '')})".replace(" ()", ""))
    if not exp.done:
        out.append("partial")
    return out + metric_badges(exp)


#: the standard metrics the pictures show once read (``e.quality.<name>``), with the
#: parameters that define them; the closed forms (sparseness, complexity) stay in the JSON
_SHOWN = {
    "faithfulness_correlation": ("faithfulness corr.", ("subset_size", "n_subsets")),
    "max_sensitivity": ("max-sensitivity", ("radius", "samples", "norm")),
    "randomisation": ("randomisation ρ", ("threshold",)),
    "stability": ("seed stability ρ", ("runs",)),
}


def metric_badges(exp: Explanation) -> list[str]:
    """``max-sensitivity 0.23 (radius 0.1, samples 10, norm l2)`` for each metric read."""
    metrics = getattr(exp.quality, "metrics", None) or {}
    out = []
    for name, (label, keys) in _SHOWN.items():
        m = metrics.get(name)
        if m is None or m.value is None:
            continue
        params = ", ".join(f"{k} {m.params[k]}" for k in keys if m.params.get(k) is not None)
        verdict = {True: " passes", False: " fails"}.get(m.passed, "")
        out.append(f"{label} {float(m.value):.2g}{verdict} ({params})")
    return out


def base_label(exp: Explanation) -> str:
    """What the base value is: the mean over a background for tables, the output for the
    baseline input (a blank image, masked tokens) for images and text."""
    return "E[f(X)]" if exp.modality == "tabular" else "f(baseline)"


def headline(exp: Explanation, i: int) -> tuple[str, str]:
    """(title, subtitle) of output ``i``: ``yes (log-odds): f(x) = 1.25, E[f(X)] = 1``."""
    scale = exp.params.get("output_scale")
    name = f"{exp.output_names[i]} ({scale})" if scale else exp.output_names[i]
    if exp.modality == "importance":
        return f"permutation importance · {exp.output_names[i]}", " · ".join(badges(exp))
    title = (
        f"{name}: f(x) = {_fmt(exp.prediction[i])}, {base_label(exp)} = {_fmt(exp.base_values[i])}"
    )
    return title, " · ".join(badges(exp))


def dress_chart(chart: Any, exp: Explanation, i: int, theme: str = "light") -> Any:
    """An altair chart with its title, badges and the theme's opaque background."""
    title, subtitle = headline(exp, i)
    return themed(chart, theme, title, subtitle)


def themed(chart: Any, theme: str, title: str, subtitle: str) -> Any:
    """``chart`` under its title and subtitle, in the theme's colours, on an opaque
    background: what every exported altair chart wears."""
    import altair as alt

    c = theme_colours(theme)
    return (
        chart.properties(
            title=alt.TitleParams(
                text=title,
                subtitle=subtitle,
                anchor="start",
                color=c["fg"],
                subtitleColor=c["muted"],
            )
        )
        .configure(background=c["background"])
        .configure_axis(
            labelColor=c["fg"], titleColor=c["fg"], gridColor=c["grid"], domainColor=c["grid"]
        )
        .configure_legend(labelColor=c["fg"], titleColor=c["fg"])
        .configure_text(color=c["fg"])
        .configure_rule(color=c["fg"])
        .configure_view(stroke=None)
    )


def image_svg(exp: Explanation, output: Any = None, theme: str = "light") -> str:
    """The saliency overlay at least ``MIN_IMAGE_PX`` on its long side (crisp pixels),
    under its title and badges, with the colour legend of the values."""
    c = theme_colours(theme)
    i = exp.output_index(output)
    rgba = draw.image_rgba(exp, i)
    h, w = rgba.shape[:2]
    f = max(1, -(-MIN_IMAGE_PX // max(h, w)))
    rgba = np.repeat(np.repeat(rgba, f, axis=0), f, axis=1)
    h, w = rgba.shape[:2]
    scale = draw.image_scale(np.asarray(exp.values, dtype=float)[i])
    data = base64.b64encode(draw.write_png(rgba)).decode("ascii")
    name = exp.output_names[i]
    title, _ = headline(exp, i)
    sub = " · ".join(badges(exp))
    pad, top = 10, 48
    width, height = max(w + 2 * pad, 420), top + h + 62
    esc = html.escape
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="{c["background"]}"/>',
            f'<text x="{pad}" y="20" font-size="14" fill="{c["fg"]}">{esc(title)}</text>',
            f'<text x="{pad}" y="38" fill="{c["muted"]}">{esc(sub)}</text>',
            f'<image x="{pad}" y="{top}" width="{w}" height="{h}" '
            f'href="data:image/png;base64,{data}" style="image-rendering:pixelated"/>',
            '<defs><linearGradient id="ll-img-legend"><stop offset="0" stop-color="rgb(33,102,172)"/>'
            '<stop offset="0.5" stop-color="#fff"/><stop offset="1" stop-color="rgb(178,24,43)"/>'
            "</linearGradient></defs>",
            f'<text x="{pad}" y="{top + h + 26}" fill="{c["fg"]}">{esc(f"{-scale:+.3g}")}</text>',
            f'<rect x="{pad + 56}" y="{top + h + 16}" width="160" height="12" '
            f'fill="url(#ll-img-legend)" stroke="{c["grid"]}"/>',
            f'<text x="{pad + 224}" y="{top + h + 26}" fill="{c["fg"]}">{esc(f"{scale:+.3g}")}</text>',
            f'<text x="{pad}" y="{top + h + 48}" fill="{c["muted"]}">'
            f"red raises {esc(name)}, blue lowers it</text>",
            "</svg>",
        ]
    )
