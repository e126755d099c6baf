"""The background of a tabular explanation: which rows have missing values, and the one
documented summary of a large one, shared by every path (``attribute``, ``explain``,
``attribute_many``, ``explain_many``, ``explore``, ``compare``).

Above ``rows`` rows the background becomes either k-means cluster means weighted by
cluster size (numbers without gaps) or an equally weighted sample. Both are drawn with
the fixed seed :data:`SUMMARY_SEED`, whatever ``random_state`` the method gets, and the
k-means here is a plain single-threaded Lloyd's (k-means++ start, exact cluster means):
the same data give the same summary in every call, process and thread count, so a
deterministic method (exact, tree paths) gives the same numbers on every path. Above
:data:`KMEANS_FIT_ROWS` rows, the centres are fitted on a seeded sample of that many,
then every row is assigned, and each centre is its cluster's mean over all of them (so
the weighted summary keeps the data's mean).

    >>> import numpy as np
    >>> cols, weights, info = summarise([np.arange(10.0)], rows=5, how="sample", numeric=True)
    >>> len(cols[0]), float(weights.sum()), info["how"], info["seed"]
    (5, 1.0, 'sample', 0)
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..errors import InputError

#: the seed of every background summary (k-means start, samples); not ``random_state``,
#: which seeds the sampling methods, so every method sees the same background
SUMMARY_SEED = 0
#: rows the k-means centres are fitted on at most (a seeded sample above: ~8 MB of
#: distances for 100 centres); every row is then assigned to its nearest centre
KMEANS_FIT_ROWS = 10_000
KMEANS_MAX_ITER = 100
KMEANS_TOL = 1e-4  # stop once the centres move less (squared, summed) than this x the variance
ASSIGN_ROWS = 50_000  # rows per block when assigning (a block of distances: ~40 MB)


def missing_rows(cols: list[np.ndarray]) -> np.ndarray:
    """Which rows hold a missing value (NaN, inf, None) in any column."""
    import pandas as pd

    out = np.zeros(len(cols[0]) if cols else 0, dtype=bool)
    for c in cols:
        c = np.asarray(c)
        out |= ~np.isfinite(c) if np.issubdtype(c.dtype, np.number) else pd.isna(c)
    return out


def digest(cols: list[np.ndarray], weights: np.ndarray) -> str:
    """A short hash of a background (its columns and weights): two explanations whose
    ``params["background"]["digest"]`` agree were computed over the same rows."""
    import pandas as pd

    h = hashlib.sha256(np.ascontiguousarray(weights, dtype=float).tobytes())
    for c in cols:
        c = np.asarray(c)
        if c.dtype == object:
            c = pd.util.hash_array(c.astype(str))  # vectorised, as the values' text
        h.update(np.ascontiguousarray(c).tobytes())
    return h.hexdigest()[:12]


def summarise(
    cols: list[np.ndarray], *, rows: int, how: str, numeric: bool
) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """At most ``rows`` background rows: k-means cluster means (numbers only; discrete
    features snapped to values they take) weighted by cluster size, or a sample, both
    seeded with :data:`SUMMARY_SEED`; ``how`` in auto/kmeans/sample. The info dict says
    which: ``rows``, ``from``, ``how`` ('all', 'kmeans', 'sample'), ``seed``, ``weights``
    and the summary's ``digest``."""
    m = len(cols[0])
    if how not in ("auto", "kmeans", "sample"):
        raise InputError(f"unknown background summary {how!r}", fix="use 'kmeans' or 'sample'")
    if m <= rows:
        weights = np.full(m, 1.0 / m)
        return cols, weights, _info(m, m, "all", cols, weights)
    gaps = missing_rows(cols).any()
    if how == "auto":
        how = "kmeans" if numeric and not gaps else "sample"
    rng = np.random.default_rng(SUMMARY_SEED)
    if how == "sample":
        idx = np.sort(rng.choice(m, size=rows, replace=False))
        kept, weights = [c[idx] for c in cols], np.full(rows, 1.0 / rows)
        return kept, weights, _info(rows, m, "sample", kept, weights)
    if not numeric:
        raise InputError("k-means needs numeric columns", fix="use background_summary='sample'")
    if gaps:
        raise InputError(
            "k-means cannot summarise a background with missing values (NaN)",
            fix="use background_summary='sample', or impute the missing values first",
        )
    data = np.stack([np.asarray(c, dtype=float) for c in cols], axis=1)
    scale = data.std(axis=0)
    scale[scale == 0] = 1.0
    labels = cluster(data / scale, rows, rng)
    sizes = np.bincount(labels, minlength=rows).astype(float)
    keep = sizes > 0
    # each centre is the mean of its cluster's rows, exactly
    sums = np.stack(
        [np.bincount(labels, weights=data[:, j], minlength=rows) for j in range(data.shape[1])],
        axis=1,
    )
    centres = sums[keep] / sizes[keep][:, None]
    snapped = [_snap(c, centres[:, j], rows) for j, c in enumerate(cols)]
    weights = sizes[keep] / sizes.sum()
    return snapped, weights, _info(int(keep.sum()), m, "kmeans", snapped, weights)


