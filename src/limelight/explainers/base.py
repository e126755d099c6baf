"""`Explainer`: the base of every algorithm. ``stream`` yields partials, the last final."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Iterator
from typing import Any

from ..explanation import Explanation
from ..models.base import Model


class Explainer:
    """An attribution algorithm with its options, independent of any one model call.

    ``stream(model, instance)`` yields :class:`Explanation` partials (``done=False``)
    after each batch of model calls and a final one (``done=True``); closing the
    generator stops the work within one batch. ``explain`` returns the final one.
    """

    name: str = "explainer"
    #: whether someone watches the partials (a widget). ``explain`` runs a copy with
    #: False, so work done only for partials (an early small batch, a surrogate refit per
    #: batch, an image map per batch) can be skipped when only the final result is read
    watched: bool = True

    def check(self, model: Model, instance: Any) -> None:
        """Raise a limelight error now, at plan time, if this explainer cannot explain
        ``instance`` with ``model`` (a budget too small for the text, a layer the network
        lacks); the default checks nothing."""

    def stream(self, model: Model, instance: Any) -> Iterator[Explanation]:  # pragma: no cover
        """Yield partial explanations of ``instance`` (``done=False``) after each batch of
        ``model`` calls, then the final one (``done=True``); each subclass implements it."""
        raise NotImplementedError

    def explain(self, model: Model, instance: Any) -> Explanation:
        """Run :meth:`stream` to its end and return the final :class:`Explanation` (on a
        copy of this explainer, so the same object can stream elsewhere meanwhile)."""
        runner = copy.copy(self)  # this explainer may be streaming elsewhere (a widget)
        runner.watched = False
        last = None
        for last in runner.stream(model, instance):
            pass
        assert last is not None and last.done, f"{type(self).__name__}.stream yielded no final"
        return last

    def params(self) -> dict[str, Any]:
        """The options that shape the result, recorded in ``Explanation.params``."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


# options the planner sets from other arguments, never a caller's option
PLANNER_SET = ("targets",)


def options_of(cls: type) -> list[str]:
    """The options ``cls`` takes: its keyword-only constructor arguments, sorted."""
    return list(_options_of(cls))


@functools.lru_cache(maxsize=256)  # inspect.signature cost ~0.4 ms a plan, 19 calls each
def _options_of(cls: type) -> tuple[str, ...]:
    names: set[str] = set()
    spelled = getattr(cls, "implementations", None)  # one algorithm, any input: all of them
    if spelled is not None:
        for modality, impl in spelled.items():
            names |= set(_options_of(impl)) | set(cls.spellings.get(modality, {}))
        return tuple(sorted(names))
    for klass in cls.__mro__:  # a subclass passing **kw on to its base takes the base's too
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind is p.KEYWORD_ONLY}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return tuple(sorted(names - set(PLANNER_SET)))
