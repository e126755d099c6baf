"""Keras 3 models, recognised before scikit-learn's duck typing (they have ``fit`` and
``predict`` too).

Perturbation methods work with any backend: the model is called with
``predict_on_batch`` (no progress bar). With the torch backend (``KERAS_BACKEND=torch``)
the model is differentiable: gradient methods and Grad-CAM (on its last ``Conv2D``, or
``layer=`` by name) run through torch autograd. Images get the layout the model's input
shape says (channels-last for Keras' default ``(None, H, W, C)``).

    >>> m = keras_image_model(model)                 # doctest: +SKIP
    >>> m.predict(np.zeros((2, 28, 28, 1))).shape    # doctest: +SKIP
    (2, 10)
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from .tabular import TabularModel
from .torch import ImageFunction, TorchModel


def keras_backend() -> str:
    return str(sys.modules["keras"].backend.backend())


def _predict_fn(model: Any):
    def predict(batch: Any) -> np.ndarray:
        out = model.predict_on_batch(np.asarray(batch, dtype=np.float32))
        return np.asarray(out[0] if isinstance(out, (list, tuple)) else out, dtype=np.float64)

    return predict


def input_shape(model: Any) -> tuple | None:
    """The model's input shape without the batch axis, e.g. ``(28, 28, 1)`` (None if unknown)."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list):
        shape = shape[0]
    return tuple(shape[1:]) if shape is not None else None


# -- tabular -----------------------------------------------------------------------------
def keras_tabular_model(model: Any, *, output_names: Any, model_output: str) -> TabularModel:
    """A Keras model on rows: differentiable with the torch backend, else perturbation only."""
    if model_output not in ("auto", "raw", "predict", "decision"):
        raise InputError(
            f"model_output={model_output!r} for a Keras model",
            fix="leave model_output='auto': a Keras model's outputs are explained as it "
            "returns them (end it with a softmax layer for probabilities)",
        )
    if keras_backend() == "torch":
        from .torch_tabular import TorchTabularModel

        class KerasTorchTabular(TorchTabularModel):
            def _forward(self, t: Any) -> Any:
                return _keras_call(self.module, t)

        return KerasTorchTabular(model, output_names=output_names)
    return TabularModel(_predict_fn(model), output_names=output_names, kind="regressor")


def _keras_call(model: Any, t: Any) -> Any:
    try:
        out = model(t, training=False)
    except Exception as exc:
        raise ModelError(
            f"the Keras model raised {type(exc).__name__}: {exc} on a batch of shape "
            f"{tuple(t.shape)}",
            fix=f"pass inputs of the model's shape {input_shape(model)}",
        ) from exc
    out = out[0] if isinstance(out, (list, tuple)) else out
    return out[:, None] if out.ndim == 1 else out


# -- images ------------------------------------------------------------------------------
class KerasTorchImage(TorchModel):
    """A Keras model on the torch backend, seen as a torch image model (same gradients)."""

    def forward(self, t):
        return self._head(_keras_call(self.module, t))

    def first_conv_channels(self) -> int | None:
        return None  # the input was already shaped from model.input_shape

    def find_layer(self, layer: Any = None):
        keras = sys.modules["keras"]
        if isinstance(layer, str):
            try:
                return self.module.get_layer(layer)
            except ValueError:
                names = [lyr.name for lyr in self.module.layers][:12]
                raise InputError(
                    f"the model has no layer named {layer!r}", fix=f"use one of {names}"
                ) from None
        if layer is not None:
            return layer
        convs = [lyr for lyr in self.module.layers if isinstance(lyr, keras.layers.Conv2D)]
        if not convs:
            raise InputError(
                "Grad-CAM needs a Conv2D layer and this Keras model has none",
                fix="pass layer=<the name of the layer whose feature maps to use>, or use "
                "method='integrated_gradients'",
            )
        return convs[-1]

    def layer_gradients(self, batch: np.ndarray, targets, layer: Any):
        """As :meth:`TorchModel.layer_gradients`, through a Keras sub-model that returns
        the layer's activations beside the outputs (activations channels-last are moved
        to channels-first, as Grad-CAM reads them)."""
        torch, keras = self._torch, sys.modules["keras"]
        sub = keras.Model(self.module.inputs, [layer.output, self.module.outputs[0]])
        with torch.enable_grad():
            x = self.tensor(batch, grad=True)
            act, out = sub(x, training=False)
            out = self._head(out[:, None] if out.ndim == 1 else out)
            grads = [
                torch.autograd.grad(out[:, t].sum(), act, retain_graph=i < len(targets) - 1)[0]
                for i, t in enumerate(targets)
            ]
        self.calls += 1
        self.rows += len(batch)
        last = act.ndim == 4 and _channels_last()
        move = (lambda a: np.moveaxis(a, -1, 1)) if last else (lambda a: a)  # noqa: E731
        np64 = lambda a: a.detach().to("cpu", torch.float64).numpy()  # noqa: E731
        return (
            move(np64(act)),
            np.stack([move(np64(g)) for g in grads]),
            np64(out),
        )


def _channels_last() -> bool:
    return sys.modules["keras"].config.image_data_format() == "channels_last"


def keras_image_model(
    model: Any, *, output: str = "raw", output_names: Any = None, device: Any = None
) -> Any:
    """The image adapter for a Keras model: differentiable on the torch backend."""
    if keras_backend() == "torch":
        return KerasTorchImage(model, output=output, output_names=output_names, device=device)
    if output != "raw":
        raise InputError(
            f"model_output={output!r} needs the torch backend for a Keras model",
            fix="end the model with the activation you want explained",
        )
    return ImageFunction(_predict_fn(model), output_names=output_names)


def fit_input(inst: Any, model: Any) -> Any:
    """The instance with the model input laid out as ``model.input_shape`` says: ``(H, W,
    C)`` channels-last (Keras' default), ``(C, H, W)``, or ``(H, W)``; pixel scale kept."""
    from ..inputs.image import ImageInstance

    shape = input_shape(model)
    if shape is None or inst.extras.get("transform"):
        return inst
    pic = np.asarray(inst.picture, dtype=np.float32)
    hwc = pic if pic.ndim == 3 else pic[..., None]
    options = [(hwc, 2), (np.moveaxis(hwc, -1, 0), 0)] + ([(pic, None)] if pic.ndim == 2 else [])
    for arr, axis in options:
        fits = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
        if fits:
            return ImageInstance(inst.picture, np.ascontiguousarray(arr), axis, dict(inst.extras))
    raise InputError(
        f"the image has shape {inst.picture.shape} but the Keras model takes {shape}",
        fix="resize the picture to the model's input, or pass transform= that makes it",
    )
