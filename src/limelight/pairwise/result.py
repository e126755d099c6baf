"""`Interactions`: pairwise Shapley interaction values of many rows, as plain numpy, with
the views a user reads them by (the strongest pairs, a long table, a saved page).

    >>> import numpy as np
    >>> v = np.array([[[[0.0, 0.5], [0.5, 0.25]]]])            # (rows, outputs, d, d)
    >>> r = Interactions(v, np.zeros(1), v.sum(axis=(2, 3)), ["a", "b"], ["y"], "exact")
    >>> r.shapley_values().tolist()                             # each row of the matrix
    [[[0.5, 0.75]]]
    >>> r.top_pairs(1)[["feature_a", "feature_b", "mean_abs"]].values.tolist()
    [['a', 'b', 0.5]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import check_target, write_atomic
from ..errors import InputError
from ..explanation import standard_json

FORMATS = ("html", "json", "svg", "png")


@dataclass
class Interactions:
    """Interaction values ``values`` ``(rows, outputs, d, d)`` in shap's convention: entry
    ``[i, j]`` (i != j) is half the Shapley interaction index of features i and j, ``[i, i]``
    the main effect of i, so each matrix row sums to i's Shapley value and the whole matrix
    to ``prediction - base_values``. ``stderr`` (same shape) for sampled values, else None."""

    values: np.ndarray
    base_values: np.ndarray  # (outputs,) the model's mean over the background
    predictions: np.ndarray  # (rows, outputs) the model's own
    feature_names: list[str]
    output_names: list[str]
    method: str  # "tree", "exact" or "sampled"
    params: dict = field(default_factory=dict)
    stderr: np.ndarray | None = None
    data: np.ndarray | None = None  # (rows, d) the rows explained

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        n, k, d, _ = self.values.shape
        return (
            f"Interactions({n} rows x {k} outputs x {d}x{d} features, method={self.method!r}; "
            f".top_pairs(), .to_frame(), .save('page.html'))"
        )

    def shapley_values(self) -> np.ndarray:
        """``(rows, outputs, d)``: each matrix row summed, the Shapley values."""
        return self.values.sum(axis=3)

    def main_effects(self) -> np.ndarray:
        """``(rows, outputs, d)``: the diagonals."""
        return np.diagonal(self.values, axis1=2, axis2=3).copy()

    def _output(self, output: int | str | None) -> int:
        if output is None:
            return 0
        if isinstance(output, str):
            if output not in self.output_names:
                raise InputError(
                    f"output {output!r} is not one of {self.output_names}",
                    fix="pass one of these names or an index",
                )
            return self.output_names.index(output)
        k = len(self.output_names)
        if not isinstance(output, (int, np.integer)) or not -k <= int(output) < k:
            raise InputError(f"output={output!r} is not an index below {k}", fix="pass 0..k-1")
        return int(output) % k

    def mean_abs(self, output: int | str | None = None) -> np.ndarray:
        """``(d, d)``: the mean over rows of each entry's absolute value (shap's summary)."""
        return np.abs(self.values[:, self._output(output)]).mean(axis=0)

    def top_pairs(self, k: int = 10, *, output: int | str | None = None):
        """The ``k`` feature pairs with the largest mean |interaction value| over the rows
        (a pandas DataFrame: feature_a, feature_b, mean_abs, mean; one entry ``[a, b]``,
        which is half the pair's Shapley interaction index)."""
        import pandas as pd

        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise InputError(f"k={k!r} is not a number of pairs", fix="pass a positive integer")
        c = self._output(output)
        d = len(self.feature_names)
        i, j = np.triu_indices(d, 1)
        strength = self.mean_abs(c)[i, j]
        mean = self.values[:, c].mean(axis=0)[i, j]
        top = np.argsort(-strength, kind="stable")[: int(k)]
        names = np.asarray(self.feature_names, dtype=object)
        return pd.DataFrame(
            {
                "feature_a": names[i[top]],
                "feature_b": names[j[top]],
                "mean_abs": strength[top],
                "mean": mean[top],
            }
        )

    def strongest_partner(self, feature: int | str, *, output: int | str | None = None) -> str:
        """The feature whose mean |interaction value| with ``feature`` is largest (the one
        to colour ``feature``'s dependence view by)."""
        from .dependence import feature_index

        names = list(self.feature_names)
        i = feature_index(self, feature)
        if len(names) < 2:
            raise InputError("one feature has no partner", fix="explain two features or more")
        row = self.mean_abs(output)[i].copy()
        row[i] = -np.inf
        return names[int(np.argmax(row))]

    def dependence(
        self,
        feature: int | str,
        *,
        output: int | str | None = None,
        color: int | str | None = "auto",
        main_effect: bool = False,
    ):
        """The dependence view of ``feature`` (shap's ``dependence_plot``): one dot per
        row, x its value, y its Shapley value (``main_effect=True``: the diagonal only),
        coloured by ``color`` (``"auto"``: :meth:`strongest_partner`; a name or index;
        None: one colour). Returns a view with ``.svg``, ``.partner`` and ``.save(path)``.

            >>> r.dependence("age").save("age.png")   # doctest: +SKIP
        """
        from .dependence import build

        return build(self, feature, self._output(output), color, main_effect)

    def to_frame(self):
        """A long pandas DataFrame: one line per (row, output, feature_a, feature_b) with
        ``value`` (and ``stderr`` for sampled values)."""
        import pandas as pd

        n, k, d, _ = self.values.shape
        r, o, a, b = np.meshgrid(
            np.arange(n), np.arange(k), np.arange(d), np.arange(d), indexing="ij"
        )
        names = np.asarray(self.feature_names, dtype=object)
        frame = pd.DataFrame(
            {
                "row": r.ravel(),
                "output": np.asarray(self.output_names, dtype=object)[o.ravel()],
                "feature_a": names[a.ravel()],
                "feature_b": names[b.ravel()],
                "value": self.values.ravel(),
            }
        )
        if self.stderr is not None:
            frame["stderr"] = self.stderr.ravel()
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON types (arrays as nested lists)."""
        out = {
            "kind": "interactions",
            "method": self.method,
            "feature_names": list(self.feature_names),
            "output_names": list(self.output_names),
            "values": self.values.tolist(),
            "base_values": np.asarray(self.base_values).tolist(),
            "predictions": np.asarray(self.predictions).tolist(),
            "params": _plain(self.params),
        }
        if self.stderr is not None:
            out["stderr"] = np.where(np.isfinite(self.stderr), self.stderr, None).tolist()
        return out

    def to_html(self, *, title: str | None = None) -> str:
        """A page that opens anywhere (no scripts): the heatmap of mean |interaction| per
        output and the top pairs."""
        from .view import page

        return page(self, title=title)

    def _repr_html_(self) -> str:
        from .view import summary_html

        return summary_html(self)

    def save(
        self, path: str | Path, *, include_data: bool = True, overwrite: bool = True, **options: Any
    ) -> Path:
        """Write ``.html`` (the page of :meth:`to_html`), ``.json`` (:meth:`to_dict`),
        ``.svg`` or ``.png`` (one output's heatmap: ``output=``; or, with ``feature=``,
        that feature's :meth:`dependence` view); ``ll.save`` does the same.
        ``include_data=False`` leaves the rows' feature values out of the JSON. Written
        whole or not at all; ``overwrite=False`` refuses to replace an existing file."""
        path = Path(path)
        fmt = {".htm": "html"}.get(path.suffix.lower(), path.suffix.lower()[1:])
        if fmt not in FORMATS:
            raise InputError(
                f"cannot save interactions as {path.suffix or 'a file without a suffix'!r}",
                fix="use a path ending in .html, .json, .svg or .png",
            )
        check_target(path, overwrite)
        data = self._to_bytes(fmt, include_data=include_data, **options)
        return write_atomic(path, data, overwrite=overwrite)

    def _to_bytes(
        self,
        format: str,
        *,
        include_data: bool = True,
        title: str | None = None,
        output: int | str | None = None,
        feature: int | str | None = None,
        scale: float = 2,
    ) -> bytes:
        """The file :meth:`save` writes (and ``limelight.save`` / ``to_bytes``)."""
        from . import view

        if format == "json":
            out = self.to_dict()
            if include_data and self.data is not None:
                out["data"] = _plain(np.asarray(self.data, dtype=object))
            return standard_json(out, default=str).encode("utf-8")
        if format == "html":
            return view.page(self, title=title).encode("utf-8")
        if feature is None:
            svg = view.heatmap_svg(self, self._output(output))
        else:
            svg = self.dependence(feature, output=output).svg
        if format == "svg":
            return svg.encode("utf-8")
        if format == "png":
            return view.to_png(svg, scale)
        raise InputError(f"unknown format {format!r}", fix=f"use one of {FORMATS}")


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays made JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
