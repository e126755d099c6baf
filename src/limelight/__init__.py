"""limelight: explain machine-learning models inside Jupyter notebooks.

    >>> import limelight as ll                       # doctest: +SKIP
    >>> ll.explain(model, X_test.iloc[3], background=X_train)   # doctest: +SKIP
"""

from . import metrics
from .api import attribute, explain, explore, permutation_importance
from .errors import InputError, LimelightError, MethodError, ModelError, SchemaError
from .explanation import Explanation
from .export import load, save

__all__ = [
    "Explanation",
    "InputError",
    "LimelightError",
    "MethodError",
    "ModelError",
    "SchemaError",
    "attribute",
    "explain",
    "explore",
    "load",
    "metrics",
    "permutation_importance",
    "save",
]
__version__ = "0.1.0"
