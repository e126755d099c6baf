"""The background of a tabular explanation: which rows have missing values, and the
summary of a large one (k-means cluster means weighted by size, or a seeded sample).

    >>> import numpy as np
    >>> cols, weights, info = summarise([np.arange(10.0)], rows=5, how="sample",
    ...                                 random_state=0, numeric=True)
    >>> len(cols[0]), float(weights.sum()), info["how"]
    (5, 1.0, 'sample')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError


def missing_rows(cols: list[np.ndarray]) -> np.ndarray:
    """Which rows hold a missing value (NaN, inf, None) in any column."""
    import pandas as pd

    out = np.zeros(len(cols[0]) if cols else 0, dtype=bool)
    for c in cols:
        c = np.asarray(c)
        out |= ~np.isfinite(c) if np.issubdtype(c.dtype, np.number) else pd.isna(c)
    return out


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
    gaps = missing_rows(cols).any()
    if how == "auto":
        how = "kmeans" if numeric and not gaps else "sample"
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
    if gaps:
        raise InputError(
            "k-means cannot summarise a background with missing values (NaN)",
            fix="use background_summary='sample', or impute the missing values first",
        )
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
