"""Altair chart builders for tabular and importance explanations.

The live widget sends each spec once with *named* datasets (``rows``, ``ends``) and the
browser fills them from binary buffers on every partial; exports call the same builders
with the rows inlined (:func:`tabular_chart`). Colours: blue lowers the output, red raises it.

    >>> import numpy as np
    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"], data=np.array([3, 4]))
    >>> [r["feature"] for r in bar_rows(e)]
    ['a = 3', 'b = 4']
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import altair as alt
import numpy as np

from .._atomic import write_atomic
from .._format import format_value
from ..explanation import Explanation

NEG = "#2166ac"
POS = "#b2182b"
TOP = 20  # features shown before the rest are summed into "N other features"


def _data(rows: list[dict] | None, name: str) -> alt.Data:
    return alt.Data(name=name) if rows is None else alt.Data(values=rows)


def _tooltip(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(f"{f}:N", title=t)
        if f == "feature"
        else alt.Tooltip(f"{f}:Q", title=t, format=".4g")
        for f, t in fields
    ]


def bar_chart(rows: list[dict] | None = None, *, title: str = "attribution") -> alt.LayerChart:
    """Horizontal bars sorted by |value|, signed colours, value labels, ±stderr whiskers.

    Rows: ``feature`` (label), ``value``, ``lo``, ``hi``, ``order``, ``text``, ``colour``.
    """
    # op="min": a sort without an aggregate op conflicts across the filtered label layers
    # and falls back to alphabetical
    base = alt.Chart(_data(rows, "rows")).encode(
        y=alt.Y(
            "feature:N",
            sort=alt.EncodingSortField("order", op="min"),
            title=None,
            axis=alt.Axis(labelLimit=280, domain=False, ticks=False),
        ),
    )
    bars = base.mark_bar(height={"band": 0.75}).encode(
        # the padding makes room for the value labels; ticks that would overlap are dropped
        x=alt.X(
            "value:Q",
            title=title,
            scale=alt.Scale(padding=64),
            axis=alt.Axis(labelOverlap="greedy", tickCount=6),
        ),
        color=alt.Color("colour:N", scale=None),
        tooltip=_tooltip(
            ("feature", "feature"), ("value", "attribution"), ("lo", "−1 s.e."), ("hi", "+1 s.e.")
        ),
    )
    whiskers = base.mark_rule(opacity=0.6).encode(x="lo:Q", x2="hi:Q")
    right = base.transform_filter("datum.value >= 0").mark_text(align="left", dx=3, fontSize=11)
    left = base.transform_filter("datum.value < 0").mark_text(align="right", dx=-3, fontSize=11)
    text = alt.X("value:Q")
    zero = alt.Chart(_data(rows, "rows")).mark_rule(opacity=0.5).encode(x=alt.datum(0))
    return alt.layer(
        bars,
        whiskers,
        right.encode(x=text, text="text:N"),
        left.encode(x=text, text="text:N"),
        zero,
    ).properties(width=420, height=alt.Step(22))


def waterfall_chart(
    rows: list[dict] | None = None, ends: list[dict] | None = None
) -> alt.LayerChart:
    """From the base value (bottom) to the prediction (top), one step per feature.

    Rows: ``feature``, ``start``, ``end``, ``value``, ``order``, ``text``, ``colour``;
    ends: ``label``, ``x`` (the base value and the prediction, drawn as rules).
    """
    base = alt.Chart(_data(rows, "rows")).encode(
        y=alt.Y(
            "feature:N",
            sort=alt.EncodingSortField("order", op="min"),
            title=None,
            axis=alt.Axis(labelLimit=280, domain=False, ticks=False),
        ),
    )
    bars = base.mark_bar(height={"band": 0.75}).encode(
        x=alt.X("start:Q", title="model output", scale=alt.Scale(zero=False, padding=64)),
        x2="end:Q",
        color=alt.Color("colour:N", scale=None),
        tooltip=_tooltip(
            ("feature", "feature"), ("value", "attribution"), ("start", "from"), ("end", "to")
        ),
    )
    labels = (
        base.mark_text(align="left", dx=4, fontSize=11)
        .encode(x=alt.X("max_x:Q"), text="text:N")
        .transform_calculate(max_x="max(datum.start, datum.end)")
    )
    rules = (
        alt.Chart(_data(ends, "ends"))
        .mark_rule(strokeDash=[4, 3], opacity=0.7)
        .encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title="")])
    )
    # each line named where it starts: E[f(X)] = base value, f(x) = prediction
    names = (
        alt.Chart(_data(ends, "ends"))
        .mark_text(align="left", baseline="bottom", dx=3, dy=-2, fontSize=10, opacity=0.85)
        .encode(x="x:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, labels, rules, names).properties(width=420, height=alt.Step(22))


def importance_chart(rows: list[dict] | None = None) -> alt.LayerChart:
    """Global importance: mean score drop per feature with ±1 standard error."""
    return bar_chart(rows, title="drop in score when the feature is shuffled")


SPECS_FILE = Path(__file__).resolve().parent / "chart_specs.json"


def write_specs() -> None:
    """Regenerate ``chart_specs.json`` (run ``python -m limelight.encoders.charts`` after changing a
    builder; a test fails while the file is stale)."""
    write_atomic(SPECS_FILE, json.dumps(specs(), indent=1, sort_keys=True) + "\n")


@functools.cache
def specs() -> dict[str, dict]:
    """The live widget's specs (named datasets, filled in by the browser); built once."""
    # validate=False: schema validation costs ~1.5 s on first use; tests validate instead
    return {
        "bar": bar_chart().to_dict(validate=False),
        "waterfall": waterfall_chart().to_dict(validate=False),
        "importance": importance_chart().to_dict(validate=False),
    }


