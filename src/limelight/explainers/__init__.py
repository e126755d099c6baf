"""The explanation algorithms, as objects configured once and passed as ``method=``:
one class per algorithm, for any input it explains (a table's columns or feature
groups, a text's tokens, an image's segments or pixels), as captum's.

    >>> import numpy as np
    >>> import limelight as ll
    >>> X = np.random.default_rng(0).random((20, 3))
    >>> shap = ll.explainers.KernelShap(max_evals=64, random_state=0)
    >>> by_object = ll.attribute(lambda B: B @ [1.0, 2.0, 3.0], X[0], background=X, method=shap)
    >>> by_name = ll.attribute(lambda B: B @ [1.0, 2.0, 3.0], X[0], background=X,
    ...                        method="kernel", max_evals=64, random_state=0)
    >>> bool(np.allclose(by_object.values, by_name.values))
    True

Tables, texts and images: :class:`LeverageShap`, :class:`MsrShap`, :class:`Lime`,
:class:`IntegratedGradients` (torch and Keras models). Texts and images:
:class:`SampledShapley`, :class:`Occlusion`, :class:`GradientXInput`. Tables only:
:class:`ExactShapley`, :class:`KernelShap`, :class:`TreeShap`,
:class:`PermutationImportance`; texts only: :class:`HierarchicalShapley`; images only:
:class:`Saliency`, :class:`SmoothGrad`, :class:`GradCam`. An option the input does not
use is an error naming the options that apply (:mod:`.algorithms`); the names
``method=`` takes for each are in :data:`limelight.explainers.registry.METHODS`.

The per-input classes of earlier releases (``TokenLeverage``, ``SegmentLime``,
``ImageOcclusion``, ...) still import from here, with a ``FutureWarning``, for one
release.
"""

from importlib import import_module
from typing import Any

from .. import _warn
from .algorithms import (
    GradientXInput,
    IntegratedGradients,
    LeverageShap,
    Lime,
    MsrShap,
    Occlusion,
    SampledShapley,
)
from .base import Explainer
from .gradients import GradCam, Saliency, SmoothGrad
from .kernel import KernelShap
from .permutation import PermutationImportance
from .shapley import ExactShapley
from .text import HierarchicalShapley
from .tree import TreeShap

__all__ = [
    "ExactShapley",
    "Explainer",
    "GradCam",
    "GradientXInput",
    "HierarchicalShapley",
    "IntegratedGradients",
    "KernelShap",
    "LeverageShap",
    "Lime",
    "MsrShap",
    "Occlusion",
    "PermutationImportance",
    "Saliency",
    "SampledShapley",
    "SmoothGrad",
    "TreeShap",
]

#: the deprecated per-input names: (module, class) that still runs, the class to use
DEPRECATED = {
    "TokenLeverage": ("game_shapley", "LeverageShap"),
    "SegmentLeverage": ("game_shapley", "LeverageShap"),
    "TokenMsr": ("game_shapley", "MsrShap"),
    "SegmentMsr": ("game_shapley", "MsrShap"),
    "TextLime": ("text_lime", "Lime"),
    "SegmentLime": ("segments", "Lime"),
    "SegmentShapley": ("segments", "SampledShapley"),
    "TokenOcclusion": ("text", "Occlusion"),
    "ImageOcclusion": ("occlusion", "Occlusion"),
    "TabularIntegratedGradients": ("tabular_gradients", "IntegratedGradients"),
    "TokenIntegratedGradients": ("text_gradients", "IntegratedGradients"),
    "TokenGradientXInput": ("text_gradients", "GradientXInput"),
}
_WARNED: set[str] = set()  # each name warns once


def __getattr__(name: str) -> Any:
    if name not in DEPRECATED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, instead = DEPRECATED[name]
    if name not in _WARNED:
        _WARNED.add(name)
        budget = " (its budget= is max_evals=)" if "Leverage" in name or "Msr" in name else ""
        _warn.warn(
            f"limelight.explainers.{name} is deprecated and goes in the next release: "
            f"use {instead}{budget}, one class for every input it explains, with the same "
            "options and results",
            FutureWarning,
        )
    return getattr(import_module(f".{module}", __name__), name)
