"""The dependence view of one feature, coloured by its strongest partner (shap's
``dependence_plot(..., interaction_index="auto")``): one dot per explained row at
x = the feature's value, y = its Shapley value there (the row sum of the interaction
matrix; ``main_effect=True``: the diagonal only), coloured by the partner's value.

Numbers sit on a linear axis; anything else (strings, categories) on one slot per
category, jittered; a row whose x is missing is counted in the caption, not drawn; a
missing partner value is grey. Text and axes use ``currentColor``, so the picture reads
on a light or a dark page; every name is HTML-escaped.

    >>> import numpy as np
    >>> from limelight.pairwise.result import Interactions
    >>> v = np.zeros((2, 1, 2, 2)); v[:, 0, 0, 1] = v[:, 0, 1, 0] = [0.5, -0.5]
    >>> r = Interactions(v, np.zeros(1), np.zeros((2, 1)), ["<a>", "b"], ["y"], "exact",
    ...                  data=np.array([[1.0, 1.0], [2.0, -1.0]], dtype=object))
    >>> view = r.dependence("<a>")
    >>> view.partner, "&lt;a&gt;" in view.svg and "<a>" not in view.svg
    ('b', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from .._format import format_value
from ..errors import InputError

WIDTH, HEIGHT = 420, 300  # px
LEFT, RIGHT, TOP, BOTTOM = 62, 96, 28, 44
LOW, HIGH = (30, 136, 229), (255, 0, 82)  # shap's blue-to-red for the partner's value
MISSING = "#9e9e9e"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
MAX_CATEGORIES = 12  # x slots drawn for a categorical feature (the rest: "other")


@dataclass
class DependenceView:
    """The picture (``svg``) of ``feature`` coloured by ``partner`` (None: one colour);
    ``x``, ``y`` and ``colour_values`` the numbers drawn, one per explained row;
    ``main_effect``: ``y`` is the diagonal only. ``to_frame()`` and ``to_dict()`` hold
    the same numbers; ``save`` writes .svg, .png, .html or .json."""

    feature: str
    partner: str | None
    output: str
    svg: str
    x: np.ndarray
    y: np.ndarray
    colour_values: np.ndarray | None
    main_effect: bool = False

    @property
    def value_name(self) -> str:
        """What ``y`` is: ``"main_effect"`` or ``"shapley_value"``."""
        return "main_effect" if self.main_effect else "shapley_value"

    def to_frame(self):
        """One row per explained row: ``row``, the feature's value (a column named by the
        feature), ``shapley_value`` (or ``main_effect``), and the partner's value (a
        column named by the partner) when the dots are coloured."""
        import pandas as pd

        y_name = self.value_name
        if y_name in (self.feature, self.partner):  # a column of the user's own name
            y_name = f"{y_name} ({self.output})"
        columns = {"row": np.arange(len(self.y)), self.feature: self.x, y_name: self.y}
        if self.partner is not None:
            columns[self.partner] = self.colour_values
        return pd.DataFrame(columns)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain JSON types (a missing value or NaN as None)."""
        return {
            "kind": "interaction_dependence",
            "feature": self.feature,
            "partner": self.partner,
            "output": self.output,
            "value": self.value_name,
            "x": [_plain_cell(v) for v in np.asarray(self.x, dtype=object).tolist()],
            "y": [_plain_cell(v) for v in np.asarray(self.y, dtype=float).tolist()],
            "colour_values": None
            if self.colour_values is None
            else [_plain_cell(v) for v in np.asarray(self.colour_values, dtype=object).tolist()],
        }

    def _repr_html_(self) -> str:
        return self.svg

    def save(
        self,
        path: str | Path,
        *,
        overwrite: bool = True,
        scale: float = 2,
        include_data: bool = True,
    ) -> Path:
        """Write ``.svg``, ``.png``, ``.html`` (the SVG in a page) or ``.json``
        (:meth:`to_dict`, standard JSON: NaN as null; ``include_data=False`` leaves the
        rows' feature values, ``x`` and ``colour_values``, out); ``ll.save`` does the same."""
        from .._atomic import check_target, write_atomic
        from ..explanation import standard_json
        from .view import to_png

        path = Path(path)
        fmt = path.suffix.lower()
        if fmt not in (".svg", ".png", ".html", ".htm", ".json"):
            raise InputError(
                f"cannot save a dependence view as {path.suffix or 'a file without a suffix'!r}",
                fix="use a path ending in .svg, .png, .html or .json",
            )
        check_target(path, overwrite)
        if fmt == ".json":
            out = self.to_dict()
            if not include_data:
                del out["x"], out["colour_values"]
            data = standard_json(out, default=str).encode("utf-8")
        elif fmt == ".svg":
            data = self.svg.encode("utf-8")
        elif fmt == ".png":
            data = to_png(self.svg, scale)
        else:
            title = escape(f"{self.feature}: dependence")
            data = (
                f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
                f"</head><body>{self.svg}</body></html>"
            ).encode()
        return write_atomic(path, data, overwrite=overwrite)


