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

    @property
    def d(self) -> int:
        return len(self.feature_names)

    @property
    def m(self) -> int:
        return len(self.weights)

    def _assemble(self, cols: list[np.ndarray]) -> Any:
        if self.frame:
            import pandas as pd

            return pd.DataFrame(dict(zip(self.feature_names, cols)), copy=False)
        return np.stack(cols, axis=1) if cols else np.empty((0, 0))

    def cross(self, masks: np.ndarray, rows: slice | np.ndarray = slice(None)) -> Any:
        """``(n, d)`` boolean masks -> ``n * m`` rows (mask-major): feature j from x where
        ``masks[:, j]``, else from each background row (or the background ``rows`` given)."""
        masks = np.asarray(masks, dtype=bool)
        n = len(masks)
        if not self.frame:
            x = np.asarray(self.x_cols, dtype=float)
            bg = self._bg_matrix()[rows]
            # up to ~16 features: copy the background under every mask, then write x's
            # masked-in columns (2-4x faster than np.where at d=8-12); more features:
            # np.where over the (n, m, d) cube (the strided writes lose there), measured
            if self.d <= 16:
                out = np.empty((n, len(bg), self.d))
                out[...] = bg[None, :, :]
                for j in range(self.d):
                    out[masks[:, j], :, j] = x[j]
            else:
                out = np.where(masks[:, None, :], x[None, None, :], bg[None, :, :])
            return out.reshape(n * len(bg), self.d)
        cols = [
            np.where(masks[:, j][:, None], self.x_cols[j], self.bg_cols[j][rows][None, :]).reshape(
                -1
            )
            for j in range(self.d)
        ]
        return self._assemble(cols)

    def paired(self, masks: np.ndarray, rows: np.ndarray) -> Any:
        """``(n, d)`` masks with one background row each -> ``n`` rows (LIME's samples)."""
        masks = np.asarray(masks, dtype=bool)
        if not self.frame:
            x = np.asarray(self.x_cols, dtype=float)
            return np.where(masks, x[None, :], self._bg_matrix()[rows])
        cols = [np.where(masks[:, j], self.x_cols[j], self.bg_cols[j][rows]) for j in range(self.d)]
        return self._assemble(cols)

    def x_batch(self) -> Any:
        """The instance as a batch of one row."""
        return (
            self.cross(np.ones((1, self.d), dtype=bool))[:1]
            if not self.frame
            else self._assemble(
                [
                    np.asarray([v], dtype=c.dtype if c.dtype != object else object)
                    for v, c in zip(self.x_cols, self.bg_cols)
                ]
            )
        )

    def background_batch(self) -> Any:
        return self._assemble(list(self.bg_cols))

    def _bg_matrix(self) -> np.ndarray:
        cache = getattr(self, "_bg_cache", None)
        if cache is None:
            cache = np.stack([np.asarray(c, dtype=float) for c in self.bg_cols], axis=1)
            self._bg_cache = cache
        return cache


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


def _takes_missing(model: Any) -> bool:
    """Whether the model routes NaN itself (XGBoost, LightGBM, CatBoost, HistGradientBoosting),
    so a background with missing values is data, not an error."""
    from ..models.boosted import final_step, library_of

    est = getattr(model, "estimator", None)
    if est is None:
        return False
    final = final_step(est)
    return library_of(final) is not None or type(final).__name__.startswith("HistGradientBoosting")


