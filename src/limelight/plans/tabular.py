"""Planning a tabular explanation: adapt the model, read x and the background, probe the
model once, choose the method ("auto": exact Shapley values by tree paths for the tree
ensembles that :mod:`limelight.explainers.tree` reads, else by coalitions up to 12
features, regression-adjusted Monte Carlo or Leverage SHAP above).

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
from ..explainers.registry import (
    build,
    check_options,
    check_random_state,
    configured,
    entry_of,
    lookup,
    options_of,
)
from ..explainers.shapley import ExactShapley
from ..explainers.tabular_gradients import TabularIntegratedGradients
from ..explainers.tree import TreeShap
from ..explainers.trees.ensemble import TreeEnsemble
from ..explainers.trees.native import LibraryTreeShap
from ..explainers.trees.readers import tree_ensemble
from ..inputs.background import missing_rows
from ..inputs.groups import GroupedInstance, group_instance
from ..inputs.tabular import BACKGROUND_ROWS, TabularInstance, read_instance
from ..models.adapt import tabular_model
from ..models.tabular import TabularModel
from ..models.tabular_context import ReadableTrees, TabularContext
from . import Plan
from .outputs import choose_outputs

#: the options every tabular explanation takes beside its method's
INPUT_OPTIONS = (
    "feature_names",
    "output_names",
    "model_output",
    "background_size",
    "background_summary",
    "device",
    "feature_groups",
)
AUTO_EXACT_MAX = 12
# "auto" reads the trees from this many features: below, 2**d coalitions cost less (measured)
AUTO_TREE_MIN = 9


def probe(model: TabularModel, inst, rows: slice = slice(0, 1)) -> np.ndarray:
    """One model call on the instance and background ``rows`` (x, then the rows), so a
    model that cannot take the data fails here, in the user's cell, with a clear message.
    Returns the outputs: x's first."""
    gaps = missing_rows(inst.bg_cols)
    if gaps.any():
        rows = slice(None)  # the rows with missing values are tried too: one rule for NaN
    x = inst.cross(np.ones((1, inst.d), bool), slice(0, 1))
    bg = inst.cross(np.zeros((1, inst.d), bool), rows)
    if inst.frame:
        import pandas as pd

        batch = pd.concat([x, bg], ignore_index=True)
    else:
        batch = np.vstack([x, bg])
    try:
        out = model.predict(batch)
    except ModelError as exc:
        nan = [n for n, v in zip(inst.feature_names, inst.x) if missing_rows([np.array([v])])[0]]
        if nan:
            raise InputError(
                f"x has NaN or inf in {nan} and the model cannot take them ({exc.problem})",
                fix="impute the missing values (or use a model that handles NaN)",
            ) from exc
        if gaps.any():
            where = [n for n, c in zip(inst.feature_names, inst.bg_cols) if missing_rows([c]).any()]
            raise InputError(
                f"the background has missing values (NaN) in {int(gaps.sum())} of its "
                f"{len(gaps)} rows, in {where[:8]}, and the model cannot take them "
                f"({exc.problem})",
                fix="drop or impute those rows (e.g. background.dropna()), or use a model "
                "that handles NaN",
            ) from exc
        raise
    return out


def _model_name(model: TabularModel) -> str:
    est = model.estimator
    if est is None:
        return "a function"
    return f"a {type(est).__name__} on {model.output_kind!r} outputs"


def readable_trees(
    ctx: TabularContext, inst: TabularInstance, *, cache: bool = True
) -> tuple[TreeEnsemble, Any, bool] | None:
    """The model's trees when it is a tree ensemble we read, with the instance as they see
    it, and whether they read a pipeline split's outputs: a bare estimator on the
    instance's columns, or a pipeline whose leading per-column steps (scalers, one-hot
    encoders) feed one (the players stay the input columns)."""
    model = ctx.adapter
    est = model.estimator
    if est is None:
        return None
    piped = type(est).__name__ == "Pipeline"
    if piped:
        split = ctx.split
        if split is None or len(split.rest.steps) != 1:
            return None
        est = split.rest.steps[0][1]
    else:
        names_in = getattr(est, "feature_names_in_", None)
        if names_in is not None and list(map(str, names_in)) != list(inst.feature_names):
            return None
    ens = tree_ensemble(est, model.output_kind, cache=cache)  # no model call: read before any
    if ens is None:
        return None
    seen = ctx.model_space(inst) if piped else inst
    if seen is None or ens.feature.max(initial=-1) >= seen.d:
        return None
    return ens, seen, piped


