"""Any model on rows as a :class:`~.tabular.TabularModel`: a Keras model or a torch module
by its own adapter (their modules load only for them), else
:meth:`TabularModel.from_any` (scikit-learn estimators and pipelines, callables). Above
:mod:`.tabular`, :mod:`.keras` and :mod:`.torch_tabular`, which build on ``TabularModel``.

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> tabular_model(LinearRegression().fit(X, X @ [1, 2, 3])).output_names
    ['prediction']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._detect import is_keras_model, is_torch_module
from .tabular import TabularModel


def tabular_model(
    model: Any, *, output_names: Sequence[str] | None = None, model_output: str = "auto"
) -> TabularModel:
    """``model`` adapted to rows (options as :meth:`TabularModel.from_any`)."""
    if isinstance(model, TabularModel):
        return model
    deep = _deep_learning(model, output_names, model_output)
    if deep is not None:  # before the duck typing: a Keras model has fit and predict
        return deep
    return TabularModel.from_any(model, output_names=output_names, model_output=model_output)


def _deep_learning(model: Any, output_names: Any, model_output: str) -> TabularModel | None:
    """A torch module or Keras model on rows, adapted (their modules load lazily)."""
    from .keras import keras_tabular_model

    if is_keras_model(model):  # before torch: on the torch backend it is a module too
        return keras_tabular_model(model, output_names=output_names, model_output=model_output)
    if is_torch_module(model):
        from .torch_tabular import TorchTabularModel

        return TorchTabularModel(model, output_names=output_names, model_output=model_output)
    return None
