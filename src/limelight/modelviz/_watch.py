"""Ready-made loggers for a `Monitor`: a Keras callback and a torch watcher that logs
each layer's weight and gradient norms every N training steps."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError
from ._torch import walk


def keras_callback(mon: Any, run: str):
    import keras

    class LimelightMonitor(keras.callbacks.Callback):
        """Logs every batch's metrics, and every epoch's at the batch count reached."""

        def __init__(self) -> None:
            super().__init__()
            self.step = 0

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if logs:
                mon.log(self.step, run=run, **{k: float(v) for k, v in logs.items()})

        def on_epoch_end(self, epoch, logs=None):
            if logs:
                mon.log(
                    self.step,
                    run=run,
                    **{
                        f"epoch_{k}" if not k.startswith("val_") else k: float(v)
                        for k, v in logs.items()
                    },
                )

    return LimelightMonitor()


class TorchWatch:
    """Counts training steps by the module's forward passes with gradients enabled; every
    ``every``-th step logs ``weight_norm`` and, once its backward pass has run,
    ``grad_norm`` for each layer as run ``<run>/<layer>`` (two panels, a line per layer;
    L2 norm of the layer's own parameters, gradients read after
    they are accumulated: ``.grad`` is only read)."""

    def __init__(self, mon: Any, module: Any, *, every: int, run: str) -> None:
        import torch

        if not isinstance(module, torch.nn.Module):
            raise InputError(
                f"watch() takes a torch module, not a {type(module).__name__}",
                fix="mon.watch(net, every=10)",
            )
        if int(every) < 1:
            raise InputError(f"every={every} must be at least 1", fix="use every=10")
        self.mon, self.every, self.run = mon, int(every), run
        self.step = 0
        self._grads: dict[str, float] = {}
        self._grad_step = None
        self.layers = {
            n or "(model)": m
            for n, m, again in walk(module)
            if again is None and list(m.parameters(recurse=False))
        }
        self._handles = [module.register_forward_pre_hook(self._forward)]
        for name, m in self.layers.items():
            for p in m.parameters(recurse=False):
                if p.requires_grad:
                    self._handles.append(
                        p.register_post_accumulate_grad_hook(
                            lambda p, name=name: self._grad(name, p)
                        )
                    )

    def _forward(self, _module, _inputs) -> None:
        import torch

        if not torch.is_grad_enabled():
            return
        self._flush_grads()
        self.step += 1
        if self.step % self.every:
            return
        with torch.no_grad():
            for name, m in self.layers.items():
                sq = sum(
                    float(p.detach().float().pow(2).sum()) for p in m.parameters(recurse=False)
                )
                self.mon.log(self.step, run=f"{self.run}/{name}", weight_norm=math.sqrt(sq))
        self._grad_step = self.step

    def _grad(self, name: str, p: Any) -> None:
        if self._grad_step is not None and p.grad is not None:
            self._grads[name] = self._grads.get(name, 0.0) + float(
                p.grad.detach().float().pow(2).sum()
            )

    def _flush_grads(self) -> None:
        if self._grad_step is not None and self._grads:
            for n, v in self._grads.items():
                self.mon.log(self._grad_step, run=f"{self.run}/{n}", grad_norm=math.sqrt(v))
        self._grads, self._grad_step = {}, None

    def remove(self) -> None:
        """Stop watching (logs the last gradient norms) and remove every hook."""
        self._flush_grads()
        for h in self._handles:
            h.remove()
        self._handles = []
