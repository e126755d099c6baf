"""`ItemExplanations`: the explanations of many texts or images, one
:class:`~limelight.explanation.Explanation` an item (texts are ragged: each has its own
tokens and spans). ``ex[i]`` is item ``i``'s explanation, ``ex.errors`` says why an item
failed ("" where it did not), ``ex.seeds`` the ``random_state`` each item used;
``to_frame()`` is a long frame (a row per item, output and token or pixel),
``save("x.parquet")`` writes it with every item's other fields in the file's metadata and
``limelight.load`` reads it back.

    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -1.0]], base_values=[0.0], prediction=[-0.5],
    ...                 output_names=["y"], feature_names=["good", "day"], modality="text",
    ...                 data="good day", spans=[[0, 4], [5, 8]])
    >>> ex = ItemExplanations([e, None], errors=["", "boom"], seeds=[1, 2], method="shapley")
    >>> len(ex), ex.ok.tolist(), ex.to_frame()[["item", "token", "start", "value"]].values.tolist()
    (2, [True, False], [[0, 'good', 0, 0.5], [0, 'day', 5, -1.0]])
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, MethodError, SchemaError
from ..explanation import Explanation

SCHEMA = "limelight.item_explanations"
SCHEMA_VERSION = 1


class ItemExplanations:
    """Explanations of ``n`` texts or images (``len(ex)``), indexable and iterable."""

    def __init__(
        self,
        items: list[Explanation | None],
        *,
        errors: Any = None,
        seeds: Any = None,
        method: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        n = len(items)
        self.items = list(items)
        self.errors = np.array(["" if errors is None else str(e) for e in (errors or [""] * n)])
        self.seeds = np.asarray(seeds if seeds is not None else [-1] * n, dtype=np.int64)
        if len(self.errors) != n or len(self.seeds) != n:
            raise InputError("errors and seeds need one entry per item", fix="pass n of each")
        self.method = method
        self.params = dict(params or {})
        done = next((e for e in self.items if e is not None), None)
        self.modality = "" if done is None else done.modality
        self.output_names = [] if done is None else list(done.output_names)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def concat(cls, parts: list[ItemExplanations]) -> ItemExplanations:
        """The parts' items one after another (as ``explain`` gave them, chunk by chunk)."""
        return cls(
            [e for p in parts for e in p.items],
            errors=[str(x) for p in parts for x in p.errors],
            seeds=np.concatenate([p.seeds for p in parts]) if parts else [],
            method=parts[0].method if parts else "",
        )

    def __repr__(self) -> str:
        return (
            f"ItemExplanations({len(self)} {self.modality or 'item'}s, method={self.method!r}, "
            f"{int((~self.ok).sum())} failed)"
        )

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the items explained without error."""
        return np.array([not e for e in self.errors], dtype=bool)

    def __getitem__(self, key: Any) -> Explanation | ItemExplanations:
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if not -len(self) <= i < len(self):
                raise IndexError(f"item {i} out of range for {len(self)} explanations")
            e = self.items[i]
            if e is None:
                raise MethodError(
                    f"item {i % len(self)} failed: {self.errors[i]}",
                    fix="see ex.errors for every failed item; ex.ok selects those that worked",
                )
            return e
        idx = np.arange(len(self))[key]
        return ItemExplanations(
            [self.items[i] for i in idx],
            errors=list(self.errors[idx]),
            seeds=self.seeds[idx],
            method=self.method,
            params=self.params,
        )

    def __iter__(self) -> Iterator[Explanation | None]:
        return iter(self.items)

    def mean_abs(self, output: int = 0) -> dict[str, float]:
        """Mean |attribution| of each token over its occurrences in the texts (stripped,
        lower case), largest first: the texts' global picture.

            >>> ex.mean_abs()   # doctest: +SKIP
            {'terrible': 0.41, 'great': 0.38, ...}
        """
        total: dict[str, list[float]] = {}
        for e in self.items:
            if e is None or e.modality != "text":
                continue
            for tok, v in zip(e.feature_names, np.abs(e.values[output])):
                total.setdefault(token_key(tok), []).append(float(v))
        means = {t: float(np.mean(v)) for t, v in total.items() if t}
        return dict(sorted(means.items(), key=lambda kv: -kv[1]))

    # -- frames and files ---------------------------------------------------------------
    def to_frame(self) -> Any:
        """A long pandas frame: ``item``, ``output``, ``position`` and, for text, ``token``,
        ``start``, ``end``; for images ``y``, ``x``; then ``value``. Failed items have no
        rows (see ``errors``)."""
        import pandas as pd

        parts = [_item_frame(i, e) for i, e in enumerate(self.items) if e is not None]
        if not parts:
            return pd.DataFrame(columns=["item", "output", "position", "value"])
        return pd.concat(parts, ignore_index=True)

    def save(self, path: str | Path, *, overwrite: bool = True, **options: Any) -> Path:
        """Write ``to_frame()`` as Parquet, each item's other fields (text, base values,
        prediction, options) and the errors and seeds in the file's metadata; for texts
        also ``.svg`` / ``.png`` (the top tokens) and ``.json`` (every text's tokens).
        Whole or not at all; ``overwrite=False`` refuses to replace an existing file."""
        path = Path(path)
        from ..export.many import PICTURES, save_many

        if path.suffix.lower() in PICTURES:
            return save_many(self, path, overwrite=overwrite, **options)
        if path.suffix != ".parquet":
            raise InputError(
                f"cannot save item explanations as {path.suffix or 'no suffix'!r}",
                fix="use a .parquet file name (or .svg, .png, .json for texts)",
            )
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .._atomic import check_target, write_atomic

        check_target(path, overwrite)
        meta = {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "method": self.method,
            "errors": self.errors.tolist(),
            "seeds": self.seeds.tolist(),
            "items": [None if e is None else _without_values(e) for e in self.items],
        }
        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                b"limelight": json.dumps(meta, allow_nan=False).encode(),
            }
        )
        return write_atomic(path, lambda tmp: pq.write_table(table, tmp), overwrite=overwrite)


def token_key(token: str) -> str:
    """A token as the texts' summary counts it: stripped, lower case."""
    return str(token).strip().lower()


def _item_frame(i: int, e: Explanation) -> Any:
    import pandas as pd

    k = e.values.shape[0]
    flat = e.values.reshape(k, -1)
    m = flat.shape[1]
    cols: dict[str, Any] = {
        "item": np.full(k * m, i),
        "output": np.repeat(np.array(e.output_names, dtype=object), m),
        "position": np.tile(np.arange(m), k),
    }
    if e.modality == "text":
        cols["token"] = np.tile(np.array(e.feature_names, dtype=object), k)
        spans = e.spans if e.spans is not None else np.full((m, 2), -1)
        cols["start"], cols["end"] = np.tile(spans[:, 0], k), np.tile(spans[:, 1], k)
    elif e.values.ndim == 3:
        ys, xs = np.unravel_index(np.arange(m), e.values.shape[1:])
        cols["y"], cols["x"] = np.tile(ys, k), np.tile(xs, k)
    cols["value"] = flat.reshape(-1)
    return pd.DataFrame(cols)


def _without_values(e: Explanation) -> dict:
    d = e.to_dict()
    d["values_shape"] = list(e.values.shape)
    d.pop("values")
    return d


def is_items_file(metadata: dict | None) -> bool:
    """Whether a Parquet file's metadata is an ``ItemExplanations`` file."""
    return bool(metadata) and b"limelight" in metadata and SCHEMA.encode() in metadata[b"limelight"]


def load_items(path: str | Path) -> ItemExplanations:
    """Read a file written by :meth:`ItemExplanations.save` (``ll.load`` calls this)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"limelight"])
    if meta.get("schema") != SCHEMA or meta.get("version", 0) > SCHEMA_VERSION:
        raise SchemaError(f"{Path(path).name} is not a file this limelight reads", fix="re-save")
    frame = table.to_pandas()
    items: list[Explanation | None] = []
    for i, d in enumerate(meta["items"]):
        if d is None:
            items.append(None)
            continue
        rows = frame[frame["item"] == i]
        shape = d.pop("values_shape")
        d["values"] = rows["value"].to_numpy(float).reshape(shape).tolist()
        items.append(Explanation.from_dict(d))
    return ItemExplanations(
        items, errors=meta["errors"], seeds=meta["seeds"], method=meta["method"]
    )


#: items tried in turn for the run's first plan before the first one's error is raised
FIRST_TRIES = 5


def plan_first(items: list[Any], plan_one: Any) -> Any:
    """``plan_one(i)`` for the first item that plans (an empty text or a picture the model
    refuses fails alone, later, in ``ex.errors``); when the first ``FIRST_TRIES`` all fail,
    the first one's limelight error is raised: the model, not an item, is the problem."""
    from ..errors import LimelightError

    first_error = None
    for i in range(min(FIRST_TRIES, len(items))):
        try:
            return plan_one(i)
        except LimelightError as exc:
            first_error = first_error or exc
    raise first_error


def many_input(X: Any) -> Any:
    """``X`` as ``attribute_many`` reads it: an iterator of texts or images becomes a list,
    a list of dicts (records) a frame;
    one text, or nothing at all, is refused with what to pass instead."""
    if isinstance(X, (str, bytes)):
        raise InputError(
            "X is one text; attribute_many explains many texts (or rows, or images)",
            fix="pass a list of texts, or use ll.attribute(model, text) for one",
        )
    if hasattr(X, "__next__"):  # a generator or another iterator: read once, here
        X = list(X)
    if isinstance(X, (list, tuple)) and X and all(isinstance(r, dict) for r in X):
        import pandas as pd

        return pd.DataFrame(list(X))  # rows as records: a table, columns by name
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise InputError(
            "X is empty: there is nothing to explain",
            fix="pass a list of texts or images, or a table with at least one row",
        )
    return X


def items_kind(X: Any) -> str | None:
    """``"text"`` for a list (or Series) of strings, ``"image"`` for a stack ``(n, H, W[,
    C])`` or a list of images; None for a table."""
    import numpy as np

    if isinstance(X, str):
        return None
    if getattr(X, "ndim", 2) >= 3:
        return "image"
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "UO" and len(X):
        return "text" if isinstance(X[0], str) else None
    if isinstance(X, (list, tuple)) or type(X).__name__ == "Series":
        first = next(iter(X), None)
        if isinstance(first, str):
            return "text"
        if getattr(first, "ndim", 0) >= 2 or type(first).__name__.endswith("Image"):
            return "image"
    return None