def summarise(
    cols: list[np.ndarray], *, rows: int, how: str, random_state: Any, numeric: bool
) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """At most ``rows`` background rows: k-means cluster means (numbers only; discrete
    features snapped to values they take) weighted by cluster size, or a seeded sample;
    ``how`` in auto/kmeans/sample."""
    m = len(cols[0])
    info = {"rows": m, "from": m, "how": "all"}
    if m <= rows:
        return cols, np.full(m, 1.0 / m), info
    if how == "auto":
        how = "kmeans" if numeric else "sample"
    # a fixed default seed: the same call gives the same background (and the same values)
    rng = np.random.default_rng(0 if random_state is None else random_state)
    if how == "sample":
        idx = np.sort(rng.choice(m, size=rows, replace=False))
        return (
            [c[idx] for c in cols],
            np.full(rows, 1.0 / rows),
            {"rows": rows, "from": m, "how": "sample"},
        )
    if how != "kmeans":
        raise InputError(f"unknown background summary {how!r}", fix="use 'kmeans' or 'sample'")
    if not numeric:
        raise InputError("k-means needs numeric columns", fix="use background_summary='sample'")
    from sklearn.cluster import KMeans

    data = np.stack([np.asarray(c, dtype=float) for c in cols], axis=1)
    scale = data.std(axis=0)
    scale[scale == 0] = 1.0
    km = KMeans(n_clusters=rows, n_init=1, max_iter=100, random_state=int(rng.integers(2**31))).fit(
        data / scale
    )
    # each centre is the mean of its cluster's rows (exactly, whatever k-means' tolerance)
    sizes = np.bincount(km.labels_, minlength=rows).astype(float)
    sums = np.stack(
        [np.bincount(km.labels_, weights=data[:, j], minlength=rows) for j in range(data.shape[1])],
        axis=1,
    )
    centres = np.where(
        sizes[:, None] > 0, sums / np.maximum(sizes, 1)[:, None], km.cluster_centers_ * scale
    )
    # A feature with few distinct values (integers, codes, flags) is snapped to the
    # nearest value it really takes (as shap.kmeans); a continuous one keeps the centre,
    # so the weighted background keeps the data's mean (a linear model's attributions
    # are then the same as with the full background).
    snapped = []
    for j, c in enumerate(cols):
        values = np.unique(np.asarray(c))
        continuous = np.issubdtype(np.asarray(c).dtype, np.floating) and len(values) > rows
        if continuous:
            snapped.append(centres[:, j].astype(np.asarray(c).dtype, copy=False))
            continue
        pos = (
            np.clip(np.searchsorted(values, centres[:, j]), 1, len(values) - 1)
            if len(values) > 1
            else np.zeros(rows, dtype=int)
        )
        if len(values) > 1:
            left, right = values[pos - 1], values[pos]
            pick = np.where(
                np.abs(centres[:, j] - left) <= np.abs(right - centres[:, j]), left, right
            )
        else:
            pick = np.repeat(values, rows)
        snapped.append(pick.astype(np.asarray(c).dtype, copy=False))
    counts = np.bincount(km.labels_, minlength=rows).astype(float)
    keep = counts > 0
    return (
        [s[keep] for s in snapped],
        counts[keep] / counts.sum(),
        {"rows": int(keep.sum()), "from": m, "how": "kmeans"},
    )


def read_instance(
    x: Any,
    background: Any,
    *,
    model: Any = None,
    feature_names: Any = None,
    background_size: int = BACKGROUND_ROWS,
    background_summary: str = "auto",
    random_state: Any = None,
) -> TabularInstance:
    """Validate ``x`` (one row) and ``background`` (rows) against each other and the model.

    Never modifies the user's objects.
    """
    if background is None:
        raise InputError(
            "tabular explanations need background data: the values a feature takes when it "
            "is 'absent'",
            fix="pass background=X_train (a hundred rows or more is plenty)",
        )
    expects_frame = bool(getattr(model, "expects_frame", False))
    model_cols = getattr(model, "feature_names", None)
    n_expected = getattr(model, "n_features", None)
    frame = expects_frame or _is_frame(background)

    if _is_frame(x) and len(x) != 1:
        raise InputError(
            f"x has {len(x)} rows; limelight explains one instance at a time",
            fix="pass one row, e.g. X.iloc[3]",
        )
    if isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[0] != 1:
        raise InputError(
            f"x has {x.shape[0]} rows; limelight explains one instance at a time",
            fix="pass one row, e.g. X[3]",
        )
    if frame:
        columns = model_cols
        if columns is None:
            columns = [str(c) for c in background.columns] if _is_frame(background) else None
        bg = _frame_from(background, columns, "background")
        if columns is None:
            columns = [str(c) for c in bg.columns]
        xf = _frame_from(x, columns, "x")
        if len(bg) == 0:
            raise InputError("the background is empty", fix="pass at least one row of data")
        names = [str(c) for c in columns]
        bg_cols = [bg[c].to_numpy() for c in columns]
        x_cols = [xf[c].to_numpy()[0] for c in columns]
        numeric = all(np.issubdtype(np.asarray(c).dtype, np.number) for c in bg_cols)
        for j, c in enumerate(bg_cols):  # a string in x where the column is numeric
            if np.issubdtype(c.dtype, np.number) and not _is_number(x_cols[j]):
                raise InputError(
                    f"x has {x_cols[j]!r} in the numeric column {names[j]!r}",
                    fix="pass a number for it, as in the training data",
                )
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
        missing_ok = _takes_missing(model) and not np.isinf(bga).any()
        if not missing_ok and not np.isfinite(bga).all():
            bad = int((~np.isfinite(bga)).any(axis=1).sum())
            raise InputError(
                f"the background has NaN or inf in {bad} rows", fix="drop or impute those rows"
            )
        bg_cols = [bga[:, j] for j in range(d)]
        x_cols = list(xa[0])
        numeric = bool(np.isfinite(bga).all())  # k-means cannot average missing values
    if feature_names is not None:
        names = _names_for(len(names), feature_names)
    if len(set(names)) != len(names):
        raise InputError("feature names repeat", fix="give every feature a distinct name")
    raw_x = np.asarray(x_cols, dtype=object)
    cols, weights, info = summarise(
        bg_cols,
        rows=int(background_size),
        how=background_summary,
        random_state=random_state,
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
