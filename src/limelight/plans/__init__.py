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

import numpy as np

from ..explainers.base import Explainer
from ..explanation import Explanation
from ..inputs import detect_modality, normalise
from ..inputs._polars import from_polars
from ..models.base import Model


def fresh_seed() -> int:
    """A seed drawn from the system's entropy (for a run given no ``random_state``)."""
    return int(np.random.SeedSequence().entropy % 2**31)


def fix_seed(explainer: Explainer) -> bool | None:
    """Give a sampling explainer left unseeded a seed drawn now, so its run can be
    repeated (``random_state=e.params["random_state"]``); returns whether the caller
    seeded it (None: the method does not sample)."""
    if not hasattr(explainer, "random_state"):
        return None
    if explainer.random_state is not None:
        return True
    explainer.random_state = fresh_seed()
    return False


@dataclass
class Plan:
    model: Model
    instance: Any
    explainer: Explainer
    #: whether the caller seeded the sampling method (None: it does not sample); an
    #: unseeded run varies from call to call, and says so in ``params["seeded"]``
    seeded: bool | None = None
    #: what the input was read as ("tabular", "text", "image"): the widget's view
    modality: str = ""

    def stream(self) -> Iterator[Explanation]:
        from ..quality import assess

        for exp in self.explainer.stream(self.model, self.instance):
            yield assess(self, self._note(exp)) if exp.done else self._note(exp)

    def run(self) -> Explanation:
        from ..quality import assess

        return assess(self, self._note(self.explainer.explain(self.model, self.instance)))

    def _note(self, exp: Explanation) -> Explanation:
        """Record the seed: a sampling method's numbers are only repeatable with it."""
        if self.seeded is not None:
            seed = getattr(self.explainer, "random_state", None)
            exp.params["seeded"] = self.seeded
            if isinstance(seed, (int, np.integer)):
                exp.params["random_state"] = int(seed)
        return exp


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
    p = planner(
        model,
        x,
        background=background,
        method=method,
        output=output,
        random_state=random_state,
        **options,
    )
    p.seeded = fix_seed(p.explainer)
    p.modality = kind
    return p
