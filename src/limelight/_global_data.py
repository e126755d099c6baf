"""Reading a data set for the global views (surrogate, dependence, feature elimination):
the model adapted once, the rows kept as the user gave them (the model is called on
those), and a numeric matrix for fitting trees, where a categorical column becomes one
0/1 column per category that still knows which column and category it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .models.tabular import TabularModel


@dataclass
class GlobalData:
    """``X`` as given (a DataFrame or a 2-D array), its column ``names``, which columns are
    categorical, and the adapted ``model``."""

    X: Any
    names: list[str]
    categorical: list[bool]
    model: TabularModel

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
        """A float matrix for fitting, and per column ``(source column, category or None)``."""
        cols, origin = [], []
        for j in range(len(self.names)):
            c = self.column(j)
            if self.categorical[j]:
                for cat in _categories(c):
                    cols.append((c == cat).astype(float))
                    origin.append((j, cat))
            else:
                cols.append(np.asarray(c, dtype=float))
                origin.append((j, None))
        return np.stack(cols, axis=1), origin


def _categories(c: np.ndarray) -> list[Any]:
    values = [v for v in c.tolist() if v is not None and v == v]
    return sorted(set(values), key=str)


def _is_categorical(c: np.ndarray) -> bool:
    return not (np.issubdtype(c.dtype, np.number) or np.issubdtype(c.dtype, np.bool_))


def read_data(model: Any, X: Any, *, model_output: str = "auto") -> GlobalData:
    """Validate ``X`` (rows) and adapt ``model``; one probe call on the first row."""
    adapted = TabularModel.from_any(model, model_output=model_output)
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
        cats = [_is_categorical(X[c].to_numpy()) for c in X.columns]
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
    data = GlobalData(X=X, names=names, categorical=cats, model=adapted)
    data.predict(data.rows(np.arange(1)))  # a model that cannot take X fails here
    return data


def feature_index(data: GlobalData, feature: Any) -> int:
    """A column by name or position, with the fix in the error."""
    if isinstance(feature, str):
        if feature not in data.names:
            raise InputError(f"no column named {feature!r}", fix=f"use one of {data.names[:20]}")
        return data.names.index(feature)
    try:
        j = int(feature)
    except (TypeError, ValueError):
        raise InputError(f"feature={feature!r}", fix="give a column name or index") from None
    if not 0 <= j < len(data.names):
        raise InputError(
            f"feature {j} is out of range for {len(data.names)} columns",
            fix=f"use 0..{len(data.names) - 1} or a name",
        )
    return j
