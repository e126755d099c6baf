"""Pairwise Shapley interaction values: :func:`interactions` computes them (tree paths,
enumeration or sampled orderings), :class:`Interactions` holds and shows them.

    >>> import numpy as np
    >>> r = interactions(lambda X: X[:, 0] * X[:, 1], np.ones(2), background=np.zeros((1, 2)))
    >>> r.shapley_values().round(12).tolist()
    [[[0.5, 0.5]]]
"""

from .compute import interactions
from .result import Interactions

__all__ = ["Interactions", "interactions"]
