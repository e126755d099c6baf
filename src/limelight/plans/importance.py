"""Planning permutation importance: adapt the model, read X and y, check them, probe once."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..explainers.permutation import PermutationImportance, _scorer
from ..inputs._polars import from_polars
from ..inputs.tabular import read_instance
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
) -> Plan:
    adapted = TabularModel.from_any(model, model_output=model_output)
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
    _scorer(scoring, adapted)  # unknown scoring fails now
    # the probe: the model on the unshuffled data, whose outputs give the baseline score
    base_out = adapted.predict(inst.background_batch())
    return Plan(
        model=adapted,
        instance=(inst, y_arr, base_out),
        explainer=PermutationImportance(
            n_repeats=n_repeats, scoring=scoring, random_state=random_state
        ),
    )
