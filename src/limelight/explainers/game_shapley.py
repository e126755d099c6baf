"""Leverage SHAP and regression-adjusted Monte Carlo over tokens and image segments: the
estimator core of :func:`~limelight.explainers.leverage.estimate_game` with a text or
segment game (a coalition keeps its tokens or segments, masks the rest).

    >>> from limelight.inputs.text import tokenize
    >>> from limelight.models.text import TextModel
    >>> m = TextModel(lambda xs: [[s.count("good")] for s in xs], output_names=["good"])
    >>> e = TokenLeverage(budget=64, random_state=0).explain(m, tokenize("a good good day"))
    >>> e.values.round(9).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.image import ImageInstance
from ..inputs.text import TextInstance
from ..models.base import Model
from .leverage import estimate_game
from .segments import _Segments
from .text import TextExplainer, evaluate


def _check_adjust(adjust: str | None) -> str | None:
    if adjust not in (None, "linear", "tree"):
        raise InputError(f"adjust={adjust!r}", fix="use adjust='tree', 'linear' or None")
    return adjust


class TokenLeverage(TextExplainer):
    """Shapley values of tokens by Leverage SHAP (``adjust=None``) or regression-adjusted
    Monte Carlo (``adjust="tree"`` / ``"linear"``: :class:`TokenMsr`), ``budget`` model
    rows, a partial with standard errors after each batch, stopping early at ``tol``.

        >>> TokenLeverage(budget=500).budget
        500
    """

    name = "leverage"
    default_adjust: str | None = None

    def __init__(
        self,
        *,
        budget: int = 2000,
        batch_size: int = 1000,
        random_state=None,
        tol: float = 0.0,
        adjust: str | None = "default",
    ) -> None:
        super().__init__(batch_size=batch_size)
        self.budget, self.random_state, self.tol = int(budget), random_state, float(tol)
        self.adjust = _check_adjust(self.default_adjust if adjust == "default" else adjust)

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        for est in estimate_game(
            lambda masks: evaluate(model, instance, masks),
            len(instance),
            budget=self.budget,
            rng=np.random.default_rng(self.random_state),
            batch=self.batch_size,
            tol=self.tol,
            adjust=self.adjust,
            watched=self.watched,
        ):
            yield self._explanation(
                model,
                instance,
                est.values,
                base=est.base,
                pred=est.pred,
                n_evals=est.coalitions,
                done=est.done,
                stderr=est.stderr,
            )


class TokenMsr(TokenLeverage):
    """:class:`TokenLeverage` with the tree regression adjustment (``adjust="tree"``)."""

    name = "msr"
    default_adjust = "tree"


class SegmentLeverage(_Segments):
    """Shapley values of image segments by Leverage SHAP (``adjust=None``) or regression-
    adjusted Monte Carlo (:class:`SegmentMsr`), ``budget`` model rows; options as
    :class:`~limelight.explainers.segments.SegmentShapley`."""

    name = "leverage"
    default_adjust: str | None = None

    def __init__(self, *, adjust: str | None = "default", tol: float = 0.0, **options) -> None:
        super().__init__(**options)
        self.adjust = _check_adjust(self.default_adjust if adjust == "default" else adjust)
        self.tol = float(tol)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        labels, S, base_img = self._setup(instance)
        targets: list[int] = []
        ends: list[np.ndarray] = []  # every output on the empty and full coalitions

        def game(keep: np.ndarray) -> np.ndarray:
            out = model.predict(self._masked(instance, labels, base_img, keep))
            if not targets:  # the first call starts with the empty and full coalitions
                targets.extend(self._targets(out.shape[1]))
                ends.extend([out[1], out[0]])
            return out[:, targets]

        due = self._pacer()
        for est in estimate_game(
            game,
            S,
            budget=self.budget,
            rng=np.random.default_rng(self.random_state),
            batch=self._batch(instance),
            tol=self.tol,
            adjust=self.adjust,
            watched=self.watched,
        ):
            if not due(est.done):
                continue
            yield self._result(
                model,
                instance,
                labels,
                est.values,
                pred=ends[0],
                base=ends[1],
                n_evals=est.coalitions,
                done=est.done,
                budget=self.budget,
                stderr=None if est.stderr is None else est.stderr[:, labels],
            )


class SegmentMsr(SegmentLeverage):
    """:class:`SegmentLeverage` with the tree regression adjustment (``adjust="tree"``)."""

    name = "msr"
    default_adjust = "tree"
