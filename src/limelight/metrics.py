"""How faithful is an explanation to the model? Checks that call the model again.

- :func:`deletion_curve`: remove features in order of |attribution| (each replaced by the
  background) and follow the explained output; a faithful ranking makes it fall fast
  (small area), compared with a random order.
- :func:`faithfulness`: the correlation, over random feature subsets S, between the
  attributions' sum over S and the output's drop when S is removed (Bhatt et al., 2020).
  Exact Shapley values of a linear model score 1.

    >>> import numpy as np, limelight as ll
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> f = lambda B: B @ [1.0, -2.0, 0.5, 0.0]
    >>> e = ll.attribute(f, X[0], background=X)
    >>> round(faithfulness(f, X[0], e, background=X, random_state=0), 6)
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .explanation import Explanation


@dataclass
class DeletionCurve:
    """``fractions`` of features removed (0..1), the explained output after each removal
    (``values``), the same for a random order (``random``), and the normalised areas."""

    fractions: np.ndarray
    values: np.ndarray
    random: np.ndarray
    auc: float
    random_auc: float


def _setup(model: Any, x: Any, exp: Explanation, background: Any, output: Any):
    from .api import plan

    if not isinstance(exp, Explanation) or exp.modality != "tabular":
        raise InputError(
            "metrics need a tabular Explanation",
            fix="pass the result of ll.attribute(model, x, background=...)",
        )
    p = plan(
        model,
        x,
        background=background,
        method="exact" if exp.values.shape[-1] <= 12 else "kernel",
        background_size=len(background) if background is not None else 100,
    )
    inst = p.instance
    if inst.d != exp.values.shape[-1]:
        raise InputError(
            f"the explanation has {exp.values.shape[-1]} features but x has {inst.d}",
            fix="pass the x the explanation was made for",
        )
    i = exp.output_index(output)
    name = exp.output_names[i]
    k = p.model.output_names.index(name) if name in p.model.output_names else i
    weights = inst.weights

    def values_of(masks: np.ndarray) -> np.ndarray:
        out = p.model.predict(inst.cross(masks))
        return np.einsum("nm,m->n", out[:, k].reshape(len(masks), inst.m), weights)

    return inst, exp.values.reshape(exp.n_outputs, -1)[i], values_of


def deletion_curve(
    model: Any,
    x: Any,
    explanation: Explanation,
    *,
    background: Any,
    output: int | str | None = None,
    random_state: Any = None,
) -> DeletionCurve:
    """Remove features from the most to the least important (by |attribution|); one model
    call for the whole curve. ``random`` averages 10 random orders."""
    inst, phi, values_of = _setup(model, x, explanation, background, output)
    d = inst.d
    rng = np.random.default_rng(random_state)

    def curve(order):
        masks = np.ones((d + 1, d), bool)
        for step, j in enumerate(order, start=1):
            masks[step:, j] = False
        return masks

    orders = [np.argsort(-np.abs(phi), kind="stable")] + [rng.permutation(d) for _ in range(10)]
    out = values_of(np.concatenate([curve(o) for o in orders])).reshape(len(orders), d + 1)
    fr = np.arange(d + 1) / d
    span = abs(out[0, 0] - out[0, -1]) or 1.0

    def area(v):  # trapezoid area between the curve and its end, relative to the drop
        gap = np.abs(v - v[-1]) / span
        return float(((gap[1:] + gap[:-1]) / 2).sum() / d)

    rnd = out[1:].mean(axis=0)
    return DeletionCurve(
        fractions=fr, values=out[0], random=rnd, auc=area(out[0]), random_auc=area(rnd)
    )


def faithfulness(
    model: Any,
    x: Any,
    explanation: Explanation,
    *,
    background: Any,
    output: int | str | None = None,
    n_subsets: int = 200,
    random_state: Any = None,
) -> float:
    """Pearson correlation between sum(attributions over S) and f(x) - f(x without S),
    over ``n_subsets`` random subsets S (each feature in S with probability 1/2)."""
    inst, phi, values_of = _setup(model, x, explanation, background, output)
    rng = np.random.default_rng(random_state)
    removed = rng.random((n_subsets, inst.d)) < 0.5
    out = values_of(np.concatenate([np.ones((1, inst.d), bool), ~removed]))
    drop = out[0] - out[1:]
    attributed = removed.astype(float) @ phi
    if np.std(drop) == 0 or np.std(attributed) == 0:
        return float("nan")
    return float(np.corrcoef(attributed, drop)[0, 1])
