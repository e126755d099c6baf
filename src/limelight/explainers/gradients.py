"""Gradient saliency for torch vision models: saliency, gradient × input, integrated
gradients, SmoothGrad and Grad-CAM. Same definitions as captum's ``Saliency``,
``InputXGradient``, ``IntegratedGradients`` (Gauss–Legendre), ``NoiseTunnel(Saliency)``
and ``LayerGradCam``; maps are summed over channels, per-channel attributions are kept in
``extras["channels"]``.

    >>> ImageIntegratedGradients(n_steps=32, baseline=0.0).n_steps
    32
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import InputError, MethodError
from ..explanation import Explanation
from ..inputs.image import ImageInstance, baseline_image
from ..models.base import Model
from ._completeness import MAX_STEPS, refined
from ._image import ImageExplainer, json_safe

PERTURBATION_FIX = (
    "use method='occlusion' (or 'shapley' / 'lime' over segments), which only call the "
    "model; gradient methods need a torch module"
)


class _Gradients(ImageExplainer):
    # A backward pass keeps every activation: per-row cost rises past ~300k input values a
    # call, about 1/5 of the forward-only limit (measured, 2-core CPU: a 224x224 conv net
    # 7.0 ms/row fwd+bwd at 2 rows, 8.4 at 5, 9.2 at 10; a digits CNN 0.37 ms/row at 15,
    # 0.42 at 10, 0.47 at 60).
    BATCH_VALUES = 300_000
    max_batch = 16

    def _check(self, model: Model) -> None:
        if not getattr(model, "differentiable", False) or not hasattr(model, "gradients"):
            raise MethodError(
                f"{self.name} needs gradients and this model is not differentiable",
                fix=PERTURBATION_FIX,
            )

    @staticmethod
    def _maps(inst: ImageInstance, attr: np.ndarray) -> np.ndarray:
        """(m, *input_shape) -> (m, h, w), summed over channels."""
        if inst.channel_axis is None:
            return attr
        return attr.sum(axis=1 + inst.channel_axis)

    def _ends(self, model: Model, inst: ImageInstance, base_img: np.ndarray | None):
        rows = [inst.input] if base_img is None else [inst.input, base_img]
        out = model.predict(np.stack(rows))
        return out[0], (out[1] if base_img is not None else np.zeros_like(out[0]))


class Saliency(_Gradients):
    """|∂ output / ∂ pixel| (``abs=False``: the signed gradient).

    >>> Saliency().abs
    True
    """

    name = "saliency"

    def __init__(self, *, abs: bool = True, targets=None, batch_size=None) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        self.abs = bool(abs)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        self._check(model)
        k = len(model.output_names)
        grads, out = model.gradients(instance.input[None], self._targets(k))
        attr = np.abs(grads[:, 0]) if self.abs else grads[:, 0]
        pred = out[0]
        yield self._explanation(
            model,
            instance,
            self._maps(instance, attr),
            pred=pred,
            base=np.zeros_like(pred),
            n_evals=1,
            done=True,
            extras={"channels": attr},
        )


class ImageGradientXInput(_Gradients):
    """Gradient × (input − baseline), per pixel summed over channels (captum's
    ``InputXGradient`` when the baseline is 0)."""

    name = "gradient_x_input"

    def __init__(self, *, baseline: Any = 0.0, targets=None, batch_size=None) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        self._baseline = baseline
        self.baseline = json_safe(baseline)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        self._check(model)
        base_img = baseline_image(instance, self._baseline)
        grads, out = model.gradients(instance.input[None], self._targets(len(model.output_names)))
        attr = grads[:, 0] * (instance.input - base_img)[None]
        base = model.predict(base_img[None])[0]
        yield self._explanation(
            model,
            instance,
            self._maps(instance, attr),
            pred=out[0],
            base=base,
            n_evals=2,
            done=True,
            extras={"channels": attr},
        )


class ImageIntegratedGradients(_Gradients):
    """Integrated gradients from ``baseline`` (0, ``"mean"``, ``"blur"`` or an array) with
    ``n_steps`` Gauss–Legendre nodes, ``batch_size`` per backward pass, interleaved so each
    partial is a coarser estimate of the same integral. ``extras["completeness_error"]``:
    |Σ values − (f(x) − f(baseline))| per target; over 1% of the gap, the steps double up
    to ``max_steps`` (then a ``CompletenessWarning`` and ``params["completeness_note"]``)."""

    name = "integrated_gradients"
    # all the steps of a run in one backward pass when they fit BATCH_VALUES, as captum
    # does (a 3x32x32 CNN: 1.0 ms a step at 16 a call, see bench/gradients.py)
    max_batch = 128

    def __init__(
        self,
        *,
        n_steps: int = 50,
        baseline: Any = 0.0,
        targets=None,
        batch_size=None,
        max_steps: int = MAX_STEPS,
    ):
        super().__init__(targets=targets, batch_size=batch_size)
        if int(n_steps) < 1:
            raise InputError(f"n_steps={n_steps}", fix="use n_steps >= 1 (50 is usual)")
        self.n_steps = int(n_steps)
        self.max_steps = max(int(max_steps), self.n_steps)
        self._baseline = baseline
        self.baseline = json_safe(baseline)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        self._check(model)
        base_img = baseline_image(instance, self._baseline)
        ends = self._ends(model, instance, base_img)
        run = lambda steps: self._run(model, instance, base_img, ends, steps)  # noqa: E731
        return refined(run, self.n_steps, self.max_steps)

    def _run(self, model, instance, base_img, ends, n_steps: int) -> Iterator[Explanation]:
        x = instance.input
        delta = (x - base_img).astype(np.float64)
        alphas, weights = _gauss_legendre(n_steps)
        order = np.concatenate([np.arange(0, n_steps, 2), np.arange(1, n_steps, 2)])
        pred, base = ends
        targets = self._targets(len(pred))
        acc, wsum, n_evals = 0.0, 0.0, 2
        bs, due = self._batch(instance), self._pacer()
        for start in range(0, n_steps, bs):
            idx = order[start : start + bs]
            a = alphas[idx].reshape(-1, *([1] * x.ndim)).astype(np.float32)
            batch = base_img[None] + a * (x - base_img)[None]
            part, _ = model.gradients(batch, targets, weights=weights[idx])
            acc = acc + part
            wsum += weights[idx].sum()
            n_evals += len(idx)
            if not due(start + bs >= n_steps):
                continue
            attr = acc / wsum * delta[None]
            maps = self._maps(instance, attr)
            err = np.abs(maps.sum(axis=(1, 2)) - (pred - base)[targets])
            yield self._explanation(
                model,
                instance,
                maps,
                pred=pred,
                base=base,
                n_evals=n_evals,
                done=start + bs >= n_steps,
                budget=n_steps + 2,
                extras={"channels": attr, "completeness_error": err},
            )


class SmoothGrad(_Gradients):
    """Mean saliency over ``n_samples`` noisy copies (Gaussian noise with standard
    deviation ``noise`` × the input's value range; ``stdev=`` sets it directly), as
    captum's ``NoiseTunnel(Saliency(...), nt_type="smoothgrad")``. ``stderr`` per pixel."""

    name = "smoothgrad"

    def __init__(
        self,
        *,
        n_samples: int = 20,
        noise: float = 0.15,
        stdev: float | None = None,
        abs: bool = True,
        random_state: int | None = None,
        targets=None,
        batch_size=None,
    ) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        if int(n_samples) < 1:
            raise InputError(f"n_samples={n_samples}", fix="use n_samples >= 1 (20 is usual)")
        self.n_samples = int(n_samples)
        self.noise = float(noise)
        self.stdev = None if stdev is None else float(stdev)
        self.abs = bool(abs)
        self.random_state = random_state

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        self._check(model)
        x = instance.input
        sd = self.stdev if self.stdev is not None else self.noise * float(x.max() - x.min())
        rng = np.random.default_rng(self.random_state)
        pred, _ = self._ends(model, instance, None)
        targets = self._targets(len(pred))
        s1 = s2 = chan = 0.0
        bs, due = self._batch(instance), self._pacer()
        n = 0
        for start in range(0, self.n_samples, bs):
            b = min(bs, self.n_samples - start)
            grads, _ = model.gradients(_noisy(rng, x, sd, b), targets)
            if self.abs:
                np.abs(grads, out=grads)
            maps = grads if instance.channel_axis is None else grads.sum(2 + instance.channel_axis)
            s1, s2, chan = s1 + maps.sum(1), s2 + (maps**2).sum(1), chan + grads.sum(1)
            n += b
            if not due(n >= self.n_samples):
                continue
            mean = s1 / n
            var = np.maximum(s2 / n - mean**2, 0.0) * (n / max(n - 1, 1))
            yield self._explanation(
                model,
                instance,
                mean,
                pred=pred,
                base=np.zeros_like(pred),
                n_evals=n + 1,
                done=n >= self.n_samples,
                stderr=np.sqrt(var / n),
                budget=self.n_samples + 1,
                extras={"channels": chan / n},
            )


@lru_cache(maxsize=16)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [0, 1], as captum's "gausslegendre" (cached: ~0.5 ms each)."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return 0.5 * (1 + nodes), 0.5 * weights


def _noisy(rng: np.random.Generator, x: np.ndarray, sd: float, n: int) -> np.ndarray:
    """``n`` copies of ``x`` plus Gaussian noise of standard deviation ``sd``, float32.
    The noise is drawn by torch (about 2x faster than numpy here) through a generator
    seeded from ``rng``, so ``random_state`` still fixes it, and scaled and shifted in
    place: one buffer, no temporaries of the batch's size."""
    try:
        import torch
    except ImportError:  # pragma: no cover - SmoothGrad runs on torch models only
        return x[None] + np.float32(sd) * rng.standard_normal((n, *x.shape), dtype=np.float32)
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    t = torch.randn((n, *x.shape), generator=gen)
    t.mul_(float(np.float32(sd))).add_(torch.from_numpy(np.ascontiguousarray(x, np.float32)))
    return t.numpy()


class GradCam(_Gradients):
    """Grad-CAM on ``layer`` (a module or its dotted name; default: the last Conv2d):
    ReLU(Σ_c mean(∂y/∂A_c) · A_c), upsampled to the input (``upsample``: "bilinear" or
    "nearest"). ``relu=False`` keeps negative evidence. ``extras["layer_map"]`` is the
    map at the layer's resolution."""

    name = "gradcam"

    def __init__(
        self,
        *,
        layer: Any = None,
        relu: bool = True,
        upsample: str = "bilinear",
        targets=None,
        batch_size=None,
    ) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        if upsample not in ("bilinear", "nearest"):
            raise InputError(f"upsample={upsample!r}", fix="use 'bilinear' or 'nearest'")
        self._layer = layer
        self.layer = layer if isinstance(layer, str) or layer is None else type(layer).__name__
        self.relu = bool(relu)
        self.upsample = upsample

    def check(self, model: Model, instance: ImageInstance) -> None:
        """A layer the network lacks fails at plan time, not in the thread."""
        self._check(model)
        model.find_layer(self._layer)

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        self._check(model)
        import torch
        import torch.nn.functional as F

        layer = model.find_layer(self._layer)
        targets = self._targets(len(model.output_names))
        act, grads, out = model.layer_gradients(instance.input[None], targets, layer)
        if act.ndim != 4:
            raise InputError(
                f"Grad-CAM needs a layer with (n, C, h, w) feature maps; this one gives "
                f"{act.ndim}-D output",
                fix="pass layer= a convolutional layer",
            )
        weights = grads.mean(axis=(-2, -1), keepdims=True)  # (m, 1, C, 1, 1)
        cam = (weights * act[None]).sum(axis=2)[:, 0]  # (m, h', w')
        if self.relu:
            cam = np.maximum(cam, 0.0)
        h, w = instance.spatial_shape
        kw = {"align_corners": False} if self.upsample == "bilinear" else {}
        up = F.interpolate(torch.from_numpy(cam[:, None]), size=(h, w), mode=self.upsample, **kw)
        pred = out[0]
        yield self._explanation(
            model,
            instance,
            up[:, 0].numpy(),
            pred=pred,
            base=np.zeros_like(pred),
            n_evals=1,
            done=True,
            extras={"layer_map": cam},
        )
