"""The explorer's global views, computed once in a background thread: permutation
importance (when labels are given) and a beeswarm of cheap local attributions over a sample
of rows. The thread holds the explorer weakly and stops when it is closed or collected.

    >>> import numpy as np
    >>> rank_code(np.array([0.0, 5.0, 10.0]), np.array([0, 2]), 0.0, 10.0).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from .._warn import from_user
from ..encoders import buffers
from ..errors import LimelightError

SWARM_BACKGROUND = 10  # background rows for the beeswarm's cheap local attributions


def start(explorer: Any) -> None:
    """Compute the global views of ``explorer`` in a daemon thread."""
    threading.Thread(
        target=from_user(_work),
        args=(weakref.ref(explorer),),
        daemon=True,
        name="limelight-explorer-global",
    ).start()


def _alive(ref: weakref.ref) -> Any:
    ex = ref()
    return None if ex is None or ex._closed.is_set() else ex


def _work(ref: weakref.ref) -> None:
    ex = ref()
    if ex is None:
        return
    done = ex._global_done
    try:
        first = ex._first_served
        del ex
        first.wait(timeout=1.0)  # let a first click go first
        ex = _alive(ref)
        if ex is None:
            return
        meta = {"features": list(ex._inst0.feature_names), "status": "running"}
        arrays: dict[str, np.ndarray] = {}
        if ex._y is not None:
            _importance(ex, meta, arrays)
        if ex._sample > 0:
            rows, run = _swarm_plan(ex)
            del ex
            if not _swarm(ref, rows, run, meta, arrays):
                return
            ex = _alive(ref)
            if ex is None:
                return
        meta["status"] = "done"
        ex._global_meta, ex._global_arrays = dict(meta), buffers(arrays)
    except BaseException as exc:  # shown in the global view, re-raised by wait_global()
        ex = ref()
        if ex is not None:
            ex._global_error = exc
            msg = str(exc) if isinstance(exc, LimelightError) else f"{type(exc).__name__}: {exc}"
            ex._global_meta = {**ex._global_meta, "status": "error", "message": msg}
    finally:
        done.set()


def _importance(ex: Any, meta: dict, arrays: dict) -> None:
    from ..plans.importance import plan_importance

    groups = ex._options.get("feature_groups")  # shuffled together, as one feature
    p = plan_importance(
        ex._adapted, ex._X, ex._y, random_state=ex._random_state, feature_groups=groups
    )
    imp = p.run()
    ex.global_["importance"] = imp
    arrays["importance"] = imp.values[0]
    arrays["importance_std"] = (
        imp.stderr[0] if imp.stderr is not None else np.zeros(imp.values.shape[1])
    )
    meta["importance_metric"] = imp.params.get("scoring", "")
    ex._global_meta, ex._global_arrays = dict(meta), buffers(arrays)


def _swarm_plan(ex: Any):
    """The sample of rows and its planned many-rows run (``attribute_many``'s plan): a
    small background, exact Shapley up to 10 features (or from the trees' paths for tree
    ensembles), else Kernel SHAP with a few hundred coalitions, a seed per row."""
    from ..explainers.kernel import KernelShap
    from ..explainers.shapley import ExactShapley
    from ..explainers.tree import TreeShap
    from ..many import ManyRun

    rng = np.random.default_rng(ex._random_state)
    s = min(ex._sample, ex._n)
    rows = np.sort(rng.choice(ex._n, s, replace=False)) if s < ex._n else np.arange(s)
    options = {
        k: v
        for k, v in ex._options.items()
        if k in ("feature_names", "output_names", "model_output", "feature_groups")
    }
    run = ManyRun(
        ex._adapted,
        ex._X.iloc[rows] if ex._frame else np.asarray(ex._X)[rows],
        background=ex._inst0.background_batch(),
        method="auto",
        output=list(range(ex._adapted.n_outputs)),
        random_state=ex._random_state,
        chunk_size=max(1, s // 10),
        n_jobs=None,
        client=None,
        out=None,
        resume=False,
        options={"background_size": SWARM_BACKGROUND, **options},
    )
    planned, d = run.plan.plan, run.plan.template.d
    if not isinstance(planned.explainer, TreeShap):  # trees: exact at any width
        planned.explainer = (
            ExactShapley()
            if d <= 10
            else KernelShap(max_evals=min(2 * d + 256, 600), random_state=ex._random_state)
        )
    return rows, run


def _swarm(ref: weakref.ref, rows: np.ndarray, run: Any, meta: dict, arrays: dict) -> bool:
    """Explain the sampled rows chunk by chunk (a tenth of them each), publishing each
    chunk; False if the explorer went. ``global_["swarm"]`` is the :class:`Explanations`,
    its ``row`` the explorer's row numbers."""
    from .._cancel import cancellable
    from ..errors import Cancelled
    from ..explanations import Explanations

    ex = _alive(ref)
    if ex is None:
        return False
    closed = ex._closed  # closing the explorer stops the chunk being computed
    del ex
    s, parts = len(rows), []
    chunks = run.chunks()
    try:
        with cancellable(closed):
            for _, part in chunks:
                parts.append(part)
                ex = _alive(ref)
                if ex is None:
                    return False
                done = _published(Explanations.concat(parts), rows, meta)
                d = done.values.shape[2]
                feat = np.stack([feature_code(ex._columns[j], done.row) for j in range(d)], axis=1)
                arrays.update(
                    swarm_values=done.values.astype(np.float32),
                    swarm_index=done.row.astype(np.int32),
                    swarm_feature=feat.astype(np.float32),
                )
                meta["swarm_done"], meta["swarm_total"] = len(done), s
                ex._global_meta, ex._global_arrays = dict(meta), buffers(arrays)
                del ex
    except Cancelled:
        return False
    finally:
        chunks.close()
    ex = ref()
    if ex is not None:
        for key in ("model_seconds", "model_calls"):
            done.params.pop(key, None)
        ex.global_["swarm"] = done
    return True


def _published(done: Any, rows: np.ndarray, meta: dict) -> Any:
    """The rows explained so far, numbered as the explorer's rows; rows that failed are
    counted in ``meta`` and left out (all failing: the first one's error is raised)."""
    from ..errors import ModelError

    done.row = rows[done.row]
    ok = done.ok
    if not ok.any():
        raise ModelError(
            f"the beeswarm's rows failed: {done.errors[0]}",
            fix="check that the model takes every row of X",
        )
    if not ok.all():
        meta["swarm_failed"] = int((~ok).sum())
        meta["swarm_error"] = str(done.errors[~ok][0])
    return done[ok]


def feature_code(col: Any, rows: np.ndarray) -> np.ndarray:
    """A feature's values scaled to [0, 1] by rank within the data (dot colours)."""
    col = np.asarray(col)
    if not np.issubdtype(col.dtype, np.number):
        return np.full(len(rows), np.nan)
    col = col.astype(float)
    lo, hi = np.nanpercentile(col, [5, 95])
    return rank_code(col, rows, lo, hi)


def rank_code(col: np.ndarray, rows: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``col[rows]`` scaled from ``[lo, hi]`` to ``[0, 1]`` (clipped)."""
    return np.clip((col[rows] - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
