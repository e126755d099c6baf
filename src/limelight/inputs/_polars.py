"""polars frames and series, accepted wherever pandas ones are: converted at the boundary
(column names, order and dtypes kept), so the rest of limelight sees pandas.

    >>> import polars as pl                                       # doctest: +SKIP
    >>> from_polars(pl.DataFrame({"age": [31, 47]})).columns.tolist()  # doctest: +SKIP
    ['age']
"""

from __future__ import annotations

from typing import Any


def is_polars(obj: Any) -> bool:
    """True for a polars DataFrame, LazyFrame or Series (checked without importing it)."""
    return type(obj).__module__.split(".")[0] == "polars"


def from_polars(obj: Any) -> Any:
    """A pandas DataFrame/Series for a polars one; anything else is returned as it is."""
    if not is_polars(obj):
        return obj
    if type(obj).__name__ == "LazyFrame":
        obj = obj.collect()
    try:
        return obj.to_pandas()
    except ModuleNotFoundError:  # polars converts through pyarrow; without it, by columns
        import pandas as pd

        if type(obj).__name__ == "Series":
            return pd.Series(obj.to_list(), name=obj.name)
        return pd.DataFrame({c: obj[c].to_list() for c in obj.columns})
