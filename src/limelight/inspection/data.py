"""Reading a data set for the global views (surrogate, dependence, feature elimination):
the model adapted once, the rows kept as the user gave them (the model is called on
those), and a numeric matrix for fitting trees, where a categorical column becomes one
0/1 column per category that still knows which column and category it came from.

A column is numeric when its values are numbers, whatever the array's dtype (an object
array of numbers and ``None`` is numeric, ``None`` read as missing); anything else
(strings, mixed values) is categorical.

A feature is named by its label or its position: ``"age"`` (a name); an integer that is
one of a DataFrame's column labels is that label, as ``X[3]`` in pandas; on a DataFrame
with integer labels any other integer is refused (a position there would be ambiguous);
otherwise an integer is a position.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import InputError
from ..models.adapt import tabular_model
from ..models.tabular import TabularModel


@dataclass
class GlobalData:
    """``X`` as given (a DataFrame or a 2-D array), its column ``names``, which columns are
    categorical, the adapted ``model``, and a DataFrame's own column ``labels`` (None for
    an array)."""

    X: Any
    names: list[str]
    categorical: list[bool]
    model: TabularModel
    labels: list[Any] | None = None

    @property
    def n(self) -> int:
        return len(self.X)

    def column(self, j: int) -> np.ndarray:
        if hasattr(self.X, "iloc"):
            return self.X.iloc[:, j].to_numpy()
        return np.asarray(self.X)[:, j]

    def rows(self, index: np.ndarray) -> Any:
        return self.X.iloc[index] if hasattr(self.X, "iloc") else np.asarray(self.X)[index]

    def predict(self, X: Any = None) -> np.ndarray:
        return self.model.predict(self.X if X is None else X)

    def encoded(self) -> tuple[np.ndarray, list[tuple[int, Any]]]:
        """A float matrix for fitting (NaN where a value is missing), and per column
        ``(source column, category or None)``."""
        cols, origin = [], []
        for j in range(len(self.names)):
            c = self.column(j)
            if self.categorical[j]:
                for cat in categories(c):
                    cols.append((c == cat).astype(float))
                    origin.append((j, cat))
            else:
                cols.append(as_float(c))
                origin.append((j, None))
        return np.stack(cols, axis=1), origin


def is_missing(v: Any) -> bool:
    return v is None or type(v).__name__ == "NAType" or (isinstance(v, float) and v != v)


def as_float(c: np.ndarray) -> np.ndarray:
    """A numeric column as floats, a missing value (None, NaN, pandas.NA) as NaN."""
    if c.dtype != object:
        return np.asarray(c, dtype=float)
    return np.array([np.nan if is_missing(v) else float(v) for v in c.tolist()], dtype=float)


def categories(c: np.ndarray) -> list[Any]:
    values = [v for v in c.tolist() if not is_missing(v)]
    return sorted(set(values), key=str)


def _is_categorical(c: np.ndarray) -> bool:
    if np.issubdtype(c.dtype, np.number) or np.issubdtype(c.dtype, np.bool_):
        return False
    if c.dtype == object:  # numbers in an object array are still numbers
        return not all(
            is_missing(v) or (isinstance(v, Real) and not isinstance(v, str)) for v in c.tolist()
        )
    return True


def read_data(
    model: Any, X: Any, *, model_output: str = "auto", output_names: Any = None
) -> GlobalData:
    """Validate ``X`` (rows) and adapt ``model``; one probe call on the first row.
    ``output_names`` renames the model's outputs (as every explanation takes it)."""
    from ..inputs._polars import from_polars

    adapted = tabular_model(model, model_output=model_output, output_names=output_names)
    X = from_polars(X)
    labels = None
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        labels = list(X.columns)
        names = [str(c) for c in labels]
        if len(set(names)) < len(names):
            twice = sorted({n for n in names if names.count(n) > 1})[:5]
            raise InputError(
                f"X has more than one column named {twice}",
                fix="give every column its own name (X.columns = [...])",
            )
        cats = [_is_categorical(X.iloc[:, j].to_numpy()) for j in range(len(labels))]
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise InputError(
                f"X has shape {arr.shape}", fix="pass a 2-D array or a DataFrame of rows"
            )
        names = list(adapted.feature_names or [f"x{j}" for j in range(arr.shape[1])])
        cats = [_is_categorical(arr[:, j]) for j in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            names = [f"x{j}" for j in range(arr.shape[1])]
    if len(X) < 2:
        raise InputError(f"X has {len(X)} rows", fix="pass the data set, at least a few rows")
    data = GlobalData(X=X, names=names, categorical=cats, model=adapted, labels=labels)
    data.predict(data.rows(np.arange(1)))  # a model that cannot take X fails here
    return data


def _is_label(feature: Any, labels: list[Any]) -> bool:
    try:
        return feature in labels
    except (TypeError, ValueError):  # an unhashable or array-like feature
        return False


def feature_index(data: GlobalData, feature: Any) -> int:
    """A column by name, label or position (see the module's docstring), with the fix in
    the error."""
    labels = data.labels
    if isinstance(feature, (bool, np.bool_)):
        raise InputError(f"feature={feature!r}", fix="give a column name or position")
    if isinstance(feature, str):
        if feature not in data.names:
            raise InputError(f"no column named {feature!r}", fix=f"use one of {data.names[:20]}")
        return data.names.index(feature)
    if labels is not None and _is_label(feature, labels):  # X[feature], as in pandas
        return labels.index(feature)
    if not isinstance(feature, Integral):
        raise InputError(f"feature={feature!r}", fix="give a column name or position")
    j = int(feature)
    int_labels = [c for c in labels or [] if isinstance(c, Integral) and not isinstance(c, bool)]
    if int_labels:  # an integer that is not a label would be read as a position: ambiguous
        raise InputError(
            f"X has integer column labels ({int_labels[:10]}) and {j} is none of them",
            fix=f"give a label, or X.columns[{j}] for the column at position {j}",
        )
    if not 0 <= j < len(data.names):
        raise InputError(
            f"feature {j} is out of range for {len(data.names)} columns",
            fix=f"use 0..{len(data.names) - 1} or a name",
        )
    return j