def checked_trees(ens: TreeEnsemble, seen, probed: np.ndarray) -> bool:
    """Whether ``ens``'s leaf values reproduce the model's own outputs (``probed``, from
    :func:`probe` over every background row) on x and the background (``seen``: as the
    trees see them), up to a constant."""
    try:
        X = np.vstack([np.asarray(seen.x, dtype=float)[None, :], seen.numeric_background()])
    except (TypeError, ValueError):
        return False  # a column that is not numbers
    if not np.isfinite(X).all() and ens.rules is None:
        return False  # missing values: the model routes them its own way
    want, ours = probed, ens.predict(X)  # the probe: x, then every background row
    if ours.shape != want.shape:
        return False
    gap = want - ours  # the model's constant (init, prior), the same for every row
    # the boosting libraries add their leaves in float32: rounding of about 1e-7 per tree
    tol = 1e-7 if ens.rules is None else 1e-7 * max(10, ens.n_trees)
    return bool(np.ptp(gap, axis=0).max(initial=0.0) <= tol * max(1.0, float(np.abs(want).max())))


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    output: Any = None,
    random_state: int | None = None,
    feature_names: Any = None,
    output_names: Any = None,
    model_output: str = "auto",
    background_size: int = BACKGROUND_ROWS,
    background_summary: str = "auto",
    device: Any = None,
    feature_groups: Any = None,
    **options: Any,
) -> Plan:
    """Plan a tabular explanation (see :func:`limelight.attribute` for the arguments).

    ``method``: a name from :data:`limelight.explainers.registry.METHODS` or an explainer
    object; ``options``: the method's (``max_evals`` / ``tol`` for kernel, ``n_samples`` /
    ``kernel_width`` for lime, ...). Besides: ``background_size`` (rows kept, default 100),
    ``background_summary`` (``"auto"``, ``"kmeans"``, ``"sample"``), ``feature_names``,
    ``output_names``, ``model_output`` (``"auto"``, ``"proba"``, ``"decision"``,
    ``"predict"``). torch modules and Keras models on float rows also take
    ``method="integrated_gradients"`` (from the background mean) and ``device=``.
    ``feature_groups``: ``{"name": [column, ...]}`` or a list of lists of column names or
    positions; each group is one player (:mod:`limelight.inputs.groups`); ``"tree"``
    then enumerates coalitions of the groups (up to 16 players).
    """
    options.pop("modality", None)
    check_random_state(random_state)
    cls = _method_class(method, options)
    adapter = _adapt(model, output_names, model_output, device)
    inst = read_instance(
        x,
        background,
        model=adapter,
        feature_names=feature_names,
        background_size=background_size,
        background_summary=background_summary,
    )
    cols = inst
    if feature_groups is not None:
        inst = group_instance(cols, feature_groups)
        cls, method = _grouped_method(cls, method, inst.d)
    ctx = TabularContext(adapter, inst)
    trees = None
    grouped = isinstance(inst, GroupedInstance)
    if not grouped and (cls is TreeShap or (cls is None and inst.d >= AUTO_TREE_MIN)):
        trees = readable_trees(ctx, inst)
    # a tree ensemble's check needs its outputs on x and the whole background: one call
    probed = probe(adapter, cols, slice(None) if trees is not None else slice(0, 1))
    ctx.calls, ctx.rows = adapter.calls, adapter.rows  # the explanation's cost starts here
    if trees is not None:
        ctx.probed = (probed[:1], probed[1:])
        ok = checked_trees(trees[0], trees[1], probed)
        if not ok:  # read again uncached: a stale cache is never used
            trees = readable_trees(ctx, inst, cache=False)
            ok = trees is not None and checked_trees(trees[0], trees[1], probed)
        if ok:
            ctx.trees = ReadableTrees(trees[0], through_split=trees[2])
    ctx.select(choose_outputs(adapter.output_names, output, scores=probed[0]))
    if isinstance(method, Explainer):
        explainer = configured("tabular", method, options)
    else:
        name = method if method != "auto" else _auto(ctx, inst)
        cls = lookup("tabular", name).impl
        if method == "auto":  # options any candidate takes: the chosen one's are used
            options = {k: v for k, v in options.items() if k in options_of(cls)}
        explainer = build("tabular", name, options, random_state=random_state, inputs=INPUT_OPTIONS)
    if isinstance(explainer, TreeShap) and ctx.trees is None:
        _no_trees(adapter, readable=trees is not None)
    explainer.check(ctx, inst)
    return Plan(model=ctx, instance=inst, explainer=explainer)


