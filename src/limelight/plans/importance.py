"""Planning permutation importance: adapt the model, read X and y, check them, probe once."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..explainers.permutation import PermutationImportance, scorer
from ..explainers.registry import check_random_state
from ..inputs._polars import from_polars
from ..inputs.groups import group_instance
from ..inputs.tabular import read_instance
from ..models.adapt import tabular_model
from ..models.tabular import TabularModel
from . import Plan


def plan_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    n_repeats: int = 5,
    scoring: Any = None,
    random_state: int | None = None,
    feature_names: Any = None,
    model_output: str = "auto",
    classes: Any = None,
    output_names: Any = None,
    rows_per_call: int | None = None,
    feature_groups: Any = None,
    **unknown: Any,
) -> Plan:
    """Plan permutation importance (see :func:`limelight.permutation_importance`).

    ``classes``: for a model without ``classes_`` (a function), the label of each output
    column, so labels ``y`` are compared with the right column's predictions.
    ``feature_groups`` (as in :func:`limelight.attribute`): a group's columns are shuffled
    together, by one permutation of the rows.
    """
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for permutation importance",
            fix="use n_repeats, scoring, random_state, feature_names, output_names, "
            "model_output, classes, rows_per_call or feature_groups",
        )
    check_random_state(random_state)
    adapted = tabular_model(model, model_output=model_output, output_names=output_names)
    X, y = from_polars(X), from_polars(y)
    if X is None or y is None:
        raise InputError(
            "permutation importance needs data X and labels y",
            fix="pass the test set: permutation_importance(model, X_test, y_test)",
        )
    y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    n = len(X)
    if n < 2:
        raise InputError(f"X has {n} rows", fix="pass a data set of at least a few rows")
    if len(y_arr) != n:
        raise InputError(
            f"X has {n} rows but y has {len(y_arr)}", fix="pass labels for every row of X"
        )
    first = X.iloc[0] if hasattr(X, "iloc") else np.asarray(X)[0]
    # every row is kept: the data set is what gets shuffled
    inst = read_instance(
        first, X, model=adapted, feature_names=feature_names, background_size=n + 1
    )
    if feature_groups is not None:
        inst = group_instance(inst, feature_groups)
    # the probe: the model on the unshuffled data, whose outputs give the baseline score
    base_out = adapted.predict(inst.background_batch())
    classes = label_columns(adapted, y_arr, classes, scoring, base_out.shape[1])
    scorer(scoring, adapted, classes)  # unknown scoring fails now
    return Plan(
        model=adapted,
        instance=(inst, y_arr, base_out),
        explainer=PermutationImportance(
            n_repeats=n_repeats,
            scoring=scoring,
            random_state=random_state,
            classes=classes,
            **({} if rows_per_call is None else {"rows_per_call": int(rows_per_call)}),
        ),
    )


def _numeric(y: np.ndarray) -> bool:
    return y.dtype.kind in "iuf" and y.dtype != bool


def label_columns(model: TabularModel, y: np.ndarray, classes: Any, scoring: Any, k: int):
    """The label of each output column, so a score compares labels with the right column:
    ``classes=`` as given, a classifier's ``classes_``, the output names when the labels
    are among them, or column indices for integer labels 0..k-1; ``None`` for a regression.
    Labels that fit none of these get an error saying what to pass."""
    if classes is None:
        if model.classes is not None:
            return None  # the model's own classes_
        if scoring in _REGRESSION or callable(scoring):
            return None
        binary = set(np.unique(y).tolist()) <= {0, 1}
        if _numeric(y) and not (_integers(y) and (k > 1 or binary)):
            return None  # real-valued targets (or counts) for one output: a regression
        classes = _classes_from(model, y, k)
    classes = list(classes)
    if len(classes) != k and not (k == 1 and len(classes) == 2):
        raise InputError(
            f"classes= has {len(classes)} labels but the model returns {k} outputs",
            fix=f"give one label per output column, in column order ({k} labels)",
        )
    missing = sorted({str(v) for v in np.unique(y)} - {str(c) for c in classes})
    if missing:
        raise InputError(
            f"the labels y include {missing[:6]}, which are not among classes {classes[:6]}",
            fix="pass classes= with every label, in the order of the model's output columns",
        )
    return classes


_REGRESSION = ("r2", "neg_mean_squared_error", "neg_mean_absolute_error")


def _classes_from(model: TabularModel, y: np.ndarray, k: int) -> list:
    names = [str(n) for n in model.output_names]
    seen = {str(v) for v in np.unique(y)}
    if k > 1 and seen <= set(names):
        typed = {str(v): v for v in np.unique(y).tolist()}
        return [typed.get(n, n) for n in names]
    if _integers(y) and set(np.unique(y).astype(int).tolist()) <= set(range(max(k, 2))):
        return list(range(k)) if k > 1 else [0, 1]
    raise InputError(
        f"the labels y ({sorted(seen)[:6]}) do not name the model's {k} output column(s) "
        f"({names[:6]}), so limelight cannot tell which column predicts which label",
        fix="pass classes=[label of column 0, label of column 1, ...] (or output_names= "
        "matching the labels); for a regression pass scoring='r2'",
    )


def _integers(y: np.ndarray) -> bool:
    return y.dtype.kind in "iub" or (
        y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all()
    )
