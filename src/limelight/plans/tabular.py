"""Planning a tabular explanation: adapt the model, read x and the background, probe the
model once, choose the method ("auto": exact Shapley values by tree paths for the tree
ensembles that :mod:`limelight.explainers.tree` reads, else by coalitions up to 12
features, Kernel SHAP above).

>>> import numpy as np
>>> from limelight.api import plan
>>> p = plan(lambda X: X.sum(axis=1), np.array([1.0, 2.0]), background=np.zeros((4, 2)))
>>> type(p.explainer).__name__, p.run().values.round(9).tolist()
('ExactShapley', [[1.0, 2.0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, MethodError, ModelError
from ..explainers.base import Explainer
from ..explainers.lime_tabular import TabularLime
from ..explainers.shapley import ExactShapley, KernelShap
from ..explainers.tree import TreeEnsemble, TreeShapley, tree_ensemble
from ..inputs.tabular import BACKGROUND_ROWS, read_instance
from ..models.base import Model
from ..models.tabular import TabularModel
from . import Plan

METHODS = ("exact", "tree", "kernel", "lime", "tree_path_dependent")
AUTO_EXACT_MAX = 12
# "auto" reads the trees from this many features: below, 2**d coalitions cost less (measured)
AUTO_TREE_MIN = 9


class OneOutput(Model):
    """A view of one output of a model (``output=``), so explainers compute only it."""

    def __init__(self, model: TabularModel, index: int) -> None:
        self.inner, self.index = model, index
        self.kind = model.kind
        self.output_scale = getattr(model, "output_scale", None)
        super().__init__([model.output_names[index]])

    def predict(self, batch: Any) -> np.ndarray:
        out = self.inner.predict(batch)[:, [self.index]]
        self.calls, self.rows = self.inner.calls, self.inner.rows
        return out

    def predict_hybrids(self, inst: Any, masks: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        out = self.inner.predict_hybrids(inst, masks, rows)[:, [self.index]]
        self.calls, self.rows = self.inner.calls, self.inner.rows
        return out

    def predict_paired(self, inst: Any, masks: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = self.inner.predict_paired(inst, masks, rows)[:, [self.index]]
        self.calls, self.rows = self.inner.calls, self.inner.rows
        return out


def _output_index(names: list[str], output: int | str) -> int:
    if isinstance(output, str):
        if output in names:
            return names.index(output)
        raise InputError(f"no output named {output!r}", fix=f"use one of {names[:20]}")
    try:
        i = int(output)
    except (TypeError, ValueError):
        raise InputError(f"output={output!r}", fix="give an output's name or index") from None
    if not -len(names) <= i < len(names):
        raise InputError(
            f"output {i} is out of range for {len(names)} outputs",
            fix=f"use 0..{len(names) - 1} or a name from {names[:20]}",
        )
    return i % len(names)


def probe(model: TabularModel, inst, rows: slice = slice(0, 1)) -> np.ndarray:
    """One model call on the instance and background ``rows`` (x once per row, then the
    rows), so a model that cannot take the data fails here, in the user's cell, with a
    clear message. Returns the outputs."""
    masks = np.array([np.ones(inst.d, bool), np.zeros(inst.d, bool)])
    try:
        out = model.predict(inst.cross(masks, rows))
    except ModelError as exc:
        nan = [
            n
            for n, v in zip(inst.feature_names, inst.x)
            if isinstance(v, (float, np.floating)) and not np.isfinite(v)
        ]
        if nan:
            raise InputError(
                f"x has NaN or inf in {nan} and the model cannot take them ({exc.problem})",
                fix="impute the missing values (or use a model that handles NaN)",
            ) from exc
        raise
    return out


def _model_name(model: TabularModel) -> str:
    est = model.estimator
    if est is None:
        return "a function"
    return f"a {type(est).__name__} on {model.output_kind!r} outputs"


def readable_trees(model: TabularModel, inst) -> tuple[TreeEnsemble, Any] | None:
    """The model's trees when it is a tree ensemble we read, with the instance as they see
    it: a bare estimator on the instance's columns, or a pipeline whose leading per-column
    steps (scalers, one-hot encoders) feed one (the players stay the input columns)."""
    est = model.estimator
    if est is None:
        return None
    piped = type(est).__name__ == "Pipeline"
    if piped:
        split = model._split
        if split is None or len(split.rest.steps) != 1:
            return None
        est = split.rest.steps[0][1]
    else:
        names_in = getattr(est, "feature_names_in_", None)
        if names_in is not None and list(map(str, names_in)) != list(inst.feature_names):
            return None
    ens = tree_ensemble(est, model.output_kind)  # no model call: read it before any
    if ens is None:
        return None
    seen = model.model_space(inst) if piped else inst
    if seen is None or ens.feature.max(initial=-1) >= seen.d:
        return None
    return ens, seen


def checked_trees(ens: TreeEnsemble, seen, probed: np.ndarray, m: int) -> tuple[TreeEnsemble, tuple] | None:
    """``ens`` when its leaf values reproduce the model's own outputs (``probed``, from
    :func:`probe` over every background row) on x and the background (``seen``: as the
    trees see them); with those outputs (x's, the background's)."""
    try:
        X = np.vstack([np.asarray(seen.x, dtype=float)[None, :], seen._bg_matrix()])
    except (TypeError, ValueError):
        return None  # a column that is not numbers
    if not np.isfinite(X).all() and ens.rules is None:
        return None  # missing values: the model routes them its own way
    x_out, bg_out = probed[:1], probed[m:]
    want, ours = np.vstack([x_out, bg_out]), ens.predict(X)
    if ours.shape != want.shape:
        return None
    gap = want - ours  # the model's constant (init, prior), the same for every row
    # the boosting libraries add their leaves in float32: rounding of about 1e-7 per tree
    tol = 1e-7 if ens.rules is None else 1e-7 * max(10, ens.n_trees)
    if np.ptp(gap, axis=0).max(initial=0.0) > tol * max(1.0, float(np.abs(want).max())):
        return None
    return ens, (x_out, bg_out)


def _unread(model: TabularModel) -> str:
    """Why a boosting library's model was not read by its trees (empty if no reason known)."""
    from ..models.boosted import final_step, library_of

    est = final_step(model.estimator) if model.estimator is not None else None
    if library_of(est) == "catboost" and est.get_cat_feature_indices():
        from ..explainers.trees.catboost_reader import UNREAD

        return f" ({UNREAD})"
    if library_of(est) and model.output_kind == "proba":
        return " (its probabilities are not a sum of leaves; its log-odds are)"
    return ""


