"""Many rows of a tree ensemble explained in one pass: the trees are read and checked
once, the background decided once, every row walked by the compiled kernel.

    >>> import numpy as np, xgboost
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> model = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, X[:, 0] > 0)
    >>> r = attribute_rows(model, X[:50], background=X[:100])
    >>> r.values.shape, r.output_scale          # (rows, outputs, features)
    ((50, 1, 4), 'log-odds')
    >>> bool(np.allclose(r.values.sum(axis=2) + r.base_values, r.predictions, atol=1e-5))
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from limelight.errors import InputError, ModelError
from limelight.explanation import Explanation


@dataclass
class TreeRows:
    """Exact interventional Shapley values of many rows: ``values`` ``(n, k, d)``,
    ``predictions`` ``(n, k)`` (the model's own), ``base_values`` ``(k,)`` (its mean over
    the background), and what the outputs are (``output_scale``: "log-odds", ...)."""

    values: np.ndarray
    base_values: np.ndarray
    predictions: np.ndarray
    output_names: list[str]
    feature_names: list[str]
    data: np.ndarray
    output_scale: str | None
    params: dict

    def __len__(self) -> int:
        return len(self.values)

    def explanation(self, i: int) -> Explanation:
        """Row ``i`` as an :class:`Explanation` (what ``attribute`` returns for that row)."""
        params = {**self.params}
        if self.output_scale:
            params["output_scale"] = self.output_scale
        return Explanation(
            values=self.values[i],
            base_values=self.base_values,
            prediction=self.predictions[i],
            output_names=self.output_names,
            feature_names=self.feature_names,
            data=self.data[i],
            method="tree",
            params=params,
        )


def _batch(inst: Any, X: Any) -> Any:
    """Rows ``X`` (DataFrame or 2-D array) as the model takes them (the instance's columns)."""
    import pandas as pd

    names = list(inst.feature_names)
    if isinstance(X, pd.DataFrame):
        missing = [c for c in names if c not in X.columns]
        if missing:
            raise InputError(f"X lacks the columns {missing[:5]}", fix="pass the model's columns")
        X = X[names]
        return X if inst.frame else X.to_numpy(dtype=float)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise InputError(
            f"X has shape {X.shape}; the model takes {len(names)} columns",
            fix=f"pass a 2-D array of rows with {len(names)} columns",
        )
    return pd.DataFrame(X, columns=names) if inst.frame else X.astype(float)


def attribute_rows(
    model: Any, X: Any, *, background: Any = None, output: int | str | None = None, **options: Any
) -> TreeRows:
    """Explain every row of ``X`` by the trees of ``model`` (scikit-learn forests and
    boosting, XGBoost, LightGBM, CatBoost; bare or behind scalers / one-hot encoders), as
    ``attribute(model, row, background=..., method="tree")`` would, in one pass.

    ``options`` as for :func:`limelight.attribute` (``model_output``, ``feature_names``,
    ``background_size``...). Raises :class:`~limelight.errors.MethodError` for a model
    whose trees are not read, :class:`~limelight.errors.ModelError` when the trees do not
    reproduce the model's own outputs on ``X``."""
    from limelight.explainers.trees.kernel import interventional

    p, batch, out, seen, B = checked_rows(model, X, background, output, options)
    ctx, inst, ens = p.model, p.instance, p.model.trees.ensemble
    phi = interventional(ens, seen, B, inst.weights, owner=ctx.tree_owner(), d=inst.d)
    cols = slice(None) if ctx.columns is None else ctx.columns
    base = np.asarray(inst.weights) @ ctx.background_outputs() / np.sum(inst.weights)
    return TreeRows(
        values=phi[:, :, cols].transpose(0, 2, 1),
        base_values=base,
        predictions=out[:, cols],
        output_names=list(ctx.output_names),
        feature_names=list(inst.feature_names),
        data=np.asarray(batch, dtype=object),
        output_scale=ctx.output_scale,
        params={
            **p.explainer.params(),
            "trees": ens.n_trees,
            "background": dict(inst.background_info),
        },
    )


def checked_rows(model: Any, X: Any, background: Any, output: Any, options: dict) -> tuple:
    """``(plan, batch, outputs, seen, B)`` for explaining every row of ``X`` by the trees:
    the plan (method "tree", on the first row), the rows as the model takes them, the
    model's own outputs on them (every column), the rows and the background as the trees
    see them; a ModelError when the trees do not reproduce the outputs on ``X``."""
    from limelight.api import plan

    rows = X.iloc[:1] if hasattr(X, "iloc") else np.asarray(X)[:1]
    if len(rows) == 0:
        raise InputError("X has no rows", fix="pass at least one row")
    first = rows.iloc[0] if hasattr(rows, "iloc") else rows[0]
    p = plan(model, first, background=background, method="tree", output=output, **options)
    ctx, inst = p.model, p.instance  # the plan's context: checked trees, background outputs
    ens = ctx.trees.ensemble
    batch = _batch(inst, X)
    out = ctx.adapter.predict(batch)  # the model's own outputs, every column: one call
    through = ctx.trees.through_split
    seen = _dense(ctx.split.prefix.transform(batch)) if through else np.asarray(batch, float)
    B = np.asarray(ctx.tree_view(inst).numeric_background(), dtype=float)
    gap = out - ens.predict(seen)
    tol = 1e-7 * (1 if ens.rules is None else max(10, ens.n_trees))
    if np.ptp(gap, axis=0).max(initial=0.0) > tol * max(1.0, float(np.abs(out).max())):
        raise ModelError(
            "the trees do not reproduce the model's outputs on these rows",
            fix="use limelight.attribute(..., method='exact') row by row",
        )
    return p, batch, out, seen, B


def _dense(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=float)
