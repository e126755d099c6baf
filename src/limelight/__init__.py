"""limelight: explain machine-learning models inside Jupyter notebooks.

Each analysis has a widget (returned at once, computing in the background) and a blocking
twin returning the plain result that ``w.wait()`` gives: ``explain`` / ``attribute``,
``explain_many`` / ``attribute_many``, ``compare`` / ``compare_methods``, ``surrogate`` /
``surrogate_tree``, ``dependence`` / ``dependence_curves``, ``feature_elimination`` /
``eliminate_features``. ``save`` and ``load`` keep every result.

>>> import limelight as ll                       # doctest: +SKIP
>>> ll.explain(model, X_test.iloc[3], background=X_train)   # doctest: +SKIP
"""

from . import explainers, metrics
from ._compiled import start_warm_up as _start_warm_up
from ._options import options
from .api import attribute, explain, explore, permutation_importance
from .errors import InputError, LimelightError, MethodError, ModelError, SchemaError
from .explanation import Explanation, register_presenter
from .explanations import Explanations
from .export import load, save
from .inspection import (
    Comparison,
    Dependence,
    Elimination,
    Surrogate,
    compare_methods,
    dependence_curves,
    eliminate_features,
    surrogate_tree,
)
from .many import attribute_many
from .modelviz import layers, monitor, structure
from .pairwise import Interactions, interactions

__all__ = [
    "Comparison",
    "Dependence",
    "Elimination",
    "Explanation",
    "Explanations",
    "ExplanationWidget",
    "Explorer",
    "InputError",
    "Interactions",
    "LimelightError",
    "MethodError",
    "ModelError",
    "SchemaError",
    "Surrogate",
    "attribute",
    "attribute_many",
    "compare",
    "compare_methods",
    "dependence",
    "dependence_curves",
    "eliminate_features",
    "explain",
    "explain_many",
    "explainers",
    "explore",
    "feature_elimination",
    "interactions",
    "load",
    "metrics",
    "layers",
    "monitor",
    "options",
    "permutation_importance",
    "save",
    "structure",
    "surrogate",
    "surrogate_tree",
]
__version__ = "0.1.0"


def _display(exp: Explanation, **kwargs):
    """An explanation in a notebook: the widget for its modality (anywidget loads here)."""
    from .widgets import ExplanationWidget

    return ExplanationWidget.from_explanation(exp)._repr_mimebundle_(**kwargs)


register_presenter("save", save)
register_presenter("display", _display)


def __getattr__(name: str):
    # the widget classes import anywidget: loaded on first use, not with the package
    if name == "ExplanationWidget":
        from .widgets import ExplanationWidget

        return ExplanationWidget
    if name == "explain_many":
        from .widgets.many import explain_many

        return explain_many
    if name == "Explorer":
        from .widgets.explorer import Explorer

        return Explorer
    if name in _VIEWS:  # the global views are widgets too: imported on first use
        from importlib import import_module

        return getattr(import_module(f"limelight.widgets.{_VIEWS[name]}"), name)
    raise AttributeError(f"module 'limelight' has no attribute {name!r}")


_VIEWS = {
    "compare": "compare",
    "surrogate": "surrogate",
    "dependence": "dependence",
    "feature_elimination": "elimination",
}

_start_warm_up()  # the tree kernels compile (or load) while the user fits a model
