"""Feature groups in partial dependence: a group of columns (``feature_groups={"colour":
["colour_red", "colour_blue"]}``) is varied as one feature, over the value combinations
its columns take together in ``X``.

A group's grid is the distinct rows of its columns in ``X`` (rows with a missing value
in the group left out), most frequent first, at most ``max_combinations`` of them; each
grid point sets the group's columns together, every other column keeping each row's own
value, so the curve at a combination ``c`` is ``mean_i f(x_i with group = c)``. A
combination is labelled by the one-hot's active column (``"colour_red"``; ``"all 0"``
when none is set) when every column is 0/1 with at most one 1, else ``"a=1, b=0"``.

    >>> import numpy as np
    >>> col = {0: np.array([1, 0, 1, 1]), 1: np.array([0, 1, 0, 0])}
    >>> combos, labels, n = combinations([col[0], col[1]], ["red", "blue"], 10)
    >>> combos, labels, n
    ([(1, 0), (0, 1)], ['red', 'blue'], 2)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ._global_data import GlobalData, feature_index, is_missing
from .errors import InputError

MAX_COMBINATIONS = 30  # a group's grid: its most frequent value combinations in X


@dataclass
class Axis:
    """One feature of a dependence curve: its ``name``, its ``members`` (column
    indices), the ``grid`` it shows (values, or a group's combination labels), whether it
    is drawn as categories, and a group's ``combos`` (one value per member column per
    grid point; None for a single column)."""

    name: str
    members: list[int]
    grid: np.ndarray
    categorical: bool
    combos: list[tuple] | None = None
    #: a group's combinations shown / distinct in X, and the fraction of rows they cover
    coverage: dict | None = None


def check_max(max_combinations: Any) -> int:
    if (
        isinstance(max_combinations, (bool, np.bool_))
        or not isinstance(max_combinations, Integral)
        or max_combinations < 1
    ):
        raise InputError(
            f"max_combinations={max_combinations!r}",
            fix=f"use a whole number >= 1 (the default is {MAX_COMBINATIONS})",
        )
    return int(max_combinations)


def resolve(data: GlobalData, features: list[Any], feature_groups: Any) -> list[Any]:
    """Each feature as a column index, or ``(group name, column indices)`` for a group;
    every group checked (known columns, no overlap), and a column that sits in a group
    refused as a feature of its own."""
    from .inputs.groups import group_players

    players = group_players(list(data.names), feature_groups)
    groups = {n: cols for n, cols in players if not (len(cols) == 1 and data.names[cols[0]] == n)}
    owner = {j: n for n, cols in groups.items() for j in cols}
    out: list[Any] = []
    for f in features:
        if isinstance(f, str) and f in groups:
            out.append((f, groups[f]))
            continue
        try:
            j = feature_index(data, f)
        except InputError as err:
            raise InputError(
                f"{err.problem}, and feature={f!r} is not a group of feature_groups "
                f"({list(groups)[:8]})",
                fix="name a group (a key of feature_groups) or a column of X",
            ) from None
        if j in owner:
            raise InputError(
                f"the column {data.names[j]!r} is in the group {owner[j]!r} of "
                "feature_groups, and a group's columns are varied together",
                fix=f"pass feature={owner[j]!r}, or leave {data.names[j]!r} out of feature_groups",
            )
        out.append(j)
    return out


def group_axis(data: GlobalData, name: str, cols: list[int], max_combinations: int) -> Axis:
    """The :class:`Axis` of a group: its most frequent value combinations in ``X``."""
    columns = [data.column(j) for j in cols]
    combos, labels, distinct = combinations(
        columns, [data.names[j] for j in cols], max_combinations
    )
    if not combos:
        raise InputError(
            f"every row of X has a missing value in the group {name!r}",
            fix="pass rows with the group's values, or leave the group out",
        )
    covered = _rows_covered(columns, set(combos))
    grid = np.empty(len(labels), dtype=object)
    grid[:] = labels
    return Axis(
        name=name,
        members=list(cols),
        grid=grid,
        categorical=True,
        combos=combos,
        coverage={"shown": len(combos), "distinct": distinct, "rows": covered / data.n},
    )


def combinations(
    columns: list[np.ndarray], names: list[str], limit: int
) -> tuple[list[tuple], list[str], int]:
    """The ``limit`` most frequent rows of ``columns`` (ties: first seen first), their
    labels, and how many distinct complete rows there are."""
    rows = zip(*(c.tolist() for c in columns))
    counts = Counter(r for r in rows if not any(is_missing(v) for v in r))
    ranked = sorted(counts, key=lambda r: -counts[r])  # stable: ties keep first-seen order
    kept = ranked[:limit]
    return kept, labels_of(kept, names), len(counts)


def _rows_covered(columns: list[np.ndarray], kept: set) -> int:
    return sum(r in kept for r in zip(*(c.tolist() for c in columns)))


def _binary(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, str) and v in (0, 1)


def labels_of(combos: list[tuple], names: list[str]) -> list[str]:
    """One-hot combinations by their active column, others as ``"a=1, b=0"``."""
    one_hot = len(names) > 1 and all(
        all(_binary(v) for v in c) and sum(bool(v) for v in c) <= 1 for c in combos
    )
    if one_hot:
        return [next((n for n, v in zip(names, c) if v), "all 0") for c in combos]
    labels = [", ".join(f"{n}={_short(v)}" for n, v in zip(names, c)) for c in combos]
    if len(set(labels)) < len(labels):  # 4 digits made two combinations look alike
        labels = [", ".join(f"{n}={v!r}" for n, v in zip(names, c)) for c in combos]
    return labels


def _short(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)
