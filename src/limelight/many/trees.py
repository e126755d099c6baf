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
    >>> from limelight.many.chunk import explain_chunk
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


def predictions(pool: Any, batches: list[Any]) -> list[_Request]:
    """The model's outputs on each batch: one pooled call (batch by batch where it fails)."""
    reqs = [_Request(b) for b in batches]
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


def fast(mp: Any) -> bool:
    """Whether the chunks' rows go through the many-rows kernel all at once (not a
    DataFrame model, not trees behind a pipeline's split)."""
    ctx = mp.plan.model
    return (
        mp.method == "tree"
        and many_rows_entry() is not None
        and not ctx.trees.through_split
        and not mp.template.frame
    )


def outputs(mp: Any, values: list[np.ndarray], pool: Any) -> tuple[np.ndarray, list]:
    """``(outs, failed)``: the rows' own outputs from one model call (row by row only if
    it fails), and each row's error (None where its call went through)."""
    X = np.stack(values).astype(float) if len(values) else np.empty((0, mp.template.d))
    (whole,) = predictions(pool, [X])
    if whole.error is None:
        return whole.out, [None] * len(X)
    k = mp.plan.model.probed[1].shape[1]
    reqs = predictions(pool, [X[i : i + 1] for i in range(len(X))])
    outs = np.vstack([r.out if r.out is not None else np.full((1, k), np.nan) for r in reqs])
    return outs, [r.error for r in reqs]


def fast_tree_rows(
    mp: Any, values: list[np.ndarray], pool: Any, known: tuple | None = None
) -> dict | None:
    """Every row's arrays at once from the many-rows kernel: the rows as one float array,
    one model call for their outputs (or ``known``, made where the model is: see
    :func:`without_model`), no per-row instance; None where rows must go one by one."""
    if not fast(mp):
        return None
    X = np.stack(values).astype(float) if len(values) else np.empty((0, mp.template.d))
    outs, failed = known if known is not None else outputs(mp, values, pool)
    failed = list(failed)
    bad = unmatched(mp, X, outs) & np.array([e is None for e in failed], dtype=bool)
    for i in np.flatnonzero(bad):
        failed[i] = InputError(
            "the trees do not reproduce the model's output on this row (a missing value "
            "the model routes its own way?)",
            fix="use method='kernel' for these rows",
        )
    return _fast(mp, many_rows_entry(), X, outs, failed)


class _ModelStaysHome:
    """The adapter a worker gets on the tree paths: the trees, not the model (whose
    library, scikit-learn's ensembles for one, takes seconds to import in each worker)."""

    def __init__(self, output_names: list[str]) -> None:
        self.output_names, self.estimator = list(output_names), None

    @staticmethod
    def _fn(batch: Any) -> Any:
        raise ModelError(
            "the model is called in the main process on the tree paths",
            fix="pass the rows' outputs (known=) to explain_chunk",
        )


def without_model(mp: Any) -> Any:
    """``mp`` as workers need it on the tree paths: the model left out (its outputs on
    each chunk are computed here and sent with the chunk); ``mp`` itself elsewhere."""
    import copy

    if not fast(mp):
        return mp
    ctx = copy.copy(mp.plan.model)
    ctx.adapter = _ModelStaysHome(ctx.adapter.output_names)
    plan = copy.copy(mp.plan)
    plan.model = ctx
    out = copy.copy(mp)
    out.plan = plan
    return out


class _Failed:
    """A row whose model call already failed: its explanation fails with that error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def explain(self, model: Any, inst: Any) -> Any:
        raise self.error


def tree_rows(mp: Any, insts: list[Any], pool: Any) -> list[Any]:
    """Per-row jobs for the planned tree explainer (each row's own outputs from one
    pooled call; a row whose call failed fails alone)."""
    from .batch import row_context

    ctx = mp.plan.model
    f_bg = ctx.probed[1]  # every output, on every background row: from the plan's probe
    jobs = []
    for inst, r in zip(insts, predictions(pool, [inst.x_batch() for inst in insts])):
        if r.error is not None:
            jobs.append((_Failed(r.error), None, inst))
        else:
            model = row_context(ctx, pool, inst, probed=(r.out, f_bg))
            jobs.append((mp.explainer(0), model, inst))
    return jobs


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
