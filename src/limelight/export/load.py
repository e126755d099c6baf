"""Reading files back: one explanation from its ``.json``, many (an ``Explanations``, or the
``ItemExplanations`` of texts or images) from a ``.parquet`` file or an
``attribute_many(out=)`` folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import _results
from .._parquet import _pyarrow, damaged_file, read_parquet
from ..errors import InputError, SchemaError
from ..explanation import Explanation

if TYPE_CHECKING:
    from ..explanations import Explanations
    from ..many.items import ItemExplanations


def load(path: str | Path) -> Explanation:
    """Read an explanation written by ``save(..., "x.json")`` (any schema version so far),
    a global analysis's result (``Comparison``, ``Surrogate``, ``Dependence``,
    ``Elimination``) from its ``.json``, or many (an ``Explanations``) from a ``.parquet``
    file or an ``attribute_many(out=)`` folder.

        >>> exp = ll.load("exp.json")   # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix == ".parquet" or path.is_dir():
        return load_many(path)
    if not path.is_file():
        raise InputError(f"no file at {str(path)!r}", fix="check the path")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SchemaError(
            f"{path.name} is not a text file, so not a limelight explanation",
            fix="load the .json file written by save(..., 'x.json')",
        ) from None
    if _results.is_result(text):  # a global analysis's result (a Comparison, a Surrogate...)
        return _results.from_json(text)
    exp = Explanation.from_json(text)
    if isinstance(exp.quality, dict):  # the quality numbers it was saved with
        from ..quality import Quality

        exp.quality = Quality.from_dict(exp.quality)
    return exp


def load_many(path: str | Path) -> Explanations | ItemExplanations:
    """A ``.parquet`` file, or a folder of chunks written by ``attribute_many(out=...)``
    (the chunks its manifest lists)."""
    path = Path(path)
    if path.is_dir():
        from ..many.store import load_folder

        return load_folder(path)
    if not path.is_file():
        raise InputError(f"no file at {str(path)!r}", fix="check the path")
    _, pq = _pyarrow()
    from ..many.items import is_items_file, load_items

    with damaged_file(path):
        metadata = pq.read_schema(path).metadata
    if is_items_file(metadata):  # texts or images (ItemExplanations)
        with damaged_file(path):
            return load_items(path)
    return read_parquet([path])
