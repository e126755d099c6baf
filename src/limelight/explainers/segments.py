"""Shapley values and LIME over image segments (a grid or superpixels).

A segment is hidden by replacing its pixels with the baseline (``"mean"`` colour by
default). Each pixel of the map carries its segment's value; ``extras["segment_values"]``
``(m, S)`` holds the per-segment numbers (they add up to f(x) − f(all hidden) for
Shapley) and ``extras["segments"]`` the ``(h, w)`` labels.

    >>> SegmentShapley(budget=512, random_state=0).budget
    512
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.image import ImageInstance, baseline_image, make_segments
from ..models.base import Model
from ._image import ImageExplainer, json_safe


class _Segments(ImageExplainer):
    max_batch = 64

    def __init__(
        self,
        *,
        segments: Any = "grid",
        n_segments: int = 49,
        baseline: Any = "mean",
        budget: int = 1024,
        random_state: int | None = None,
        targets=None,
        batch_size=None,
    ) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        if int(budget) < 4:
            raise InputError(f"budget={budget}", fix="use budget >= 4 model evaluations")
        self._segments = segments
        self.segments = json_safe(segments)
        self.n_segments = int(n_segments)
        self._baseline = baseline
        self.baseline = json_safe(baseline)
        self.budget = int(budget)
        self.random_state = random_state

    def _setup(self, instance: ImageInstance):
        labels = make_segments(instance, self._segments, n_segments=self.n_segments)
        return labels, int(labels.max()) + 1, baseline_image(instance, self._baseline)

    @staticmethod
    def _masked(instance: ImageInstance, labels, base_img, keep: np.ndarray) -> np.ndarray:
        """Images with the segments where ``keep`` (n, S) is False set to the baseline."""
        pix = instance.spatial_mask(keep[:, labels])
        return np.where(pix, instance.input[None], base_img[None]).astype(np.float32)

    def _result(self, model, instance, labels, seg_values, **kw) -> Explanation:
        extras = {"segment_values": seg_values, "segments": labels}
        extras.update(kw.pop("extras", {}))
        return self._explanation(model, instance, seg_values[:, labels], extras=extras, **kw)


class SegmentShapley(_Segments):
    """Shapley values of segments by antithetic permutation sampling (each permutation and
    its reverse), ``budget`` model rows in all, partials with a standard error after
    each batch. Every permutation's values add up exactly to f(x) − f(all hidden)."""

    name = "shapley"

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        labels, S, base_img = self._setup(instance)
        rng = np.random.default_rng(self.random_state)
        ends = model.predict(np.stack([instance.input, base_img]))
        pred, base = ends[0], ends[1]
        targets = self._targets(len(pred))
        bs, due = self._batch(instance), self._pacer()
        n_perm = max(2, 2 * ((self.budget - 2) // (2 * max(S - 1, 1))))
        per_batch = max(2, 2 * (bs // (2 * max(S - 1, 1))))
        s1 = np.zeros((len(targets), S))
        s2 = np.zeros_like(s1)
        done_perm, n_evals = 0, 2
        while done_perm < n_perm:
            b = min(per_batch, n_perm - done_perm)
            perms = []
            for _ in range(b // 2):
                p = rng.permutation(S)
                perms += [p, p[::-1]]
            # coalitions after adding the first 1..S-1 segments of each permutation
            keep = np.zeros((len(perms), S - 1, S), dtype=bool)
            for i, p in enumerate(perms):
                for j in range(S - 1):
                    keep[i, j, p[: j + 1]] = True
            out = model.predict(self._masked(instance, labels, base_img, keep.reshape(-1, S)))
            out = out[:, targets].reshape(len(perms), S - 1, len(targets))
            t0, t1 = base[targets], pred[targets]
            for i, p in enumerate(perms):
                path = np.vstack([t0, out[i], t1])  # (S+1, m)
                phi = np.empty((len(targets), S))
                phi[:, p] = np.diff(path, axis=0).T
                s1 += phi
                s2 += phi**2
            done_perm += len(perms)
            n_evals += len(perms) * (S - 1)
            if not due(done_perm >= n_perm):
                continue
            mean = s1 / done_perm
            var = np.maximum(s2 / done_perm - mean**2, 0) * done_perm / max(done_perm - 1, 1)
            yield self._result(
                model,
                instance,
                labels,
                mean,
                pred=pred,
                base=base,
                n_evals=n_evals,
                done=done_perm >= n_perm,
                budget=self.budget,
                stderr=np.sqrt(var / done_perm)[:, labels],
            )


class SegmentLime(_Segments):
    """LIME over segments: Bernoulli(½) segment masks, cosine-distance exponential kernel
    (``kernel_width`` 0.25, as lime's image explainer), weighted ridge (``alpha``) per
    target, refitted after each batch. ``base_values`` are the surrogate's intercepts."""

    name = "lime"

    def __init__(self, *, kernel_width: float = 0.25, alpha: float = 1.0, **kw: Any) -> None:
        super().__init__(**kw)
        self.kernel_width = float(kernel_width)
        self.alpha = float(alpha)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        from sklearn.linear_model import Ridge

        labels, S, base_img = self._setup(instance)
        rng = np.random.default_rng(self.random_state)
        z = rng.integers(0, 2, size=(self.budget, S)).astype(bool)
        z[0] = True
        cos = z.sum(1) / np.sqrt(np.maximum(z.sum(1), 1) * S)
        # lime's kernel: sqrt(exp(-d^2 / width^2)) on the cosine distance to the full image
        weights = np.sqrt(np.exp(-((1 - cos) ** 2) / self.kernel_width**2))
        ys = []
        bs, due = self._batch(instance), self._pacer()
        for start in range(0, self.budget, bs):
            zb = z[start : start + bs]
            ys.append(model.predict(self._masked(instance, labels, base_img, zb)))
            if not due(start + bs >= self.budget):
                continue
            y = np.vstack(ys)
            n = len(y)
            targets = self._targets(y.shape[1])
            fit = Ridge(alpha=self.alpha).fit(
                z[:n].astype(float), y[:, targets], sample_weight=weights[:n]
            )
            coef = np.atleast_2d(fit.coef_)
            intercept = np.zeros(y.shape[1])
            intercept[targets] = fit.intercept_
            yield self._result(
                model,
                instance,
                labels,
                coef,
                pred=y[0],
                base=intercept,
                n_evals=n,
                done=n >= self.budget,
                budget=self.budget,
                extras={
                    "score": np.atleast_1d(
                        fit.score(z[:n].astype(float), y[:, targets], sample_weight=weights[:n])
                    )
                },
            )
