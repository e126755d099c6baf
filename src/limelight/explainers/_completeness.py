"""Integrated gradients that say how well they add up, in every modality.

Completeness: the values of integrated gradients sum to ``f(x) - f(baseline)``; the gap
is the quadrature's error. When it is over ``TOLERANCE`` of ``|f(x) - f(baseline)|`` for
some output, the run is repeated with twice the steps (new Gauss–Legendre nodes), up to
``max_steps``; if it is still over, a :class:`CompletenessWarning` is raised in Python and
``params["completeness_note"]`` says so (the views show it).

    >>> over_tolerance(np.array([0.02]), np.array([1.0]))
    True
    >>> next_steps(50, 400), next_steps(400, 400)
    (100, None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .._warn import warn
from ..explanation import Explanation

TOLERANCE = 0.01  # of |f(x) - f(baseline)|
MAX_STEPS = 400  # default budget: 50 -> 100 -> 200 -> 400 steps, 750 gradient rows in all
ATOL = 1e-6  # below this an output did not move, and any error is rounding


class CompletenessWarning(UserWarning):
    """Integrated gradients did not add up to ``f(x) - f(baseline)`` within 1%."""


def over_tolerance(err: np.ndarray, gap: np.ndarray) -> bool:
    """Whether any output's completeness error is over ``TOLERANCE`` of its gap."""
    err, gap = np.abs(np.asarray(err, float)), np.abs(np.asarray(gap, float))
    return bool(np.any(err > TOLERANCE * gap + ATOL))


def next_steps(n_steps: int, max_steps: int) -> int | None:
    """The next, doubled step count within ``max_steps`` (None when the budget is spent)."""
    return None if 2 * n_steps > max_steps else 2 * n_steps


def refined(
    run: Callable[[int], Iterator[Explanation]], n_steps: int, max_steps: int
) -> Iterator[Explanation]:
    """The partials of ``run(n_steps)``, then of ``run(2 * n_steps)``... while the final one
    misses completeness and the budget lasts; the last one is marked done and annotated.

    ``run(n)`` yields explanations with ``extras["completeness_error"]`` (per output),
    ``prediction`` and ``base_values``; its last one has ``done=True``.
    """
    steps, spent, evals = n_steps, 0, 0
    while True:
        final = None
        for exp in run(steps):
            exp.n_evals += evals  # the earlier runs' model rows count too
            if exp.params.get("budget") is not None:  # and so the total grows with them:
                exp.params["budget"] += evals  # never "356 / 202 evals"
            final = exp
            if not exp.done:
                yield exp
        assert final is not None
        spent, evals = spent + steps, final.n_evals
        err = final.extras["completeness_error"]
        gap = np.asarray(final.prediction, float) - np.asarray(final.base_values, float)
        bad = over_tolerance(err, gap)
        more = next_steps(steps, max_steps) if bad else None
        rel = float(np.max(np.abs(err) / np.maximum(np.abs(gap), ATOL)))
        if more is None:
            break
        final.done = False
        yield final
        steps = more
    final.params["n_steps"] = steps
    final.params["steps_run"] = spent
    if bad:
        note = (
            f"integrated gradients miss f(x) - f(baseline) by {rel:.1%} after {steps} steps "
            f"(over {TOLERANCE:.0%}); raise max_steps=, or the values are only approximate"
        )
        final.params["completeness_note"] = note
        warn(note, CompletenessWarning)
    final.done = True
    yield final
