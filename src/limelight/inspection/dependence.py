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

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

from ..errors import InputError
from ..plans.outputs import one_output
from . import results as _results
from .data import GlobalData, as_float, categories, feature_index, read_data
from .dependence_groups import MAX_COMBINATIONS, Axis, check_max, group_axis, resolve

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
        return _results.dependence_dict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dependence:
        """Inverse of :meth:`to_dict` (null read back as NaN)."""
        return _results.dependence_from_dict(cls, d)


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
    """What :func:`check_options` resolved: each feature's :class:`Axis` (its columns and
    grid), the output."""

    axes: list[Axis]
    output: int

    @property
    def cols(self) -> list[int]:
        """Each feature's first column."""
        return [a.members[0] for a in self.axes]

    @property
    def grids(self) -> list[np.ndarray]:
        return [a.grid for a in self.axes]

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.axes]

    @property
    def categorical(self) -> list[bool]:
        return [a.categorical for a in self.axes]


def check_options(
    data: GlobalData,
    features: list[Any],
    *,
    grid: Any = None,
    grid_resolution: Any = GRID,
    percentiles: Any = PERCENTILES,
    centered: Any = False,
    output: Any = None,
    feature_groups: Any = None,
    max_combinations: Any = MAX_COMBINATIONS,
) -> Checked:
    """Every option checked against ``data`` at the call (before any thread), the grids
    computed; a group of ``feature_groups`` named as a feature is varied over its value
    combinations (see :mod:`limelight.inspection.dependence_groups`)."""
    if not 1 <= len(features) <= 2:
        raise InputError(f"{len(features)} features", fix="give one feature or a pair")
    limit = check_max(max_combinations)
    if feature_groups is None:
        found = [feature_index(data, f) for f in features]
    else:
        found = resolve(data, features, feature_groups)
    if len(found) == 2 and found[0] == found[1]:
        name = found[0][0] if isinstance(found[0], tuple) else data.names[found[0]]
        raise InputError(
            f"the pair names one feature twice ({name!r})", fix="give two different features"
        )
    if not isinstance(centered, (bool, np.bool_)):
        raise InputError(f"centered={centered!r}", fix="use True or False")
    if centered and len(found) == 2:
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
    groups = [f for f in found if isinstance(f, tuple)]
    if grid is not None and groups:
        raise InputError(
            f"grid= is a list of values of one column, and {groups[0][0]!r} is a group "
            "(varied over the value combinations its columns take in X)",
            fix="drop grid=; max_combinations= sets how many combinations are drawn",
        )
    if grid is not None:
        grids = _given_grids(data, found, grid)
    else:
        grids = [
            None
            if isinstance(f, tuple)
            else default_grid(data.column(f), data.categorical[f], int(grid_resolution), (lo, hi))
            for f in found
        ]
    axes = [
        group_axis(data, f[0], f[1], limit)
        if isinstance(f, tuple)
        else Axis(data.names[f], [f], g, data.categorical[f])
        for f, g in zip(found, grids)
    ]
    return Checked(axes, k)


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


def _with_value(data: GlobalData, axes: list[Axis], point: tuple[int, ...]) -> Any:
    """``X`` with each axis at its grid point ``point[i]`` (a group: all its columns)."""
    X = data.X.copy() if hasattr(data.X, "copy") else np.array(data.X)
    for a, i in zip(axes, point):
        values = (a.grid[i],) if a.combos is None else a.combos[i]
        for j, v in zip(a.members, values):
            if hasattr(X, "iloc"):
                X[X.columns[j]] = v
            else:
                X[:, j] = v
    return X


def _points(grids: list[np.ndarray]) -> list[tuple[int, ...]]:
    """Grid point indices, the last feature fastest (as the heat map's ravel)."""
    return list(itertools.product(*(range(len(g)) for g in grids)))


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
    feature_groups: Any = None,
    max_combinations: int = MAX_COMBINATIONS,
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
        feature_groups=feature_groups,
        max_combinations=max_combinations,
    )
    k, grids, names = c.output, c.grids, c.names
    extras = _group_extras(data, c.axes)
    out_name = data.model.output_names[k]
    points = _points(grids)
    values = np.full((len(points), data.n), np.nan)
    per_call = max(1, ROWS_PER_CALL // data.n)
    for start in range(0, len(points), per_call):
        chunk = points[start : start + per_call]
        batch = _concat([_with_value(data, c.axes, p) for p in chunk])
        values[start : start + len(chunk)] = data.predict(batch)[:, k].reshape(len(chunk), data.n)
        done = start + len(chunk) >= len(points)
        yield _result(values, grids, names, out_name, bool(centered), done, extras=extras)


def _concat(parts: list[Any]) -> Any:
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)


def _group_extras(data: GlobalData, axes: list[Axis]) -> dict:
    """``{"groups": {name: columns}, "combinations": {name: coverage}}`` for the groups."""
    groups = [a for a in axes if a.combos is not None]
    if not groups:
        return {}
    return {
        "groups": {a.name: [data.names[j] for j in a.members] for a in groups},
        "combinations": {a.name: dict(a.coverage) for a in groups},
    }


def _result(
    values: np.ndarray,
    grids,
    names,
    out_name,
    centered,
    done,
    source: str = "limelight",
    extras: dict | None = None,
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
        extras=dict(extras or {}),
    )


def compute(model: Any, X: Any, features: list[Any], **options: Any) -> Dependence:
    """The final :class:`Dependence` (no widget)."""
    last = None
    for last in stream(model, X, features, **options):
        pass
    return last


Stream = Callable[[], Iterator[Dependence]]
