"""Running many texts or images, each as ``ll.attribute`` runs it: ``run_items`` explains
every item with its own planning and explainer, seeded ``row_seed(base_seed(...), i)``, in
a few threads whose model calls a :class:`~limelight.many.batch.CallPool` joins (or one
item after another); an item that fails fails alone, in ``ex.errors``.

    >>> base_seed(7), isinstance(base_seed(None), int)
    (7, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .batch import CallPool, error_text, run_rows
from .items import ItemExplanations
from .plan import row_seed

THREADS = 8  # items explained at once, their model calls joined


class _Item:
    """A run_rows job: ``ll.attribute`` of one item (its own planning and explainer)."""

    def __init__(self, modality: str, options: dict[str, Any], make: Any) -> None:
        self.modality, self.options, self.make = modality, options, make

    def explain(self, _model: Any, x: Any) -> Any:
        from ..plans import plan

        # a model object per item: its call and row counts are that item's n_evals
        return plan(self.make(), x, modality=self.modality, **self.options).run()


def base_seed(random_state: int | None) -> int:
    """The run's seed (drawn when None): item ``i`` uses ``row_seed(base, i)``."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy % 2**31)
    return int(random_state)


def run_items(
    items: list[Any],
    first: Any,
    make: Any,
    pool: CallPool | None,
    *,
    modality: str,
    base: int,
    options: dict[str, Any],
    positions: list[int] | None = None,
    job: Any = None,
) -> ItemExplanations:
    """Explain each item with the model ``make()`` returns (one whose calls go to ``pool``;
    the real model when ``pool`` is None: one item at a time), item ``i`` seeded
    ``row_seed(base, i)`` (``i`` the item's place in ``positions`` when given); ``first``
    is the planned first item (its method's name); ``job(options)`` makes an item's job
    (an ``_Item`` by default)."""
    seeds = [row_seed(base, i) for i in (positions or range(len(items)))]
    job = job or (lambda opts: _Item(modality, opts, make))
    jobs = [(job({**options, "random_state": s}), None, x) for x, s in zip(items, seeds)]
    if pool is None:
        results = []
        for job, model, x in jobs:
            try:
                results.append(job.explain(model, x))
            except Exception as exc:  # noqa: BLE001 - reported for this item
                results.append(exc)
    else:
        results = run_rows(jobs, pool, THREADS)
    errors = ["" if not isinstance(r, BaseException) else error_text(r) for r in results]
    done = [None if isinstance(r, BaseException) else r for r in results]
    params = {}
    if pool is not None:
        params = {"model_calls": pool.calls, "model_rows": pool.rows}
    return ItemExplanations(
        done, errors=errors, seeds=seeds, method=first.explainer.name, params=params
    )
