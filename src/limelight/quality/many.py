"""The quality numbers of many rows (``ex.quality`` on :class:`~limelight.explanations.
Explanations`): each metric of ``e.quality`` computed row by row, exactly as for that row's
own explanation, and summarised over the rows (median, quartiles, how many rows gave no
number and why), with the metric's ``params`` beside the numbers.

The closed forms (``additivity``, ``stderr``, ``sparseness``, ``complexity``) read the
values alone and are computed when first read. The others call the model
(``faithfulness_correlation``, ``deletion``/``insertion``) or re-run the method
(``max_sensitivity``, ``stability``, ``randomisation``), several times a row: they are
computed when read or asked for, ``q.metric(name, rows=..., **params)``, never by
``attribute_many`` itself. They need the model, which a run of ``attribute_many`` keeps in
memory (not in its files): a loaded or concatenated collection has the closed forms only.

    >>> import numpy as np
    >>> from limelight.explanations import Explanations
    >>> ex = Explanations(values=[[[1.0, 0, 0]], [[1.0, 1, 1]]], base_values=np.zeros((2, 1)),
    ...                   prediction=[[1.0], [3.0]], output_names=["y"],
    ...                   feature_names=["a", "b", "c"], method="exact")
    >>> s = ex.quality.sparseness
    >>> s.values.round(4).tolist(), round(s.median, 4), s.failures
    ([0.6667, 0.0], 0.3333, 0)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import InputError, LimelightError, MethodError
from .metrics import NAMES, measure

CLOSED_FORMS = ("additivity", "stderr", "sparseness", "complexity")
CURVES = ("deletion", "insertion")
ALL = CLOSED_FORMS + tuple(n for n in NAMES if n not in CLOSED_FORMS) + CURVES

_DEFINITIONS = {
    "additivity": "|sum(phi) - (f(x) - base)| / |f(x) - base|, the largest over outputs "
    "(Shapley methods)",
    "stderr": "the largest standard error / max(|f(x) - base|, max|phi|) (sampled methods)",
    "deletion": "area under the deletion curve, players hidden from the most attributed "
    "(small: faithful)",
    "insertion": "area under the insertion curve, players shown from the most attributed "
    "(large: faithful)",
}


@dataclass
class ManySource:
    """What re-makes any row's plan of an ``attribute_many`` run: its
    :class:`~limelight.many.plan.ManyPlan` and ``X`` as the run read it."""

    plan: Any
    X: Any

    def row_plan(self, row: int) -> Any:
        """The plan of row ``row`` (its position in X), as the run explained it."""
        values = self.plan.rows(self.X, row, row + 1)[0]
        inst = self.plan.instance(values, row)
        return replace(self.plan.plan, instance=inst, explainer=self.plan.explainer(row))


@dataclass
class MetricSummary:
    """One metric over rows: ``values`` (one per row, NaN where the row gave none),
    ``row`` (their positions in X), ``params`` (the definition and parameters, as one
    row's ``e.quality`` metric says them), ``notes`` (why a row gave no number, by row
    position), ``passed`` (per row, for the checks that pass or fail)."""

    name: str
    values: np.ndarray
    row: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    passed: np.ndarray | None = None
    seconds: float = 0.0

    @property
    def n(self) -> int:
        """Rows with a number."""
        return int(np.isfinite(self.values).sum())

    @property
    def failures(self) -> int:
        """Rows without a number (the row failed, or the metric did not apply to it)."""
        return len(self.values) - self.n

    def _q(self, p: float) -> float | None:
        ok = self.values[np.isfinite(self.values)]
        return float(np.percentile(ok, p)) if ok.size else None

    @property
    def median(self) -> float | None:
        return self._q(50)

    @property
    def q1(self) -> float | None:
        return self._q(25)

    @property
    def q3(self) -> float | None:
        return self._q(75)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "rows": len(self.values),
            "n": self.n,
            "failures": self.failures,
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "params": dict(self.params),
            "notes": {str(k): v for k, v in self.notes.items()},
            "seconds": self.seconds,
        }
        if self.passed is not None:
            out["passed"] = int(np.nansum(self.passed == 1))
        return out

    def __repr__(self) -> str:
        med = "None" if self.median is None else f"{self.median:.4g}"
        return (
            f"MetricSummary({self.name}: median {med} over {self.n} rows, "
            f"{self.failures} without a number)"
        )


class ManyQuality:
    """``ex.quality`` of an :class:`~limelight.explanations.Explanations` (see the module)."""

    def __init__(self, ex: Any) -> None:
        self._ex = ex
        self.metrics: dict[str, MetricSummary] = {}

    # -- reading ---------------------------------------------------------------------
    def __getattr__(self, name: str) -> MetricSummary:
        if name in ALL:
            if name not in self.metrics:
                self.metric(name)
            return self.metrics[name]
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(ALL))

    def metric(self, name: str, *, rows: Any = None, **params: Any) -> MetricSummary:
        """Metric ``name`` over ``rows`` (positions in this collection: a count of the
        first rows, a slice, an index array or mask; default all), each row's number as its
        own ``e.quality`` gives it with ``params``; kept in ``metrics``."""
        if name not in ALL:
            raise InputError(f"no quality metric named {name!r}", fix=f"use one of {ALL}")
        if name in CLOSED_FORMS[:2] and params:
            raise InputError(f"{name} takes no parameters ({sorted(params)})", fix="drop them")
        idx = self._rows(rows)
        source = getattr(self._ex, "_source", None)
        if name not in CLOSED_FORMS and source is None:
            raise MethodError(
                f"{name} calls the model, and this collection has no model attached "
                "(loaded from a file, sliced from another run's rows, or concatenated)",
                fix="compute it on the result of ll.attribute_many (it keeps the model in "
                "memory), or the closed forms (additivity, stderr, sparseness, complexity)",
            )
        t0 = time.perf_counter()
        values = np.full(len(idx), np.nan)
        passed = np.full(len(idx), np.nan)
        notes: dict[int, str] = {}
        found: dict[str, Any] = {}
        other: dict[int, tuple] = {}  # deletion's run also gives insertion: (value, params)
        for k, i in enumerate(idx):
            row = int(self._ex.row[i])
            if self._ex.errors[i]:
                notes[row] = f"the row's explanation failed: {self._ex.errors[i]}"
                continue
            try:
                value, p, ok, note = _one(name, self._ex, int(i), source, params, other)
            except LimelightError as exc:  # this row: no number, and why
                value, p, ok, note = None, {}, None, exc.problem
            if value is not None and np.isfinite(value):
                values[k] = value
                found = found or p
            elif note:
                notes[row] = note
            if ok is not None:
                passed[k] = float(ok)
        summary = MetricSummary(
            name,
            values,
            np.asarray(self._ex.row)[idx],
            params={**found, "summary": "median and quartiles over the rows with a number"},
            notes=notes,
            passed=passed if np.isfinite(passed).any() else None,
            seconds=round(time.perf_counter() - t0, 4),
        )
        self.metrics[name] = summary
        if name in CURVES and other:  # the other curve came with the same model call
            twin = CURVES[1 - CURVES.index(name)]
            vals = np.array([other.get(int(i), (np.nan,))[0] for i in idx], dtype=float)
            first = next(iter(other.values()))[1]
            self.metrics[twin] = replace(
                summary, name=twin, values=vals, params={**summary.params, **first}
            )
        return summary

    def _rows(self, rows: Any) -> np.ndarray:
        n = len(self._ex)
        if rows is None:
            return np.arange(n)
        if isinstance(rows, (int, np.integer)) and not isinstance(rows, bool):
            if rows < 1:
                raise InputError(f"rows={rows}", fix="give a count >= 1, or an index array")
            return np.arange(min(int(rows), n))
        try:
            return np.arange(n)[rows]
        except (IndexError, TypeError, ValueError):
            raise InputError(
                f"rows={rows!r} does not pick rows of {n}",
                fix="give a count, a slice, an index array or a boolean mask",
            ) from None

    def to_frame(self):
        """One row per metric computed so far (the closed forms always): ``n``,
        ``failures``, ``median``, ``q1``, ``q3`` and the ``definition``."""
        import pandas as pd

        for name in ("sparseness", "complexity", "additivity", "stderr"):
            if name not in self.metrics:
                self.metric(name)
        rows = [
            {
                "metric": s.name,
                "n": s.n,
                "failures": s.failures,
                "median": s.median,
                "q1": s.q1,
                "q3": s.q3,
                "definition": s.params.get("definition", ""),
            }
            for s in self.metrics.values()
        ]
        return pd.DataFrame(rows).set_index("metric")

    def to_dict(self) -> dict[str, Any]:
        self.to_frame()
        return {k: s.to_dict() for k, s in self.metrics.items()}

    def __repr__(self) -> str:
        done = ", ".join(self.metrics) or "none computed yet"
        return f"ManyQuality({len(self._ex)} rows; {done})"


def _one(name: str, ex: Any, i: int, source: Any, params: dict, other: dict) -> tuple:
    """``(value, params, passed, note)`` of row ``i``, as its own ``e.quality`` says it
    (a curve also puts the other curve's ``(value, params)`` in ``other[i]``)."""
    from . import cheap
    from .players import players_for
    from .reruns import Source

    exp = ex._one(i)
    if name in ("additivity", "stderr"):
        value = getattr(cheap(exp), name)
        note = "" if value is not None else f"{name} does not apply to method {exp.method!r}"
        return value, {"definition": _DEFINITIONS[name]}, None, note
    # the closed forms read the values alone: no row plan to make
    closed = name in CLOSED_FORMS or source is None
    plan = None if closed else source.row_plan(int(ex.row[i]))
    builder = None if plan is None else players_for(plan, exp)
    src = Source(plan, exp, builder)
    if name in CURVES:
        from .deletion import curves

        if params:
            raise InputError(f"{name} takes no parameters ({sorted(params)})", fix="drop them")
        found = curves(src.players())
        twin = CURVES[1 - CURVES.index(name)]
        p = {"players": found.get("players"), "baseline": src.players().baseline}
        other[i] = (found[twin], {"definition": _DEFINITIONS[twin], **p})
        note = "" if np.isfinite(found[name]) else "the output does not move as players hide"
        return found[name], {"definition": _DEFINITIONS[name], **p}, None, note
    m = measure(name, src, **params)
    return m.value, dict(m.params), m.passed, m.note
