"""`Explanations`: the attributions of many rows, with the fields of :class:`Explanation`.

``values`` is ``(n_rows, n_outputs, n_features)``; ``ex[3]`` is row 3's
:class:`Explanation`, ``ex[10:20]`` (or a boolean mask, or an index array) another
``Explanations``; ``to_frame()`` gives a wide (a row per row) or long (a row per row,
output and feature) pandas frame; ``save("attr.parquet")`` writes the wide frame with the
names and options in the file's metadata, and ``limelight.load`` reads it back exactly.
Rows whose explanation failed keep NaN values and say why in ``errors``.

    >>> import numpy as np
    >>> ex = Explanations(values=np.ones((2, 1, 3)), base_values=np.zeros((2, 1)),
    ...                   prediction=np.full((2, 1), 3.0), output_names=["y"],
    ...                   feature_names=["a", "b", "c"], data=np.zeros((2, 3)))
    >>> len(ex), ex[1].values.tolist(), ex.to_frame().columns[:3].tolist()
    (2, [[1.0, 1.0, 1.0]], ['error', 'seed', 'n_evals'])
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import check_target, write_atomic
from .errors import InputError, SchemaError
from .explanation import Explanation, _encode

SCHEMA = "limelight.explanations"
SCHEMA_VERSION = 1
#: the fields holding one entry per row (sliced and concatenated together)
ROW_FIELDS = (
    "values",
    "base_values",
    "prediction",
    "stderr",
    "n_evals",
    "errors",
    "seeds",
    "row",
    "data",
)


@dataclass(eq=False)
class Explanations:
    """Attributions for ``n`` rows of a table (``len(ex)``), sliceable and iterable.

    ``row`` holds each row's position in the data set explained, ``errors`` the reason a
    row failed ("" where it did not), ``seeds`` the ``random_state`` each row used
    (``ll.attribute(model, X[i], random_state=ex.seeds[i])`` gives the same numbers).
    """

    values: np.ndarray
    base_values: np.ndarray
    prediction: np.ndarray
    output_names: list[str]
    feature_names: list[str]
    data: np.ndarray | None = None
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    stderr: np.ndarray | None = None
    n_evals: np.ndarray | None = None
    errors: np.ndarray | None = None
    seeds: np.ndarray | None = None
    row: np.ndarray | None = None
    #: what re-makes a row's plan (an ``attribute_many`` run, in memory only): the
    #: quality metrics that call the model need it
    _source: Any = field(default=None, repr=False)
    _quality: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        if self.values.ndim != 3:
            raise SchemaError(
                f"values has shape {self.values.shape}",
                fix="give (n_rows, n_outputs, n_features) values",
            )
        n = len(self.values)
        self.base_values = np.asarray(self.base_values, dtype=float).reshape(n, -1)
        self.prediction = np.asarray(self.prediction, dtype=float).reshape(n, -1)
        self.output_names = [str(o) for o in self.output_names]
        self.feature_names = [str(f) for f in self.feature_names]
        if self.stderr is not None:
            self.stderr = np.asarray(self.stderr, dtype=float).reshape(self.values.shape)
        self.n_evals = _column(self.n_evals, n, np.int64, 0)
        self.seeds = _column(self.seeds, n, np.int64, -1)
        self.row = _column(self.row, n, np.int64, None)
        self.errors = _column(self.errors, n, object, "")
        if self.data is not None:
            self.data = np.asarray(self.data)

    # -- a collection ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.values)

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the rows explained without error."""
        return np.array([not e for e in self.errors], dtype=bool)

    def __getitem__(self, key: Any) -> Explanation | Explanations:
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if not -len(self) <= i < len(self):
                raise IndexError(f"row {i} out of range for {len(self)} explanations")
            return self._one(i % len(self))
        idx = np.arange(len(self))[key]
        return replace(
            self,
            **{a: None if getattr(self, a) is None else getattr(self, a)[idx] for a in ROW_FIELDS},
        )

    def __iter__(self) -> Iterator[Explanation]:
        return (self._one(i) for i in range(len(self)))

    def _one(self, i: int) -> Explanation:
        params = {**self.params, "row": int(self.row[i]), "random_state": int(self.seeds[i])}
        if self.errors[i]:
            params["error"] = str(self.errors[i])
        return Explanation(
            values=self.values[i],
            base_values=self.base_values[i],
            prediction=self.prediction[i],
            output_names=list(self.output_names),
            feature_names=list(self.feature_names),
            data=None if self.data is None else np.asarray(self.data[i], dtype=object),
            method=self.method,
            params=params,
            stderr=None if self.stderr is None else self.stderr[i],
            n_evals=int(self.n_evals[i]),
            done=True,
            modality="tabular",
        )

    def __repr__(self) -> str:
        bad = int((~self.ok).sum())
        return (
            f"Explanations({len(self)} rows, method={self.method!r}, "
            f"values{tuple(self.values.shape)}, outputs={self.output_names[:4]}"
            f"{f', {bad} failed' if bad else ''})"
        )

    @classmethod
    def concat(cls, parts: list[Explanations]) -> Explanations:
        """One collection of ``parts`` (the same method, output and feature names), in
        order; parts that explain other outputs or features are refused."""
        if not parts:
            raise InputError("nothing to concatenate", fix="pass at least one Explanations")
        first = parts[0]
        for i, p in enumerate(parts[1:], 1):
            for what in ("feature_names", "output_names", "method"):
                if getattr(p, what) != getattr(first, what):
                    raise InputError(
                        f"part {i} has {what.replace('_', ' ')} {getattr(p, what)!r}, part 0 "
                        f"{getattr(first, what)!r}: they are not one run's explanations",
                        fix="concatenate explanations of the same model, method and columns",
                    )
            if (p.stderr is None) != (first.stderr is None) or (p.data is None) != (
                first.data is None
            ):
                raise InputError(
                    f"part {i} and part 0 differ in whether they hold standard errors or data",
                    fix="concatenate explanations made the same way",
                )
        cat = lambda a: (
            None
            if getattr(first, a) is None
            else np.concatenate(  # noqa: E731
                [getattr(p, a) for p in parts]
            )
        )
        # one run's model stays attached only when every part is of that run
        same = all(p._source is first._source for p in parts)
        return replace(
            first, **{a: cat(a) for a in ROW_FIELDS}, _source=first._source if same else None
        )

    # -- summaries ------------------------------------------------------------------------
    @property
    def quality(self):
        """The quality metrics of ``e.quality`` over the rows, each summarised (median,
        quartiles, rows without a number): ``ex.quality.sparseness``,
        ``ex.quality.faithfulness_correlation`` (computed when read), ``ex.quality.metric(
        "max_sensitivity", rows=20, radius=0.05)``, ``ex.quality.to_frame()``; see
        :mod:`limelight.quality.many`."""
        if self._quality is None:
            from .quality.many import ManyQuality

            self._quality = ManyQuality(self)
        return self._quality

    def mean_abs(self) -> np.ndarray:
        """``(n_outputs, n_features)`` mean |attribution| over the rows without error."""
        return np.abs(self.values[self.ok]).mean(axis=0)

    # -- frames and files -----------------------------------------------------------------
    def to_frame(self, layout: str = "wide"):
        """A pandas DataFrame. ``"wide"``: one row per explained row (index ``row``) with
        ``error``, ``seed``, ``n_evals``, ``base:<output>``, ``prediction:<output>``,
        ``value:<output>:<feature>`` (and ``stderr:...``) and ``data:<feature>``.
        ``"long"``: one row per (row, output, feature) with ``value`` and ``data``."""
        import pandas as pd

        if layout == "long":
            n, k, d = self.values.shape
            frame = pd.DataFrame(
                {
                    "row": np.repeat(self.row, k * d),
                    "output": np.tile(np.repeat(np.array(self.output_names, dtype=object), d), n),
                    "feature": np.tile(np.array(self.feature_names, dtype=object), n * k),
                    "value": self.values.reshape(-1),
                }
            )
            if self.stderr is not None:
                frame["stderr"] = self.stderr.reshape(-1)
            if self.data is not None:
                frame["data"] = np.repeat(self.data[:, None, :], k, axis=1).reshape(-1)
            return frame
        if layout != "wide":
            raise InputError(f"unknown layout {layout!r}", fix="use 'wide' or 'long'")
        cols: dict[str, Any] = {
            "error": self.errors.astype(str),
            "seed": self.seeds,
            "n_evals": self.n_evals,
        }
        for o, name in enumerate(self.output_names):
            cols[f"base:{name}"] = self.base_values[:, o]
            cols[f"prediction:{name}"] = self.prediction[:, o]
        for o, name in enumerate(self.output_names):
            for j, feat in enumerate(self.feature_names):
                cols[f"value:{name}:{feat}"] = self.values[:, o, j]
        if self.stderr is not None:
            for o, name in enumerate(self.output_names):
                for j, feat in enumerate(self.feature_names):
                    cols[f"stderr:{name}:{feat}"] = self.stderr[:, o, j]
        if self.data is not None:
            for j, feat in enumerate(self.feature_names):
                col = self.data[:, j]
                cols[f"data:{feat}"] = (
                    pd.Series(col).infer_objects().to_numpy() if col.dtype == object else col
                )
        return pd.DataFrame(cols, index=pd.Index(self.row, name="row"))

    def meta(self) -> dict[str, Any]:
        """What the wide frame does not hold: names, method, options (JSON-ready)."""
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "method": self.method,
            "output_names": self.output_names,
            "feature_names": self.feature_names,
            "params": _encode(self.params),
            "stderr": self.stderr is not None,
            "data": self.data is not None,
        }

    def save(self, path: str | Path, *, overwrite: bool = True, **options: Any) -> Path:
        """Write ``path``: ``.parquet``, the wide :meth:`to_frame` with :meth:`meta` in the
        file's metadata (any Parquet reader opens it, ``limelight.load`` restores this);
        ``.svg`` / ``.png``, the summary (beeswarm) picture (``output=``, ``theme=``,
        ``top=``); ``.json``, every row's values with the names, in standard JSON. Written
        whole or not at all; ``overwrite=False`` refuses to replace a file."""
        path = Path(path)
        from .export.many import PICTURES, save_many

        if path.suffix.lower() in PICTURES:
            return save_many(self, path, overwrite=overwrite, **options)
        if path.suffix != ".parquet":
            raise InputError(
                f"cannot save many explanations as {path.suffix or 'no suffix'!r}",
                fix="save to a .parquet file (the rows), or .svg, .png or .json",
            )
        write_parquet(self, check_target(path, overwrite), overwrite=overwrite)
        return path

    @classmethod
    def from_frame(cls, frame: Any, meta: dict[str, Any]) -> Explanations:
        """Inverse of :meth:`to_frame` (``"wide"``) given :meth:`meta`."""
        if meta.get("schema") != SCHEMA:
            raise SchemaError(
                "this Parquet file was not written by Explanations.save",
                fix="load a file written by limelight's attribute_many or save",
            )
        if int(meta.get("version", 0)) > SCHEMA_VERSION:
            raise SchemaError(
                f"explanations schema version {meta.get('version')} is newer "
                "than this limelight understands",
                fix="upgrade limelight",
            )
        outs, feats = meta["output_names"], meta["feature_names"]
        n = len(frame)

        def block(prefix: str) -> np.ndarray:
            names = [f"{prefix}:{o}:{f}" for o in outs for f in feats]
            return frame[names].to_numpy(dtype=float).reshape(n, len(outs), len(feats))

        data = None
        if meta.get("data"):
            cols = [frame[f"data:{f}"].to_numpy() for f in feats]
            numeric = all(np.issubdtype(c.dtype, np.number) for c in cols)
            data = np.stack(cols, axis=1).astype(float if numeric else object) if feats else None
        return cls(
            values=block("value"),
            base_values=frame[[f"base:{o}" for o in outs]].to_numpy(dtype=float),
            prediction=frame[[f"prediction:{o}" for o in outs]].to_numpy(dtype=float),
            output_names=outs,
            feature_names=feats,
            data=data,
            method=meta["method"],
            params=meta.get("params", {}),
            stderr=block("stderr") if meta.get("stderr") else None,
            n_evals=frame["n_evals"].to_numpy(),
            errors=frame["error"].to_numpy(object),
            seeds=frame["seed"].to_numpy(),
            row=frame.index.to_numpy(),
        )


def _column(value: Any, n: int, dtype: Any, default: Any) -> np.ndarray:
    if value is None:
        return np.arange(n, dtype=np.int64) if default is None else np.full(n, default, dtype)
    out = np.asarray(value, dtype=dtype).reshape(-1)
    if len(out) != n:
        raise SchemaError(
            f"a per-row field has {len(out)} entries for {n} rows", fix="give one entry per row"
        )
    return out


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
