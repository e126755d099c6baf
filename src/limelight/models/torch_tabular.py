"""torch modules on tabular rows: an ``(n, d)`` float tensor in, ``(n, k)`` scores out.

Every tabular method calls the module through :class:`TorchTabularModel` (rows become a
float tensor on the module's device, in its dtype; the run calls its own eval-mode view
of the module, :mod:`._torch_state`, so the user's flags never change); integrated gradients also use :meth:`gradients`.

    >>> import torch                                                  # doctest: +SKIP
    >>> net = torch.nn.Linear(3, 2)                                   # doctest: +SKIP
    >>> TorchTabularModel(net).predict(np.zeros((4, 3))).shape        # doctest: +SKIP
    (4, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from ._torch_state import ModuleView
from .tabular import TabularModel

OUTPUTS = {
    "auto": "raw",
    "raw": "raw",
    "decision": "raw",
    "predict": "raw",
    "proba": "proba",
    "softmax": "softmax",
    "sigmoid": "sigmoid",
}


class TorchTabularModel(TabularModel):
    """A torch module on rows. ``model_output``: ``"auto"``/``"raw"`` (what it returns, as
    captum), ``"proba"`` (softmax, or sigmoid for one output), ``"softmax"``, ``"sigmoid"``.
    """

    differentiable = True

    def __init__(
        self,
        module: Any,
        *,
        output_names: Sequence[str] | None = None,
        model_output: str = "auto",
        device: Any = None,
    ) -> None:
        import torch

        if model_output not in OUTPUTS:
            raise InputError(
                f"unknown model_output {model_output!r} for a torch module",
                fix=f"use one of {sorted(OUTPUTS)}",
            )
        self.view = ModuleView(module)  # the run's own eval-mode copy, the user's weights
        self._torch, self.module, self.head = torch, self.view.module, OUTPUTS[model_output]
        params = self.view.parameters
        self.device = (
            torch.device(device)
            if device is not None
            else (params[0].device if params else torch.device("cpu"))
        )
        floats = [p.dtype for p in params if p.is_floating_point()]
        self.dtype = floats[0] if floats else torch.float32
        kind = "regressor" if self.head == "raw" else "classifier"
        super().__init__(self._numpy_fn, output_names=output_names, kind=kind)
        if self.head != "raw":  # a sigmoid column is P(class 1): the global views cut at 0.5
            self.output_scale = "probability"

    def _tensor(self, batch: Any, *, grad: bool = False) -> Any:
        try:
            rows = np.asarray(batch, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                "a torch module on tabular rows needs numbers in every column",
                fix="encode categorical columns first (a torch module takes a float tensor)",
            ) from None
        t = self._torch.as_tensor(rows, device=self.device).to(self.dtype)
        return t.requires_grad_(True) if grad else t

    def _forward(self, t: Any) -> Any:
        try:
            out = self.module(t)
        except Exception as exc:
            raise ModelError(
                f"the torch module raised {type(exc).__name__}: {exc} on a float tensor of "
                f"shape {tuple(t.shape)}",
                fix="make the module take (n, n_features) float rows",
            ) from exc
        out = getattr(out, "logits", out)
        if not self._torch.is_tensor(out):
            raise ModelError(
                f"the module returned a {type(out).__name__}, not a tensor",
                fix="return the (n, k) scores tensor",
            )
        out = out[:, None] if out.ndim == 1 else out
        if self.head == "softmax" or (self.head == "proba" and out.shape[1] > 1):
            return out.softmax(dim=1)
        if self.head in ("sigmoid", "proba"):
            return out.sigmoid()
        return out

    def _numpy_fn(self, batch: Any) -> np.ndarray:
        with self._torch.inference_mode(), self.view.calling():
            out = self._forward(self._tensor(batch))
        return out.to("cpu", self._torch.float64).numpy()

    def gradients(self, rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(k, d)``: the ``weights``-weighted sum over ``rows`` of each output's gradient,
        and the outputs ``(n, k)``; one forward and one backward per output."""
        torch = self._torch
        with torch.enable_grad(), self.view.calling():
            x = self._tensor(rows, grad=True)
            out = self._forward(x)
            w = torch.as_tensor(np.asarray(weights), dtype=out.dtype, device=out.device)
            k = out.shape[1]
            grads = [
                torch.autograd.grad((out[:, j] * w).sum(), x, retain_graph=j < k - 1)[0].sum(0)
                for j in range(k)
            ]
        self.calls += 1
        self.rows += len(rows)
        g = torch.stack(grads).detach().to("cpu", torch.float64).numpy()
        return g, out.detach().to("cpu", torch.float64).numpy()
