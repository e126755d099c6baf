"""How far to trust one explanation: numbers that come with every result (``e.quality``).

- **additivity**: ``|sum(values) - (prediction - base)|`` relative to ``|prediction - base|``
  (Shapley methods, whose values must add up).
- **convergence**: the largest standard error relative to ``|prediction - base|`` (or to
  the largest attribution when the values cancel out), and whether the run stopped
  converged (within its ``tol``, else within 5%).
- **faithfulness**: deletion and insertion curves over the explanation's players (features,
  tokens, image segments). Deletion hides players from the most to the least attributed
  and follows the explained output, scaled so that ``f(all hidden) = 0`` and ``f(x) = 1``
  (or the largest move from ``f(all hidden)``, when a subset overshoots ``f(x)``);
  a faithful ranking falls fast (small area). Insertion shows them in the same order from
  nothing (large area is good). Both are compared with random orders.

For a linear model ``f = 4a + 3b + 2c + d`` at ``x = 1`` with a zero background, deleting
by the exact attributions leaves ``1, .6, .3, .1, 0`` of the output: area 0.375.

    >>> import numpy as np, limelight as ll
    >>> f = lambda X: X @ [4.0, 3.0, 2.0, 1.0]
    >>> e = ll.attribute(f, np.ones(4), background=np.zeros((1, 4)))
    >>> q = e.quality.compute()
    >>> q.deletion, q.insertion, q.verdict
    (0.375, 0.625, 'exact')

The curves cost one batched model call; when that would add more than
``MAX_EXTRA`` (15%) of the rows the explanation itself evaluated (so at most ~20% of its
time), they are computed only on demand (``e.quality.compute()``, or the widget's "check"
button). Below that they come with every result, computed the first time any of their
numbers is read (``q.deletion``, ``q.to_dict()``, the widget's badges): a run whose
quality nobody reads does not pay for it. The field's standard metrics
(:mod:`limelight.quality.metrics`: ``q.faithfulness_correlation``, ``q.max_sensitivity``,
``q.sparseness``, ...) are computed when read, each with its ``.params``.

The package: :class:`Quality` and :func:`assess` here, the curves in :mod:`.deletion`, the
players they hide in :mod:`.players`, the standard metrics in :mod:`.metrics` (with the
reruns some of them need, :mod:`.reruns`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .deletion import MAX_STEPS as MAX_STEPS  # re-exported: limelight.quality.MAX_STEPS
from .deletion import N_RANDOM, _grid, curves
from .players import Players

if TYPE_CHECKING:  # the value type imports this module: no cycle back
    from ..explanation import Explanation

# the curves may add at most 20% to the explanation's time; rows are the proxy, with a
# margin for the fixed cost of one more model call (bench/quality.py measures the times)
MAX_EXTRA = 0.15
UNSTABLE = 0.05  # largest stderr above 5% of |prediction - base|: "unstable"
FIELDS = (
    "additivity",
    "stderr",
    "converged",
    "deletion",
    "insertion",
    "random_deletion",
    "random_insertion",
    "players",
    "extra_rows",
    "seconds",
    "error",
)


# what :func:`~.deletion.curves` fills in: reading one computes the curves when they are due
_CURVE_FIELDS = frozenset(
    ("deletion", "insertion", "random_deletion", "random_insertion", "players", "extra_rows")
    + ("seconds", "curves")
)
_DUE_LOCK = threading.RLock()
_METRIC_LOCK = threading.RLock()


@dataclass(eq=False)
class Quality:
    """The quality numbers of one explanation (``None`` where they do not apply or are
    not computed yet); ``curves`` holds the deletion/insertion curves once computed."""

    additivity: float | None = None
    stderr: float | None = None
    converged: bool | None = None
    deletion: float | None = None
    insertion: float | None = None
    random_deletion: float | None = None
    random_insertion: float | None = None
    players: int | None = None
    extra_rows: int | None = None
    seconds: float | None = None
    error: str | None = None
    #: what a run without a standard error is: "exact", "deterministic" or "sampled"
    basis: str | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    #: the standard metrics computed so far (:mod:`limelight.quality.metrics`), by name
    metrics: dict[str, Any] = field(default_factory=dict)
    _players: Callable[[], Players] | None = field(default=None, repr=False)
    #: the explanation and its plan, for the standard metrics (computed when read)
    _source: Any = field(default=None, repr=False)
    #: the curves are due (cheap enough to come with the result): computed when first read
    _due: bool | str = field(default=False, repr=False)

    def __getattribute__(self, name: str) -> Any:
        if name in _CURVE_FIELDS and object.__getattribute__(self, "_due"):
            object.__getattribute__(self, "_compute_due")()
        return object.__getattribute__(self, name)

    def _compute_due(self) -> None:
        """The due curves, once: another thread reading meanwhile waits for them."""
        with _DUE_LOCK:
            if self._due is not True:  # done, or being computed by this very thread
                return
            self._due = "computing"
            try:
                self.compute()
            except Exception as exc:  # noqa: BLE001 - read as a number: report, never raise
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                self._due = False

    @property
    def computed(self) -> bool:
        """Whether the deletion/insertion curves are in."""
        return self.deletion is not None

    @property
    def faithful(self) -> bool | None:
        """True when the ranking beats random orders on both curves."""
        if self.deletion is None or self.random_deletion is None:
            return None
        return bool(self.deletion < self.random_deletion and self.insertion > self.random_insertion)

    @property
    def verdict(self) -> str:
        """A plain word on the run: ``exact``, ``converged``, ``unstable: ...``."""
        if self.stderr is None:
            base = {"sampled": "no error estimate: compare seeds"}.get(
                self.basis or "", self.basis or "exact"
            )
        elif self.converged:
            base = "converged"
        else:
            return "unstable: rerun with more evaluations"
        if self.faithful is False:
            return (
                f"{base}, but unfaithful: removing top features changes the output less than random"
            )
        return base

    def compute(self) -> Quality:
        """Run the deletion/insertion curves now (one model call) if not done; returns self."""
        if not self.computed and self._players is not None:
            import time

            t0 = time.perf_counter()
            self._fill(curves(self._players()))
            self.seconds = round(time.perf_counter() - t0, 4)
        return self

    # -- the field's standard metrics, each computed when first read ------------------
    def metric(self, name: str, **params: Any) -> Any:
        """Metric ``name`` (:data:`limelight.quality.metrics.NAMES`) with ``params``
        (e.g. ``radius=0.05, samples=20``), computed now and kept in ``metrics``; a
        metric that does not apply raises a ``MethodError`` saying why."""
        from .metrics import NAMES, measure

        if name not in NAMES:
            from ..errors import InputError

            raise InputError(f"no quality metric named {name!r}", fix=f"use one of {NAMES}")
        if self._source is None:
            from ..errors import MethodError

            raise MethodError(
                f"{name} needs the explanation it measures; this quality was loaded without it",
                fix="compute it on the result of ll.attribute",
            )
        with _METRIC_LOCK:
            m = measure(name, self._source, **params)
            self.metrics[name] = m
        return m

    def _standard(self, name: str) -> Any:
        """The metric with its default parameters, computed once when first read (one
        that does not apply: value None, ``note`` says why)."""
        from ..errors import MethodError
        from .metrics import not_applicable

        with _METRIC_LOCK:
            if name not in self.metrics:
                if self._source is None:
                    return None
                try:
                    self.metric(name)
                except MethodError as exc:
                    self.metrics[name] = not_applicable(name, exc)
            return self.metrics[name]

    @property
    def faithfulness_correlation(self) -> Any:
        """Bhatt et al.'s faithfulness correlation (``.value``, ``.params``)."""
        return self._standard("faithfulness_correlation")

    @property
    def max_sensitivity(self) -> Any:
        """Yeh et al.'s max-sensitivity (re-runs the method ``samples`` times)."""
        return self._standard("max_sensitivity")

    @property
    def sparseness(self) -> Any:
        """The Gini index of ``|values|`` (Chalasani et al.)."""
        return self._standard("sparseness")

    @property
    def complexity(self) -> Any:
        """The entropy of ``|values| / sum|values|``."""
        return self._standard("complexity")

    @property
    def randomisation(self) -> Any:
        """Adebayo et al.'s model-parameter randomisation check (torch modules)."""
        return self._standard("randomisation")

    @property
    def stability(self) -> Any:
        """Agreement of runs with different seeds (mean pairwise Spearman)."""
        return self._standard("stability")

    def _fill(self, found: dict) -> None:
        for k, v in found.items():
            setattr(self, k, v)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers, the verdict and the curves."""
        out = {k: getattr(self, k) for k in FIELDS}
        out.update(
            verdict=self.verdict,
            faithful=self.faithful,
            computed=self.computed,
            curves=self.curves,
            basis=self.basis,  # a loaded sampled run's verdict must not read "exact"
        )
        # the closed forms cost nothing: they come with every export; the others once read
        for name in ("sparseness", "complexity"):
            self._standard(name)
        out["metrics"] = {k: m.to_dict() for k, m in self.metrics.items()}
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quality:
        from .metrics import Metric

        metrics = {k: Metric.from_dict(m) for k, m in dict(d.get("metrics") or {}).items()}
        return cls(
            **{k: d.get(k) for k in FIELDS},
            basis=d.get("basis"),
            curves=dict(d.get("curves") or {}),
            metrics=metrics,
        )


def cheap(exp: Explanation) -> Quality:
    """The numbers read from the explanation alone: additivity and convergence."""
    flat = exp.extras.get("segment_values", exp.values).reshape(exp.n_outputs, -1)
    delta = np.abs(exp.prediction - exp.base_values)
    scale = np.maximum(delta, 1e-12)
    # stderr against |prediction - base|, or the largest attribution when the values
    # cancel out (a prediction near the base value would make any error look huge)
    spread = np.abs(np.nan_to_num(flat)).max(axis=1) if flat.size else np.zeros(len(delta))
    q = Quality(basis=_basis(exp.method))
    if "shap" in exp.method.lower() or exp.method.lower() in (
        "exact",
        "tree",
        "kernel",
        "hierarchical",
        "integrated_gradients",
    ):
        err = np.abs(flat.sum(axis=1) - (exp.prediction - exp.base_values))
        q.additivity = float(np.max(err / scale))
    if exp.stderr is not None and np.isfinite(exp.stderr).any():
        se = np.nan_to_num(np.asarray(exp.stderr, float).reshape(exp.n_outputs, -1), nan=0.0)
        rel = se.max(axis=1) / np.maximum(scale, spread)
        q.stderr = float(rel.max())
        tol = exp.params.get("tol")
        limit = float(tol) if isinstance(tol, (int, float)) and tol > 0 else UNSTABLE
        q.converged = bool(q.stderr <= max(limit, 1e-12) * 1.0001) or (
            q.stderr <= UNSTABLE and exp.n_evals >= (exp.params.get("budget") or np.inf)
        )
    return q


EXACT = ("exact", "tree")
SAMPLED = ("lime", "kernel", "shapley", "smoothgrad", "hierarchical")


def _basis(method: str) -> str:
    name = method.lower()
    if name in EXACT:
        return "exact"
    return "sampled" if name in SAMPLED else "deterministic"


def assess(plan: Any, exp: Explanation, *, eager: bool | None = None) -> Explanation:
    """Attach ``exp.quality`` for ``exp`` made by ``plan``: the cheap numbers at once, the
    curves when first read if they cost at most ``MAX_EXTRA`` of the explanation's rows
    (at once with ``eager=True``), else on demand."""
    if exp.modality not in ("tabular", "text", "image"):
        return exp
    from .players import players_for
    from .reruns import Source

    q = cheap(exp)
    builder = players_for(plan, exp)
    if exp.n_outputs:
        q._source = Source(plan, exp, builder)
    if builder is not None:
        q._players = builder
        rows = _curve_rows(exp, plan)
        if eager:
            q.compute()
        elif eager is None and rows <= MAX_EXTRA * max(exp.n_evals, 1):
            q._due = True  # computed when first read
    exp.quality = q
    return exp


def _n_players(exp: Explanation) -> int:
    if exp.modality == "image":
        seg = exp.extras.get("segments")
        return int(seg.max()) + 1 if seg is not None else 49
    return int(exp.values.shape[-1])


def _curve_rows(exp: Explanation, plan: Any) -> int:
    n = _n_players(exp)
    per = getattr(plan.instance, "m", 1) if exp.modality == "tabular" else 1
    return (len(_grid(n)) * (2 + N_RANDOM)) * per
