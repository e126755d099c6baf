"""The warm-up run in a background thread from ``import limelight`` (see
:mod:`limelight._compiled`): a tiny tree explanation through the same code paths and
argument types as a user's, so numba compiles the tree kernels (or reads them from its
cache) before the first real call. ``python -m limelight._warm_up`` does it in the
foreground, e.g. after install, to fill the cache ahead.
"""

from __future__ import annotations

import numpy as np


def warm_up() -> None:
    """Compile (or read from the cache) the tree kernels a tree explanation uses, on a
    tiny forest: the same code paths and argument types as a user's run."""
    from sklearn.ensemble import RandomForestRegressor

    from limelight.api import attribute
    from limelight.explainers.trees.rows import attribute_rows

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    forest = RandomForestRegressor(2, max_depth=3, random_state=0).fit(X, X[:, 0])
    # no warnings.catch_warnings here: its filters are global, the user's thread's too
    attribute_rows(forest, X[:2], background=X[:8])
    attribute(forest, X[0], background=X[:8], method="tree")


if __name__ == "__main__":
    warm_up()
