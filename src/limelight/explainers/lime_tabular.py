"""LIME for tabular data: a weighted linear surrogate around the instance.

Samples switch features between the instance's value (1) and a background row's value
(0); each sample is weighted by LIME's exponential kernel on its distance from the
instance (all ones), and a ridge regression of the model's outputs on the switches gives
one coefficient per feature: the change in output when that feature takes the instance's
value. The surrogate's weighted R^2 is reported in ``params["r2"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ..models.tabular import predict_paired
from .base import Explainer
from .shapley import grouping


def weighted_ridge(Z: np.ndarray, Y: np.ndarray, w: np.ndarray, alpha: float):
    """Ridge with an unpenalised intercept: ``(coef (k, d), intercept (k,), r2 (k,))``."""
    sw = w.sum()
    zm = (w @ Z) / sw
    ym = (w @ Y) / sw
    Zc, Yc = Z - zm, Y - ym
    A = (Zc * w[:, None]).T @ Zc + alpha * np.eye(Z.shape[1])
    coef = np.linalg.solve(A, (Zc * w[:, None]).T @ Yc)  # (d, k)
    intercept = ym - zm @ coef
    resid = Yc - Zc @ coef
    ss_res = w @ resid**2
    ss_tot = w @ Yc**2
    r2 = 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0)
    return coef.T, intercept, r2


class TabularLime(Explainer):
    """LIME on tabular rows. ``n_samples`` model rows (default 5000, as lime),
    streamed in ``batch_size`` batches,
    ``kernel_width`` (default ``0.75 * sqrt(d)``, as lime), ridge ``alpha`` (1.0, as lime)."""

    name = "lime"

    def __init__(
        self,
        *,
        n_samples: int = 5000,
        kernel_width: float | None = None,
        alpha: float = 1.0,
        batch_size: int | None = None,
        random_state=None,
        rows_per_call: int = 65_536,
    ) -> None:
        if int(n_samples) < 10:
            raise InputError(f"n_samples={n_samples} is too few", fix="use n_samples >= 100")
        self.n_samples = int(n_samples)
        self.kernel_width = kernel_width
        self.alpha = float(alpha)
        self.batch_size = None if batch_size is None else max(1, int(batch_size))
        self.rows_per_call = int(rows_per_call)
        self.random_state = random_state

    def _batches(self) -> list[slice]:
        """Fixed ``batch_size`` batches, or by default two calls: a fifth of the samples
        (an early surrogate) and the rest (calls cost ~7 ms each for a random forest); one
        call when the partials are not watched (``explain``)."""
        n = self.n_samples
        if self.batch_size is not None:
            cuts = list(range(0, n, self.batch_size))
        elif not self.watched:  # no one sees the early surrogate: the fewest calls
            cuts = list(range(0, n, self.rows_per_call))
        else:
            cuts = [0, max(1, n // 5)]
            cuts += list(range(cuts[1] + self.rows_per_call, n, self.rows_per_call))
        cuts.append(n)
        return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        d = inst.d
        rng = np.random.default_rng(self.random_state)
        width = self.kernel_width or 0.75 * np.sqrt(d)
        Z = rng.random((self.n_samples, d)) < 0.5
        Z[0] = True  # the instance itself, as lime
        rows = rng.choice(inst.m, size=self.n_samples, p=inst.weights)
        dist = np.sqrt((~Z).sum(axis=1) / d) * np.sqrt(d)  # euclidean distance from all-ones
        w = np.sqrt(np.exp(-(dist**2) / width**2))
        outs = []
        pred = None
        params = {
            "budget": self.n_samples,
            "n_samples": self.n_samples,
            "kernel_width": float(width),
            "alpha": self.alpha,
        }
        for sl in self._batches():
            out = predict_paired(model, inst, Z[sl], rows[sl])
            outs.append(out)
            if pred is None:
                pred = out[0]
            Y = np.concatenate(outs)
            n = len(Y)
            coef, intercept, r2 = weighted_ridge(Z[:n].astype(float), Y, w[:n], self.alpha)
            done = n >= self.n_samples
            yield Explanation(
                values=coef,
                base_values=intercept,
                prediction=pred,
                output_names=list(model.output_names),
                feature_names=list(inst.feature_names),
                data=inst.x,
                method=self.name,
                params={
                    **params,
                    "r2": [round(float(r), 4) for r in r2],
                    "background": dict(inst.background_info),
                    **grouping(inst),
                },
                n_evals=n,
                done=done,
                modality="tabular",
            )
