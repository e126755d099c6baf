"""Partial dependence and ICE curves: how the model's output moves as one feature (or two)
sweeps a grid while every other column keeps each row's own value.

ICE curve of row i at grid value v: ``f(x_i with feature = v)``; partial dependence: the
mean of the ICE curves. For a scikit-learn estimator on numeric columns the numbers come
from :func:`sklearn.inspection.partial_dependence` (``method="brute"``, its default grid:
the 5th..95th percentiles in 100 steps, or the unique values when fewer); for callables
and categorical columns we compute the same brute-force average, streaming by grid chunk.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> pd_ = compute(lambda B: 2 * B[:, 0] + B[:, 1], X, [0], grid=[0.0, 1.0])
    >>> np.allclose(pd_.average, 2 * np.array([0.0, 1.0]) + X[:, 1].mean())
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._global_data import GlobalData, feature_index, read_data
from .errors import InputError

GRID = 100
PERCENTILES = (0.05, 0.95)
ROWS_PER_CALL = 20_000  # hybrid rows per model call while streaming


@dataclass
class Dependence:
    """``features`` (names), ``grid`` (one array per feature), ``average`` (grid shape),
    ``ice`` (rows x grid, one feature only; None for two), ``source`` ("sklearn" or
    "limelight"), ``centered``."""

    features: list[str]
    grid: list[np.ndarray]
    average: np.ndarray
    ice: np.ndarray | None
    output: str
    source: str
    centered: bool = False
    done: bool = True
    extras: dict = field(default_factory=dict)

    def to_frame(self):
        """One row per grid point: the feature value(s) and the ``average`` curve."""
        import pandas as pd

        if len(self.features) == 1:
            return pd.DataFrame({self.features[0]: self.grid[0], "average": self.average})
        a, b = np.meshgrid(self.grid[0], self.grid[1], indexing="ij")
        return pd.DataFrame(
            {
                self.features[0]: a.ravel(),
                self.features[1]: b.ravel(),
                "average": self.average.ravel(),
            }
        )

    def ice_frame(self):
        """The ICE curves: one row per data row, one column per grid value."""
        import pandas as pd

        if self.ice is None:
            raise InputError(
                "ICE curves are drawn for one feature only",
                fix="call dependence(model, X, feature) with one feature",
            )
        return pd.DataFrame(self.ice, columns=pd.Index(self.grid[0], name=self.features[0]))


def default_grid(
    column: np.ndarray,
    categorical: bool,
    resolution: int = GRID,
    percentiles: tuple[float, float] = PERCENTILES,
) -> np.ndarray:
    """scikit-learn's grid: unique values when fewer than ``resolution``, else evenly
    spaced between the percentiles; a categorical column's categories."""
    if categorical:
        return np.array(sorted(set(column.tolist()), key=str), dtype=object)
    values = np.unique(column)
    if len(values) < resolution:
        return values.astype(float)
    from scipy.stats.mstats import mquantiles  # scikit-learn's quantiles

    lo, hi = mquantiles(column.astype(float), prob=percentiles)
    if np.isclose(lo, hi):
        raise InputError(
            "the percentiles are too close to each other",
            fix="pass wider percentiles=(lo, hi) or a grid=",
        )
    return np.linspace(lo, hi, num=resolution)


def _output(data: GlobalData, output: Any) -> int:
    names = data.model.output_names
    if output is None:
        return 1 if data.model.kind == "classifier" and len(names) == 2 else 0
    if isinstance(output, str):
        if output not in names:
            raise InputError(f"no output named {output!r}", fix=f"use one of {names[:20]}")
        return names.index(output)
    return int(output) % len(names)


def _sklearn_applies(data: GlobalData, cols: list[int], grid: Any) -> bool:
    return (
        data.model.estimator is not None
        and grid is None
        and not any(data.categorical[j] for j in cols)
    )


def _with_value(data: GlobalData, cols: list[int], values: tuple) -> Any:
    X = data.X.copy() if hasattr(data.X, "copy") else np.array(data.X)
    for j, v in zip(cols, values):
        if hasattr(X, "iloc"):
            X[X.columns[j]] = v
        else:
            X[:, j] = v
    return X


