"""Altair specs of the dependence and feature-elimination views. The live widget gets each
spec with *named* datasets that the browser fills from binary buffers; exports inline the
rows (same builders).

    >>> spec = dependence_chart("age", "price").to_dict()
    >>> [layer["data"]["name"] for layer in spec["layer"]]
    ['ice', 'avg']
"""

from __future__ import annotations

import altair as alt

ICE = "#90a4ae"
AVERAGE = "#e65100"


def _data(rows: list[dict] | None, name: str) -> alt.Data:
    return alt.Data(name=name) if rows is None else alt.Data(values=rows)


def dependence_chart(
    feature: str,
    output: str,
    *,
    ice: list[dict] | None = None,
    avg: list[dict] | None = None,
    categorical: bool = False,
    centered: bool = False,
) -> alt.LayerChart:
    """ICE curves (thin, one per row: ``row``, ``x``, ``y``) under the partial dependence
    (``x``, ``y``), thick."""
    xtype = "x:N" if categorical else "x:Q"
    title = f"{output}{' (centred at the first grid value)' if centered else ''}"
    x = alt.X(xtype, title=feature, sort=None)
    y = alt.Y("y:Q", title=title, scale=alt.Scale(zero=False))
    lines = (
        alt.Chart(_data(ice, "ice"))
        .mark_line(strokeWidth=1, opacity=0.25, color=ICE)
        .encode(x=x, y=y, detail="row:N")
    )
    mean = (
        alt.Chart(_data(avg, "avg"))
        .mark_line(strokeWidth=3, color=AVERAGE, point=categorical)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip(xtype, title=feature),
                alt.Tooltip("y:Q", title="partial dependence", format=".4g"),
            ],
        )
    )
    return alt.layer(lines, mean).properties(width=520, height=300)


def dependence2d_chart(
    features: list[str],
    output: str,
    cells: list[dict] | None = None,
    categorical: tuple[bool, bool] = (False, False),
) -> alt.Chart:
    """The average over two features as a heat map (``x``, ``y``, ``value``); a
    categorical axis shows its categories as they are (no number format)."""

    def axis(i: int) -> dict:
        if categorical[i]:
            return {"labelOverlap": True}
        return {"format": ".3g", "labelOverlap": True}

    def tip(field: str, i: int) -> alt.Tooltip:
        if categorical[i]:
            return alt.Tooltip(f"{field}:N", title=features[i])
        return alt.Tooltip(f"{field}:Q", title=features[i], format=".4g")

    return (
        alt.Chart(_data(cells, "cells"))
        .mark_rect()
        .encode(
            x=alt.X("x:O", title=features[0], sort=None, axis=alt.Axis(**axis(0))),
            y=alt.Y(
                "y:O",
                title=features[1],
                sort=None if categorical[1] else "descending",
                axis=alt.Axis(**axis(1)),
            ),
            color=alt.Color("value:Q", title=output, scale=alt.Scale(scheme="viridis")),
            tooltip=[
                tip("x", 0),
                tip("y", 1),
                alt.Tooltip("value:Q", title="partial dependence", format=".4g"),
            ],
        )
        .properties(width=420, height=360)
    )


def elimination_chart(
    scoring: str, rows: list[dict] | None = None, pick: list[dict] | None = None
) -> alt.LayerChart:
    """Score (``score``, band ``lo``..``hi``) against features kept (``n``), the
    recommended count marked."""
    base = alt.Chart(_data(rows, "rows")).encode(
        x=alt.X("n:Q", title="features kept", axis=alt.Axis(tickMinStep=1))
    )
    band = base.mark_area(opacity=0.2, color="#1976d2").encode(y="lo:Q", y2="hi:Q")
    line = base.mark_line(point=True, color="#1976d2").encode(
        y=alt.Y("score:Q", title=scoring, scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("n:Q", title="features kept"),
            alt.Tooltip("score:Q", title=scoring, format=".4g"),
        ],
    )
    mark = (
        alt.Chart(_data(pick, "pick"))
        .mark_rule(color=AVERAGE, strokeDash=[4, 3], strokeWidth=2)
        .encode(x="n:Q")
    )
    label = (
        alt.Chart(_data(pick, "pick"))
        .mark_text(
            align="left",
            dx=4,
            dy=-6,
            color=AVERAGE,
        )
        .encode(x="n:Q", y=alt.value(8), text="label:N")
    )
    return alt.layer(band, line, mark, label).properties(width=520, height=280)
