"""A scikit-learn pipeline cut after its leading per-column steps (scalers, one-hot
encoders, a ``ColumnTransformer`` of them): hybrid rows can then be mixed after those
steps, which run on x and the background once instead of on every hybrid row.

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(X, X.sum(axis=1))
    >>> pipeline_split(pipe, "predict").owner.tolist()
    [0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class PipelineSplit:
    """A pipeline cut after its leading per-column steps: ``prefix`` (scalers, or a
    ``ColumnTransformer`` of scalers, one-hot encoders and passthrough), ``rest`` (the other
    steps, as a pipeline), ``fn`` (its output function), and ``owner``: for each column the
    prefix outputs, the input column it comes from (a one-hot block shares one owner)."""

    prefix: Any
    rest: Any
    fn: Callable[[Any], Any]
    owner: np.ndarray


def _step_owners(step: Any, owner: np.ndarray) -> np.ndarray | None:
    """The owner of each output column of ``step`` given its input columns' owners, or None
    when the step is not one we know to work column by column."""
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        OneHotEncoder,
        RobustScaler,
        StandardScaler,
    )

    one_to_one = (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)
    if step is None or step == "passthrough" or isinstance(step, one_to_one):
        return owner
    if type(step).__name__ != "ColumnTransformer":
        return None
    inputs = getattr(step, "_transformer_to_input_indices", None)
    outputs = getattr(step, "output_indices_", None)
    if inputs is None or outputs is None:
        return None
    new = np.full(max((sl.stop for sl in outputs.values()), default=0), -1)
    for name, trans, _ in step.transformers_:
        sl, cols = outputs.get(name), list(inputs.get(name, []))
        if sl is None or sl.stop == sl.start or trans == "drop":
            continue
        # a fitted "passthrough" is an identity FunctionTransformer
        identity = type(trans).__name__ == "FunctionTransformer" and trans.func is None
        if trans == "passthrough" or identity or isinstance(trans, one_to_one):
            if sl.stop - sl.start != len(cols):
                return None
            new[sl] = owner[cols]
        elif isinstance(trans, OneHotEncoder):
            drop = trans.drop_idx_ if trans.drop_idx_ is not None else [None] * len(cols)
            sizes = [len(c) - (dr is not None) for c, dr in zip(trans.categories_, drop)]
            if len(sizes) != len(cols) or sum(sizes) != sl.stop - sl.start:
                return None  # infrequent categories grouped, or anything unexpected
            new[sl] = np.repeat(owner[cols], sizes)
        else:
            return None
    return None if (new < 0).any() else new


def pipeline_split(est: Any, output_kind: str | None) -> PipelineSplit | None:
    """Cut a pipeline after its leading per-column steps (None if it has none)."""
    if est is None or output_kind is None or type(est).__name__ != "Pipeline":
        return None
    n_in = getattr(est, "n_features_in_", None)
    if n_in is None:
        return None
    owner, k = np.arange(int(n_in)), 0
    for _, step in est.steps[:-1]:
        nxt = _step_owners(step, owner)
        if nxt is None:
            break
        owner, k = nxt, k + 1
    if k == 0:
        return None
    rest = est[k:]
    if getattr(rest.steps[0][1], "feature_names_in_", None) is not None:
        return None  # the rest was fitted on named columns (set_output pandas): keep them
    method = {"proba": "predict_proba", "decision": "decision_function", "predict": "predict"}
    fn = getattr(rest, method[output_kind], None)
    return None if fn is None else PipelineSplit(est[:k], rest, fn, owner)


def dense(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=float)
