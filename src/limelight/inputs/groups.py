"""Feature groups: columns the user names together act as one player.

``feature_groups={"colour": ["colour_red", "colour_blue"]}`` (or a list of lists of
column names or positions) makes every coalition method play the group as one feature:
a coalition takes all of the group's columns from x or none of them. Columns in no
group stay players of their own; a group sits where its first column is.

:class:`GroupedInstance` wraps a :class:`~limelight.inputs.tabular.TabularInstance`: it
has one player per group (``d``, ``feature_names``), and expands player masks to column
masks (``masks[:, owner]``) before it builds hybrid rows, so exact Shapley values stay
exact over groups and a pipeline's own one-hot grouping composes underneath.

    >>> import numpy as np
    >>> from limelight.inputs.tabular import read_instance
    >>> inst = read_instance(np.array([1.0, 2.0, 3.0]), np.zeros((1, 3)),
    ...                      feature_names=["a", "b", "c"])
    >>> g = group_instance(inst, {"ab": ["a", "b"]})
    >>> g.feature_names, g.cross(np.array([[True, False]])).tolist()
    (['ab', 'c'], [[1.0, 2.0, 0.0]])
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import InputError
from .tabular import TabularInstance

SHOWN = 4  # a group's value shows its first columns' values, then how many more

_FORM = (
    "pass feature_groups={'name': ['column', ...], ...} or a list of lists of column "
    "names or positions"
)


@dataclass
class GroupedInstance:
    """A tabular instance whose players are groups of its columns (see the module)."""

    columns: TabularInstance
    #: one name per player
    names: list[str]
    #: for each column, the index of the player it belongs to
    owner: np.ndarray
    #: for each player, its columns' indices
    members: list[list[int]]

    @property
    def d(self) -> int:
        return len(self.names)

    @property
    def feature_names(self) -> list[str]:
        return list(self.names)

    @property
    def m(self) -> int:
        return self.columns.m

    @property
    def weights(self) -> np.ndarray:
        return self.columns.weights

    @property
    def background_info(self) -> dict:
        return self.columns.background_info

    @property
    def frame(self) -> bool:
        return self.columns.frame

    @property
    def x_cols(self) -> list[Any]:
        return self.columns.x_cols

    @property
    def bg_cols(self) -> list[np.ndarray]:
        return self.columns.bg_cols

    @property
    def x(self) -> np.ndarray:
        """One value per player: a column's value, or ``"a=1, b=0"`` for a group."""
        cols, names = self.columns.x_cols, self.columns.feature_names
        out = np.empty(self.d, dtype=object)
        for p, js in enumerate(self.members):
            if len(js) == 1 and names[js[0]] == self.names[p]:
                out[p] = cols[js[0]]
            else:
                shown = [f"{names[j]}={_short(cols[j])}" for j in js[:SHOWN]]
                more = f", … (+{len(js) - SHOWN})" if len(js) > SHOWN else ""
                out[p] = ", ".join(shown) + more
        return out

    @property
    def groups(self) -> dict[str, list[str]]:
        """The groups of more than their own column: ``{name: [column, ...]}``."""
        names = self.columns.feature_names
        return {
            self.names[p]: [names[j] for j in js]
            for p, js in enumerate(self.members)
            if not (len(js) == 1 and names[js[0]] == self.names[p])
        }

    def expand(self, masks: np.ndarray) -> np.ndarray:
        """``(n, players)`` masks -> ``(n, columns)`` masks."""
        return np.asarray(masks, dtype=bool)[:, self.owner]

    def cross(self, masks: np.ndarray, rows: slice | np.ndarray = slice(None)) -> Any:
        return self.columns.cross(self.expand(masks), rows)

    def paired(self, masks: np.ndarray, rows: np.ndarray) -> Any:
        return self.columns.paired(self.expand(masks), rows)

    def x_batch(self) -> Any:
        return self.columns.x_batch()

    def background_batch(self) -> Any:
        return self.columns.background_batch()

    def assemble(self, cols: list[np.ndarray]) -> Any:
        return self.columns.assemble(cols)

    def numeric_background(self) -> np.ndarray:
        return self.columns.numeric_background()

    def with_row(self, x_cols: list[Any]) -> GroupedInstance:
        """Another row (column values) over the same background and groups."""
        row = replace(self.columns, x=np.asarray(x_cols, dtype=object), x_cols=list(x_cols))
        return replace(self, columns=row)


