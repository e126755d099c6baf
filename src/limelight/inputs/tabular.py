"""One tabular instance and its background, and the fast builder of hybrid rows.

``TabularInstance.cross(masks)`` returns, for each coalition mask, every background row
with the masked-in features taken from the instance: the batch interventional Shapley
values and Kernel SHAP evaluate. Numbers stay in one 2-D array; a DataFrame keeps each
column's dtype (strings for categories), so a pipeline sees data like its training data.

    >>> import numpy as np
    >>> inst = read_instance(np.array([1.0, 2.0]), np.zeros((3, 2)))
    >>> inst.cross(np.array([[True, False]])).tolist()
    [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ._cross import hybrid_rows, paired_rows
from .background import summarise

BACKGROUND_ROWS = 100  # above this, the background is summarised


def _is_frame(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def _is_series(obj: Any) -> bool:
    return type(obj).__name__ == "Series" and hasattr(obj, "index")


@dataclass
class TabularInstance:
    """The instance ``x`` (raw values, 1-D), the (weighted) background, and names."""

    x: np.ndarray
    feature_names: list[str]
    frame: bool
    x_cols: list[Any]
    bg_cols: list[np.ndarray]
    weights: np.ndarray
    background_info: dict = field(default_factory=dict)
    #: the background as one float ``(m, d)`` array when the data are numbers (not a
    #: DataFrame): what :meth:`cross` copies from; rebuilt by ``dataclasses.replace``
    bg_matrix: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.frame:
            self.bg_matrix = self.numeric_background()

    @property
    def d(self) -> int:
        return len(self.feature_names)

    @property
    def m(self) -> int:
        return len(self.weights)

    def assemble(self, cols: list[np.ndarray]) -> Any:
        """Columns -> a batch as the model takes it (a DataFrame, or a 2-D array)."""
        if self.frame:
            import pandas as pd

            return pd.DataFrame(dict(zip(self.feature_names, cols)), copy=False)
        return np.stack(cols, axis=1) if cols else np.empty((0, 0))

    def cross(self, masks: np.ndarray, rows: slice | np.ndarray = slice(None)) -> Any:
        """``(n, d)`` boolean masks -> ``n * m`` rows (mask-major): feature j from x where
        ``masks[:, j]``, else from each background row (or the background ``rows`` given)."""
        masks = np.asarray(masks, dtype=bool)
        if not self.frame:
            x = np.asarray(self.x_cols, dtype=float)
            return hybrid_rows(masks, x, self.bg_matrix[rows])
        cols = [
            np.where(masks[:, j][:, None], self.x_cols[j], self.bg_cols[j][rows][None, :]).reshape(
                -1
            )
            for j in range(self.d)
        ]
        return self.assemble(cols)

    def paired(self, masks: np.ndarray, rows: np.ndarray) -> Any:
        """``(n, d)`` masks with one background row each -> ``n`` rows (LIME's samples)."""
        masks = np.asarray(masks, dtype=bool)
        if not self.frame:
            x = np.asarray(self.x_cols, dtype=float)
            return paired_rows(masks, x, self.bg_matrix, np.asarray(rows))
        cols = [np.where(masks[:, j], self.x_cols[j], self.bg_cols[j][rows]) for j in range(self.d)]
        return self.assemble(cols)

    def x_batch(self) -> Any:
        """The instance as a batch of one row."""
        return (
            self.cross(np.ones((1, self.d), dtype=bool))[:1]
            if not self.frame
            else self.assemble(
                [
                    np.asarray([v], dtype=c.dtype if c.dtype != object else object)
                    for v, c in zip(self.x_cols, self.bg_cols)
                ]
            )
        )

    def background_batch(self) -> Any:
        return self.assemble(list(self.bg_cols))

    def numeric_background(self) -> np.ndarray:
        """The background as a float ``(m, d)`` array (TypeError/ValueError when a column
        is not numbers)."""
        if self.bg_matrix is not None:
            return self.bg_matrix
        return np.stack([np.asarray(c, dtype=float) for c in self.bg_cols], axis=1)


def _check_background_size(size: Any) -> None:
    ok = isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 1
    if not ok:
        raise InputError(
            f"background_size={size!r} is not a number of background rows to keep",
            fix=f"pass a positive integer (default {BACKGROUND_ROWS})",
        )


# -- reading the user's x and background -------------------------------------------------------
def _names_for(d: int, given: Any) -> list[str]:
    if given is not None:
        names = [str(n) for n in given]
        if len(names) != d:
            raise InputError(
                f"feature_names has {len(names)} names for {d} features", fix=f"give {d} names"
            )
        return names
    return [f"x{j}" for j in range(d)]


def _frame_from(obj: Any, columns: list[str] | None, what: str):
    """A DataFrame of ``obj`` (DataFrame, Series = one row, array) with ``columns``."""
    import pandas as pd

    if _is_frame(obj):
        frame = obj
    elif _is_series(obj):
        frame = obj.to_frame().T
        frame = frame.infer_objects()
    else:
        arr = np.asarray(obj, dtype=object)
        if arr.ndim == 1:
            arr = arr[None, :]
        if columns is None or arr.ndim != 2 or arr.shape[1] != len(columns):
            got = arr.shape[-1] if arr.ndim else 0
            raise InputError(
                f"{what} has {got} values but the model expects {len(columns or [])} columns "
                f"({(columns or [])[:8]})",
                fix=f"pass {what} as a DataFrame (or Series) with the model's columns",
            )
        frame = pd.DataFrame(arr, columns=columns).infer_objects()
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"{what} is missing the column(s) {missing}",
                fix=f"pass {what} with every column the model was fitted on",
            )
        frame = frame[columns]
    return frame


