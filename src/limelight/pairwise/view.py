"""Static pictures of :class:`~limelight.pairwise.result.Interactions`: a heatmap of
the mean |interaction value| per feature pair (SVG, no scripts) and the top pairs as a
table, every name HTML-escaped.

    >>> import numpy as np
    >>> from limelight.pairwise.result import Interactions
    >>> v = np.array([[[[0.0, 0.5], [0.5, 0.0]]]])
    >>> r = Interactions(v, np.zeros(1), np.ones((1, 1)), ["<a>", "b"], ["y"], "exact")
    >>> "&lt;a&gt;" in heatmap_svg(r, 0) and "<a>" not in heatmap_svg(r, 0)
    True
"""

from __future__ import annotations

from html import escape

import numpy as np

from .._format import format_value
from ..export.draw import token_colours

DEPENDENCE_SHOWN = 3  # dependence views per output: the features with the largest mean |phi|
MAX_FEATURES = 24  # the heatmap keeps the features with the most interaction
CELL = 22  # px


def _order(strength: np.ndarray) -> np.ndarray:
    """The features to draw: the ones with the largest off-diagonal row sums, at most
    :data:`MAX_FEATURES`, in their original order."""
    off = strength - np.diag(np.diag(strength))
    keep = np.argsort(-off.sum(axis=1), kind="stable")[:MAX_FEATURES]
    return np.sort(keep)


def heatmap_svg(r, output: int) -> str:
    """The heatmap of output ``output``: mean |value| over the rows, the colour scaled by
    the largest off-diagonal entry (main effects on the diagonal are clipped to it; the
    tooltip gives every number)."""
    strength = r.mean_abs(output)
    keep = _order(strength)
    names = [str(r.feature_names[i]) for i in keep]
    sub = strength[np.ix_(keep, keep)]
    off = sub[~np.eye(len(keep), dtype=bool)]
    scale = float(off.max()) if off.size and off.max() > 0 else float(sub.max() or 1.0)
    label = 8 + 7 * min(24, max((len(n) for n in names), default=1))
    n = len(keep)
    width, height = label + n * CELL + 10, label + n * CELL + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" style="flex:none">',
        f"<title>mean |interaction value| of {escape(str(r.output_names[output]))}</title>",
    ]
    for a, name in enumerate(names):
        short = escape(name if len(name) <= 24 else name[:23] + "…")
        y = label + a * CELL + CELL * 0.7
        out.append(f'<text x="{label - 4}" y="{y:.1f}" text-anchor="end">{short}</text>')
        x = label + a * CELL + CELL * 0.7
        out.append(f'<text transform="translate({x:.1f},{label - 4}) rotate(-60)">{short}</text>')
        for b in range(n):
            fill, _ = token_colours(float(sub[a, b]), scale)
            tip = escape(f"{name} × {names[b]}: {format_value(float(sub[a, b]))}")
            stroke = ' stroke="#888"' if a == b else ""
            out.append(
                f'<rect x="{label + b * CELL}" y="{label + a * CELL}" width="{CELL - 1}" '
                f'height="{CELL - 1}" fill="rgb{fill}"{stroke}><title>{tip}</title></rect>'
            )
    out.append("</svg>")
    return "".join(out)


def pairs_table(r, output: int, k: int = 10) -> str:
    """The ``k`` strongest pairs of output ``output`` as an HTML table."""
    top = r.top_pairs(
        min(k, max(1, len(r.feature_names) * (len(r.feature_names) - 1) // 2)), output=output
    )
    lines = [
        "<table><thead><tr><th>feature</th><th>feature</th><th>mean |value|</th>"
        "<th>mean</th></tr></thead><tbody>"
    ]
    for a, b, s, m in top.itertuples(index=False):
        lines.append(
            f"<tr><td>{escape(str(a))}</td><td>{escape(str(b))}</td>"
            f"<td>{escape(format_value(float(s)))}</td><td>{escape(format_value(float(m)))}</td></tr>"
        )
    lines.append("</tbody></table>")
    return "".join(lines)


def summary_html(r) -> str:
    """Each output's heatmap and top pairs (what a notebook shows for the object)."""
    n, k, d, _ = r.values.shape
    head = (
        f"<p><b>Interaction values</b> ({escape(r.method)}): {n} row(s), {d} features; "
        "off-diagonal entries are half the Shapley interaction index, the diagonal the "
        "main effects; each row sums to the Shapley value.</p>"
    )
    parts = [head]
    for c in range(min(k, 5)):
        parts.append(
            f"<h4>{escape(str(r.output_names[c]))}</h4><div style='display:flex;gap:16px;"
            f"align-items:flex-start'>{heatmap_svg(r, c)}{pairs_table(r, c)}</div>"
            f"{dependence_row(r, c)}"
        )
    return "<div class='limelight-interactions'>" + "".join(parts) + "</div>"


def dependence_row(r, output: int) -> str:
    """The dependence views of the :data:`DEPENDENCE_SHOWN` features with the largest mean
    |Shapley value|, each coloured by its strongest partner ("" without the rows' data)."""
    if r.data is None:
        return ""
    phi = np.abs(r.shapley_values()[:, output]).mean(axis=0)
    top = np.argsort(-phi, kind="stable")[:DEPENDENCE_SHOWN]
    views = "".join(r.dependence(int(i), output=output).svg for i in top)
    return f"<div style='display:flex;flex-wrap:wrap;gap:16px;margin-top:12px'>{views}</div>"


def page(r, *, title: str | None = None) -> str:
    """A whole HTML page of :func:`summary_html` (no scripts, opens offline)."""
    title = escape(title or "limelight interactions")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}</style>"
        f"</head><body><h2>{title}</h2>{summary_html(r)}</body></html>"
    )


def to_png(svg: str, scale: float = 2) -> bytes:
    """PNG bytes of an SVG picture (vl-convert, the ``export`` extra)."""
    try:
        import vl_convert
    except ImportError:
        from ..errors import InputError

        raise InputError(
            "PNG pictures need vl-convert-python",
            fix="pip install 'limelight[export]' (or save as .html, .svg or .json)",
        ) from None
    return vl_convert.svg_to_png(svg, scale=scale)
