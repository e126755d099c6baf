"""`interactions(model, X, background=...)`: pairwise Shapley interaction values of every
row of ``X``, interventional over the background, by the cheapest exact way the model
allows: its trees' paths (:mod:`limelight.explainers.trees.pairs`), all ``2**d``
coalitions (:mod:`.games`) up to :data:`AUTO_EXACT_MAX` features, else sampled orderings
with a standard error.

    >>> import numpy as np
    >>> f = lambda X: X[:, 0] * X[:, 1] + X[:, 2]
    >>> r = interactions(f, np.ones((1, 3)), background=np.zeros((1, 3)))
    >>> r.method, (r.values[0, 0].round(12) + 0.0).tolist()
    ('exact', [[0.0, 0.5, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 1.0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, MethodError, ModelError
from ..plans.tabular import INPUT_OPTIONS
from .result import Interactions

METHODS = ("auto", "tree", "exact", "sampled")
AUTO_EXACT_MAX = 12  # "auto" enumerates up to this many features (2**12 coalitions a row)
EXACT_MAX = 16  # method="exact" up to this many
MAX_CELLS = 50_000_000  # rows x outputs x d x d values kept: 400 MB


def interactions(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: Any = None,
    n_permutations: int = 128,
    random_state: int | None = None,
    **options: Any,
) -> Interactions:
    """Pairwise Shapley interaction values of the rows ``X`` (a DataFrame, a 2-D array, or
    one row) against ``background``, in shap's convention (see :class:`Interactions`):
    ``values`` ``(rows, outputs, d, d)``, each matrix row summing to that feature's
    Shapley value (what :func:`limelight.attribute` gives).

    ``method``: ``"tree"`` (exact, by the trees of scikit-learn forests and boosting,
    XGBoost, LightGBM or CatBoost, on the outputs :func:`~limelight.attribute` reads them
    on), ``"exact"`` (any model: every coalition, up to 16 features), ``"sampled"``
    (``n_permutations`` random orderings per row, with ``stderr``), or ``"auto"`` (the
    trees when readable, else exact up to 12 features, else sampled). ``output`` and
    ``options`` (``feature_names``, ``model_output``, ``background_size``...) as for
    :func:`limelight.attribute`.

        >>> r = interactions(model, X_test[:100], background=X_train)   # doctest: +SKIP
        >>> r.top_pairs(5)                                              # doctest: +SKIP
    """
    from ..explainers.registry import check_random_state

    if method not in METHODS:
        raise InputError(
            f"method={method!r} is not an interactions method", fix=f"use one of {METHODS}"
        )
    unknown = sorted(set(options) - set(INPUT_OPTIONS))
    if unknown:
        raise InputError(
            f"unknown option(s) {unknown} for interactions",
            fix=f"it takes method, output, n_permutations, random_state and {sorted(INPUT_OPTIONS)}",
        )
    ok = isinstance(n_permutations, (int, np.integer)) and not isinstance(n_permutations, bool)
    if not ok or n_permutations < 2:
        raise InputError(
            f"n_permutations={n_permutations!r} is not a number of orderings",
            fix="pass an integer of at least 2 (the standard error needs two)",
        )
    check_random_state(random_state)
    X = _rows(X)
    if method in ("auto", "tree"):
        try:
            return _by_trees(model, X, background, output, options)
        except (MethodError, ModelError):
            if method == "tree":
                raise
    return _by_coalitions(
        model, X, background, method, output, n_permutations, random_state, options
    )


def _rows(X: Any) -> Any:
    """``X`` as rows: one row (1-D array, list, Series) becomes a batch of one."""
    if type(X).__name__ == "Series":
        return X.to_frame().T.infer_objects()
    if type(X).__name__ == "DataFrame":
        return X
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"X is not rows of numbers ({exc})", fix="pass a 2-D array or a DataFrame"
        ) from exc
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InputError(f"X has shape {arr.shape}", fix="pass one row or a 2-D array of rows")
    return arr


def _check_size(n: int, k: int, d: int) -> None:
    if n * k * d * d > MAX_CELLS:
        raise InputError(
            f"{n} rows x {k} outputs x {d}x{d} features is {n * k * d * d:,} values "
            f"(over {MAX_CELLS:,})",
            fix="pass fewer rows at a time, or fewer outputs (output=...)",
        )


def _by_trees(model, X, background, output, options) -> Interactions:
    from ..explainers.trees.pairs import interventional_pairs
    from ..explainers.trees.rows import checked_rows

    p, batch, out, seen, B = checked_rows(model, X, background, output, options)
    ctx, inst, ens = p.model, p.instance, p.model.trees.ensemble
    _check_size(len(seen), ens.value.shape[1], inst.d)
    pairs = interventional_pairs(ens, seen, B, inst.weights, owner=ctx.tree_owner(), d=inst.d)
    cols = slice(None) if ctx.columns is None else ctx.columns
    base = np.asarray(inst.weights) @ ctx.background_outputs() / np.sum(inst.weights)
    return Interactions(
        values=pairs[..., cols].transpose(0, 3, 1, 2),
        base_values=base,
        predictions=out[:, cols],
        feature_names=list(inst.feature_names),
        output_names=list(ctx.output_names),
        method="tree",
        params=_params(ctx, inst, algorithm="tree paths", trees=ens.n_trees),
        data=np.asarray(batch, dtype=object),
    )


def _by_coalitions(model, X, background, method, output, n_permutations, seed, options):
    from ..api import plan
    from ..explainers.trees.rows import _batch

    first = X.iloc[0] if hasattr(X, "iloc") else X[0]
    # the plan gives the model's context and the row's encoding; "kernel" plans at any width
    p = plan(model, first, background=background, method="kernel", output=output, **options)
    ctx, inst = p.model, p.instance
    d = inst.d
    if method == "auto":
        method = "exact" if d <= AUTO_EXACT_MAX else "sampled"
    if method == "exact" and d > EXACT_MAX:
        raise InputError(
            f"exact interaction values over {d} features need {2**d:,} coalitions a row",
            fix="use method='sampled' (random orderings, with a standard error)",
        )
    batch = _batch(inst, X)
    rows = [
        list(batch.iloc[i]) if hasattr(batch, "iloc") else list(batch[i]) for i in range(len(batch))
    ]
    k = len(ctx.output_names)
    _check_size(len(rows), k, d)
    values, stderr = np.zeros((len(rows), k, d, d)), None
    preds = np.zeros((len(rows), k))
    base = np.zeros(k)
    if method == "exact":
        from .games import exact

        for r, x_cols in enumerate(rows):
            values[r], v = exact(ctx, ctx.row(x_cols))
            base, preds[r] = v[0], v[-1]
        params = _params(ctx, inst, algorithm="all coalitions", coalitions=2**d)
    else:
        from .games import sampled

        rng = np.random.default_rng(seed)
        stderr = np.zeros_like(values)
        for r, x_cols in enumerate(rows):
            values[r], stderr[r], base, preds[r] = sampled(
                ctx, ctx.row(x_cols), n_permutations, rng
            )
        params = _params(
            ctx,
            inst,
            algorithm="permutation sampling (neighbour pairs)",
            permutations=n_permutations,
        )
    return Interactions(
        values=values,
        base_values=base,
        predictions=preds,
        feature_names=list(inst.feature_names),
        output_names=list(ctx.output_names),
        method=method,
        params=params,
        stderr=stderr,
        data=np.asarray(batch, dtype=object),
    )


def _params(ctx, inst, **extra) -> dict:
    out = {**extra, "perturbation": "interventional", "background": dict(inst.background_info)}
    if ctx.output_scale:
        out["output_scale"] = ctx.output_scale
    return out