def _tree_fix(model: TabularModel) -> str:
    """What would work instead of method='tree' for this model."""
    from ..models.boosted import final_step, library_of

    est = final_step(model.estimator) if model.estimator is not None else None
    coalitions = "use method='exact' (any model, up to 16 features) or 'kernel'"
    if library_of(est) and model.output_kind == "proba":
        return (f"{coalitions}; its log-odds are sums of leaves: model_output='margin' (the "
                "default), or model_output='proba' with method='exact' for probabilities")
    if model.output_kind == "proba" and hasattr(est, "decision_function") and "Boost" in type(est).__name__:
        return f"{coalitions}; a boosting classifier's log-odds are: model_output='decision'"
    return coalitions


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    feature_names: Any = None,
    output_names: Any = None,
    model_output: str = "auto",
    background_size: int = BACKGROUND_ROWS,
    background_summary: str = "auto",
    max_evals: int | None = None,
    tol: float = 0.01,
    n_samples: int = 5000,
    kernel_width: float | None = None,
    batch_size: int | None = None,
    rows_per_call: int | None = None,
    **unknown: Any,
) -> Plan:
    """Plan a tabular explanation (see :func:`limelight.attribute` for the arguments).

    Options: ``max_evals`` / ``tol`` (kernel), ``n_samples`` / ``kernel_width`` (lime),
    ``background_size`` (rows kept, default 100) and ``background_summary``
    (``"auto"``, ``"kmeans"``, ``"sample"``), ``feature_names``, ``output_names``,
    ``model_output`` (``"auto"``, ``"proba"``, ``"decision"``, ``"predict"``).
    """
    unknown.pop("modality", None)
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for a tabular explanation",
            fix="see help(limelight.plans.tabular.plan) for the options",
        )
    adapted = TabularModel.from_any(model, output_names=output_names, model_output=model_output)
    inst = read_instance(
        x,
        background,
        model=adapted,
        feature_names=feature_names,
        background_size=background_size,
        background_summary=background_summary,
        random_state=random_state,
    )
    trees = None
    if method == "tree" or (method == "auto" and inst.d >= AUTO_TREE_MIN):
        trees = readable_trees(adapted, inst)
    # a tree ensemble's check needs its outputs on x and the whole background: one call
    probed = probe(adapted, inst, slice(None) if trees is not None else slice(0, 1))
    readable = trees is not None
    if trees is not None:
        trees = checked_trees(trees[0], trees[1], probed, inst.m)
    used: Model = adapted
    if output is not None:
        used = OneOutput(adapted, _output_index(adapted.output_names, output))
    choice = method
    if method == "auto":
        choice = "tree" if trees is not None else "exact" if inst.d <= AUTO_EXACT_MAX else "kernel"
    per_call = {} if rows_per_call is None else {"rows_per_call": int(rows_per_call)}
    explainer: Explainer
    if choice == "tree":
        if trees is None:
            why = (" whose leaf values do not add up to its outputs here (a link function, or "
                   "missing values in x or the background)") if readable else _unread(adapted)
            raise MethodError(
                f"method='tree' reads tree ensembles (scikit-learn, XGBoost, LightGBM, "
                f"CatBoost) whose outputs are sums of leaf values; this model is "
                f"{_model_name(adapted)}{why}",
                fix=_tree_fix(adapted),
            )
        columns = None if output is None else [used.index]  # type: ignore[attr-defined]
        piped = type(adapted.estimator).__name__ == "Pipeline"  # read through its split
        explainer = TreeShapley(trees[0], columns=columns, outputs=(inst, *trees[1]),
                                space=adapted.model_space if piped else None,
                                owner=adapted._split.owner if piped else None)
    elif choice == "tree_path_dependent":
        from ..explainers.trees.native import LibraryTreeShap

        explainer = LibraryTreeShap()
    elif choice == "exact":
        explainer = ExactShapley(**per_call)
    elif choice == "kernel":
        explainer = KernelShap(
            max_evals=max_evals,
            tol=tol,
            random_state=random_state,
            batch_size=batch_size,
            **per_call,
        )
    elif choice == "lime":
        explainer = TabularLime(
            n_samples=n_samples,
            kernel_width=kernel_width,
            batch_size=batch_size,
            random_state=random_state,
        )
    else:
        raise MethodError(
            f"unknown method {method!r} for tabular data", fix=f"use 'auto' or one of {METHODS}"
        )
    return Plan(model=used, instance=inst, explainer=explainer)
