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

from ._atomic import write_atomic
from .errors import InputError, LimelightError, SchemaError
from .explanations import Explanations

META_KEY = b"limelight"


def write_parquet(
    ex: Explanations, path: Path, *, overwrite: bool = True, extra: dict | None = None
) -> None:
    """``ex`` as one Parquet file (pyarrow), its :meth:`Explanations.meta` (and ``extra``)
    in the schema; complete or absent (an interrupted run leaves no half chunk)."""
    pa, pq = _pyarrow()
    table = pa.Table.from_pandas(ex.to_frame(), preserve_index=True)
    meta_json = json.dumps({**ex.meta(), **(extra or {})}, allow_nan=False)
    meta = {**(table.schema.metadata or {}), META_KEY: meta_json.encode()}
    table = table.replace_schema_metadata(meta)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp), overwrite=overwrite)


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


def load_many(path: str | Path) -> Explanations:
    """A ``.parquet`` file, or a folder of chunks written by ``attribute_many(out=...)``
    (the chunks its manifest lists)."""
    path = Path(path)
    if path.is_dir():
        from .many.store import load_folder

        return load_folder(path)
    if not path.is_file():
        raise InputError(f"no file at {str(path)!r}", fix="check the path")
    _, pq = _pyarrow()
    from .many.items import is_items_file, load_items

    with damaged_file(path):
        metadata = pq.read_schema(path).metadata
    if is_items_file(metadata):  # texts or images (ItemExplanations)
        with damaged_file(path):
            return load_items(path)
    return read_parquet([path])


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - in the test extra
        raise InputError(
            "saving many explanations needs pyarrow",
            fix="pip install 'limelight[dask]' (or pyarrow)",
        ) from None
    return pa, pq
