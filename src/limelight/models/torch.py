"""Vision models: torch modules (batched forward, gradients, layer hooks) and plain
callables on image batches. torch is imported only when a torch model is adapted.

    >>> import torch                                                    # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2))  # doctest: +SKIP
    >>> m = TorchModel(net)                                             # doctest: +SKIP
    >>> m.predict(np.zeros((5, 3, 2, 2), np.float32)).shape             # doctest: +SKIP
    (5, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import InputError, MethodError, ModelError
from ._torch_state import ModuleView, hook, refuse_script
from .base import Model, check_finite

OUTPUTS = ("raw", "softmax", "sigmoid")


def _names(names: Sequence[str] | None, k: int) -> list[str]:
    if names is None:
        return [f"class {i}" for i in range(k)] if k > 1 else ["output"]
    names = [str(n) for n in names]
    if len(names) != k:
        raise InputError(
            f"{len(names)} output_names for a model with {k} outputs",
            fix=f"pass {k} names, or leave output_names out",
        )
    return names


def differentiate(y: Any, x: Any, *, retain_graph: bool):
    """``torch.autograd.grad(y, x)``, or a :class:`MethodError` that names the methods that
    need no gradients when the module's output does not depend differentiably on x (it
    detaches, rounds, goes through numpy, or returns integers)."""
    import torch

    try:
        return torch.autograd.grad(y, x, retain_graph=retain_graph)
    except RuntimeError as exc:
        raise MethodError(
            f"the model's output cannot be differentiated with respect to its input ({exc})",
            fix="use a perturbation method, which needs no gradients: method='occlusion', "
            "'shapley' or 'lime'",
        ) from None


class TorchModel(Model):
    """A torch module (or any callable on tensors) taking a batch ``(n, *input_shape)``.

    ``output``: ``"raw"`` (what the module returns, e.g. logits; the default, as captum
    does), ``"softmax"`` or ``"sigmoid"``. Gradients are taken of that output.
    """

    kind = "torch"
    differentiable = True

    def __init__(
        self,
        module: Any,
        *,
        output: str = "raw",
        output_names: Sequence[str] | None = None,
        device: Any = None,
    ) -> None:
        import torch

        if output not in OUTPUTS:
            raise InputError(f"unknown model output {output!r}", fix=f"use one of {OUTPUTS}")
        self._torch = torch
        self.view = ModuleView(module)  # the run's own eval-mode copy, the user's weights
        self.module = self.view.module
        self.output = output
        params = self.view.parameters
        self.device = (
            torch.device(device)
            if device is not None
            else (params[0].device if params else torch.device("cpu"))
        )
        self.dtype = params[0].dtype if params and params[0].is_floating_point() else torch.float32
        self._names = output_names
        super().__init__([])

    def bind(self, example: np.ndarray) -> TorchModel:
        """Learn the number of outputs from one probe call on ``example`` (one input)."""
        out = self.predict(example[None])
        self.output_names = _names(self._names, out.shape[1])
        self.calls, self.rows = 0, 0
        return self

    def first_conv_channels(self) -> int | None:
        """``in_channels`` of the module's first Conv2d, if it has one."""
        for m in getattr(self.module, "modules", list)():
            if type(m).__name__ in ("Conv2d", "LazyConv2d") and hasattr(m, "in_channels"):
                return int(m.in_channels) or None
        return None

    def tensor(self, batch: np.ndarray, *, grad: bool = False):
        t = self._torch.as_tensor(np.ascontiguousarray(batch), device=self.device)
        t = t.to(self.dtype)
        return t.requires_grad_(True) if grad else t

    def _head(self, out):
        if hasattr(out, "logits"):
            out = out.logits
        if not self._torch.is_tensor(out):
            raise ModelError(
                f"the module returned a {type(out).__name__}, not a tensor",
                fix="wrap it so forward returns the (n, k) scores tensor",
            )
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2:
            raise ModelError(
                f"the module returned shape {tuple(out.shape)}; expected (n, k) scores",
                fix="return one row of class scores per image",
            )
        if self.output == "softmax":
            return self._torch.softmax(out, dim=1)
        if self.output == "sigmoid":
            return self._torch.sigmoid(out)
        return out

    def forward(self, t):
        try:
            return self._head(self.module(t))
        except (InputError, ModelError):
            raise
        except Exception as exc:  # the user's module failed on our batch
            raise ModelError(
                f"the model failed on a batch of shape {tuple(t.shape)}: "
                f"{type(exc).__name__}: {exc}",
                fix="check the image layout and channels the model expects (layout=, transform=)",
            ) from exc

    def _predict(self, batch: Any) -> np.ndarray:
        with self._torch.inference_mode(), self.view.calling():
            out = self.forward(self.tensor(batch))
        return out.detach().to("cpu", self._torch.float64).numpy()

    def gradients(self, batch: np.ndarray, targets: Sequence[int], *, weights=None):
        """Gradients of each target output w.r.t. the input, float32 ``(m, n, *shape)``, and
        the outputs ``(n, k)``. One forward, one backward per target. With ``weights``
        ``(n,)``: the weighted sum over the batch instead, ``(m, *shape)``, summed in torch
        (integrated gradients' quadrature) so no per-row copies leave torch."""
        torch = self._torch
        check_cancelled()
        with torch.enable_grad(), self.view.calling():
            x = self.tensor(batch, grad=True)
            out = self.forward(x)
            w = None if weights is None else torch.as_tensor(weights, dtype=out.dtype)
            grads = []
            for i, t in enumerate(targets):
                y = out[:, t].sum() if w is None else (out[:, t] * w).sum()
                (g,) = differentiate(y, x, retain_graph=i < len(targets) - 1)
                grads.append((g if w is None else g.sum(0)).detach())
        self.calls += 1
        self.rows += len(batch)
        g = grads[0][None] if len(grads) == 1 else torch.stack(grads)  # one target: no copy
        g = check_finite(g.to("cpu", torch.float32).numpy(), "had gradients of", len(batch))
        return g, out.detach().to("cpu", torch.float64).numpy()

    def layer_gradients(self, batch: np.ndarray, targets: Sequence[int], layer: Any):
        """Activations ``(n, ...)`` of ``layer`` and gradients of each target w.r.t. them
        ``(m, n, ...)``, plus the outputs ``(n, k)`` (for Grad-CAM)."""
        torch = self._torch
        seen = {}

        def record(_mod, _inp, out):
            seen["a"] = out[0] if isinstance(out, tuple) else out

        check_cancelled()
        handle = hook(layer, record, purpose="Grad-CAM")
        try:
            with torch.enable_grad(), self.view.calling():
                x = self.tensor(batch, grad=True)
                out = self.forward(x)
                if "a" not in seen:
                    raise MethodError(
                        f"the layer {type(layer).__name__} was not called in the forward pass",
                        fix="pass layer= a module the forward pass runs (e.g. the last Conv2d)",
                    )
                act = seen["a"]
                grads = []
                for i, t in enumerate(targets):
                    (g,) = differentiate(out[:, t].sum(), act, retain_graph=i < len(targets) - 1)
                    grads.append(g.detach().to("cpu", torch.float64).numpy())
        finally:
            handle.remove()
        self.calls += 1
        self.rows += len(batch)
        return (
            act.detach().to("cpu", torch.float64).numpy(),
            np.stack(grads),
            out.detach().to("cpu", torch.float64).numpy(),
        )

    def find_layer(self, layer: Any = None):
        """The module's sub-layer by object or dotted name (default: its last Conv2d)."""
        refuse_script(self.module, "Grad-CAM")
        if layer is not None and not isinstance(layer, str):
            return self.view.of(layer)
        if isinstance(layer, str):
            try:
                return self.module.get_submodule(layer)
            except AttributeError:
                names = [n for n, _ in self.module.named_modules() if n][:12]
                raise InputError(
                    f"the model has no layer named {layer!r}",
                    fix=f"use one of {names}",
                ) from None
        convs = [m for m in self.module.modules() if type(m).__name__ == "Conv2d"]
        if not convs:
            raise InputError(
                "Grad-CAM needs a convolutional layer and the model has no Conv2d",
                fix="pass layer=<the module whose feature maps to use>, or use "
                "method='integrated_gradients'",
            )
        return convs[-1]


