"""Which way each split sends a row, as the tree's library decides it: numeric ``<=``,
missing values to the split's default side, LightGBM's zero-as-missing, category sets.

Every reader turns its library's rule into this one (XGBoost's ``x < t`` becomes
``x <= the float32 just below t``; CatBoost's ``x > border`` goes right), so the Shapley
kernel only sees, per row and node, a boolean "goes left".

    >>> import numpy as np
    >>> rules = SplitRules(default_left=np.array([True, False, False]))
    >>> feature, threshold = np.array([0, -2, -2]), np.array([0.5, 0.0, 0.0])
    >>> rules.goes_left(np.array([[0.2], [0.9], [np.nan]]), feature, threshold)[:, 0].tolist()
    [True, False, True]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| at most this counts as zero
ROWS_PER_BLOCK = 4_000_000  # (rows x nodes) decided at a time: ~32 MB of gathered values


@dataclass
class SplitRules:
    """Per-node routing beyond ``x <= threshold`` (node arrays in the ensemble's node ids).

    ``default_left``: where a missing value (NaN) goes. ``zero_missing``: zero counts as
    missing too (LightGBM ``missing_type="Zero"``). ``categories``: node id -> the integer
    categories that go left (NaN and negatives go right, values truncated to int)."""

    default_left: np.ndarray
    zero_missing: np.ndarray | None = None
    categories: dict[int, np.ndarray] = field(default_factory=dict)

    def goes_left(self, X: np.ndarray, feature: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """``(rows, nodes)`` booleans: whether each row goes left at each node (leaves: any)."""
        f = np.where(feature >= 0, feature, 0)
        out = np.empty((len(X), len(feature)), dtype=bool)
        step = max(1, ROWS_PER_BLOCK // max(1, len(feature)))
        for a in range(0, len(X), step):
            v = X[a : a + step][:, f]
            missing = np.isnan(v)
            if self.zero_missing is not None and self.zero_missing.any():
                missing |= self.zero_missing & (np.abs(v) <= ZERO)
            with np.errstate(invalid="ignore"):
                left = np.where(missing, self.default_left, v <= threshold)
            for node, cats in self.categories.items():
                col = v[:, node]
                ok = np.isfinite(col) & (col >= 0)
                left[:, node] = ok & np.isin(np.trunc(np.where(ok, col, -1)), cats)
            out[a : a + step] = left
        return out


def goes_left(ens, X: np.ndarray) -> np.ndarray:
    """``(rows, nodes)``: each row's way at each node of ``ens`` (a TreeEnsemble)."""
    X = np.asarray(X, dtype=ens.dtype)
    rules = getattr(ens, "rules", None)
    if rules is not None:
        return rules.goes_left(X, ens.feature, ens.threshold)
    f = np.where(ens.feature >= 0, ens.feature, 0)
    out = np.empty((len(X), len(f)), dtype=bool)
    step = max(1, ROWS_PER_BLOCK // max(1, len(f)))
    for a in range(0, len(X), step):
        out[a : a + step] = X[a : a + step][:, f] <= ens.threshold
    return out
