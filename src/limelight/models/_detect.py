"""What kind of model an object is, read without importing its library (a library that is
not loaded made no object): a torch module, a Keras model."""

from __future__ import annotations

import sys
from typing import Any


def is_torch_module(obj: Any) -> bool:
    """True for a ``torch.nn.Module`` (checked without importing torch)."""
    return any(
        c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(obj).__mro__
    )


def is_keras_model(obj: Any) -> bool:
    """True for a Keras 3 model (keras is not imported: if it is not loaded, it is not one)."""
    keras = sys.modules.get("keras")
    model = getattr(keras, "Model", None)
    return model is not None and isinstance(obj, model)