def feature_index(r, feature: Any) -> int:
    names = list(r.feature_names)
    if isinstance(feature, str) and feature in names:
        return names.index(feature)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if 0 <= int(feature) < len(names):
            return int(feature)
    raise InputError(
        f"feature {feature!r} is not one of {names[:8]}{'...' if len(names) > 8 else ''}",
        fix="pass a feature name or an index",
    )


def numeric(column: np.ndarray) -> np.ndarray | None:
    """The column as floats (NaN where missing), or None when it holds non-numbers."""
    out = np.empty(len(column))
    for i, v in enumerate(column.tolist()):
        if v is None or type(v).__name__ == "NAType":
            out[i] = np.nan
        elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
            return None
        else:
            out[i] = float(v)
    return out


def build(r, feature: Any, output: int, color: Any = "auto", main_effect: bool = False):
    """The :class:`DependenceView` of ``feature`` (see :meth:`Interactions.dependence`)."""
    if r.data is None:
        raise InputError(
            "these interaction values were kept without the rows' feature values",
            fix="compute them again with ll.interactions (it keeps the rows)",
        )
    if not isinstance(main_effect, (bool, np.bool_)):
        raise InputError(f"main_effect={main_effect!r}", fix="use True or False")
    i = feature_index(r, feature)
    data = np.asarray(r.data, dtype=object)
    if color == "auto":
        alone = len(r.feature_names) < 2
        j = None if alone else feature_index(r, r.strongest_partner(i, output=output))
    elif color is None:
        j = None
    else:
        j = feature_index(r, color)
    v = r.values[:, output, i]
    y = v[:, i] if main_effect else v.sum(axis=1)
    colours = None if j is None else data[:, j]
    svg = draw(r, i, j, output, data[:, i], y, colours, bool(main_effect))
    return DependenceView(
        feature=str(r.feature_names[i]),
        partner=None if j is None else str(r.feature_names[j]),
        output=str(r.output_names[output]),
        svg=svg,
        x=data[:, i],
        y=y,
        colour_values=colours,
        main_effect=bool(main_effect),
    )


