"""The global analyses as blocking functions (named after ``sklearn.inspection``): each
computes in the caller's thread, starts no thread, and returns its plain result, as
``attribute`` is to ``explain``. The widget functions take the same arguments, check them
with the same code and show the same result (``w.wait()``). No function takes a module's
name (``agreement``, ``partial_dependence``): a fresh import of that module would rebind
``ll.<name>`` to the module.

=========================================  ==========================  ===============
blocking function                          widget                      result
=========================================  ==========================  ===============
``ll.compare_methods(model, x, methods)``  ``ll.compare``              ``Comparison``
``ll.surrogate_tree(model, X)``            ``ll.surrogate``            ``Surrogate``
``ll.dependence_curves(model, X, f)``      ``ll.dependence``           ``Dependence``
``ll.eliminate_features(model, X, y)``     ``ll.feature_elimination``  ``Elimination``
=========================================  ==========================  ===============

Every result has ``to_frame()``, a short ``repr``, and ``.save("r.json")`` (or
``ll.save(r, "r.json")``), which ``ll.load`` reads back to an equal result.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 2))
    >>> d = dependence_curves(lambda B: B[:, 0] ** 2, X, "x0", grid=[0.0, 2.0])
    >>> d.to_frame()["average"].tolist()
    [0.0, 4.0]
"""

from __future__ import annotations

from typing import Any

from . import agreement as _agreement
from . import dependence as _dependence
from . import elimination as _elimination
from . import surrogate as _surrogate
from .agreement import TOP_K, Comparison
from .data import read_data
from .dependence import GRID, PERCENTILES, Dependence
from .dependence_groups import MAX_COMBINATIONS
from .elimination import Elimination
from .surrogate import Surrogate

__all__ = [
    "Comparison",
    "Dependence",
    "Elimination",
    "Surrogate",
    "compare_methods",
    "dependence_curves",
    "eliminate_features",
    "surrogate_tree",
]


def compare_methods(
    model: Any,
    x: Any,
    methods: list[Any] | None = None,
    *,
    background: Any = None,
    top_k: int = TOP_K,
    random_state: int | None = None,
    **options: Any,
) -> Comparison:
    """Run ``methods`` (two or more names or explainer objects) on ``x`` one after the
    other and measure how far their attributions agree; the blocking twin of
    :func:`limelight.compare` (same arguments and defaults). Returns a
    :class:`~limelight.inspection.agreement.Comparison`: ``exps, table = ll.compare_methods(...)``.
    Not named ``agreement``: that is the module's name and its pairwise measure's.

        >>> c = ll.compare_methods(model, x, ["exact", "kernel", "lime"], background=X)  # doctest: +SKIP
        >>> c.to_frame()                   # one row per pair: spearman, top_k, ...  # doctest: +SKIP
    """
    plans, k = _agreement.plan_comparison(
        model, x, methods, background=background, top_k=top_k, random_state=random_state, **options
    )
    exps = {label: p.run() for label, p in plans}
    return Comparison(exps, _agreement.table(list(exps), list(exps.values()), k=k))


def surrogate_tree(
    model: Any,
    X: Any,
    *,
    max_depth: int = 3,
    test_size: float = 0.25,
    output: int | str | None = None,
    random_state: int | None = 0,
    feature_groups: Any = None,
    output_names: Any = None,
) -> Surrogate:
    """Fit a decision tree of ``max_depth`` to the model's predictions on ``X`` and return
    the :class:`~limelight.inspection.surrogate.Surrogate` (``fidelity``, ``rules``, ``tree_``,
    ``to_frame()``); the blocking twin of :func:`limelight.surrogate` (same arguments).

        >>> s = ll.surrogate_tree(model, X_test, max_depth=3)   # doctest: +SKIP
        >>> s.fidelity, s.to_frame()                            # doctest: +SKIP
    """
    _surrogate.refuse_groups(feature_groups)
    return _surrogate.fit_surrogate(
        model,
        X,
        max_depth=max_depth,
        test_size=test_size,
        output=output,
        random_state=random_state,
        data=read_data(model, X, output_names=output_names),
    )


def dependence_curves(
    model: Any,
    X: Any,
    feature: Any,
    *,
    grid: Any = None,
    grid_resolution: int = GRID,
    percentiles: tuple[float, float] = PERCENTILES,
    centered: bool = False,
    output: Any = None,
    feature_groups: Any = None,
    max_combinations: int = MAX_COMBINATIONS,
    output_names: Any = None,
) -> Dependence:
    """Partial dependence (and ICE curves) of the model's output on ``feature`` (a name
    or position, or a pair); the blocking twin of :func:`limelight.dependence` (same
    arguments; scikit-learn's ``sklearn.inspection.partial_dependence``, with the ICE
    curves kept). Not named ``partial_dependence``: that is the module's name.
    Returns a :class:`~limelight.inspection.dependence.Dependence`.

        >>> d = ll.dependence_curves(model, X_test, "age")   # doctest: +SKIP
        >>> d.to_frame(), d.ice_frame()                       # doctest: +SKIP
    """
    return _dependence.compute(
        model,
        X,
        features_of(feature),
        grid=grid,
        grid_resolution=grid_resolution,
        percentiles=percentiles,
        centered=centered,
        output=output,
        feature_groups=feature_groups,
        max_combinations=max_combinations,
        data=read_data(model, X, output_names=output_names),
    )


def eliminate_features(
    model: Any,
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    scoring: Any = None,
    step: int = 1,
    min_features: int = 1,
    tolerance: float = 0.01,
    random_state: int | None = 0,
    feature_groups: Any = None,
) -> Elimination:
    """Rank features by recursive elimination (RFECV, or permutation importance for a
    model without importances) and return the :class:`~limelight.inspection.elimination.Elimination`
    (``recommended``, ``ranking``, ``to_frame()``); the blocking twin of
    :func:`limelight.feature_elimination` (same arguments).

        >>> r = ll.eliminate_features(model, X_train, y_train)   # doctest: +SKIP
        >>> r.recommended, r.to_frame()                          # doctest: +SKIP
    """
    return _elimination.eliminate(
        model,
        X,
        y,
        cv=cv,
        scoring=scoring,
        step=step,
        min_features=min_features,
        tolerance=tolerance,
        random_state=random_state,
        feature_groups=feature_groups,
    )


def features_of(feature: Any) -> list[Any]:
    """``feature`` as the list of one or two features the dependence code takes."""
    return list(feature) if isinstance(feature, (list, tuple)) else [feature]