def _info(rows: int, m: int, how: str, cols: list[np.ndarray], weights: np.ndarray) -> dict:
    return {
        "rows": rows,
        "from": m,
        "how": how,
        "seed": None if how == "all" else SUMMARY_SEED,
        "weights": "cluster sizes" if how == "kmeans" else "equal",
        "digest": digest(cols, weights),
    }


def _snap(col: np.ndarray, centre: np.ndarray, rows: int) -> np.ndarray:
    """A feature with few distinct values (integers, codes, flags) is snapped to the
    nearest value it really takes (as shap.kmeans); a continuous one keeps the centre, so
    the weighted background keeps the data's mean (a linear model's attributions are then
    the same as with the full background)."""
    col = np.asarray(col)
    values = np.unique(col)
    if np.issubdtype(col.dtype, np.floating) and len(values) > rows:
        return centre.astype(col.dtype, copy=False)
    if len(values) == 1:
        return np.repeat(values, len(centre)).astype(col.dtype, copy=False)
    pos = np.clip(np.searchsorted(values, centre), 1, len(values) - 1)
    left, right = values[pos - 1], values[pos]
    pick = np.where(np.abs(centre - left) <= np.abs(right - centre), left, right)
    return pick.astype(col.dtype, copy=False)


def _sq_distances(data: np.ndarray, sq: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = sq[:, None] - 2.0 * (data @ centres.T) + (centres**2).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def _nearest(data: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's nearest centre (|x|^2 is the same for every centre of a row: left out)."""
    scaled, norms = -2.0 * centres.T, (centres**2).sum(axis=1)
    out = np.empty(len(data), dtype=np.intp)
    for a in range(0, len(data), ASSIGN_ROWS):
        block = data[a : a + ASSIGN_ROWS] @ scaled
        block += norms
        out[a : a + ASSIGN_ROWS] = block.argmin(axis=1)
    return out


def cluster(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Each row's cluster among ``k`` (Lloyd's k-means from a greedy k-means++ start, on
    at most :data:`KMEANS_FIT_ROWS` rows drawn by ``rng``; every row assigned at the end).

        >>> data = np.r_[np.zeros((5, 1)), np.ones((5, 1))]
        >>> cluster(data, 2, np.random.default_rng(0)).tolist().count(0)
        5
    """
    fit = data
    if len(data) > KMEANS_FIT_ROWS:
        fit = data[np.sort(rng.choice(len(data), KMEANS_FIT_ROWS, replace=False))]
    centres = _start(fit, k, rng)
    tol = KMEANS_TOL * float(fit.var(axis=0).mean())
    labels = None
    for _ in range(KMEANS_MAX_ITER):
        new = _nearest(fit, centres)
        if labels is not None and np.array_equal(new, labels):
            break
        labels, before = new, centres.copy()
        sizes = np.bincount(labels, minlength=k)
        for j in range(fit.shape[1]):
            sums = np.bincount(labels, weights=fit[:, j], minlength=k)
            # an emptied cluster keeps its centre (it is dropped if it stays empty)
            centres[:, j] = np.where(sizes > 0, sums / np.maximum(sizes, 1), centres[:, j])
        if float(((centres - before) ** 2).sum()) <= tol:
            break
    # the final labels: every row to its nearest centre (the centres are then recomputed
    # from them, so each is exactly its cluster's mean)
    return _nearest(data, centres)


def _start(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding, greedy (the best of 2 + log k candidates each time, as
    scikit-learn's)."""
    n = len(data)
    sq = (data**2).sum(axis=1)
    centres = np.empty((k, data.shape[1]))
    centres[0] = data[rng.integers(n)]
    closest = _sq_distances(data, sq, centres[:1])[:, 0]
    trials = 2 + int(np.log(k))
    for c in range(1, k):
        total = closest.sum()
        if total <= 0:  # fewer distinct rows than centres: any row (the cluster stays empty)
            centres[c] = data[rng.integers(n)]
            continue
        picks = np.minimum(np.searchsorted(np.cumsum(closest), rng.random(trials) * total), n - 1)
        dist = np.minimum(closest[:, None], _sq_distances(data, sq, data[picks]))
        best = int(dist.sum(axis=0).argmin())
        centres[c], closest = data[picks[best]], dist[:, best]
    return centres
