"""The warm-up run in a background thread from ``import limelight`` (see
:mod:`limelight._compiled`): the tree kernels called once on a tiny hand-made ensemble,
with the argument types a user's run passes, so numba compiles them (or reads them from
its cache) before the first real call. ``python -m limelight._warm_up`` does it in the
foreground, e.g. after install, to fill the cache ahead.

The thread imports nothing: :func:`prepare` (called by ``import limelight``, in the
importing thread) imports every module the warm-up calls and builds its inputs. A thread
that imports while the user's thread imports the same packages can hand the user a
partly initialised module ("cannot import name 'clone' from partially initialized module
'sklearn.base'"); an earlier warm-up that fitted a scikit-learn forest did, one import in
three.
"""

from __future__ import annotations

import numpy as np


def prepare():
    """Import what :func:`warm_up` calls and build its inputs (in the caller's thread);
    returns the call for the thread: it only runs compiled code."""
    from limelight.explainers.trees import kernel
    from limelight.explainers.trees.ensemble import TreeEnsemble

    # two trees over three features: f0 <= 0 then f1 <= 0 on the left; f2 <= 0.5
    nodes = 8
    ens = TreeEnsemble(
        feature=np.array([0, 1, -2, -2, -2, 2, -2, -2]),
        threshold=np.array([0.0, 0.0, 0, 0, 0, 0.5, 0, 0]),
        left=np.array([1, 3, -1, -1, -1, 6, -1, -1]),
        right=np.array([2, 4, -1, -1, -1, 7, -1, -1]),
        roots=np.array([0, 5]),
        value=np.linspace(-1.0, 1.0, nodes)[:, None],
        n_trees=2,
        depth=2,
    )
    X = np.random.default_rng(0).normal(size=(6, 3))
    # what the thread would import: the walks' helpers, and numba's own implementations
    # (its compiler imports ~200 modules on first use, scipy.linalg and scipy.special among
    # them, which scikit-learn imports too): ~0.5 s here, once
    import numba.core.boxing  # noqa: F401 - and two more that a cold compile imports
    import numba.core.runtime.context  # noqa: F401
    import scipy.special  # noqa: F401 - the Shapley weights' gammaln
    from numba.core.registry import cpu_target

    from limelight.explainers.trees import patterns  # noqa: F401

    cpu_target.target_context.refresh()
    cpu_target.typing_context.refresh()

    def run() -> None:
        kernel.interventional(ens, X[:2], X[2:])  # the many-rows walk and the decisions
        kernel.against_rows(ens, X[0], X[2:])  # one row against each background row
        kernel.sum_of_leaves(ens, X)  # the ensemble's own prediction

    return run


def warm_up() -> None:
    """Compile (or read from the cache) the kernels a tree explanation uses."""
    prepare()()


if __name__ == "__main__":
    warm_up()