def _grouped_method(cls: type | None, method: Any, players: int) -> tuple[type | None, Any]:
    """The method for feature groups: tree paths read single columns, so ``"tree"`` becomes
    exact enumeration over the groups (up to 16 players); path-dependent trees and
    gradients have no groups."""
    if cls is TreeShap and not isinstance(method, Explainer):
        if players <= ExactShapley.MAX_FEATURES:
            return ExactShapley, "exact"
        raise MethodError(
            f"method='tree' reads single columns, and {players} players (feature groups "
            "and the other columns) are too many to enumerate over groups exactly",
            fix="use method='leverage' or 'kernel' (sampled over the groups), or 'auto'",
        )
    if cls in (TreeShap, LibraryTreeShap, TabularIntegratedGradients):
        raise MethodError(
            f"method={getattr(cls, 'name', cls.__name__)!r} does not take feature_groups",
            fix="use method='exact' (up to 16 players), 'leverage', 'kernel', 'msr' or "
            "'lime', or 'auto'",
        )
    return cls, method


def _adapt(model: Any, output_names: Any, model_output: str, device: Any) -> TabularModel:
    if device is None:
        return tabular_model(model, output_names=output_names, model_output=model_output)
    from ..models._detect import is_torch_module
    from ..models.torch_tabular import TorchTabularModel

    if not is_torch_module(model):
        raise InputError("device= only applies to torch modules", fix="drop device=")
    return TorchTabularModel(
        model, output_names=output_names, model_output=model_output, device=device
    )


def _method_class(method: Any, options: dict) -> type | None:
    """The class ``method`` names (None for "auto"), its options checked first; for an
    object, the registered class it is (or derives from: a user's subclass of TreeShap
    reads trees as TreeShap does)."""
    if isinstance(method, Explainer):
        configured("tabular", method, options)
        return entry_of("tabular", method).impl
    entry = None if method == "auto" else lookup("tabular", method)
    check_options("tabular", entry, options, INPUT_OPTIONS, warn=False)
    return None if entry is None else entry.impl


def _auto(ctx: TabularContext, inst: TabularInstance) -> str:
    """Exact Shapley values by tree paths for tree ensembles we read, else by coalitions up
    to 12 features; above, the sampled estimator :func:`auto_sampled` names."""
    if ctx.trees is not None:
        return "tree"
    if inst.d <= AUTO_EXACT_MAX:
        return "exact"
    return auto_sampled(inst.d)


def auto_sampled(d: int) -> str:
    """The sampled method "auto" uses above ``AUTO_EXACT_MAX`` features (bench/ runs it
    at any ``d``): regression-adjusted Monte Carlo on Leverage SHAP's coalitions, which
    keeps Leverage SHAP's values on the same coalitions where their standard error is the
    lower (``params["estimator"]`` says which, with both errors). Measured
    (bench/shapley_families.py, eight function families, d = 14-60, equal coalitions):
    0.09-0.54x shap Kernel's error (Leverage SHAP alone: 0.19-0.82x)."""
    return "msr"


def _no_trees(adapter: TabularModel, *, readable: bool) -> None:
    why = (
        (
            " whose leaf values do not add up to its outputs here (a link function, or "
            "missing values in x or the background)"
        )
        if readable
        else _unread(adapter)
    )
    raise MethodError(
        f"method='tree' reads tree ensembles (scikit-learn, XGBoost, LightGBM, CatBoost) "
        f"whose outputs are sums of leaf values; this model is {_model_name(adapter)}{why}",
        fix=_tree_fix(adapter),
    )


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
        return (
            f"{coalitions}; its log-odds are sums of leaves: model_output='margin' (the "
            "default), or model_output='proba' with method='exact' for probabilities"
        )
    boosting = "Boost" in type(est).__name__ and hasattr(est, "decision_function")
    if model.output_kind == "proba" and boosting:
        return f"{coalitions}; a boosting classifier's log-odds are: model_output='decision'"
    return coalitions