def _plain_cell(v: Any) -> Any:
    """A value as a JSON type: numpy scalars as Python's, a missing value or NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _mix(t: float) -> str:
    c = [round(a + (b - a) * t) for a, b in zip(LOW, HIGH)]
    return f"rgb({c[0]},{c[1]},{c[2]})"


def _ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    if not hi > lo:
        return np.array([lo])
    step = 10 ** np.floor(np.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (m * step) <= n:
            step *= m
            break
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _x_positions(x: np.ndarray):
    """(positions in [0, 1] or NaN, tick list [(position, label)], missing count)."""
    nums = numeric(x)
    if nums is not None:
        ok = np.isfinite(nums)
        lo, hi = (float(nums[ok].min()), float(nums[ok].max())) if ok.any() else (0.0, 1.0)
        pad = (hi - lo) * 0.04 or 0.5
        lo, hi = lo - pad, hi + pad
        ticks = [((t - lo) / (hi - lo), format_value(float(t))) for t in _ticks(lo, hi)]
        return (nums - lo) / (hi - lo), ticks, int((~ok).sum())
    labels = ["missing" if v is None or v != v else str(v) for v in x.tolist()]
    cats, counts = np.unique(labels, return_counts=True)
    cats = list(cats[np.argsort(-counts, kind="stable")][:MAX_CATEGORIES])
    slot = {c: k for k, c in enumerate(cats)}
    other = len(cats) if len(slot) < len(set(labels)) else None
    names = cats + (["other"] if other is not None else [])
    rng = np.random.default_rng(0)  # the same jitter every time
    jitter = rng.uniform(-0.3, 0.3, len(labels))
    pos = np.array([slot.get(c, other) for c in labels], dtype=float) + jitter
    n = len(names)
    ticks = [((k + 0.5) / n, c) for k, c in enumerate(names)]
    return (pos + 0.5) / n, ticks, 0


def _colour_scale(values: np.ndarray | None):
    """(one fill per row, legend SVG maker)."""
    if values is None:
        return [], None
    nums = numeric(values)
    if nums is not None:
        ok = np.isfinite(nums)
        lo, hi = np.percentile(nums[ok], [5, 95]) if ok.any() else (0.0, 1.0)
        if not hi > lo:
            lo, hi = (float(nums[ok].min()), float(nums[ok].max())) if ok.any() else (0, 1)
        t = np.clip((nums - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        fills = [_mix(float(a)) if f else MISSING for a, f in zip(t, ok)]
        return fills, ("numeric", float(lo), float(hi), int((~ok).sum()))
    labels = ["missing" if v is None or v != v else str(v) for v in values.tolist()]
    cats, counts = np.unique(labels, return_counts=True)
    cats = list(cats[np.argsort(-counts, kind="stable")][: len(PALETTE)])
    fills = [PALETTE[cats.index(c)] if c in cats else MISSING for c in labels]
    return fills, ("categorical", cats)


def draw(r, i, j, output, x, y, colours, main_effect) -> str:
    name = str(r.feature_names[i])
    pos, xticks, missing = _x_positions(x)
    fills, legend = _colour_scale(colours)
    if not fills:
        fills = [_mix(0.0)] * len(y)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    finite = y[np.isfinite(y)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.06 or 0.5
    lo, hi = lo - pad, hi + pad

    def sy(v: float) -> float:
        return TOP + ph * (1 - (v - lo) / (hi - lo))

    what = "main effect" if main_effect else "Shapley value"
    title = f"{name}: {what} of {r.output_names[output]}"
    if j is not None:
        title += f", coloured by {r.feature_names[j]}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11" '
        f'role="img" style="flex:none;color:inherit">',
        f"<title>{escape(title)}</title>",
        '<g fill="currentColor" stroke="none">',
    ]
    # axes and grid
    for t in _ticks(lo, hi):
        yy = sy(float(t))
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="currentColor" stroke-opacity="{0.45 if t == 0 else 0.12}"/>'
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{escape(format_value(float(t)))}</text>"
        )
    for p, label in xticks:
        xx = LEFT + pw * p
        short = label if len(label) <= 12 else label[:11] + "…"
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" '
            f'stroke="currentColor"/><text x="{xx:.1f}" y="{TOP + ph + 16}" '
            f'text-anchor="middle">{escape(short)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" '
        f'stroke="currentColor" stroke-opacity="0.5"/>'
    )
    xlabel = escape(name + (f" ({missing} missing, not drawn)" if missing else ""))
    out.append(
        f'<text x="{LEFT + pw / 2}" y="{HEIGHT - 8}" text-anchor="middle">{xlabel}</text>'
        f'<text transform="translate(14,{TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(f'{what} of {name}')}</text>"
    )
    out.append(f'<text x="{LEFT}" y="{TOP - 10}" font-weight="bold">{escape(title)}</text>')
    out.append("</g>")
    # dots: drawn in a shuffled order, so no colour hides another by row order
    radius = 3.2 if len(y) <= 500 else 2.2
    order = np.random.default_rng(1).permutation(len(y))
    dots = ['<g fill-opacity="0.85" stroke="none">']
    for k in order:
        if not (np.isfinite(pos[k]) and np.isfinite(y[k])):
            continue
        c = "" if colours is None else f" · {r.feature_names[j]} = {_text(colours[k])}"
        tip = escape(f"{name} = {_text(x[k])}: {format_value(float(y[k]))}{c}")
        dots.append(
            f'<circle cx="{LEFT + pw * pos[k]:.1f}" cy="{sy(float(y[k])):.1f}" r="{radius}" '
            f'fill="{fills[k]}"><title>{tip}</title></circle>'
        )
    out.append("".join(dots) + "</g>")
    if legend is not None:
        out.append(_legend(legend, str(r.feature_names[j]), LEFT + pw + 14, TOP, ph))
    out.append("</svg>")
    return "".join(out)


def _text(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "missing" if v != v else format_value(float(v))
    return "missing" if v is None else str(v)


def _legend(legend, partner: str, x0: float, top: float, ph: float) -> str:
    short = escape(partner if len(partner) <= 14 else partner[:13] + "…")
    out = [f'<g fill="currentColor"><title>colour: {escape(partner)}</title>']
    if legend[0] == "numeric":
        _, lo, hi, missing = legend
        stops = "".join(
            f'<stop offset="{t}" stop-color="{_mix(t)}"/>' for t in (0, 0.25, 0.5, 0.75, 1)
        )
        out.append(
            f'<defs><linearGradient id="ll-dep-grad" x1="0" y1="1" x2="0" y2="0">{stops}'
            f'</linearGradient></defs><rect x="{x0}" y="{top + 14}" width="10" '
            f'height="{ph - 40}" fill="url(#ll-dep-grad)"/>'
            f'<text x="{x0 + 14}" y="{top + 22}">{escape(format_value(hi))}</text>'
            f'<text x="{x0 + 14}" y="{top + ph - 26}">{escape(format_value(lo))}</text>'
        )
        if missing:
            out.append(
                f'<circle cx="{x0 + 5}" cy="{top + ph - 10}" r="4" fill="{MISSING}"/>'
                f'<text x="{x0 + 14}" y="{top + ph - 6}">missing</text>'
            )
    else:
        for k, cat in enumerate(legend[1]):
            yy = top + 22 + 15 * k
            label = escape(cat if len(cat) <= 10 else cat[:9] + "…")
            out.append(
                f'<circle cx="{x0 + 5}" cy="{yy - 4}" r="4" fill="{PALETTE[k]}"/>'
                f'<text x="{x0 + 14}" y="{yy}">{label}</text>'
            )
    out.append(f'<text x="{x0}" y="{top + 6}" font-weight="bold">{short}</text></g>')
    return "".join(out)
