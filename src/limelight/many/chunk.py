"""Explaining one chunk of rows, the same numbers wherever it runs (every row has its own
seed): :func:`explain_chunk` is what this process, a joblib process or a Dask worker runs.

    >>> import numpy as np
    >>> from limelight.many.plan import plan_many
    >>> mp, X = plan_many(lambda X: X @ [2.0, 1.0], np.eye(2), background=np.zeros((1, 2)))
    >>> explain_chunk(mp, mp.rows(X, 0, 2), np.arange(2)).values[:, 0].round(9).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explainers.shapley import ROWS_PER_CALL as EXPLAINER_ROWS
from ..explanations import Explanations
from ..inputs.groups import GroupedInstance
from .batch import (
    MAX_THREADS,
    ROWS_PER_CALL,
    CallPool,
    error_text,
    net_rows,
    row_context,
    run_rows,
)
from .plan import ManyPlan
from .trees import fast_tree_rows, tree_rows


def rows_per_request(mp: ManyPlan) -> int:
    """About how many hybrid rows one row's explainer asks for in one call."""
    ex, t = mp.plan.explainer, mp.template
    d, m = t.d, t.m
    name = ex.name
    if name == "exact":
        masks = 2**d
        return masks * min(m, max(1, ex.rows_per_call // masks))
    if name == "kernel":
        rows = min(ex.rows_per_call, max(2048, 4_000_000 // max(d, 1)))
        per_call = max(4, rows // m)
        evals = ex.max_evals if ex.max_evals is not None else 2 * d + 2048
        return min(evals, int(ex.batch_size or per_call), per_call) * m
    if name == "lime":
        return min(ex.n_samples, int(ex.batch_size or ex.rows_per_call))
    return 1 + m


def _pool(mp: ManyPlan) -> CallPool:
    adapted = mp.plan.model.adapter
    return CallPool(
        adapted._fn,
        n_outputs=len(adapted.output_names),
        frame=mp.template.frame,
        rows_per_call=max(ROWS_PER_CALL, EXPLAINER_ROWS),
        slice_rows=net_rows(adapted),
    )


def explain_chunk(
    mp: ManyPlan, values: list[np.ndarray], rows: np.ndarray, known: Any = None
) -> Explanations:
    """The explanations of the rows ``rows`` (positions in X) with ``values``; ``known``:
    the rows' outputs on the tree paths when computed elsewhere (``trees.outputs``)."""
    rows = np.asarray(rows, dtype=np.int64)
    pool = _pool(mp)
    if mp.method == "tree":
        arrays = fast_tree_rows(mp, values, pool, known)
        if arrays is not None:  # every row at once, no per-row instance
            out = _assemble(mp, arrays, values, rows, None, {"algorithm": "tree paths"})
            out.params.update(model_seconds=pool.model_seconds, model_calls=pool.calls)
            return out
    insts = [mp.instance(v, int(r)) for v, r in zip(values, rows)]
    if mp.method == "tree":
        jobs, threads = tree_rows(mp, insts, pool), 1
    else:
        ctx = mp.plan.model
        jobs = [
            (mp.explainer(int(r)), row_context(ctx, pool, inst), inst)
            for r, inst in zip(rows, insts)
        ]
        # rows of requests called in slices do not wait for each other: two at once let one
        # build its batch (numpy, no GIL) while the other's model calls run
        least = 2 if pool.slice_rows else 1
        threads = int(np.clip(ROWS_PER_CALL // max(1, rows_per_request(mp)), least, MAX_THREADS))
    results = run_rows(jobs, pool, threads)
    out = _collect(mp, results, values, rows)
    out.params["model_seconds"] = pool.model_seconds
    out.params["model_calls"] = pool.calls
    return out


def _collect(
    mp: ManyPlan, results: list[Any], values: list[np.ndarray], rows: np.ndarray
) -> Explanations:
    """One Explanations of the rows' results (an Explanation, or the exception it raised)."""
    k, d, n = mp.plan.model.n_outputs, mp.template.d, len(results)
    arrays = {
        "values": np.full((n, k, d), np.nan),
        "base": np.full((n, k), np.nan),
        "prediction": np.full((n, k), np.nan),
        "n_evals": np.zeros(n, np.int64),
        "errors": [""] * n,
    }
    stderr = np.full((n, k, d), np.nan)
    has_se = False
    params: dict[str, Any] = {}
    for i, e in enumerate(results):
        if isinstance(e, BaseException):
            arrays["errors"][i] = error_text(e)
            continue
        arrays["values"][i], arrays["base"][i] = e.values, e.base_values
        arrays["prediction"][i], arrays["n_evals"][i] = e.prediction, e.n_evals
        if e.stderr is not None:
            stderr[i], has_se = e.stderr, True
        if not params:
            params = {
                k_: v for k_, v in e.params.items() if k_ not in ("enumerated", "sampled", "error")
            }
    return _assemble(mp, arrays, values, rows, stderr if has_se else None, params)


def _assemble(
    mp: ManyPlan,
    arrays: dict,
    values: list[np.ndarray],
    rows: np.ndarray,
    stderr: np.ndarray | None,
    params: dict,
) -> Explanations:
    t = mp.template
    data = np.stack(values) if len(values) else np.empty((0, t.d))
    if isinstance(t, GroupedInstance):  # one value per player: "a=1, b=0" for a group
        data = np.stack([t.with_row(list(v)).x for v in values]) if len(values) else data
        data = data.astype(object)
    else:
        data = data.astype(object if t.frame and not _numeric(data) else float)
    scale = getattr(mp.plan.model, "output_scale", None)
    if scale and "output_scale" not in params:  # what the values are: log-odds, probability
        params = {**params, "output_scale": scale}
    return Explanations(
        values=arrays["values"],
        base_values=arrays["base"],
        prediction=arrays["prediction"],
        output_names=list(mp.plan.model.output_names),
        feature_names=list(t.feature_names),
        data=data,
        method=mp.method,
        params={**params, **mp.params()},
        stderr=stderr,
        n_evals=arrays["n_evals"],
        errors=np.asarray(arrays["errors"], dtype=object),
        seeds=[mp.seed(int(r)) for r in rows],
        row=rows,
    )


def _numeric(data: np.ndarray) -> bool:
    try:
        data.astype(float)
        return True
    except (TypeError, ValueError):
        return False
