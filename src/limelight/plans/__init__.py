"""Planning one call: adapt the model, read the instance, choose the explainer.

Each modality has a module here with ``plan(model, x, *, background, method, output,
random_state, **options) -> Plan``. Planning does all validation (and one probe call of
the model), so bad input fails in the caller's cell, before any thread starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from ..explainers.base import Explainer
from ..explanation import Explanation
from ..inputs import detect_modality, normalise
from ..inputs._polars import from_polars
from ..models.base import Model


@dataclass
class Plan:
    model: Model
    instance: Any
    explainer: Explainer

    def stream(self) -> Iterator[Explanation]:
        from ..quality import assess

        for exp in self.explainer.stream(self.model, self.instance):
            yield assess(self, exp) if exp.done else exp

    def run(self) -> Explanation:
        from ..quality import assess

        return assess(self, self.explainer.explain(self.model, self.instance))


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: Any = "auto",
    output: Any = None,
    random_state: int | None = None,
    modality: str | None = None,
    **options: Any,
) -> Plan:
    """Validate everything and choose the explainer, without running it. ``method``: a
    name or an explainer object (:mod:`limelight.explainers`)."""
    x, background = normalise(x, model), from_polars(background)
    kind = detect_modality(x, modality, background)
    planner = import_module(f"limelight.plans.{kind}").plan
    return planner(
        model,
        x,
        background=background,
        method=method,
        output=output,
        random_state=random_state,
        **options,
    )
