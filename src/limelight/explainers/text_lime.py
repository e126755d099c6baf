"""LIME for text: a weighted ridge fit of the model on random token maskings.

Samples follow LIME's text recipe (a uniform number of tokens masked, positions at
random, weights from the cosine distance to the full text), but every token position is
a feature and the fit is updated after each batch from running sums, so partials cost
almost nothing beyond the model calls.

    >>> from limelight.inputs.text import tokenize
    >>> from limelight.models.text import TextModel
    >>> m = TextModel(lambda xs: [[2.0 * s.count("good")] for s in xs], output_names=["g"])
    >>> e = TextLime(budget=400, random_state=0).explain(m, tokenize("a good day"))
    >>> e.feature_names[int(e.values[0].argmax())]
    'good'
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..explanation import Explanation
from ..inputs.text import TextInstance
from ..models.base import Model
from .text import TextExplainer, check_budget, evaluate


class TextLime(TextExplainer):
    """LIME over token positions; ``values`` are the ridge coefficients (per output).

    ``kernel_width`` (default 25, as in LIME) scales the cosine distance ×100;
    ``alpha`` is the ridge penalty (LIME's default 1.0); ``budget`` caps model rows.
    ``base_values`` is the intercept; ``extras["score"]`` the weighted R² per output.

        >>> TextLime(budget=1000, random_state=0).alpha
        1.0
    """

    name = "lime"

    def __init__(
        self,
        *,
        budget: int = 2000,
        batch_size: int = 1000,
        kernel_width: float = 25.0,
        alpha: float = 1.0,
        random_state: int | None = None,
    ) -> None:
        super().__init__(batch_size=batch_size)
        self.budget = check_budget(budget, minimum=1)
        self.kernel_width = float(kernel_width)
        self.alpha = float(alpha)
        self.random_state = random_state

    def check(self, model: Model, instance: TextInstance) -> None:
        """The budget must give the surrogate some samples per token."""
        check_budget(self.budget, minimum=max(10, len(instance) // 4))

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        n = len(instance)
        rng = np.random.default_rng(self.random_state)
        sums = None
        pred = None
        n_evals = 0
        while n_evals < self.budget:
            size = min(self.batch_size, self.budget - n_evals)
            masks = self._sample(rng, size, n, first=n_evals == 0)
            out = evaluate(model, instance, masks)
            if pred is None:
                pred = out[0]
            x = masks.astype(float)
            frac = x.sum(axis=1) / n
            distance = 100.0 * (1.0 - np.sqrt(frac))  # cosine distance to the all-ones row
            w = np.sqrt(np.exp(-(distance**2) / self.kernel_width**2))
            batch = (
                w.sum(),
                w @ x,
                w @ out,
                (x * w[:, None]).T @ x,
                (x * w[:, None]).T @ out,
                w @ (out**2),
            )
            sums = batch if sums is None else tuple(s + b for s, b in zip(sums, batch))
            n_evals += size
            coef, intercept, score = _ridge(sums, self.alpha)
            exp = self._explanation(
                model,
                instance,
                coef,
                base=intercept,
                pred=pred,
                n_evals=n_evals,
                done=n_evals >= self.budget,
            )
            exp.extras["score"] = score
            yield exp

    @staticmethod
    def _sample(rng: np.random.Generator, size: int, n: int, *, first: bool) -> np.ndarray:
        n_masked = rng.integers(1, n, size=size, endpoint=False) if n > 1 else np.ones(size, int)
        keys = rng.random((size, n))
        # mask the n_masked tokens with the smallest keys: compare with that row's cut-off
        cut = np.take_along_axis(np.sort(keys, axis=1), (n_masked - 1)[:, None], axis=1)
        masks = keys > cut
        if first:
            masks[0] = True  # the unperturbed text, as LIME does
        return masks


def _ridge(sums, alpha: float):
    """Weighted ridge with an unpenalised intercept, solved from running sums."""
    sw, swx, swy, swxx, swxy, swyy = sums
    mx, my = swx / sw, swy / sw
    cxx = swxx - sw * np.outer(mx, mx)
    cxy = swxy - sw * np.outer(mx, my)
    coef = np.linalg.solve(cxx + alpha * np.eye(len(mx)), cxy)  # (n, k)
    intercept = my - mx @ coef
    syy = swyy - sw * my**2
    resid = syy - 2 * np.einsum("nk,nk->k", coef, cxy) + np.einsum("nk,nm,mk->k", coef, cxx, coef)
    score = np.where(syy > 0, 1.0 - resid / np.where(syy > 0, syy, 1.0), 1.0)
    return coef.T, intercept, score
