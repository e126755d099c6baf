"""`Explanation`: the plain-numpy result every explainer yields.

>>> import numpy as np
>>> e = Explanation(values=np.array([[0.5, -0.25]]), base_values=np.array([1.0]),
...                 prediction=np.array([1.25]), output_names=["y"], feature_names=["a", "b"])
>>> e.additivity_error()
0.0
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .errors import LimelightError, SchemaError

SCHEMA = "limelight.explanation"
SCHEMA_VERSION = 2
# version 1: no "data_included" field (every file held its data)
# version 2: "data_included" says whether the raw input was saved (save(include_data=False))
MODALITIES = ("tabular", "text", "image", "importance")

# Saving and displaying live above this module (``export``, ``widgets``), which import it;
# they register here (``limelight/__init__.py`` does it as the package loads), so the value
# type imports neither and the import graph has no cycle through it.
_PRESENTERS: dict[str, Callable[..., Any]] = {}


def register_presenter(name: str, fn: Callable[..., Any]) -> None:
    """Install ``"save"`` (``fn(exp, path, **options)``) or ``"display"``
    (``fn(exp, **kwargs) -> mimebundle``); ``import limelight`` installs both."""
    _PRESENTERS[name] = fn


def _presenter(name: str) -> Callable[..., Any]:
    fn = _PRESENTERS.get(name)
    if fn is None:
        raise LimelightError(
            f"no {name} function is installed for explanations",
            fix="import limelight (it installs save and display)",
        )
    return fn


@dataclass(eq=False)
class Explanation:
    """Attributions for one instance (or, for ``modality="importance"``, for a dataset).

    Shapes, with ``k`` outputs:

    - tabular: ``values`` ``(k, n_features)``; ``data`` the instance's raw values (1-D).
    - text: ``values`` ``(k, n_tokens)``; ``feature_names`` the tokens, ``spans`` their
      ``(start, end)`` character offsets in ``data`` (the original string).
    - image: ``values`` ``(k, H, W)``; ``data`` the original picture (H, W[, C]).
    - importance: ``values`` ``(k, n_features)`` mean importance, ``extras["samples"]``
      ``(k, n_features, n_repeats)``; ``data`` is None.

    ``stderr`` has the shape of ``values`` (or is None for exact methods). ``n_evals``
    counts model rows evaluated so far; ``done`` is False on streamed partials.
    """

    values: np.ndarray
    base_values: np.ndarray
    prediction: np.ndarray
    output_names: list[str]
    feature_names: list[str] | None = None
    data: Any = None
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    stderr: np.ndarray | None = None
    n_evals: int = 0
    done: bool = True
    modality: str = "tabular"
    spans: np.ndarray | None = None
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    #: how far to trust it (:class:`limelight.quality.Quality`), attached by the plan
    quality: Any = None

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        self.base_values = np.asarray(self.base_values, dtype=float).reshape(-1)
        self.prediction = np.asarray(self.prediction, dtype=float).reshape(-1)
        self.output_names = [str(n) for n in self.output_names]
        if self.feature_names is not None:
            self.feature_names = [str(n) for n in self.feature_names]
        if self.stderr is not None:
            self.stderr = np.asarray(self.stderr, dtype=float)
        if self.spans is not None:
            self.spans = np.asarray(self.spans, dtype=np.int64).reshape(-1, 2)
        if self.modality not in MODALITIES:
            raise SchemaError(f"unknown modality {self.modality!r}", fix=f"use one of {MODALITIES}")

    # -- conveniences -------------------------------------------------------------------
    @property
    def n_outputs(self) -> int:
        """How many outputs were computed: ``values.shape[0]``, ``len(output_names)``."""
        return int(self.values.shape[0])

    def output_index(self, output: int | str | None) -> int:
        """Index of an output given by name or position (None: the predicted one)."""
        if output is None:
            return int(np.argmax(self.prediction)) if self.prediction.size else 0
        if isinstance(output, str):
            if output not in self.output_names:
                raise KeyError(f"no output named {output!r}; outputs are {self.output_names}")
            return self.output_names.index(output)
        index = int(output)
        if not -self.n_outputs <= index < self.n_outputs:
            raise IndexError(f"output {index} out of range for {self.n_outputs} outputs")
        return index % self.n_outputs

    def additivity_error(self) -> float:
        """Largest |sum(values) - (prediction - base_value)| over outputs (0 for exact Shapley)."""
        flat = self.values.reshape(self.n_outputs, -1)
        return float(np.max(np.abs(flat.sum(axis=1) - (self.prediction - self.base_values))))

    def with_(self, **changes: Any) -> Explanation:
        """A copy with some fields replaced (the arrays are shared, not copied)."""
        return replace(self, **changes)

    def __repr__(self) -> str:
        state = "done" if self.done else f"partial, {self.n_evals} evals"
        return (
            f"Explanation({self.modality}, method={self.method!r}, "
            f"values{tuple(self.values.shape)}, outputs={self.output_names[:4]}"
            f"{'...' if self.n_outputs > 4 else ''}, {state})"
        )

    def save(self, path: Any, *, include_data: bool = True, overwrite: bool = True, **options: Any):
        """Write to ``path``: ``.json`` (reload with ``limelight.load``), ``.html``
        (interactive, offline), ``.png`` or ``.svg``. ``include_data=False`` leaves out the
        raw input (feature values, text, pixels) and says so in the file. The file is
        written whole or not at all (a failed save keeps the old one); ``overwrite=False``
        refuses to replace an existing file."""
        return _presenter("save")(
            self, path, include_data=include_data, overwrite=overwrite, **options
        )

    def _repr_mimebundle_(self, **kwargs: Any):
        """Shown in a notebook as the widget for its modality."""
        return _presenter("display")(self, **kwargs)

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (arrays as nested lists) tagged with the schema and version."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "data_included": not self.params.get("data_omitted", False),
        }
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extras":
                value = {k: _encode(v) for k, v in value.items()}
            elif f.name == "quality":
                # a Quality (limelight.quality), or its dict as loaded (ll.load makes it
                # a Quality again; this module imports nothing of limelight's but errors)
                value = (
                    None
                    if value is None
                    else _encode(value.to_dict() if hasattr(value, "to_dict") else dict(value))
                )
            else:
                value = _encode(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Explanation:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(d, dict) or d.get("schema") != SCHEMA:
            raise SchemaError(
                "this is not a limelight explanation (no 'schema': 'limelight.explanation')",
                fix="load a file written by Explanation.save or Explanation.to_json",
            )
        version = d.get("version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise SchemaError(
                f"explanation schema version {version!r} is newer than this limelight "
                f"understands ({SCHEMA_VERSION})",
                fix="upgrade limelight",
            )
        if version == 1:  # written before include_data existed: the data is all there
            d = {**d, "data_included": True}
        names = {f.name for f in fields(cls)}
        required = {"values", "base_values", "prediction", "output_names"}
        missing = sorted(required - d.keys())
        if missing:
            raise SchemaError(f"explanation is missing {missing}", fix="re-save it from limelight")
        kwargs = {k: _decode(v) for k, v in d.items() if k in names}
        try:
            if "extras" in kwargs:
                kwargs["extras"] = {k: _array(v, k) for k, v in dict(kwargs["extras"]).items()}
            for key in ("values", "base_values", "prediction", "stderr"):
                if kwargs.get(key) is not None:
                    kwargs[key] = _array(kwargs[key], key, float)
            if kwargs.get("spans") is not None:
                kwargs["spans"] = _array(kwargs["spans"], "spans", np.int64)
            if kwargs.get("modality") == "image" and kwargs.get("data") is not None:
                kwargs["data"] = _array(kwargs["data"], "data")
            exp = cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"the explanation's fields are damaged ({exc})", fix="re-save it from limelight"
            ) from None
        _check_shapes(exp)
        return exp

    def to_json(self, **kwargs: Any) -> str:
        """JSON text of :meth:`to_dict`: standard JSON (a NaN or inf is written as null),
        so any JSON reader opens it."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        """The Explanation :meth:`to_json` wrote (any schema version so far); a damaged or
        foreign text raises a ``SchemaError`` that says what is wrong."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"not valid JSON ({exc.msg} at line {exc.lineno}); the file may be truncated",
                fix="save the explanation again",
            ) from None
        except RecursionError:
            raise SchemaError(
                "the JSON is nested too deeply to be an explanation",
                fix="load a file written by Explanation.save or Explanation.to_json",
            ) from None
        return cls.from_dict(d)

    def to_frame(self):
        """A pandas DataFrame: one row per feature (or token), one column per output.

        Tabular and text explanations also get a ``data`` column with the feature value
        (or token text).
        """
        import pandas as pd

        flat = self.values.reshape(self.n_outputs, -1)
        names = self.feature_names or [str(i) for i in range(flat.shape[1])]
        frame = pd.DataFrame(
            flat.T, index=pd.Index(names, name="feature"), columns=self.output_names
        )
        if self.modality == "tabular" and self.data is not None:
            frame.insert(0, "data", list(np.asarray(self.data, dtype=object).reshape(-1)))
        return frame


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            value = np.where(np.isfinite(value), value, None)  # null in JSON, NaN on load
        return value.tolist()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def standard_json(value: Any, **kwargs: Any) -> str:
    """JSON text of ``value`` with every NaN or inf written as null (standard JSON, which
    any reader opens; Python's default writes a bare ``NaN``).

        >>> standard_json({"loss": [1.0, float("nan")], "best": np.float32(np.inf)})
        '{"loss": [1.0, null], "best": null}'
    """
    return json.dumps(_encode(value), allow_nan=False, **kwargs)


