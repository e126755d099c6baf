"""Many texts at once: ``attribute_many(model, list_of_texts, ...)``.

The model is adapted and probed, and the outputs chosen, once (on the first text); then
every text runs the same planning and explainer as ``ll.attribute`` on it (tokenizing,
choosing the method for its length, checking, explaining), seeded ``row_seed(seed, i)``,
in a few threads whose model calls a :class:`~limelight.many.batch.CallPool` joins into
large calls of many texts' perturbations. So item ``i`` equals
``ll.attribute(model, texts[i], output=..., random_state=ex.seeds[i])``; a text that fails
(the model raises or returns NaN on it) fails alone, with its reason in ``ex.errors``.
Torch and transformers models (gradient methods) are explained one text after another.

    >>> import limelight as ll
    >>> f = lambda xs: [[s.count("good") - s.count("bad")] for s in xs]
    >>> ex = ll.attribute_many(f, ["a good day", "bad, bad news"], method="occlusion")
    >>> [e.values[0].tolist() for e in ex]
    [[0.0, 1.0, 0.0], [-1.0, 0.0, -1.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .batch import CallPool, error_text, run_rows
from .items import ItemExplanations
from .plan import row_seed

#: per-text options that make no sense for a list of texts
PER_TEXT = ("tokens", "spans")
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
) -> ItemExplanations:
    """Explain each item with the model ``make()`` returns (one whose calls go to ``pool``;
    the real model when ``pool`` is None: one item at a time), item ``i`` seeded
    ``row_seed(base, i)`` (``i`` the item's place in ``positions`` when given); ``first``
    is the planned first item (its method's name)."""
    seeds = [row_seed(base, i) for i in (positions or range(len(items)))]
    jobs = [
        (_Item(modality, {**options, "random_state": s}, make), None, x)
        for x, s in zip(items, seeds)
    ]
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


def attribute_texts(
    model: Any,
    texts: list[Any],
    *,
    method: Any = "auto",
    output: Any = None,
    random_state: int | None = None,
    **options: Any,
) -> ItemExplanations:
    """The explanation of every text (see the module's docstring)."""
    from ..models.text import TextModel
    from ..plans import plan

    given = [k for k in PER_TEXT if options.get(k) is not None]
    if given:
        raise InputError(
            f"{given[0]}= describes one text, and these are {len(texts)}",
            fix="pass tokenizer= (or nothing: words and punctuation) to split every text",
        )
    base = base_seed(random_state)
    first = plan(
        model,
        texts[0],
        method=method,
        output=output,
        random_state=row_seed(base, 0),
        modality="text",
        **options,
    )
    used = first.model
    adapted = getattr(used, "inner", used)
    outputs = getattr(used, "columns", list(range(adapted.n_outputs)))
    rest = {**options, "method": method, "output": outputs}
    if not isinstance(adapted, TextModel):  # torch, transformers: one text at a time
        return run_items(
            texts, first, lambda: model, None, modality="text", base=base, options=rest
        )
    pool = CallPool(adapted._fn, n_outputs=adapted.n_outputs)

    def make() -> TextModel:
        return TextModel(
            lambda xs: pool.request(list(xs)), output_names=adapted.output_names, kind=adapted.kind
        )

    rest.pop("output_names", None)
    rest.pop("model_output", None)
    return run_items(texts, first, make, pool, modality="text", base=base, options=rest)
