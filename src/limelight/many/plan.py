"""Planning many rows once: the model adapted, the background read and summarised, the
probe call, the pipeline split and the trees read, all from one planned row; every other
row then becomes an instance by swapping its values into that plan (no per-row
validation, no background summary, no probe).

    >>> import numpy as np
    >>> p, X = plan_many(lambda X: X.sum(axis=1), np.eye(3), background=np.zeros((2, 3)))
    >>> p.n_rows, p.method, p.instance(np.eye(3)[2], 2).x.astype(float).tolist()
    (3, 'exact', [0.0, 0.0, 1.0])
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..inputs.groups import column_instance
from ..inputs.tabular import TabularInstance, _is_frame, _numeric
from ..plans import Plan, fresh_seed


def row_seed(base: int, row: int) -> int:
    """The ``random_state`` of row ``row`` in a run seeded ``base``: the same whichever
    worker or chunk explains it.

        >>> row_seed(0, 5) == row_seed(0, 5) != row_seed(0, 6)
        True
    """
    return int(np.random.SeedSequence([int(base), int(row)]).generate_state(1)[0] >> 1)


@dataclass
class ManyPlan:
    """One planned row (``plan``) and what turns any other row into its instance."""

    plan: Plan
    n_rows: int
    base_seed: int
    frame: bool
    columns: list[Any]
    #: whether the caller gave ``random_state`` (else ``base_seed`` was drawn for this run)
    seeded: bool = True

    @property
    def template(self) -> TabularInstance:
        return self.plan.instance

    @property
    def method(self) -> str:
        return self.plan.explainer.name

    def rows(self, X: Any, a: int, b: int) -> list[np.ndarray] | np.ndarray:
        """Rows ``a:b`` of ``X`` as each row's values (1-D, one per feature): a 2-D float
        array when they are numbers (one buffer to send to a worker, not one per row)."""
        if self.frame:
            part = X.iloc[a:b]
            cols = [part[c].to_numpy() for c in self.columns]
            return [np.array([c[i] for c in cols], dtype=object) for i in range(b - a)]
        part = X[a:b] if isinstance(X, np.ndarray) else np.asarray(X)[a:b]
        if part.dtype.kind in "fiub":  # numbers already: no per-value check
            return part.astype(float)
        return list(_numeric(part, "X", column_instance(self.template).feature_names))

    def instance(self, values: np.ndarray, row: int) -> TabularInstance:
        """Row ``row``'s instance: its values in the planned background and names."""
        return self.plan.model.row(list(values))

    def explainer(self, row: int):
        """The planned explainer, seeded for ``row`` when it samples."""
        ex = copy.copy(self.plan.explainer)
        if hasattr(ex, "random_state"):
            ex.random_state = row_seed(self.base_seed, row)
        ex.watched = False
        return ex

    def seed(self, row: int) -> int:
        return row_seed(self.base_seed, row) if self.samples else -1

    @property
    def samples(self) -> bool:
        """Whether the method samples (its rows' numbers depend on their seeds)."""
        return hasattr(self.plan.explainer, "random_state")

    def params(self) -> dict[str, Any]:
        """What every row's ``params`` say of the run: its background (the one summary,
        :mod:`limelight.inputs.background`) and, for a sampling method, whether the
        caller seeded it and the run's base seed."""
        out: dict[str, Any] = {"background": dict(self.template.background_info)}
        if self.samples:
            out.update(seeded=self.seeded, base_seed=self.base_seed)
        return out

    def fingerprint(self) -> str:
        """A hash of what decides the numbers: method and options, names, the (summarised)
        background, the model (pickled when it can be) and its outputs on the background."""
        t, h = self.template, hashlib.sha256()
        h.update(
            repr(
                (
                    self.method,
                    sorted(map(str, self.plan.explainer.params().items())),
                    # feature groups decide the players (a run without them: as before)
                    (t.feature_names, t.groups) if hasattr(t, "groups") else t.feature_names,
                    self.plan.model.output_names,
                    self.base_seed,
                )
            ).encode()
        )
        h.update(np.ascontiguousarray(t.weights).tobytes())
        for c in t.bg_cols:
            h.update(
                np.ascontiguousarray(c).tobytes()
                if c.dtype != object
                else repr(c.tolist()).encode()
            )
        model = self.plan.model
        adapter = getattr(model, "adapter", model)
        try:
            from joblib import hash as jhash

            h.update(jhash(getattr(adapter, "estimator", None) or adapter._fn).encode())
        except Exception:  # noqa: BLE001 - an unpicklable function: its outputs still count
            pass
        h.update(np.round(model.predict(t.background_batch()), 12).tobytes())
        return h.hexdigest()[:32]


def _first_row(X: Any, frame: bool) -> tuple[Any, int]:
    """A row to plan from: the first with finite numbers (a row with NaN may fail the probe
    of a model that cannot take them; that row then fails alone, later)."""
    n = len(X)
    for i in range(min(n, 64)):
        row = X.iloc[[i]] if frame else X[i]
        vals = row.to_numpy().ravel() if frame else np.asarray(row).ravel()
        try:
            if np.isfinite(vals.astype(float)).all():
                return row, i
        except (TypeError, ValueError):
            return row, i  # strings: the probe decides
    return (X.iloc[[0]] if frame else X[0]), 0


def plan_many(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    **options: Any,
) -> tuple[ManyPlan, Any]:
    """Validate ``X`` as a table and plan its explanation once (see ``attribute_many``);
    returns the plan and ``X`` as its rows will be read."""
    from ..plans.tabular import plan as plan_tabular

    frame = _is_frame(X)
    if not frame:
        if type(X).__name__ == "Series" or np.ndim(X) != 2:
            raise InputError(
                f"X has {np.ndim(X)} dimension(s); attribute_many explains the rows of a table",
                fix="pass a DataFrame or a 2-D array of rows (use ll.attribute for one row)",
            )
        X = X if isinstance(X, np.ndarray) else np.asarray(X)
    if len(X) == 0:
        raise InputError("X has no rows", fix="pass at least one row")
    base = fresh_seed() if random_state is None else int(random_state)
    row, _ = _first_row(X, frame)
    planned = plan_tabular(
        model,
        row,
        background=background,
        method=method,
        output=output,
        random_state=base,
        **options,
    )
    t = column_instance(planned.instance)  # X's columns, also under feature groups
    columns = list(t.feature_names)
    if frame:
        cols = [str(c) for c in X.columns]
        missing = [c for c in columns if c not in cols]
        if missing and not t.frame and len(cols) == t.d:
            # a model that takes arrays, planned with unnamed columns: X's columns in
            # order, as ll.attribute reads one row of this frame
            missing, columns = [], cols
        if missing:
            raise InputError(
                f"X is missing the column(s) {missing}",
                fix="pass X with every column the model was fitted on",
            )
        columns = [X.columns[cols.index(c)] for c in columns]
        frame = t.frame
        if not frame:
            X = X[columns].to_numpy()
    elif X.shape[1] != t.d:
        raise InputError(
            f"X has {X.shape[1]} columns but the plan has {t.d} features",
            fix=f"pass rows of {t.d} features",
        )
    if frame and not _is_frame(X):
        raise InputError("the model takes a DataFrame", fix="pass X as a DataFrame")
    return ManyPlan(planned, len(X), base, bool(frame), columns, random_state is not None), X
