"""Writing a snapshot: ``save`` picks the format by the suffix and writes it whole or not at
all; ``to_bytes`` is the file as bytes; objects with their own files save themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._atomic import snapshot_target, write_atomic
from ..errors import InputError
from ..explanation import Explanation
from .page import to_html
from .pictures import to_png, to_svg
from .snapshot import to_json


def to_bytes(obj: Any, format: str, *, include_data: bool = True, **options: Any) -> bytes:
    """The file ``save`` writes, as bytes: ``format`` is ``"html"``, ``"png"``, ``"svg"``
    or ``"json"``; ``options`` go to the maker (chart ``kind``, ``output``, ``title``...).
    The global views (compare, surrogate, dependence...) export themselves."""
    own = getattr(obj, "_to_bytes", None)
    if own is not None:
        return own(format, include_data=include_data, **options)
    makers = {
        "json": lambda: to_json(obj, include_data=include_data, **options).encode("utf-8"),
        "html": lambda: to_html(obj, include_data=include_data, **options).encode("utf-8"),
        "svg": lambda: to_svg(obj, include_data=include_data, **options).encode("utf-8"),
        "png": lambda: to_png(obj, include_data=include_data, **options),
    }
    if format not in makers:
        raise InputError(
            f"unknown snapshot format {format!r}", fix="use 'html', 'png', 'svg' or 'json'"
        )
    return makers[format]()


def save(
    obj: Any,
    path: str | Path,
    *,
    include_data: bool = True,
    overwrite: bool = True,
    **options: Any,
) -> Path:
    """Write ``obj`` (an Explanation or any limelight view) to ``path`` and return the
    path; the suffix picks the format: .html (interactive, offline), .png, .svg or .json.
    ``include_data=False`` leaves the raw input out (feature values, text, pixels);
    ``options`` go to the format's maker (a chart's ``kind``, ``output``, ``title``).

    The file is written whole or not at all (beside the target, then renamed into place):
    a save that fails leaves an existing file as it was. ``overwrite=False`` refuses to
    replace an existing file. Objects with their own files (many rows, interactions, the
    model views, the monitor) save themselves.

        >>> ll.save(w, "row.html"); ll.save(e, "row.json", include_data=False)  # doctest: +SKIP
    """
    if _saves_itself(obj):  # many rows, interactions, the model views, the monitor...
        extra = {} if include_data else {"include_data": False}
        return obj.save(path, overwrite=overwrite, **extra, **options)
    path, fmt = snapshot_target(path, overwrite)
    write_atomic(
        path, to_bytes(obj, fmt, include_data=include_data, **options), overwrite=overwrite
    )
    return path


def _saves_itself(obj: Any) -> bool:
    """An object with its own ``save`` that this module does not draw (not an Explanation,
    a widget showing one, or a view that exports itself through ``_to_bytes``)."""
    if isinstance(obj, Explanation) or hasattr(obj, "_to_bytes"):
        return False
    if isinstance(getattr(obj, "explanation", None), Explanation):
        return False
    return callable(getattr(obj, "save", None))
