"""The explanation algorithms, as objects configured once and passed as ``method=``.

    >>> import numpy as np
    >>> import limelight as ll
    >>> X = np.random.default_rng(0).random((20, 3))
    >>> shap = ll.explainers.KernelShap(max_evals=64, random_state=0)
    >>> by_object = ll.attribute(lambda B: B @ [1.0, 2.0, 3.0], X[0], background=X, method=shap)
    >>> by_name = ll.attribute(lambda B: B @ [1.0, 2.0, 3.0], X[0], background=X,
    ...                        method="kernel", max_evals=64, random_state=0)
    >>> bool(np.allclose(by_object.values, by_name.values))
    True

Tabular: :class:`ExactShapley`, :class:`KernelShap`, :class:`LeverageShap`,
:class:`MsrShap`, :class:`TreeShap`, :class:`Lime`, :class:`PermutationImportance`,
:class:`TabularIntegratedGradients` (torch and Keras models on rows). Text:
:class:`TokenOcclusion`, :class:`SampledShapley`, :class:`HierarchicalShapley`,
:class:`TokenLeverage`, :class:`TokenMsr`, :class:`TextLime`, :class:`TokenGradientXInput`,
:class:`TokenIntegratedGradients`. Images: :class:`ImageOcclusion`,
:class:`SegmentShapley`, :class:`SegmentLeverage`, :class:`SegmentMsr`, :class:`SegmentLime`, :class:`Saliency`, :class:`GradientXInput`,
:class:`IntegratedGradients`, :class:`SmoothGrad`, :class:`GradCam`. The names
``method=`` takes for each are in :data:`limelight.explainers.registry.METHODS`.
"""

from .base import Explainer
from .game_shapley import SegmentLeverage, SegmentMsr, TokenLeverage, TokenMsr
from .gradients import GradCam, GradientXInput, IntegratedGradients, Saliency, SmoothGrad
from .kernel import KernelShap
from .leverage import LeverageShap
from .lime_tabular import Lime
from .msr import MsrShap
from .occlusion import ImageOcclusion
from .permutation import PermutationImportance
from .segments import SegmentLime, SegmentShapley
from .shapley import ExactShapley
from .tabular_gradients import TabularIntegratedGradients
from .text import HierarchicalShapley, SampledShapley, TokenOcclusion
from .text_gradients import TokenGradientXInput, TokenIntegratedGradients
from .text_lime import TextLime
from .tree import TreeShap

__all__ = [
    "ExactShapley",
    "Explainer",
    "GradCam",
    "GradientXInput",
    "HierarchicalShapley",
    "ImageOcclusion",
    "IntegratedGradients",
    "KernelShap",
    "LeverageShap",
    "Lime",
    "MsrShap",
    "PermutationImportance",
    "Saliency",
    "SampledShapley",
    "SegmentLeverage",
    "SegmentLime",
    "SegmentMsr",
    "SegmentShapley",
    "SmoothGrad",
    "TabularIntegratedGradients",
    "TextLime",
    "TokenGradientXInput",
    "TokenIntegratedGradients",
    "TokenLeverage",
    "TokenMsr",
    "TokenOcclusion",
    "TreeShap",
]