def _decode(value: Any) -> Any:
    return value


def _array(value: Any, name: str, dtype: Any = None) -> np.ndarray:
    """A loaded field as an array; a ragged or non-numeric one is named."""
    try:
        return np.asarray(value, dtype=dtype) if dtype is not None else np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name!r} is not an array of numbers") from None


def _check_shapes(exp: Explanation) -> None:
    """The shapes a loaded explanation's fields must agree on, checked before any view
    draws it (a damaged file would otherwise draw wrong numbers or nothing)."""
    k = exp.values.shape[0] if exp.values.ndim else 0
    problems = []
    if exp.values.ndim < 2:
        problems.append(f"values has shape {exp.values.shape}, not (outputs, ...)")
    for name in ("base_values", "prediction"):
        if len(getattr(exp, name)) != k:
            problems.append(f"{name} has {len(getattr(exp, name))} entries for {k} outputs")
    if len(exp.output_names) != k:
        problems.append(f"{len(exp.output_names)} output names for {k} outputs")
    if exp.stderr is not None and exp.stderr.shape != exp.values.shape:
        problems.append(f"stderr has shape {exp.stderr.shape}, values {exp.values.shape}")
    n = exp.values.shape[1] if exp.values.ndim >= 2 else 0
    if exp.modality in ("tabular", "text", "importance") and exp.feature_names is not None:
        if exp.values.ndim != 2 or len(exp.feature_names) != n:
            problems.append(f"{len(exp.feature_names)} feature names for {n} values")
    if exp.modality == "text":
        text = exp.data if isinstance(exp.data, str) else None
        if exp.spans is None or len(exp.spans) != n:
            problems.append("the text's spans do not match its tokens")
        elif text is not None and (
            (exp.spans < 0).any()
            or (exp.spans > len(text)).any()
            or (exp.spans[:, 0] > exp.spans[:, 1]).any()
        ):
            problems.append("a span falls outside the text")
    if problems:
        raise SchemaError(
            "the explanation's fields do not fit together: " + "; ".join(problems),
            fix="re-save it from limelight (the file was changed or damaged)",
        )
