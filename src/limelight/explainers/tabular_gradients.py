"""Integrated gradients on tabular rows, for differentiable models (torch modules, Keras
on the torch backend).

From the baseline row ``b`` (the background's weighted mean, unless given) to ``x``:
``value_j = (x_j - b_j) * ∫₀¹ ∂f/∂x_j (b + α (x - b)) dα`` with Gauss–Legendre nodes, as
captum's ``IntegratedGradients``. The values add up to ``f(x) - f(b)``; when they miss by
over 1%, the steps double up to ``max_steps`` (:mod:`._completeness`).

    >>> TabularIntegratedGradients(n_steps=32).n_steps
    32
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError, MethodError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ._completeness import MAX_STEPS, refined
from .base import Explainer
from .shapley import _explanation


class TabularIntegratedGradients(Explainer):
    """Integrated gradients of each output from ``baseline`` (None: the background mean)."""

    name = "integrated_gradients"

    def __init__(
        self,
        *,
        n_steps: int = 50,
        max_steps: int = MAX_STEPS,
        baseline: Any = None,
        batch_size: int = 256,
    ) -> None:
        if int(n_steps) < 1:
            raise InputError(f"n_steps={n_steps}", fix="use n_steps >= 1 (50 is usual)")
        self.n_steps, self.batch_size = int(n_steps), max(1, int(batch_size))
        self.max_steps = max(int(max_steps), self.n_steps)
        self._baseline = baseline
        self.baseline = "background mean" if baseline is None else "given"

    def check(self, model: Model, instance: TabularInstance) -> None:
        _differentiable(model)

    def stream(self, model: Model, instance: TabularInstance) -> Iterator[Explanation]:
        inner, columns = _differentiable(model)
        x = np.asarray(instance.x, dtype=float)
        if self._baseline is None:
            w = instance.weights / instance.weights.sum()
            base_row = w @ instance.numeric_background()
        else:
            base_row = np.asarray(self._baseline, dtype=float).reshape(-1)
            if base_row.shape != x.shape:
                raise InputError(
                    f"baseline has {base_row.size} values for {x.size} features",
                    fix="pass one value per feature, or leave baseline=None",
                )
        ends = inner.predict(np.stack([x, base_row]))[:, columns]
        run = lambda n: self._run(model, inner, columns, instance, x, base_row, ends, n)  # noqa: E731
        return refined(run, self.n_steps, self.max_steps)

    def _run(self, model, inner, columns, inst, x, b, ends, n_steps) -> Iterator[Explanation]:
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        alphas, weights = 0.5 * (nodes + 1.0), 0.5 * weights
        acc, n_evals = 0.0, 2
        for start in range(0, n_steps, self.batch_size):
            a, wt = (
                alphas[start : start + self.batch_size],
                weights[start : start + self.batch_size],
            )
            grads, _ = inner.gradients(b[None] + a[:, None] * (x - b)[None], wt)
            acc = acc + grads[columns]
            n_evals += len(a)
            values = acc * (x - b)[None]
            err = np.abs(values.sum(axis=1) - (ends[0] - ends[1]))
            exp = _explanation(
                model, inst, self.name, values, ends[1], ends[0],
                n_evals=n_evals, done=start + self.batch_size >= n_steps, params=self.params(),
            )  # fmt: skip
            exp.extras["completeness_error"] = err
            yield exp


def _differentiable(model: Model) -> tuple[Any, list[int]]:
    """The adapter with ``gradients`` behind the plan's context (or an ``output=`` view),
    and the output columns shown."""
    inner = getattr(model, "adapter", None) or getattr(model, "inner", model)
    if not hasattr(inner, "gradients"):
        raise MethodError(
            "integrated gradients need a differentiable model; this one is "
            f"{_what(inner)}, without gradients",
            fix="use method='exact', 'kernel' or 'lime', or pass a torch module",
        )
    columns = getattr(model, "columns", None)
    if columns is None:
        index = getattr(model, "index", None)
        columns = list(range(inner.n_outputs)) if index is None else [index]
    return inner, list(columns)


def _what(model: Any) -> str:
    est = getattr(model, "estimator", None)
    return f"a {type(est).__name__}" if est is not None else "a plain function"