def _points(grids: list[np.ndarray]) -> list[tuple]:
    if len(grids) == 1:
        return [(v,) for v in grids[0]]
    return [(a, b) for a in grids[0] for b in grids[1]]


def stream(
    model: Any,
    X: Any,
    features: list[Any],
    *,
    grid: Any = None,
    grid_resolution: int = GRID,
    percentiles: tuple[float, float] = PERCENTILES,
    centered: bool = False,
    output: Any = None,
    data: GlobalData | None = None,
) -> Iterator[Dependence]:
    """Partials (more grid points each) and the final :class:`Dependence`."""
    data = data or read_data(model, X)
    if not 1 <= len(features) <= 2:
        raise InputError(f"{len(features)} features", fix="give one feature or two")
    cols = [feature_index(data, f) for f in features]
    k = _output(data, output)
    names = [data.names[j] for j in cols]
    out_name = data.model.output_names[k]
    if _sklearn_applies(data, cols, grid):
        yield _from_sklearn(data, cols, k, grid_resolution, percentiles, centered, names, out_name)
        return
    if grid is not None:
        grids = [np.asarray(grid if len(cols) == 1 else grid[i]) for i in range(len(cols))]
    else:
        grids = [
            default_grid(data.column(j), data.categorical[j], grid_resolution, percentiles)
            for j in cols
        ]
    points = _points(grids)
    values = np.full((len(points), data.n), np.nan)
    per_call = max(1, ROWS_PER_CALL // data.n)
    for start in range(0, len(points), per_call):
        chunk = points[start : start + per_call]
        batch = _concat([_with_value(data, cols, p) for p in chunk])
        values[start : start + len(chunk)] = data.predict(batch)[:, k].reshape(len(chunk), data.n)
        done = start + len(chunk) >= len(points)
        yield _result(values, grids, names, out_name, centered, done)


def _concat(parts: list[Any]) -> Any:
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)


def _result(
    values: np.ndarray, grids, names, out_name, centered, done, source: str = "limelight"
) -> Dependence:
    ice = values.T  # rows x points
    if centered and len(grids) == 1:
        ice = ice - ice[:, :1]
    seen = np.isfinite(ice).sum(axis=0)  # grid points not computed yet stay NaN
    avg = np.where(seen > 0, np.nansum(ice, axis=0) / np.maximum(seen, 1), np.nan)
    shape = tuple(len(g) for g in grids)
    return Dependence(
        features=names,
        grid=grids,
        average=avg.reshape(shape),
        ice=ice if len(grids) == 1 else None,
        output=out_name,
        source=source,
        centered=centered,
        done=done,
    )


def _from_sklearn(data, cols, k, resolution, percentiles, centered, names, out_name):
    from sklearn.inspection import partial_dependence

    response = {"proba": "predict_proba", "decision": "decision_function"}.get(
        data.model.output_kind, "auto"
    )
    one = len(cols) == 1
    r = partial_dependence(
        data.model.estimator,
        data.X,
        cols if one else [tuple(cols)],
        grid_resolution=resolution,
        percentiles=percentiles,
        method="brute",
        kind="both" if one else "average",
        response_method=response,
    )
    # sklearn keeps only the positive class of a binary classifier
    row = k if r["average"].shape[0] > 1 else 0
    grids = [np.asarray(g) for g in r["grid_values"]]
    if one:
        values = np.asarray(r["individual"][row]).T  # points x rows
        return _result(values, grids, names, out_name, centered, True, source="sklearn")
    avg = np.asarray(r["average"][row])
    return Dependence(
        features=names,
        grid=grids,
        average=avg,
        ice=None,
        output=out_name,
        source="sklearn",
        centered=centered,
    )


def compute(model: Any, X: Any, features: list[Any], **options: Any) -> Dependence:
    """The final :class:`Dependence` (no widget)."""
    last = None
    for last in stream(model, X, features, **options):
        pass
    return last


Stream = Callable[[], Iterator[Dependence]]