def _numeric(obj: Any, what: str, names: list[str] | None) -> np.ndarray:
    arr = np.asarray(obj.to_numpy() if hasattr(obj, "to_numpy") else obj, dtype=object)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(f"{what} has {arr.ndim} dimensions", fix="pass a 1-D row or a 2-D table")
    try:
        return arr.astype(float)
    except (TypeError, ValueError):
        for j in range(arr.shape[1]):
            try:
                arr[:, j].astype(float)
            except (TypeError, ValueError):
                name = names[j] if names and j < len(names) else f"x{j}"
                bad = next(v for v in arr[:, j] if not _is_number(v))
                raise InputError(
                    f"{what} has a non-numeric value {bad!r} in feature {name!r}, and this model "
                    "takes numbers",
                    fix="encode it as a number, or use a pipeline with an encoder and pass a "
                    "DataFrame",
                ) from None
        raise


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _check_labels(labels: list[Any], whose: str) -> None:
    """Column labels that name one column each, also as text (0 and "0" would not)."""
    text = [str(c) for c in labels]
    repeated = sorted({t for t in text if text.count(t) > 1})
    if repeated:
        same = len(set(map(repr, labels))) < len(labels)
        raise InputError(
            f"{whose} has {'repeated' if same else 'clashing'} column names {repeated[:8]}"
            + ("" if same else " (different labels with the same text, e.g. 0 and '0')"),
            fix="give every column a distinct name, e.g. df.columns = [f'c{i}' for i in "
            "range(df.shape[1])], and fit the model on that frame",
        )


def _check_order(x: Any, labels: list[Any]) -> None:
    """For a model fitted on an array (no column names) the background's column order is
    the order the model gets: an x whose labels are in another order is ambiguous."""
    own = list(x.columns) if _is_frame(x) else list(x.index) if _is_series(x) else None
    if own is not None and set(map(str, own)) == set(map(str, labels)):
        if list(map(str, own)) != list(map(str, labels)):
            raise InputError(
                "x's columns are in another order than the background's, and the model was "
                "fitted on an array without column names, so limelight cannot tell which "
                "order it expects",
                fix="pass x and the background with the columns in the training order (or fit "
                "the model on a DataFrame, so its columns are found by name)",
            )


def _check_one_row(x: Any, n_expected: int | None) -> None:
    """x is one row: say what it is otherwise (several rows, a column) and what to pass."""
    if _is_frame(x):
        n, shape = len(x), None
    elif isinstance(x, np.ndarray) and x.ndim == 2:
        n, shape = x.shape[0], x.shape
    else:
        return
    if n == 1:
        return
    if shape is not None and shape[1] == 1 and n_expected in (None, n):
        raise InputError(
            f"x has shape {shape}: a column of {n} values, not a row",
            fix="pass it as one row: x.reshape(1, -1) (or x.ravel())",
        )
    raise InputError(
        f"x has {n} rows; limelight explains one instance at a time",
        fix="pass one row, e.g. X.iloc[3] or X[3], or use ll.explore(model, X) to browse many",
    )


