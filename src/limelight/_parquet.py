"""Explanations as Parquet files: written whole or not at all (the wide frame, with the
names and options in the schema's metadata), read back in order, and a truncated or
foreign file named in a :class:`~limelight.errors.SchemaError` instead of pyarrow's error.

    >>> import tempfile, pathlib, numpy as np
    >>> ex = Explanations(values=np.ones((2, 1, 2)), base_values=np.zeros((2, 1)),
    ...                   prediction=np.full((2, 1), 2.0), output_names=["y"],
    ...                   feature_names=["a", "b"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.parquet"
    >>> write_parquet(ex, path); read_parquet([path]).values.tolist()
    [[[1.0, 1.0]], [[1.0, 1.0]]]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import LimelightError, SchemaError
from .explanations import META_KEY, Explanations, _pyarrow, write_parquet

__all__ = ["META_KEY", "damaged_file", "read_chunk_info", "read_parquet", "write_parquet"]


def read_parquet(paths: list[Path]) -> Explanations:
    """The explanations in Parquet files written by :func:`write_parquet`, in order."""
    pa, pq = _pyarrow()
    parts = []
    for p in paths:
        with damaged_file(p):
            table = pq.read_table(p)
        raw = (table.schema.metadata or {}).get(META_KEY)
        if raw is None:
            raise SchemaError(
                f"{p.name} has no limelight metadata",
                fix="load a file written by Explanations.save or attribute_many",
            )
        with damaged_file(p):
            meta = json.loads(raw)
            ex = Explanations.from_frame(table.to_pandas(), meta)
        parts.append(ex)
    return Explanations.concat(parts)


def read_chunk_info(path: Path) -> dict[str, Any] | None:
    """The run a chunk file was written for (``attribute_many(out=)``), from its metadata
    alone (the columns are not read); None for a file without it."""
    _, pq = _pyarrow()
    with damaged_file(path):
        raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
        info = json.loads(raw).get("run") if raw is not None else None
    return info if isinstance(info, dict) else None


@contextmanager
def damaged_file(path: Path) -> Iterator[None]:
    """pyarrow's and json's errors on a truncated or foreign file, as a SchemaError that
    names the file."""
    try:
        yield
    except LimelightError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SchemaError(
            f"{Path(path).name} is damaged or not a limelight Parquet file "
            f"({type(exc).__name__}: {str(exc)[:120]})",
            fix="load a complete file written by Explanations.save or attribute_many "
            "(a truncated chunk: delete it and resume the run)",
        ) from None
