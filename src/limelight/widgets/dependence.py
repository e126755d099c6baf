"""`DependenceWidget`: partial dependence with ICE curves (one feature) or a heat map (two),
streaming as grid chunks are computed; ``.to_frame()`` and ``.ice_frame()``.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 2))
    >>> w = DependenceWidget(lambda B: B[:, 0] ** 2, X, ["x0"], grid=[0.0, 2.0]).run_now()
    >>> w.to_frame()["average"].tolist()
    [0.0, 4.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..inspection import features_of
from ..inspection.data import read_data
from ..inspection.dependence import Dependence, check_options, stream
from ..inspection.dependence_groups import MAX_COMBINATIONS
from .views import ViewWidget, svg_of_chart

MAX_ICE_SHOWN = 200  # ICE curves drawn (every curve stays in .ice_frame())


class DependenceWidget(ViewWidget):
    """The live view of :func:`limelight.dependence`."""

    view_name = "dependence"
    title = "limelight: partial dependence"

    def __init__(self, model: Any, X: Any, features: list[Any], **options: Any) -> None:
        super().__init__()
        self._data = read_data(model, X, output_names=options.pop("output_names", None))
        self._features = features
        self._options = options
        # every option checked and the grids computed now: bad input fails in the cell
        self._checked = check_options(self._data, features, **options)
        self.result: Dependence | None = None
        self._specs = self._chart_specs()

    def _chart_specs(self) -> dict:
        from ..encoders.view_charts import dependence2d_chart, dependence_chart

        names = self._checked.names
        out = self._label()
        if len(names) == 2:
            cats = tuple(self._checked.categorical)
            return {"dependence2d": dependence2d_chart(names, out, categorical=cats).to_dict()}
        cat = self._checked.categorical[0]
        return {
            "dependence": dependence_chart(
                names[0], out, categorical=cat, centered=bool(self._options.get("centered"))
            ).to_dict()
        }

    def _label(self) -> str:
        """The output and its scale, as every title says it: "1 (log-odds)"."""
        name = self._data.model.output_names[self._checked.output]
        scale = self._data.model.output_scale
        return f"{name} ({scale})" if scale else name

    def wait(self, timeout: float | None = None) -> Dependence:
        self._wait(timeout)
        return self.result

    def to_frame(self):
        """The grid and the average curve, one row per grid point."""
        return self.wait().to_frame()

    def ice_frame(self):
        """Every ICE curve: one row per data row, one column per grid value."""
        return self.wait().ice_frame()

    def _compute(self, push) -> None:
        parts = stream(
            None, None, self._features, data=self._data, checked=self._checked, **self._options
        )
        for part in parts:
            self.result = part
            push(*self._state(part))

    def _state(self, d: Dependence) -> tuple[dict, dict]:
        cats = self._checked.categorical
        cat = any(cats)
        # a categorical axis is drawn by its labels, placed at 0, 1, 2...
        grid_labels = (
            [[str(v) for v in g] if c else None for g, c in zip(d.grid, cats)] if cat else None
        )
        meta = {
            "features": d.features,
            "output": self._label(),
            "source": d.source,
            "centered": d.centered,
            "done": d.done,
            "categorical": cat,
            "categorical_axes": cats,
            "grid_labels": grid_labels,
            "n_rows": self._data.n,
            "n_ice": 0 if d.ice is None else min(len(d.ice), MAX_ICE_SHOWN),
            **d.extras,
        }
        arrays = {"average": np.asarray(d.average, float)}
        for i, g in enumerate(d.grid):
            arrays[f"grid{i}"] = (
                np.arange(len(g), dtype=float) if cats[i] else np.asarray(g, dtype=float)
            )
        if d.ice is not None:
            shown = np.linspace(0, len(d.ice) - 1, meta["n_ice"]).astype(int)
            arrays["ice"] = np.asarray(d.ice[shown], float)
        return meta, arrays

    # -- export ---------------------------------------------------------------------------
    def _json(self) -> dict:
        d = self.wait()
        out = {
            "view": "dependence",
            "features": d.features,
            "output": d.output,
            "output_scale": self._data.model.output_scale,
            "source": d.source,
            "centered": d.centered,
            "grid": [np.asarray(g).tolist() for g in d.grid],
            "average": np.asarray(d.average).tolist(),
            **d.extras,
        }
        if d.ice is not None:
            out["ice"] = d.ice.tolist()
        return out

    def _svg(self) -> str:
        from ..encoders.view_charts import dependence2d_chart, dependence_chart

        d = self.wait()
        if d.ice is None:
            cats = tuple(self._checked.categorical)
            a, b = ([str(v) if c else float(v) for v in g] for g, c in zip(d.grid, cats))
            cells = [
                {"x": x, "y": y, "value": float(d.average[i, j])}
                for i, x in enumerate(a)
                for j, y in enumerate(b)
            ]
            chart = dependence2d_chart(d.features, self._label(), cells, categorical=cats)
            return svg_of_chart(chart)
        meta, arrays = self._state(d)
        xs = [str(v) for v in d.grid[0]] if meta["categorical"] else arrays["grid0"].tolist()
        ice = [
            {"row": r, "x": xs[j], "y": float(v)}
            for r, curve in enumerate(arrays["ice"])
            for j, v in enumerate(curve)
        ]
        avg = [{"x": xs[j], "y": float(v)} for j, v in enumerate(d.average)]
        return svg_of_chart(
            dependence_chart(
                d.features[0],
                self._label(),
                ice=ice,
                avg=avg,
                categorical=meta["categorical"],
                centered=d.centered,
            )
        )


def dependence(
    model: Any,
    X: Any,
    feature: Any,
    *,
    grid: Any = None,
    grid_resolution: int = 100,
    percentiles: tuple[float, float] = (0.05, 0.95),
    centered: bool = False,
    output: Any = None,
    feature_groups: Any = None,
    max_combinations: int = MAX_COMBINATIONS,
    output_names: Any = None,
) -> DependenceWidget:
    """Partial dependence of the model's output on ``feature`` (a name or position, or a
    pair of them) with ICE curves; returns a widget at once (the blocking twin,
    :func:`limelight.dependence_curves`, returns the same ``Dependence`` as ``.wait()``). An integer that is one of a
    DataFrame's column labels is that label (as ``X[0]``); on a DataFrame with integer
    labels, any other integer is refused as ambiguous; otherwise it is a position.

    ``output``: a name or index; by default the only output, or a binary classifier's
    second class; a multi-class or multi-output model must name one. The curve is on the
    model's own scale (probability, or log-odds for XGBoost / LightGBM / CatBoost).
    ``output_names`` renames the outputs, as in :func:`limelight.attribute`.

        >>> w = ll.dependence(model, X_test, "age", centered=True)   # doctest: +SKIP
        >>> w.to_frame(); w.ice_frame()                              # doctest: +SKIP

    ``feature_groups`` (``{"colour": ["colour_red", "colour_blue"]}`` or a list of lists,
    as in :func:`limelight.attribute`): a group named as ``feature`` is varied as one,
    its columns set together to each value combination they take in ``X`` (the
    ``max_combinations`` most frequent; rows with a missing value in the group left
    out), the axis labelled by the one-hot's active column or ``"a=1, b=0"``.
    ``w.wait().extras`` says how many combinations were drawn of how many, and the
    share of rows they cover.

        >>> ll.dependence(model, X, "colour",
        ...               feature_groups={"colour": ["colour_red", "colour_blue"]})  # doctest: +SKIP
    """
    w = DependenceWidget(
        model,
        X,
        features_of(feature),
        grid=grid,
        grid_resolution=grid_resolution,
        percentiles=percentiles,
        centered=centered,
        output=output,
        feature_groups=feature_groups,
        max_combinations=max_combinations,
        output_names=output_names,
    )
    return w.start()