def ungroup(inst: Any, masks: np.ndarray) -> tuple[Any, np.ndarray]:
    """The column-level instance and masks behind ``inst`` and its player ``masks``."""
    if isinstance(inst, GroupedInstance):
        return inst.columns, inst.expand(masks)
    return inst, masks


def column_instance(inst: Any) -> TabularInstance:
    """The instance whose players are its columns (``inst`` itself when not grouped)."""
    return inst.columns if isinstance(inst, GroupedInstance) else inst


def _short(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def _column(ref: Any, names: list[str], group: str) -> int:
    """The index of the column ``ref`` (a name or a position) names."""
    d = len(names)
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        if not -d <= int(ref) < d:
            raise InputError(
                f"feature_groups[{group!r}] names column position {int(ref)}, and there are "
                f"{d} columns",
                fix=f"use positions 0..{d - 1} or column names ({names[:8]})",
            )
        return int(ref) % d
    if str(ref) not in names:
        raise InputError(
            f"feature_groups[{group!r}] names the column {ref!r}, which is not one of the "
            f"model's columns ({names[:8]}{' ...' if d > 8 else ''})",
            fix="name columns as in x (or by their positions)",
        )
    return names.index(str(ref))


def _named(feature_groups: Any, names: list[str]) -> list[tuple[str, list[Any]]]:
    """``[(name, members)]`` from a dict or a list of lists."""
    if isinstance(feature_groups, dict):
        return [(str(k), v) for k, v in feature_groups.items()]
    if isinstance(feature_groups, (list, tuple)):
        out = []
        for g in feature_groups:
            if isinstance(g, (str, bytes)) or not hasattr(g, "__iter__"):
                raise InputError(
                    f"feature_groups has {g!r} where a list of columns was expected", fix=_FORM
                )
            refs = list(g)
            label = "+".join(
                names[r]
                if isinstance(r, (int, np.integer)) and -len(names) <= r < len(names)
                else str(r)
                for r in refs
            )
            out.append((label, refs))
        return out
    raise InputError(f"feature_groups={feature_groups!r} is not a dict or a list", fix=_FORM)


def group_instance(inst: TabularInstance, feature_groups: Any) -> GroupedInstance:
    """``inst`` with ``feature_groups`` as its players, every group checked (see module)."""
    players = group_players(list(inst.feature_names), feature_groups)
    owner = np.empty(len(inst.feature_names), dtype=int)
    for p, (_, cols) in enumerate(players):
        owner[cols] = p
    return GroupedInstance(
        columns=inst,
        names=[n for n, _ in players],
        owner=owner,
        members=[cols for _, cols in players],
    )


def group_players(names: list[str], feature_groups: Any) -> list[tuple[str, list[int]]]:
    """The players ``[(name, column indices)]`` of the columns ``names`` under
    ``feature_groups`` (checked: known columns, no overlap, none empty), in column order,
    a group where its first column is.

        >>> group_players(["a", "b", "c"], [["c", "a"]])
        [('c+a', [0, 2]), ('b', [1])]
    """
    groups = _named(feature_groups, names)
    taken: dict[int, str] = {}
    found: list[tuple[str, list[int]]] = []
    for name, refs in groups:
        if isinstance(refs, (str, bytes)) or not hasattr(refs, "__iter__"):
            raise InputError(
                f"feature_groups[{name!r}] is {refs!r}, not a list of columns", fix=_FORM
            )
        refs = list(refs)
        if not refs:
            raise InputError(
                f"feature_groups[{name!r}] is empty",
                fix="give every group at least one column, or leave it out",
            )
        cols = []
        for ref in refs:
            j = _column(ref, names, name)
            if j in taken:
                raise InputError(
                    f"the column {names[j]!r} is in two groups ({taken[j]!r} and {name!r})",
                    fix="put every column in at most one group",
                )
            taken[j] = name
            cols.append(j)
        found.append((name, sorted(cols)))
    group_names = [n for n, _ in found]
    for name, cols in found:
        if group_names.count(name) > 1:
            raise InputError(f"two groups are named {name!r}", fix="give every group its own name")
        if name in names and names.index(name) not in cols:
            raise InputError(
                f"the group name {name!r} is also the name of another column",
                fix=f"rename the group (e.g. {name + '_group'!r}) or put {name!r} in it",
            )
    # players in column order: a group where its first column is
    first = {cols[0]: (name, cols) for name, cols in found}
    players: list[tuple[str, list[int]]] = []
    for j in range(len(names)):
        if j in first:
            players.append(first[j])
        elif j not in taken:
            players.append((names[j], [j]))
    return players