# -- rows, for exports (the browser builds the same rows itself) ---------------------------------
def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _labels(exp: Explanation) -> list[str]:
    names = exp.feature_names or [f"x{j}" for j in range(exp.values.shape[-1])]
    if exp.modality != "tabular" or exp.data is None:
        return list(names)
    shown = [format_value(v) for v in np.asarray(exp.data, dtype=object).reshape(-1)]
    return [f"{n} = {s}" for n, s in zip(names, shown)]


def _ranked(values: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-np.abs(values), kind="stable")
    k = top if 0 < top < len(order) - 1 else len(order)
    return order[:k], order[k:]


def bar_rows(exp: Explanation, output: int | str | None = None, top: int = TOP) -> list[dict]:
    i = exp.output_index(output)
    values = exp.values.reshape(exp.n_outputs, -1)[i]
    stderr = None if exp.stderr is None else exp.stderr.reshape(exp.n_outputs, -1)[i]
    names = _labels(exp)
    keep, rest = _ranked(values, top)
    rows = []
    for order, j in enumerate(keep):
        v = float(values[j])
        s = 0.0 if stderr is None or not np.isfinite(stderr[j]) else float(stderr[j])
        rows.append(
            {
                "feature": names[j],
                "value": v,
                "lo": v - s,
                "hi": v + s,
                "order": order,
                "text": _fmt(v),
                "colour": NEG if v < 0 else POS,
            }
        )
    if len(rest):
        v = float(values[rest].sum())
        rows.append(
            {
                "feature": f"{len(rest)} other features",
                "value": v,
                "lo": v,
                "hi": v,
                "order": len(rows),
                "text": _fmt(v),
                "colour": NEG if v < 0 else POS,
            }
        )
    return rows


def waterfall_rows(exp: Explanation, output: int | str | None = None, top: int = TOP):
    i = exp.output_index(output)
    values = exp.values.reshape(exp.n_outputs, -1)[i]
    names = _labels(exp)
    keep, rest = _ranked(values, top)
    steps = [(names[j], float(values[j])) for j in keep]
    if len(rest):
        steps.append((f"{len(rest)} other features", float(values[rest].sum())))
    steps.reverse()
    at = float(exp.base_values[i])
    rows = []
    for k, (name, v) in enumerate(steps):
        rows.append(
            {
                "feature": name,
                "start": at,
                "end": at + v,
                "value": v,
                "order": len(steps) - k,
                "text": ("" if v < 0 else "+") + _fmt(v),
                "colour": NEG if v < 0 else POS,
            }
        )
        at += v
    ends = [
        {"label": f"E[f(X)] = {_fmt(exp.base_values[i])}", "x": float(exp.base_values[i])},
        {"label": f"f(x) = {_fmt(exp.prediction[i])}", "x": float(exp.prediction[i])},
    ]
    return rows, ends


def tabular_chart(
    exp: Explanation, kind: str = "bar", output: int | str | None = None, top: int = TOP
) -> alt.TopLevelMixin:
    """A self-contained altair chart of one output (for PNG/SVG/HTML export and notebooks).

    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"])
    >>> tabular_chart(e, "waterfall").to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    if exp.modality == "importance":
        return importance_chart(bar_rows(exp, 0, top=0))
    if kind == "waterfall":
        return waterfall_chart(*waterfall_rows(exp, output, top))
    if kind == "bar":
        return bar_chart(bar_rows(exp, output, top))
    raise ValueError(f"unknown chart kind {kind!r}; use 'bar' or 'waterfall'")


if __name__ == "__main__":
    write_specs()
