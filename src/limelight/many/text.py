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
from .items import ItemExplanations, plan_first
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


class TextRun:
    """Many texts planned (the first text that plans planned as ``ll.attribute`` plans it: model
    adapted and probed, outputs chosen); :meth:`explain` explains any of them.

        >>> run = TextRun(lambda xs: [[len(s)] for s in xs], ["ab cd", "e"], method="occlusion")
        >>> [e.values[0].tolist() for e in run.explain([1, 0])]
        [[1.0], [2.0, 2.0]]
    """

    def __init__(
        self,
        model: Any,
        texts: list[Any],
        *,
        method: Any = "auto",
        output: Any = None,
        random_state: int | None = None,
        **options: Any,
    ) -> None:
        from ..plans import plan

        given = [k for k in PER_TEXT if options.get(k) is not None]
        if given:
            raise InputError(
                f"{given[0]}= describes one text, and these are {len(texts)}",
                fix="pass tokenizer= (or nothing: words and punctuation) to split every text",
            )
        self.model, self.texts, self.base = model, texts, base_seed(random_state)
        self.first = plan_first(
            texts,
            lambda i: plan(
                model,
                texts[i],
                method=method,
                output=output,
                random_state=row_seed(self.base, i),
                modality="text",
                **options,
            ),
        )
        used = self.first.model
        self.adapted = getattr(used, "inner", used)
        outputs = getattr(used, "columns", list(range(self.adapted.n_outputs)))
        self.options = {**options, "method": method, "output": outputs}

    @property
    def output_names(self) -> list[str]:
        return list(self.first.model.output_names)

    def explain(self, positions: Any = None) -> ItemExplanations:
        """The texts at ``positions`` (all by default), item ``i`` seeded
        ``row_seed(seed, i)``; a pool made here (its cancel event is this thread's)."""
        from ..models.text import TextModel

        idx = list(range(len(self.texts)) if positions is None else positions)
        items = [self.texts[i] for i in idx]
        a, opts = self.adapted, dict(self.options)
        if not isinstance(a, TextModel):  # torch, transformers: one text at a time
            return run_items(
                items,
                self.first,
                lambda: self.model,
                None,
                modality="text",
                base=self.base,
                options=opts,
                positions=idx,
            )
        pool = CallPool(a._fn, n_outputs=a.n_outputs)

        def make() -> TextModel:
            return TextModel(
                lambda xs: pool.request(list(xs)), output_names=a.output_names, kind=a.kind
            )

        opts.pop("output_names", None)
        opts.pop("model_output", None)
        return run_items(
            items,
            self.first,
            make,
            pool,
            modality="text",
            base=self.base,
            options=opts,
            positions=idx,
        )


def attribute_texts(model: Any, texts: list[Any], **options: Any) -> ItemExplanations:
    """The explanation of every text (see the module's docstring)."""
    return TextRun(model, texts, **options).explain()
