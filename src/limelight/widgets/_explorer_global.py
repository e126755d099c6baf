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

from ..encoders import buffers
from ..errors import LimelightError

SWARM_BACKGROUND = 10  # background rows for the beeswarm's cheap local attributions


def start(explorer: Any) -> None:
    """Compute the global views of ``explorer`` in a daemon thread."""
    threading.Thread(
        target=_work, args=(weakref.ref(explorer),), daemon=True, name="limelight-explorer-global"
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
            rows, explainer, small = _swarm_plan(ex)
            del ex
            if not _swarm(ref, rows, explainer, small, meta, arrays):
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

    p = plan_importance(ex._adapted, ex._X, ex._y, random_state=ex._random_state)
    imp = p.run()
    ex.global_["importance"] = imp
    arrays["importance"] = imp.values[0]
    arrays["importance_std"] = (
        imp.stderr[0] if imp.stderr is not None else np.zeros(imp.values.shape[1])
    )
    meta["importance_metric"] = imp.params.get("scoring", "")
    ex._global_meta, ex._global_arrays = dict(meta), buffers(arrays)


def _swarm_plan(ex: Any):
    """The sample of rows and a cheap explainer for them: a small background, exact
    Shapley up to 10 features (or from the trees' paths for tree ensembles), else Kernel
    SHAP with a few hundred coalitions."""
    from ..explainers.shapley import ExactShapley, KernelShap
    from ..explainers.tree import TreeShap
    from ..plans import plan

    rng = np.random.default_rng(ex._random_state)
    s = min(ex._sample, ex._n)
    rows = np.sort(rng.choice(ex._n, s, replace=False)) if s < ex._n else np.arange(s)
    bg = ex._inst0.background_batch()
    options = {
        k: v
        for k, v in ex._options.items()
        if k in ("feature_names", "output_names", "model_output")
    }
    k = ex._adapted.n_outputs
    small = plan(
        ex._adapted,
        ex._row(0),
        background=bg,
        method="auto",
        background_size=SWARM_BACKGROUND,
        random_state=ex._random_state,
        output=list(range(k)),
        **options,
    )
    d = small.instance.d
    explainer = (
        ExactShapley()
        if d <= 10
        else KernelShap(max_evals=min(2 * d + 256, 600), random_state=ex._random_state)
    )
    if isinstance(small.explainer, TreeShap):  # exact at any width, m + 1 rows a row
        explainer = small.explainer
    return rows, explainer, small


def _swarm(ref: weakref.ref, rows: np.ndarray, explainer, small, meta: dict, arrays: dict) -> bool:
    """Explain each sampled row, publishing every tenth; False if the explorer went."""
    s, d = len(rows), small.instance.d
    values = None
    every = max(1, s // 10)
    for r, i in enumerate(rows):
        ex = _alive(ref)
        if ex is None:
            return False
        if values is None:
            values = np.zeros((s, ex._adapted.n_outputs, d), dtype=np.float32)
        inst = ex._instance(int(i), small.model)
        del ex
        values[r] = explainer.explain(small.model, inst).values
        if (r + 1) % every == 0 or r + 1 == s:
            ex = _alive(ref)
            if ex is None:
                return False
            feat = np.stack([feature_code(ex._columns[j], rows[: r + 1]) for j in range(d)], axis=1)
            arrays.update(
                swarm_values=values[: r + 1],
                swarm_index=rows[: r + 1].astype(np.int32),
                swarm_feature=feat.astype(np.float32),
            )
            meta["swarm_done"] = r + 1
            meta["swarm_total"] = s
            ex._global_meta, ex._global_arrays = dict(meta), buffers(arrays)
            del ex
    ex = ref()
    if ex is not None:
        ex.global_["swarm"] = (rows, values)
    return True


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