class ImageFunction(Model):
    """A plain callable ``f(batch) -> scores`` on image batches ``(n, *input_shape)``
    (numpy float32). Not differentiable: gradient methods refuse it."""

    kind = "function"
    differentiable = False

    def __init__(self, fn: Callable[[np.ndarray], Any], *, output_names=None) -> None:
        if not callable(fn):
            raise InputError(
                f"a {type(fn).__name__} is not a model",
                fix="pass a torch module or a function f(images) -> scores",
            )
        self.fn = fn
        self._names = output_names
        super().__init__([])

    def bind(self, example: np.ndarray) -> ImageFunction:
        out = self.predict(example[None])
        self.output_names = _names(self._names, out.shape[1])
        self.calls, self.rows = 0, 0
        return self

    def first_conv_channels(self) -> int | None:
        return None

    def _predict(self, batch: Any) -> np.ndarray:
        try:
            out = self.fn(batch)
        except Exception as exc:
            raise ModelError(
                f"the model failed on a batch of shape {tuple(np.shape(batch))}: "
                f"{type(exc).__name__}: {exc}",
                fix="make it accept a batch of images (n, *image_shape), or pass layout=/"
                "transform=",
            ) from exc
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != len(batch):
            raise ModelError(
                f"the model returned shape {out.shape} for {len(batch)} images",
                fix="return one row of scores per image, shape (n, k)",
            )
        return out
