"""Planning one call: adapt the model, read the instance, choose the explainer.

Each modality has a module here with ``plan(model, x, *, background, method, output,
random_state, **options) -> Plan``. Planning does all validation (and one probe call of
the model), so bad input fails in the caller's cell, before any thread starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..explainers.base import Explainer
from ..explanation import Explanation
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
