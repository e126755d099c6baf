"""Pictures and JSON of many explanations: the summary (beeswarm) of a table's rows and the
top tokens of many texts, titled like a single explanation's export (the output and its
scale, the rows, the method, the background) on an opaque light or dark background.

The beeswarm reads as shap's summary plot does: one line per feature, ranked by mean
|attribution|, the features past ``top`` summed into an "N other features" line; one dot per
row at its attribution, spread vertically by how many rows share that value, coloured by
the feature's value from low (blue) to high (red), with the colour bar, a zero line and
tick marks on the attribution axis.

    >>> import numpy as np
    >>> from limelight.explanations import Explanations
    >>> rng = np.random.default_rng(0)
    >>> ex = Explanations(values=rng.normal(size=(30, 1, 4)), base_values=np.zeros((30, 1)),
    ...                   prediction=np.zeros((30, 1)), output_names=["y"],
    ...                   feature_names=["a", "b", "c", "d"], data=rng.normal(size=(30, 4)))
    >>> rows, order = beeswarm_rows(ex, 0, top=2)
    >>> order[-1], len(rows)
    ('2 other features', 90)
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .figure import _vl_convert, theme_colours, themed

TOP = 12
MAX_DOTS = 1000  # rows drawn at most (an even stride over the rows past that)
LOW, MID, HIGH = "#1e88e5", "#b9a7c9", "#ff0d57"  # shap's summary colours: low → high value


def _numeric(column: np.ndarray) -> np.ndarray | None:
    try:
        out = np.asarray(column, dtype=float)
    except (TypeError, ValueError):
        return None
    return out


def _colour_values(column: np.ndarray | None) -> np.ndarray:
    """The feature's value mapped to [0, 1] by its 5th-95th percentiles (NaN: no colour)."""
    if column is None:
        return np.full(0, np.nan)
    v = _numeric(column)
    if v is None or not np.isfinite(v).any():
        return np.full(len(column), np.nan)
    lo, hi = np.nanpercentile(v, [5, 95])
    if hi <= lo:
        lo, hi = np.nanmin(v), np.nanmax(v)
    if hi <= lo:
        return np.full(len(v), 0.5)
    return np.clip((v - lo) / (hi - lo), 0, 1)


def _spread(values: np.ndarray, rng: np.random.Generator, bins: int = 40) -> np.ndarray:
    """A vertical offset in [-0.4, 0.4], wider where many rows share the value."""
    finite = np.isfinite(values)
    out = np.zeros(len(values))
    if finite.sum() < 2 or np.ptp(values[finite]) == 0:
        return rng.uniform(-0.4, 0.4, len(values)) * finite
    counts, edges = np.histogram(values[finite], bins=bins)
    at = np.clip(np.searchsorted(edges, values[finite], side="right") - 1, 0, bins - 1)
    width = 0.4 * np.sqrt(counts[at] / counts.max())
    out[finite] = rng.uniform(-1, 1, finite.sum()) * width
    return out


def beeswarm_rows(ex: Any, output: int, top: int = TOP) -> tuple[list[dict], list[str]]:
    """One dict per (row, shown line): the line's label, the attribution, a vertical
    offset and the feature value's colour position; and the lines' order, top first."""
    values = np.asarray(ex.values, dtype=float)[:, output, :]
    keep = np.isfinite(values).all(axis=1)
    values = values[keep]
    data = None if ex.data is None else np.asarray(ex.data, dtype=object)[keep]
    if len(values) > MAX_DOTS:  # the ranking uses every row, the dots an even stride
        mean_abs = np.abs(values).mean(axis=0)
        pick = np.linspace(0, len(values) - 1, MAX_DOTS).astype(int)
        values, data = values[pick], None if data is None else data[pick]
    else:
        mean_abs = np.abs(values).mean(axis=0) if len(values) else np.zeros(values.shape[1])
    order = np.argsort(-mean_abs, kind="stable")
    shown, rest = order[:top], order[top:]
    if len(rest) == 1:  # one more line costs no more than the "other" line
        shown, rest = order, order[:0]
    rng = np.random.default_rng(0)
    rows: list[dict] = []
    labels = [str(ex.feature_names[j]) for j in shown]
    for j, label in zip(shown, labels):
        colour = _colour_values(None if data is None else data[:, j])
        offset = _spread(values[:, j], rng)
        for r in range(len(values)):
            c = colour[r] if len(colour) else np.nan
            rows.append(
                {
                    "feature": label,
                    "value": round(float(values[r, j]), 6),
                    "offset": round(float(offset[r]), 3),
                    "colour": None if not np.isfinite(c) else round(float(c), 3),
                }
            )
    if len(rest):
        other = f"{len(rest)} other feature{'s' if len(rest) > 1 else ''}"
        summed = values[:, rest].sum(axis=1)
        offset = _spread(summed, rng)
        rows += [
            {
                "feature": other,
                "value": round(float(v), 6),
                "offset": round(float(o), 3),
                "colour": None,
            }
            for v, o in zip(summed, offset)
        ]
        labels.append(other)
    return rows, labels


