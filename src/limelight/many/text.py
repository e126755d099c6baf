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

from ..errors import InputError
from .batch import CallPool
from .item_run import base_seed, run_items
from .items import ItemExplanations, plan_first
from .plan import row_seed

#: per-text options that make no sense for a list of texts
PER_TEXT = ("tokens", "spans")


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
