"""Tree paths for a chunk of rows: one model call for the rows' own predictions, each row
checked against the trees (its leaf sum plus the model's constant must give the model's
output, as the plan checks its one row), then the Shapley values of every row at once
through the many-rows entry point of :mod:`limelight.explainers.trees` when it is there,
else the planned tree explainer row by row.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from limelight.many.plan import plan_many
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> tree = DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1])
    >>> mp, XX = plan_many(tree, X, background=X[:1], method="tree")
    >>> from limelight.many.run import explain_chunk
    >>> explain_chunk(mp, mp.rows(XX, 3, 4), np.array([3])).values.round(12).tolist()
    [[[0.5, 0.5]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from .batch import _Request


def many_rows_entry():
    """The trees engineer's ``interventional(ens, X, B, weights)`` when it is installed."""
    try:
        from ..explainers.trees.kernel import interventional
    except ImportError:
        return None
    return interventional


def predictions(pool: Any, insts: list[Any]) -> list[_Request]:
    """Each row's own outputs: one pooled call (row by row where it fails)."""
    reqs = [_Request(inst.x_batch()) for inst in insts]
    with pool.cv:
        pool.live, pool.pending = 1, reqs
        pool._flush_if_ready()
    if pool.abort is not None:
        raise pool.abort
    return reqs


def unmatched(mp: Any, X: np.ndarray, outs: np.ndarray) -> np.ndarray:
    """Rows whose leaf sums (plus the model's constant, from the planned row) do not give
    the model's outputs ``outs``, or that hold missing values the trees cannot route."""
    ctx = mp.plan.model
    ens = ctx.trees.ensemble
    planned_x = np.asarray(mp.template.x, dtype=float)[None, :]
    gap = ctx.probed[0] - ens.predict(planned_x)
    rules = getattr(ens, "rules", None)
    finite = np.isfinite(X).all(axis=1)
    ok = finite | (rules is not None)
    ours = np.full_like(outs, np.nan)
    if ok.any():
        ours[ok] = ens.predict(X[ok]) + gap
    tol = (1e-7 if rules is None else 1e-7 * max(10, ens.n_trees)) * np.maximum(
        1.0, np.abs(outs).max(axis=1)
    )
    with np.errstate(invalid="ignore"):
        return ~ok | ~(np.abs(ours - outs).max(axis=1) <= tol)


def tree_rows(mp: Any, insts: list[Any], pool: Any) -> tuple[list[Any], dict | None]:
    """``(jobs, arrays)``: per-row jobs for the planned tree explainer, or (fast path) the
    arrays of every row at once and no jobs."""
    from .batch import row_context
    from .run import _Failed

    ctx = mp.plan.model
    f_bg = ctx.probed[1]  # every output, on every background row: from the plan's probe
    reqs = predictions(pool, insts)
    k = f_bg.shape[1]
    outs = np.vstack([r.out if r.out is not None else np.full((1, k), np.nan) for r in reqs])
    failed = [r.error for r in reqs]
    numeric = not ctx.trees.through_split and not mp.template.frame
    X = np.stack([np.asarray(i.x, dtype=float) for i in insts]) if numeric else None
    if numeric:
        bad = unmatched(mp, X, outs) & np.array([e is None for e in failed])
        for i in np.flatnonzero(bad):
            failed[i] = InputError(
                "the trees do not reproduce the model's output on this row (a missing value "
                "the model routes its own way?)",
                fix="use method='kernel' for these rows",
            )
    entry = many_rows_entry()
    if entry is None or not numeric:
        jobs = []
        for inst, r, err in zip(insts, reqs, failed):
            if err is not None:
                jobs.append((_Failed(err), None, inst))
            else:
                model = row_context(ctx, pool, inst, probed=(r.out, f_bg))
                jobs.append((mp.explainer(0), model, inst))
        return jobs, None
    return [], _fast(mp, entry, X, outs, failed)


def _fast(mp: Any, entry: Any, X: np.ndarray, outs: np.ndarray, failed: list) -> dict:
    ctx, t = mp.plan.model, mp.template
    ens, cols = ctx.trees.ensemble, ctx.columns
    good = np.array([e is None for e in failed])
    n, d = len(X), t.d
    f_bg = ctx.probed[1]
    base = t.weights @ f_bg
    k_all = f_bg.shape[1]
    phi = np.full((n, d, k_all), np.nan)
    if good.any():
        B = np.asarray(t.numeric_background(), dtype=ens.dtype)
        phi[good] = entry(ens, np.asarray(X[good], dtype=ens.dtype), B, t.weights)
    pred = outs
    if cols is not None:
        phi, base, pred = phi[:, :, cols], base[cols], pred[:, cols]
    errors = [
        "" if e is None else (str(e) if isinstance(e, (InputError, ModelError)) else repr(e))
        for e in failed
    ]
    return {
        "values": phi.transpose(0, 2, 1),
        "base": np.where(good[:, None], base, np.nan),
        "prediction": np.where(good[:, None], pred, np.nan),
        "errors": errors,
        "n_evals": np.where(good, 1 + t.m, 0),
    }
