"""scikit-learn estimators as structure nodes: pipeline steps, ColumnTransformer branches
with the columns routed to each, FeatureUnion parts, and the fitted estimator's facts."""

from __future__ import annotations

from typing import Any

import numpy as np


def _column_names(ct: Any, columns: Any) -> list[str]:
    """The input columns a ColumnTransformer branch takes, by name where it knows them."""
    names = getattr(ct, "feature_names_in_", None)
    if callable(columns):
        return [f"<selector {getattr(columns, '__name__', type(columns).__name__)}>"]
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, slice):
        if names is None:
            return [f"[{columns.start}:{columns.stop}]"]
        return [str(c) for c in list(names)[columns]]
    cols = list(np.atleast_1d(np.asarray(columns, dtype=object))) if columns is not None else []
    if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
        cols = [i for i, keep in enumerate(cols) if keep]
    out = []
    for c in cols:
        if isinstance(c, (int, np.integer)) and names is not None:
            out.append(str(names[int(c)]))
        else:
            out.append(str(c))
    return out


def _tree_depths(est: Any) -> tuple[list[int], int]:
    trees = getattr(est, "estimators_", None)
    if trees is None and hasattr(est, "tree_"):
        trees = [est]
    flat = []
    for t in np.ravel(np.asarray(trees, dtype=object)) if trees is not None else []:
        if hasattr(t, "tree_"):
            flat.append(t)
    return [int(t.tree_.max_depth) for t in flat], sum(int(t.tree_.node_count) for t in flat)


def facts(est: Any) -> tuple[dict, int | None]:
    """Key fitted facts and a parameter count: coefficients (with intercepts) for linear
    models, tree nodes for tree models; ``None`` when neither applies or it is not fitted."""
    out: dict[str, Any] = {}
    params = None
    n_in = getattr(est, "n_features_in_", None)
    if n_in is not None:
        out["n_features_in"] = int(n_in)
    classes = getattr(est, "classes_", None)
    if classes is not None and np.ndim(classes) == 1:
        out["n_classes"] = len(classes)
    coef = getattr(est, "coef_", None)
    if coef is not None and hasattr(coef, "size"):
        out["n_coefficients"] = int(np.size(coef))
        params = int(np.size(coef)) + int(np.size(getattr(est, "intercept_", 0)))
    if hasattr(est, "tree_") or (hasattr(est, "estimators_") and hasattr(est, "n_estimators")):
        depths, nodes = _tree_depths(est)
        if depths:
            if hasattr(est, "estimators_"):
                out["n_trees"] = len(depths)
            out["max_depth"] = max(depths)
            out["n_nodes"] = nodes
            params = nodes
    n_iter = getattr(est, "n_iter_", None)
    if hasattr(est, "_predictors") and n_iter is not None:  # histogram gradient boosting
        preds = est._predictors
        out["n_trees"] = sum(len(p) for p in preds)
        out["max_depth"] = int(
            max((int(pr.nodes["depth"].max()) for p in preds for pr in p), default=0)
        )
        params = sum(len(pr.nodes) for p in preds for pr in p)
    elif out.get("n_trees") is None and hasattr(est, "n_estimators"):  # xgboost, lightgbm...
        out["n_estimators"] = est.n_estimators
        if isinstance(getattr(est, "max_depth", None), int) and est.max_depth >= 0:
            out["max_depth"] = est.max_depth
    if hasattr(est, "get_feature_names_out"):
        try:
            out["n_features_out"] = len(est.get_feature_names_out())
        except Exception:  # noqa: BLE001 - unfitted or not supported: leave it out
            pass
    return out, params


def _children(est: Any) -> list[tuple[str, Any, list[str] | None]]:
    """``(name, estimator, columns)`` of what ``est`` is made of."""
    if hasattr(est, "steps"):  # Pipeline
        return [(n, s, None) for n, s in est.steps]
    if hasattr(est, "transformer_list"):  # FeatureUnion
        return [(n, s, None) for n, s in est.transformer_list]
    if hasattr(est, "transformers"):  # ColumnTransformer: fitted branches first
        branches = getattr(est, "transformers_", None) or est.transformers
        return [(n, t, _column_names(est, c)) for n, t, c in branches]
    return []


def _facts_of(est: Any) -> tuple[dict, int | None]:
    try:
        return facts(est)
    except RecursionError:  # a pipeline nested past Python's limit asks its first step's
        return {}, None  # n_features_in_ etc. recursively: its steps carry their own facts


def _chain_facts(row: dict, steps: list[dict]) -> None:
    """A Pipeline's width in and out and its classes: its first and last real steps'
    (sklearn asks them recursively, which costs depth² for deep nesting)."""
    real = [r for r in steps if r["type"] not in ("passthrough", "drop")] or steps
    first, last = real[0]["facts"], real[-1]["facts"]
    if "n_features_in" in first:
        row["facts"]["n_features_in"] = first["n_features_in"]
    for key in ("n_classes", "n_features_out"):
        if key in last:
            row["facts"][key] = last[key]
    width = row["facts"].get("n_features_out")
    row["output_shape"] = None if width is None else [None, width]


def nodes(model: Any) -> list[dict]:
    """Every step, depth-first (parents first), walked with an explicit stack so any depth
    of nesting works; ``params`` sums the node's own and everything below it."""
    out: list[dict] = []
    stack: list[tuple[Any, str, str, str | None, int, Any]] = [
        (model, "", type(model).__name__, None, 0, None)
    ]
    while stack:
        est, node_id, name, parent, depth, cols = stack.pop()
        kind = est if isinstance(est, str) else type(est).__name__
        chain = hasattr(est, "steps")  # a Pipeline: its facts come from its steps below
        info, params = ({}, None) if isinstance(est, str) or chain else _facts_of(est)
        width = info.get("n_features_out")
        out.append(
            {
                "id": node_id,
                "name": name,
                "type": kind,
                "parent": parent,
                "depth": depth,
                "own_params": params,
                "params": params,
                "columns": cols,
                "facts": info,
                "output_shape": None if width is None else [None, width],
                "_chain": chain,
            }
        )
        if isinstance(est, str):
            continue
        for child_name, child, child_cols in reversed(_children(est)):
            child_id = f"{node_id}/{child_name}" if node_id else child_name
            stack.append((child, child_id, child_name, node_id, depth + 1, child_cols))
    below: dict[str, int | None] = {}  # the own parameters of everything under a node
    kids: dict[str, list[dict]] = {}
    for r in reversed(out):  # children before their parents
        if r.pop("_chain") and kids.get(r["id"]):
            _chain_facts(r, kids[r["id"]][::-1])  # kids were met last first
        if r["parent"] is not None:
            kids.setdefault(r["parent"], []).append(r)
        mine = below.get(r["id"])
        if mine is not None:
            r["params"] = (r["own_params"] or 0) + mine
        if r["parent"] is not None:
            add = [v for v in (r["own_params"], mine) if v is not None]
            if add:
                below[r["parent"]] = (below.get(r["parent"]) or 0) + sum(add)
    out[0]["id"] = out[0]["id"] or "(model)"
    for r in out[1:]:
        if r["parent"] == "":
            r["parent"] = out[0]["id"]
    return out