def read_instance(
    x: Any,
    background: Any,
    *,
    model: Any = None,
    feature_names: Any = None,
    background_size: int = BACKGROUND_ROWS,
    background_summary: str = "auto",
) -> TabularInstance:
    """Validate ``x`` (one row) and ``background`` (rows) against each other and the model.

    A background of more than ``background_size`` rows is summarised with the fixed seed
    of :mod:`limelight.inputs.background` (the same summary on every path). Never
    modifies the user's objects.
    """
    expects_frame = bool(getattr(model, "expects_frame", False))
    model_cols = getattr(model, "feature_names", None)
    n_expected = getattr(model, "n_features", None)
    _check_one_row(x, n_expected)
    if background is None:
        raise InputError(
            "tabular explanations need background data: the values a feature takes when it "
            "is 'absent'",
            fix="pass background=X_train (a hundred rows or more is plenty)",
        )
    frame = expects_frame or _is_frame(background)

    if frame:
        # columns are found by their real labels (ints, mixed); names are their text
        labels = list(model_cols) if model_cols is not None else None
        if labels is None and _is_frame(background):
            labels = list(background.columns)
        if labels is not None:
            _check_labels(labels, "the background" if model_cols is None else "the model")
        bg = _frame_from(background, labels, "background")
        if labels is None:
            labels = list(bg.columns)
        array_fitted = not expects_frame and n_expected is not None
        if array_fitted:
            _check_order(x, labels)
        xf = _frame_from(x, labels, "x")
        if len(bg) == 0:
            raise InputError("the background is empty", fix="pass at least one row of data")
        names = [str(c) for c in labels]
        bg_cols = [bg[c].to_numpy() for c in labels]
        x_cols = [xf[c].to_numpy()[0] for c in labels]
        numeric = all(np.issubdtype(np.asarray(c).dtype, np.number) for c in bg_cols)
        for j, c in enumerate(bg_cols):  # a string in x where the column is numeric
            if np.issubdtype(c.dtype, np.number) and not _is_number(x_cols[j]):
                raise InputError(
                    f"x has {x_cols[j]!r} in the numeric column {names[j]!r}",
                    fix="pass a number for it, as in the training data",
                )
        if array_fitted and numeric:
            # a model fitted on an array gets arrays (in these columns' order), not frames
            # it would warn about on every call
            frame = False
            bg_cols = [np.asarray(c, dtype=float) for c in bg_cols]
            x_cols = [float(v) for v in x_cols]
    else:
        names_hint = None if feature_names is None else [str(n) for n in feature_names]
        if _is_series(x) and names_hint is None:
            names_hint = [str(i) for i in x.index]
        xa = _numeric(x, "x", names_hint)
        if xa.shape[0] != 1:
            raise InputError(f"x has {xa.shape[0]} rows", fix="pass one row")
        bga = _numeric(background, "background", names_hint)
        if bga.size == 0 or bga.shape[0] == 0:
            raise InputError("the background is empty", fix="pass at least one row of data")
        d = xa.shape[1]
        if n_expected is not None and d != n_expected:
            raise InputError(
                f"x has {d} features but the model expects {n_expected}",
                fix=f"pass one row of {n_expected} features",
            )
        if bga.shape[1] != d:
            raise InputError(
                f"x has {d} features but the background has {bga.shape[1]}",
                fix="pass background rows with the same columns as x",
            )
        names = _names_for(d, names_hint)
        bg_cols = [bga[:, j] for j in range(d)]
        x_cols = list(xa[0])
        numeric = True
    if feature_names is not None:
        names = _names_for(len(names), feature_names)
    _check_background_size(background_size)
    if len(set(names)) != len(names):
        raise InputError("feature names repeat", fix="give every feature a distinct name")
    raw_x = np.asarray(x_cols, dtype=object)
    cols, weights, info = summarise(
        bg_cols,
        rows=int(background_size),
        how=background_summary,
        numeric=numeric,
    )
    return TabularInstance(
        x=raw_x,
        feature_names=names,
        frame=frame,
        x_cols=x_cols,
        bg_cols=[np.asarray(c) for c in cols],
        weights=weights,
        background_info=info,
    )
