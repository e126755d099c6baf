"""The ``.json`` files of the global analyses' results (:class:`~limelight.agreement.Comparison`,
:class:`~limelight.rules.Surrogate`, :class:`~limelight.partial_dependence.Dependence`,
:class:`~limelight.elimination.Elimination`): one header, one writer, one reader.

Each file is standard JSON (NaN and inf written as null) opening with
``{"schema": "limelight.result", "kind": "<kind>", "version": 1, ...}``; each result class
writes its own fields (``to_dict``) and reads them back (``from_dict``); ``ll.load`` hands
a file with this header to :func:`from_json`.

    >>> header("surrogate")
    {'schema': 'limelight.result', 'kind': 'surrogate', 'version': 1}
    >>> is_result('{"schema": "limelight.explanation", "version": 2}')
    False
"""

from __future__ import annotations

import json
import re
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import write_atomic
from .errors import InputError, SchemaError
from .explanation import standard_json

SCHEMA = "limelight.result"
VERSION = 1
#: each kind's class, imported when a file of that kind is read
KINDS = {
    "comparison": ("limelight.agreement", "Comparison"),
    "surrogate": ("limelight.rules", "Surrogate"),
    "dependence": ("limelight.partial_dependence", "Dependence"),
    "elimination": ("limelight.elimination", "Elimination"),
}
_HEAD = re.compile(r'"schema"\s*:\s*"limelight\.result"')


def header(kind: str) -> dict[str, Any]:
    """The first keys of a result's dict (the writer keeps them first in the file)."""
    return {"schema": SCHEMA, "kind": kind, "version": VERSION}


def is_result(text: str) -> bool:
    """Whether a JSON text is a result file (its header sits in the first bytes)."""
    return _HEAD.search(text[:4096]) is not None


def save_json(result: Any, path: Any, *, overwrite: bool = True) -> Path:
    """Write ``result.to_dict()`` to ``path`` (a ``.json``), whole or not at all."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        kind = type(result).__name__
        raise InputError(
            f"a {kind} saves as .json, not {p.suffix or 'a name with no suffix'!r}",
            fix="end the name in .json (ll.load reads it back); for a page or a picture, "
            "save the view's widget (its .save('x.html'))",
        )
    return write_atomic(p, standard_json(result.to_dict()), overwrite=overwrite)


def check(d: Any, kind: str) -> dict[str, Any]:
    """``d`` as read from a file of ``kind``, or a SchemaError saying what is wrong."""
    if not isinstance(d, dict) or d.get("schema") != SCHEMA or d.get("kind") != kind:
        raise SchemaError(
            f"this is not a limelight {kind} (no 'schema': {SCHEMA!r}, 'kind': {kind!r})",
            fix=f"load a file written by the {kind}'s .save('x.json')",
        )
    version = d.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise SchemaError(
            f"{kind} schema version {version!r} is newer than this limelight understands "
            f"({VERSION})",
            fix="upgrade limelight",
        )
    return d


def from_json(text: str) -> Any:
    """The result a file written by ``.save('x.json')`` holds, of the kind it names."""
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"not valid JSON ({exc.msg} at line {exc.lineno}); the file may be truncated",
            fix="save the result again",
        ) from None
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind not in KINDS:
        raise SchemaError(
            f"unknown result kind {kind!r}", fix=f"load a file of one of {sorted(KINDS)}"
        )
    module, name = KINDS[kind]
    cls = getattr(import_module(module), name)
    try:
        return cls.from_dict(check(d, kind))
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(
            f"the {kind}'s fields are damaged ({type(exc).__name__}: {exc})",
            fix="save the result again",
        ) from None


def same(a: Any, b: Any) -> bool:
    """Equal numbers and names: the two results write the same file (NaN equals NaN),
    the time a quality check took aside (``"seconds"``: a measure of the run, not of the
    model)."""
    if type(a) is not type(b):
        return NotImplemented
    return standard_json(_untimed(a.to_dict())) == standard_json(_untimed(b.to_dict()))


def _untimed(value: Any, quality: bool = False) -> Any:
    """``value`` without the ``"seconds"`` keys inside an explanation's ``"quality"``."""
    if isinstance(value, dict):
        return {
            k: _untimed(v, quality or k == "quality")
            for k, v in value.items()
            if not (quality and k == "seconds")
        }
    if isinstance(value, list):
        return [_untimed(v, quality) for v in value]
    return value


def dependence_dict(self: Any) -> dict[str, Any]:
    """A :class:`~limelight.partial_dependence.Dependence` as JSON-ready data."""
    return {
        **header("dependence"),
        "features": list(self.features),
        "output": self.output,
        "source": self.source,
        "centered": bool(self.centered),
        "done": bool(self.done),
        "categorical": [g.dtype == object for g in map(np.asarray, self.grid)],
        "grid": [np.asarray(g).tolist() for g in self.grid],
        "average": np.asarray(self.average, float).tolist(),
        "ice": None if self.ice is None else np.asarray(self.ice, float).tolist(),
        "extras": dict(self.extras),
    }


def dependence_from_dict(cls: Any, d: dict[str, Any]) -> Any:
    """Inverse of :func:`dependence_dict` (null read back as NaN)."""

    def floats(v: Any) -> np.ndarray:
        return np.array(v, dtype=float)  # None -> NaN

    grid = [
        np.array(g, dtype=object) if cat else floats(g)
        for g, cat in zip(d["grid"], d["categorical"])
    ]
    return cls(
        features=[str(f) for f in d["features"]],
        grid=grid,
        average=floats(d["average"]).reshape(tuple(len(g) for g in grid)),
        ice=None if d["ice"] is None else floats(d["ice"]).reshape(-1, len(grid[0])),
        output=str(d["output"]),
        source=str(d["source"]),
        centered=bool(d["centered"]),
        done=bool(d["done"]),
        extras=dict(d.get("extras") or {}),
    )
