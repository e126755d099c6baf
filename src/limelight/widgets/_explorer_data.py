"""Preparing a data set for the explorer: what kind it is, each row's outcome (predicted
class or value, score, label, error), 2-D coordinates for the scatter, table columns and
image thumbnails. Plain numpy (and scikit-learn for PCA and LSA).

    >>> import numpy as np
    >>> classifier, pred, score, label, err = outcomes(
    ...     np.array([[0.9, 0.1], [0.2, 0.8]]), ["a", "b"], "classifier", np.array(["a", "a"]))
    >>> pred.tolist(), err.tolist()
    ([0, 1], [0.0, 1.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

THUMB_BYTES = 8_000_000  # at most this many bytes of thumbnails cross to the browser
PCA_FIT_ROWS = 5_000  # PCA is fitted on a sample this large, then every row is projected


def is_texts(X: Any) -> bool:
    """A list, tuple, Series or array of strings (documents)."""
    if isinstance(X, str):
        return False
    if isinstance(X, (list, tuple)) or type(X).__name__ == "Series":
        return len(X) > 0 and all(isinstance(t, str) for t in X)
    return isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "US"


def is_images(X: Any) -> bool:
    """An array (or torch tensor) of 3 or 4 dimensions: a stack of images."""
    return (isinstance(X, np.ndarray) or type(X).__module__.startswith("torch")) and getattr(
        X, "ndim", 0
    ) in (3, 4)


def thumb_side(n: int, picture: np.ndarray) -> int:
    c = 1 if picture.ndim == 2 else min(picture.shape[2], 3)
    side = int(np.sqrt(THUMB_BYTES / max(n, 1) / c))
    return int(max(4, min(side, 32, *picture.shape[:2])))


def thumbnail(picture: np.ndarray, side: int) -> np.ndarray:
    """``(side, side, c)`` uint8 (c = 1 or 3), nearest-neighbour, contrast stretched."""
    p = np.asarray(picture, dtype=np.float32)
    if p.ndim == 2:
        p = p[:, :, None]
    p = p[:, :, :3] if p.shape[2] >= 3 else p[:, :, :1]
    h, w = p.shape[:2]
    rows = (np.arange(side) * h / side).astype(int)
    cols = (np.arange(side) * w / side).astype(int)
    p = p[rows][:, cols]
    lo, hi = (0.0, 255.0) if picture.dtype == np.uint8 else (float(p.min()), float(p.max()))
    return np.clip((p - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)


def outcomes(outputs: np.ndarray, names: list[str], kind: str, y: np.ndarray | None):
    """``(classifier, predicted, score, label, error)`` for every row.

    Several outputs (not a regressor's) are class scores: the largest wins, its score is
    the top one, ``label`` is y's class index (NaN when y names no output) and ``error``
    1.0 where they differ. One output: the value, and ``|prediction - y|``.
    """
    n = len(outputs)
    classifier = len(names) > 1 and kind != "regressor"
    if classifier:
        predicted = outputs.argmax(axis=1)
        score = outputs.max(axis=1)
    else:
        predicted = outputs[:, 0]
        score = outputs[:, 0]
    label = np.full(n, np.nan)
    error = np.full(n, np.nan)
    if y is not None:
        if classifier:
            lookup = {name: k for k, name in enumerate(names)}
            label = np.array([lookup.get(str(v), np.nan) for v in y], dtype=float)
            error = (label != predicted).astype(float)
            error[np.isnan(label)] = np.nan
        else:
            try:
                label = np.asarray(y, dtype=float)
            except (TypeError, ValueError):
                raise InputError(
                    "y holds values that are not numbers for a regressor",
                    fix="pass numeric targets",
                ) from None
            error = np.abs(predicted - label)
    return classifier, predicted, score, label, error


def pca2(M: np.ndarray, *, standardise: bool = True) -> np.ndarray:
    """``(n, 2)`` coordinates: the first two principal components of ``M``'s rows."""
    from sklearn.decomposition import PCA

    n = len(M)
    if n < 3:
        return np.zeros((n, 2))
    M = np.nan_to_num(np.asarray(M, dtype=float))
    if standardise:
        sd = M.std(axis=0)
        M = (M - M.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    if M.std(axis=0).max() == 0:
        return np.zeros((n, 2))
    rng = np.random.default_rng(0)
    fit = M if n <= PCA_FIT_ROWS else M[rng.choice(n, PCA_FIT_ROWS, replace=False)]
    comps = min(2, M.shape[1])
    out = PCA(n_components=comps, random_state=0).fit(fit).transform(M)
    return out if comps == 2 else np.column_stack([out, np.zeros(n)])


def text_coordinates(texts: list[str]) -> np.ndarray:
    """Documents placed by their words: a 2-D LSA (truncated SVD) of TF-IDF."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        tfidf = TfidfVectorizer(max_features=20_000).fit_transform(texts)
    except ValueError:  # no words at all (empty strings): every document at the origin
        return np.zeros((len(texts), 2))
    if tfidf.shape[1] < 3:
        return np.zeros((len(texts), 2))
    return TruncatedSVD(2, random_state=0).fit_transform(tfidf)


def table_columns(columns: list[np.ndarray], names: list[str]):
    """``(table (n, c) float32, categories)``: numbers as they are, other columns as codes
    with their category names (sorted) in ``categories[name]``."""
    n = len(columns[0]) if columns else 0
    table = np.zeros((n, len(columns)), dtype=np.float32)
    categories: dict[str, list[str]] = {}
    for j, (name, col) in enumerate(zip(names, columns)):
        if np.issubdtype(np.asarray(col).dtype, np.number):
            table[:, j] = np.asarray(col, dtype=float)
        else:
            cats, codes = np.unique(np.asarray(col, dtype=str), return_inverse=True)
            table[:, j] = codes
            categories[name] = [str(c) for c in cats]
    return table, categories


def coordinates(columns: list, names: list[str], xy, score: np.ndarray):
    """The scatter's two axes: two chosen columns, else a PCA of the standardised numeric
    columns, else the one numeric column against the prediction."""
    numeric = [j for j, c in enumerate(columns) if np.issubdtype(np.asarray(c).dtype, np.number)]
    if xy is not None:
        missing = [c for c in xy if c not in names]
        if len(xy) != 2 or missing:
            raise InputError(
                f"xy={xy!r} does not name two columns of X", fix=f"use two of {names[:20]}"
            )
        a, b = (names.index(c) for c in xy)
        pair = [np.asarray(columns[a], float), np.asarray(columns[b], float)]
        return np.stack(pair, axis=1), list(xy)
    if len(numeric) >= 2:
        M = np.stack([np.asarray(columns[j], dtype=float) for j in numeric], axis=1)
        return pca2(M), ["PC 1", "PC 2"]
    first = np.asarray(columns[numeric[0]], float) if numeric else np.zeros(len(score))
    return np.stack([first, score], axis=1), [names[numeric[0]] if numeric else "", "prediction"]


def attribution_table(cache: dict, modality: str, names: list[str], pick):
    """The cached explanations as a DataFrame: for tables a row per explained instance and a
    column per feature; for texts a row per token. ``pick(exp, i)`` is the output shown."""
    import pandas as pd

    rows = sorted(cache)
    if modality == "text":  # tokens differ by document: one row per token
        recs = []
        for i in rows:
            exp = cache[i]
            k = pick(exp, i)
            tokens = zip(exp.feature_names or [], exp.values[k])
            recs += [(i, j, t, float(v)) for j, (t, v) in enumerate(tokens)]
        return pd.DataFrame(recs, columns=["index", "position", "token", "value"])
    data = np.zeros((len(rows), len(names)))
    for r, i in enumerate(rows):
        data[r] = cache[i].values[pick(cache[i], i)]
    return pd.DataFrame(data, index=pd.Index(rows, name="index"), columns=list(names))
