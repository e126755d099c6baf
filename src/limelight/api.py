"""`attribute` (blocking, returns an Explanation) and `explain` (returns a live widget)."""

from __future__ import annotations

from typing import Any

from .explainers.base import Explainer
from .explanation import Explanation
from .plans import Plan, plan

__all__ = ["Plan", "attribute", "explain", "explore", "permutation_importance", "plan"]


def attribute(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    output: Any = None,
    random_state: int | None = None,
    **options: Any,
) -> Explanation:
    """Explain one prediction and return the final :class:`Explanation` (no widget).

    ``model``: a fitted scikit-learn estimator or pipeline, a callable ``f(batch)``, or a
    torch module. ``x``: one instance (a DataFrame row, Series or 1-D array; a string; an
    image). ``method``: ``"auto"``, ``"exact"``, ``"tree"``, ``"kernel"``, ``"lime"`` for
    tables (the docs' "Which method when" guide lists those for text and images), or an
    explainer object from :mod:`limelight.explainers`
    (``KernelShap(max_evals=500, random_state=0)``); other
    keyword options go to the method named. ``output``: a name, an index or a list of
    them; None computes every output up to 10 and the top 5 by prediction above that;
    ``values`` has one row per output computed, ``output_names`` says which. A
    background of more than ``background_size`` (100) rows is summarised with a fixed
    seed, the same on every path (:mod:`limelight.inputs.background`), and named in
    ``params["background"]``; a sampling method given no ``random_state`` records the seed
    it drew (``params["seeded"]`` False, ``params["random_state"]``).

    ``feature_groups`` (tables): ``{"colour": ["colour_red", "colour_blue"], ...}`` or a
    list of lists of column names or positions; each group is one player (one value, shown
    under the group's name), the other columns stay players of their own, and exact
    methods stay exact over the groups (``"tree"`` enumerates coalitions of the groups, up
    to 16 players). Not to be confused with ``groups=`` of ``"leverage"``/``"msr"``, which
    groups background rows. A pipeline's one-hot columns are grouped back to their column
    already; user groups of its input columns compose with that.

        >>> from sklearn.linear_model import LinearRegression
        >>> import numpy as np
        >>> X = np.vstack([np.zeros(3), np.eye(3)]); model = LinearRegression().fit(X, X @ [1, 2, 3])
        >>> e = attribute(model, X[1], background=X)   # w * (x - mean(background))
        >>> np.round(e.values, 6).tolist()
        [[0.75, -0.5, -0.75]]
    """
    return plan(
        model,
        x,
        background=background,
        method=method,
        output=output,
        random_state=random_state,
        **options,
    ).run()


def explain(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    output: Any = None,
    random_state: int | None = None,
    **options: Any,
):
    """Like :func:`attribute`, but return a widget at once and compute in the background.

    Returns an :class:`ExplanationWidget` (arguments as :func:`attribute`). The widget
    fills in as partial results arrive; ``.wait()`` returns the final Explanation,
    ``.cancel()`` stops the run, ``.save("x.html")`` writes its offline page.

        >>> w = ll.explain(model, X_test.iloc[3], background=X_train)   # doctest: +SKIP
        >>> w.wait().values                                             # doctest: +SKIP
    """
    from .widgets import ExplanationWidget

    p = plan(
        model,
        x,
        background=background,
        method=method,
        output=output,
        random_state=random_state,
        **options,
    )
    widget = ExplanationWidget()
    widget.run(p.stream, view=p.modality)  # the input was read once, by the plan
    return widget


def permutation_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    n_repeats: int = 5,
    scoring: Any = None,
    random_state: int | None = None,
    **options: Any,
):
    """Global importance: the drop in ``scoring`` when each feature is shuffled.

    Returns a widget at once that fills in one repeat at a time; ``.wait()`` gives an
    :class:`Explanation` with ``modality="importance"`` (``values`` the mean drops,
    ``stderr``, ``extras["samples"]`` every repeat). ``scoring``: ``"accuracy"``
    (classifiers' default), ``"r2"`` (regressors'), ``"balanced_accuracy"``,
    ``"neg_log_loss"``, ``"roc_auc"``, ``"neg_mean_squared_error"``, or
    ``f(y_true, outputs)``. For a model without ``classes_`` (a function), labels are
    matched to output columns by ``output_names`` (or integer labels to column indices);
    otherwise pass ``classes=[label of column 0, ...]``. ``feature_groups`` (as in
    :func:`attribute`) shuffles each group's columns together, by one permutation.
    """
    from .plans.importance import plan_importance
    from .widgets import ExplanationWidget

    p = plan_importance(
        model, X, y, n_repeats=n_repeats, scoring=scoring, random_state=random_state, **options
    )
    return ExplanationWidget().run(p.stream, view="importance")


def explore(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    sample: int = 200,
    random_state: int | None = None,
    **options: Any,
):
    """Browse a tabular data set and explain any row: returns an :class:`Explorer` widget.

    A table and a scatter of every row (coloured by prediction or error, filterable); click
    one (or set ``.selected = i``) and the panel streams that row's explanation (``method``
    and ``options`` as in :func:`attribute`; ``background`` defaults to ``X``). Global views,
    computed once in the background: permutation importance when ``y`` is given, and a
    beeswarm of local attributions over ``sample`` rows (``sample=0`` skips it).

        >>> ex = explore(model, X_test, y_test)      # doctest: +SKIP
        >>> ex.selected = 3; ex.wait()               # doctest: +SKIP
        >>> ex.explanations                          # doctest: +SKIP
    """
    from .explainers.registry import check_random_state
    from .widgets.explorer import Explorer

    check_random_state(random_state)  # before the explorer draws its samples with it

    return Explorer(
        model,
        X,
        y,
        background=background,
        method=method,
        sample=sample,
        random_state=random_state,
        **options,
    )