def _dot_size(n_rows: int) -> float:
    return float(np.clip(2400 / max(n_rows, 1), 6, 36))


def beeswarm_chart(ex: Any, output: Any = None, *, top: int = TOP, theme: str = "light") -> Any:
    """The altair summary chart of ``ex`` (an :class:`~limelight.Explanations`)."""
    import altair as alt

    c = theme_colours(theme)
    i = _output_index(ex, output)
    rows, order = beeswarm_rows(ex, i, top)
    n = int(np.isfinite(np.asarray(ex.values, dtype=float)[:, i, :]).all(axis=1).sum())
    drawn = min(n, MAX_DOTS)
    y = alt.Y("feature:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=y,
        yOffset=alt.YOffset("offset:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
        x=alt.X("value:Q", title="attribution (impact on the output)", axis=alt.Axis(ticks=True)),
    )
    coloured = (
        base.transform_filter("datum.colour != null")
        .mark_circle(size=_dot_size(drawn), opacity=0.8)
        .encode(
            color=alt.Color(
                "colour:Q",
                title="feature value",
                scale=alt.Scale(domain=[0, 1], range=[LOW, MID, HIGH]),
                legend=alt.Legend(
                    values=[0, 1],
                    labelExpr="datum.value == 0 ? 'low' : 'high'",
                    gradientLength=160,
                    orient="right",
                ),
            )
        )
    )
    grey = base.transform_filter("datum.colour == null").mark_circle(
        size=_dot_size(drawn), opacity=0.7, color="#999999"
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=c["muted"]).encode(x="x:Q")
    title, subtitle = _headline(ex, i, n, drawn)
    chart = alt.layer(zero, grey, coloured).properties(width=440, height=alt.Step(34))
    return themed(chart, theme, title, subtitle)


def _output_index(ex: Any, output: Any) -> int:
    from ..errors import InputError

    names = list(ex.output_names)
    if output is None:
        return 0
    if isinstance(output, str):
        if output not in names:
            raise InputError(f"no output named {output!r}", fix=f"use one of {names}")
        return names.index(output)
    if isinstance(output, (int, np.integer)) and 0 <= int(output) < len(names):
        return int(output)
    raise InputError(
        f"output={output!r} is not one of the {len(names)} outputs", fix=f"use one of {names}"
    )


def _headline(ex: Any, i: int, n: int, drawn: int) -> tuple[str, str]:
    params = dict(getattr(ex, "params", None) or {})
    scale = params.get("output_scale")
    name = f"{ex.output_names[i]} ({scale})" if scale else str(ex.output_names[i])
    base = np.asarray(ex.base_values, dtype=float)[:, i]
    finite = base[np.isfinite(base)]
    title = f"{name}: {n} rows"
    if len(finite):
        title += f", E[f(X)] = {float(finite.mean()):.4g}"
    parts = [str(getattr(ex, "method", "") or "")]
    bg = params.get("background")
    if isinstance(bg, dict) and bg.get("rows"):
        parts.append(f"background {bg['rows']} rows")
    failed = len(ex) - n
    if failed:
        parts.append(f"{failed} rows failed (left out)")
    if drawn < n:
        parts.append(f"dots for {drawn} of the {n} rows")
    parts.append("ranked by mean |attribution|")
    return title, " · ".join(p for p in parts if p)


def many_svg(ex: Any, output: Any = None, *, top: int = TOP, theme: str = "light") -> str:

    return _vl_convert().vegalite_to_svg(
        beeswarm_chart(ex, output, top=top, theme=theme).to_dict(validate=False)
    )


def many_png(
    ex: Any, output: Any = None, *, top: int = TOP, theme: str = "light", scale: float = 2
) -> bytes:

    return _vl_convert().svg_to_png(many_svg(ex, output, top=top, theme=theme), scale=scale)


def _clean(v: Any) -> Any:
    """Standard JSON: NaN and infinities as null, arrays as lists."""
    if isinstance(v, np.ndarray):
        return [_clean(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v if isinstance(v, (str, int, bool, type(None))) else str(v)


def many_json(ex: Any) -> str:
    """Every row's attributions with the names, as standard JSON (NaN as null)."""
    doc = {
        "schema": "limelight.explanations+json",
        "version": 1,
        "method": getattr(ex, "method", ""),
        "output_names": list(ex.output_names),
        "feature_names": [str(f) for f in ex.feature_names],
        "row": ex.row,
        "values": ex.values,
        "base_values": ex.base_values,
        "prediction": ex.prediction,
        "errors": [str(e) for e in getattr(ex, "errors", ())],
        "params": dict(getattr(ex, "params", None) or {}),
    }
    return json.dumps(_clean(doc), allow_nan=False)


def tokens_chart(items: Any, output: int = 0, *, top: int = 20, theme: str = "light") -> Any:
    """Bars of the tokens with the largest mean |attribution| over many texts."""
    import altair as alt

    mean = items.mean_abs(output)
    ranked = sorted(mean, key=lambda t: -mean[t])[:top]
    rows = [{"token": t, "value": float(mean[t])} for t in ranked]
    name = items.output_names[output] if items.output_names else "output"
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color=HIGH)
        .encode(
            y=alt.Y("token:N", sort=ranked, title=None),
            x=alt.X("value:Q", title="mean |attribution|"),
        )
        .properties(width=400, height=alt.Step(20))
    )
    title = f"{name}: top tokens over {int(np.sum(items.ok))} texts"
    subtitle = f"{items.method} · mean |attribution| where the token appears"
    return themed(chart, theme, title, subtitle)


def tokens_json(items: Any) -> str:
    """Every text's tokens and attributions, as standard JSON (failed texts: null)."""
    docs = []
    for e, err in zip(items.items, items.errors):
        if e is None:
            docs.append({"error": str(err)})
            continue
        docs.append(
            {
                "tokens": [str(t) for t in e.feature_names],
                "values": e.values,
                "base_values": e.base_values,
                "prediction": e.prediction,
            }
        )
    doc = {
        "schema": "limelight.items+json",
        "version": 1,
        "method": items.method,
        "output_names": list(items.output_names),
        "items": docs,
    }
    return json.dumps(_clean(doc), allow_nan=False)


PICTURES = (".svg", ".png", ".json")


def many_bytes(
    obj: Any, suffix: str, *, output: Any = None, theme: str = "light", **opts: Any
) -> bytes:
    """The ``.svg`` / ``.png`` / ``.json`` bytes of many rows (an ``Explanations``) or
    many texts (an ``ItemExplanations`` of text)."""
    from ..errors import InputError

    texts = hasattr(obj, "items") and not hasattr(obj, "feature_names")
    if texts and obj.modality not in ("text", ""):
        raise InputError(
            f"many {obj.modality}s have no summary picture yet",
            fix="save them as .parquet, or save one item: ex[i].save('x.png')",
        )
    if suffix == ".json":
        return (tokens_json(obj) if texts else many_json(obj)).encode("utf-8")

    vlc = _vl_convert()
    if texts:
        chart = tokens_chart(obj, 0 if output is None else int(output), theme=theme)
    else:
        chart = beeswarm_chart(obj, output, theme=theme, top=int(opts.pop("top", TOP)))
    svg = vlc.vegalite_to_svg(chart.to_dict(validate=False))
    if suffix == ".svg":
        return svg.encode("utf-8")
    return vlc.svg_to_png(svg, scale=float(opts.pop("scale", 2)))


def save_many(obj: Any, path: Any, *, overwrite: bool = True, **opts: Any) -> Any:
    """Write :func:`many_bytes` to ``path``, whole or not at all (``overwrite=False``
    refuses to replace a file, before any drawing)."""
    from .._atomic import check_target, write_atomic

    path = check_target(path, overwrite)
    return write_atomic(path, many_bytes(obj, path.suffix.lower(), **opts), overwrite=overwrite)
