"""Partial dependence and ICE curves: how the model's output moves as one feature (or two)
sweeps a grid while every other column keeps each row's own value.

ICE curve of row i at grid value v: ``f(x_i with feature = v)``; partial dependence: the
mean of the ICE curves, computed by brute force on the model's own output scale (its
probabilities, or an XGBoost / LightGBM / CatBoost classifier's log-odds), streaming by
grid chunk. The default grid is scikit-learn's: the unique values when fewer than
``grid_resolution``, else evenly spaced between the ``percentiles`` (5th..95th) in 100
steps; a categorical column's categories. A binary classifier's default output is its
second class (as scikit-learn's); a model with more outputs must name one (``output=``).
``ll.dependence_curves`` returns the :class:`Dependence` (as ``ll.dependence(...).wait()``).

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> pd_ = compute(lambda B: 2 * B[:, 0] + B[:, 1], X, [0], grid=[0.0, 1.0])
    >>> np.allclose(pd_.average, 2 * np.array([0.0, 1.0]) + X[:, 1].mean())
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

from . import _results
from ._global_data import GlobalData, as_float, categories, feature_index, read_data
from .errors import InputError
from .plans.outputs import one_output

GRID = 100
PERCENTILES = (0.05, 0.95)
ROWS_PER_CALL = 20_000  # hybrid rows per model call while streaming


@dataclass
class Dependence:
    """``features`` (names), ``grid`` (one array per feature), ``average`` (grid shape),
    ``ice`` (rows x grid, one feature only; None for two), ``source`` ("limelight": the brute
    force above), ``centered``; ``to_frame()`` the curve, ``.save("d.json")`` (``ll.load``
    reads it back)."""

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

    def __repr__(self) -> str:
        shape = " x ".join(str(len(g)) for g in self.grid)
        ice = "" if self.ice is None else f", ICE of {len(self.ice)} rows"
        state = "" if self.done else ", partial"
        return (
            f"Dependence({' x '.join(map(repr, self.features))} on output {self.output!r}, "
            f"grid {shape}{', centered' if self.centered else ''}{ice}{state})"
        )

    def __eq__(self, other: object) -> bool:
        return _results.same(self, other)

    def save(self, path: Any, *, overwrite: bool = True, include_data: bool = True):
        """Write ``.json`` (``ll.load`` reads it back). It holds the grid and the model's
        outputs, no row of X, so ``include_data`` leaves nothing out."""
        return _results.save_json(self, path, overwrite=overwrite)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the header, the grids (and which are categorical), the curves."""
        return {
            **_results.header("dependence"),
            "features": list(self.features),
            "output": self.output,
            "source": self.source,
            "centered": bool(self.centered),
            "done": bool(self.done),
            "categorical": [g.dtype == object for g in map(np.asarray, self.grid)],
            "grid": [np.asarray(g).tolist() for g in self.grid],
            "average": np.asarray(self.average, float).tolist(),
            "ice": None if self.ice is None else np.asarray(self.ice, float).tolist(),
            "extras": dict(self.extras),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dependence:
        """Inverse of :meth:`to_dict` (null read back as NaN)."""

        def floats(v: Any) -> np.ndarray:
            return np.array(v, dtype=float)  # None -> NaN

        grid = [
            np.array(g, dtype=object) if cat else floats(g)
            for g, cat in zip(d["grid"], d["categorical"])
        ]
        return cls(
            features=[str(f) for f in d["features"]],
            grid=grid,
            average=floats(d["average"]).reshape(tuple(len(g) for g in grid)),
            ice=None if d["ice"] is None else floats(d["ice"]).reshape(-1, len(grid[0])),
            output=str(d["output"]),
            source=str(d["source"]),
            centered=bool(d["centered"]),
            done=bool(d["done"]),
            extras=dict(d.get("extras") or {}),
        )


def default_grid(
    column: np.ndarray,
    categorical: bool,
    resolution: int = GRID,
    percentiles: tuple[float, float] = PERCENTILES,
) -> np.ndarray:
    """scikit-learn's grid: unique values when fewer than ``resolution``, else evenly
    spaced between the percentiles; a categorical column's categories. Missing values are
    left out."""
    if categorical:
        return np.array(categories(column), dtype=object)
    values = as_float(column)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise InputError("the column has no values (every row is missing)", fix="pick another")
    unique = np.unique(values)
    if len(unique) < resolution:
        return unique
    from scipy.stats.mstats import mquantiles  # scikit-learn's quantiles

    lo, hi = mquantiles(values, prob=percentiles)
    if np.isclose(lo, hi):
        raise InputError(
            f"the percentiles {tuple(percentiles)} of the column are both {lo:.4g}",
            fix="pass wider percentiles=(lo, hi) or a grid=",
        )
    return np.linspace(lo, hi, num=resolution)


@dataclass
class Checked:
    """What :func:`check_options` resolved: the columns, the output, the grids."""

    cols: list[int]
    output: int
    grids: list[np.ndarray]


def check_options(
    data: GlobalData,
    features: list[Any],
    *,
    grid: Any = None,
    grid_resolution: Any = GRID,
    percentiles: Any = PERCENTILES,
    centered: Any = False,
    output: Any = None,
) -> Checked:
    """Every option checked against ``data`` at the call (before any thread), the grids
    computed."""
    if not 1 <= len(features) <= 2:
        raise InputError(f"{len(features)} features", fix="give one feature or a pair")
    cols = [feature_index(data, f) for f in features]
    if len(cols) == 2 and cols[0] == cols[1]:
        raise InputError(
            f"the pair names one column twice ({data.names[cols[0]]!r})",
            fix="give two different features",
        )
    if not isinstance(centered, (bool, np.bool_)):
        raise InputError(f"centered={centered!r}", fix="use True or False")
    if centered and len(cols) == 2:
        raise InputError(
            "centered=True centres ICE curves, which are drawn for one feature only",
            fix="drop centered=, or give one feature",
        )
    k = one_output(data.model, output, what="partial dependence")
    if (
        isinstance(grid_resolution, (bool, np.bool_))
        or not isinstance(grid_resolution, Integral)
        or grid_resolution < 2
    ):
        raise InputError(f"grid_resolution={grid_resolution!r}", fix="use a whole number >= 2")
    try:
        lo, hi = (float(p) for p in percentiles)
    except (TypeError, ValueError):
        raise InputError(
            f"percentiles={percentiles!r}", fix="give two fractions (lo, hi)"
        ) from None
    if not 0 <= lo < hi <= 1:
        raise InputError(
            f"percentiles={tuple(percentiles)}", fix="use 0 <= lo < hi <= 1, e.g. (0.05, 0.95)"
        )
    if grid is not None:
        return Checked(cols, k, _given_grids(data, cols, grid))
    grids = [
        default_grid(data.column(j), data.categorical[j], int(grid_resolution), (lo, hi))
        for j in cols
    ]
    return Checked(cols, k, grids)


def _given_grids(data: GlobalData, cols: list[int], grid: Any) -> list[np.ndarray]:
    parts = [grid] if len(cols) == 1 else grid
    if len(cols) == 2 and (
        isinstance(parts, (str, bytes)) or np.ndim(parts) == 0 or len(parts) != 2
    ):
        raise InputError(
            "grid= for two features is a pair of grids", fix="pass grid=([a1, a2, ...], [b1, ...])"
        )
    grids = []
    for j, g in zip(cols, parts):
        arr = np.asarray(g, dtype=object)
        if arr.ndim != 1 or arr.size == 0:
            raise InputError(
                f"the grid of {data.names[j]!r} has shape {arr.shape}",
                fix="give a non-empty list of values",
            )
        if not data.categorical[j]:
            try:
                arr = arr.astype(float)
            except (TypeError, ValueError):
                raise InputError(
                    f"the grid of the numeric column {data.names[j]!r} holds values that are "
                    "not numbers",
                    fix="give numbers",
                ) from None
            if not np.isfinite(arr).all():
                raise InputError(
                    f"the grid of {data.names[j]!r} holds NaN or inf", fix="give finite numbers"
                )
        grids.append(arr)
    return grids


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
    checked: Checked | None = None,
) -> Iterator[Dependence]:
    """Partials (more grid points each) and the final :class:`Dependence`."""
    data = data or read_data(model, X)
    c = checked or check_options(
        data,
        features,
        grid=grid,
        grid_resolution=grid_resolution,
        percentiles=percentiles,
        centered=centered,
        output=output,
    )
    cols, k, grids = c.cols, c.output, c.grids
    names = [data.names[j] for j in cols]
    out_name = data.model.output_names[k]
    points = _points(grids)
    values = np.full((len(points), data.n), np.nan)
    per_call = max(1, ROWS_PER_CALL // data.n)
    for start in range(0, len(points), per_call):
        chunk = points[start : start + per_call]
        batch = _concat([_with_value(data, cols, p) for p in chunk])
        values[start : start + len(chunk)] = data.predict(batch)[:, k].reshape(len(chunk), data.n)
        done = start + len(chunk) >= len(points)
        yield _result(values, grids, names, out_name, bool(centered), done)


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


def compute(model: Any, X: Any, features: list[Any], **options: Any) -> Dependence:
    """The final :class:`Dependence` (no widget)."""
    last = None
    for last in stream(model, X, features, **options):
        pass
    return last


Stream = Callable[[], Iterator[Dependence]]
