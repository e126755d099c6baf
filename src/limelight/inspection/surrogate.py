"""Surrogate rules: a shallow decision tree fitted to the model's own predictions.

Fidelity is measured on held-out rows against the model (not the labels): accuracy of the
tree's class against the model's predicted class for classifiers, R² against the model's
output for regressors. Categorical columns are split as ``column = category``; the rules
name the original columns. ``ll.surrogate_tree`` returns the :class:`Surrogate` (as
``ll.surrogate(...).wait()``); ``to_frame()`` lists its leaves, ``save`` writes ``.json``.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = np.random.default_rng(0).uniform(size=(400, 3))
    >>> model = DecisionTreeClassifier(max_depth=2).fit(X, (X[:, 0] > .5) & (X[:, 1] > .3))
    >>> s = fit_surrogate(model, X, max_depth=2)
    >>> s.fidelity
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from .._format import format_value
from ..errors import InputError, MethodError
from ..plans.outputs import one_output, predicted_classes
from . import results as _results
from .data import GlobalData, read_data


@dataclass
class Surrogate:
    """The fitted tree (``tree_``, a scikit-learn estimator), its ``fidelity`` on the
    held-out rows (``test_index``), ``rules`` as text, and the diagram's ``nodes``;
    ``to_frame()`` the leaves as a table. ``.save("s.json")`` keeps the numbers and rules
    (``ll.load`` reads them back, without ``tree_`` and the data)."""

    tree_: Any
    fidelity: float
    fidelity_kind: str
    rules: list[str]
    nodes: list[dict]
    test_index: np.ndarray
    leaf_of_row: np.ndarray
    target: np.ndarray
    data: GlobalData
    origin: list[tuple[int, Any]]
    encoded: np.ndarray
    output_name: str

    def path(self, row: int) -> list[int]:
        """Node ids from the root to row ``row``'s leaf."""
        if self.tree_ is None:
            raise InputError(
                "a loaded surrogate keeps its rules and numbers, not the tree or the data",
                fix="fit it again with ll.surrogate_tree(model, X) to follow a row",
            )
        if (
            isinstance(row, bool)
            or not isinstance(row, Integral)
            or not 0 <= row < len(self.encoded)
        ):
            raise InputError(f"row={row!r}", fix=f"give a row of X, 0..{len(self.encoded) - 1}")
        return self.tree_.decision_path(self.encoded[row : row + 1]).indices.tolist()

    def leaf_rows(self, node: int) -> np.ndarray:
        """The positions of the rows of X in leaf ``node``."""
        return np.flatnonzero(self.leaf_of_row == node)

    def to_frame(self):
        """One row per leaf: its ``rule`` (the tests on its path), the tree's
        ``prediction`` there, ``n_rows`` of X in it and, for a classifier's tree, the
        share of them whose model class is that prediction (``agree``)."""
        import pandas as pd

        rows = []
        for leaf, conds in _leaf_conditions(self.nodes):
            row = {
                "leaf": leaf["id"],
                "rule": " and ".join(conds) or "always",
                "prediction": leaf["value"],
                "n_rows": leaf["n"],
            }
            if self.fidelity_kind == "accuracy":
                row["agree"] = leaf.get("agree", float("nan"))
            rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        depth = max((n["depth"] for n in self.nodes), default=0)
        leaves = sum(n["leaf"] for n in self.nodes)
        return (
            f"Surrogate(depth {depth}, {leaves} leaves, fidelity {self.fidelity:.3f} "
            f"({self.fidelity_kind}) on {len(self.test_index)} held-out rows, "
            f"mimics {self.output_name!r})"
        )

    def __eq__(self, other: object) -> bool:
        return _results.same(self, other)

    def save(self, path: Any, *, overwrite: bool = True, include_data: bool = True):
        """Write ``.json`` (``ll.load`` reads it back). It holds no rows of X, only the
        tree's tests, the model's predictions and each row's leaf, so ``include_data``
        leaves nothing out."""
        return _results.save_json(self, path, overwrite=overwrite)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the header, fidelity, rules, nodes and each row's leaf and target."""
        return {
            **_results.header("surrogate"),
            "output_name": self.output_name,
            "fidelity": self.fidelity,
            "fidelity_kind": self.fidelity_kind,
            "rules": list(self.rules),
            "nodes": self.nodes,
            "test_index": np.asarray(self.test_index).tolist(),
            "leaf_of_row": np.asarray(self.leaf_of_row).tolist(),
            "target": np.asarray(self.target).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Surrogate:
        """Inverse of :meth:`to_dict`: no ``tree_``, data or encoded rows."""
        return cls(
            tree_=None,
            fidelity=float(d["fidelity"]),
            fidelity_kind=str(d["fidelity_kind"]),
            rules=[str(r) for r in d["rules"]],
            nodes=[dict(n) for n in d["nodes"]],
            test_index=np.asarray(d["test_index"], dtype=np.int64),
            leaf_of_row=np.asarray(d["leaf_of_row"], dtype=np.int64),
            target=np.asarray(d["target"]),
            data=None,
            origin=[],
            encoded=None,
            output_name=str(d["output_name"]),
        )


def check_options(
    data: GlobalData,
    *,
    max_depth: Any = 3,
    test_size: Any = 0.25,
    output: Any = None,
    random_state: Any = 0,
) -> int | None:
    """Every option checked against ``data`` (at the call, before any thread); returns the
    output the tree mimics, or None for a classifier's predicted class."""
    if isinstance(max_depth, bool) or not isinstance(max_depth, Integral) or max_depth < 1:
        raise InputError(f"max_depth={max_depth!r}", fix="use a whole number >= 1, e.g. 3")
    if isinstance(test_size, bool) or not isinstance(test_size, Real) or not 0 < test_size < 1:
        raise InputError(f"test_size={test_size!r}", fix="use a fraction between 0 and 1")
    if _n_test(data.n, test_size) >= data.n:
        raise InputError(
            f"test_size={test_size} holds out all {data.n} rows, leaving none to fit the tree",
            fix="pass more rows or a smaller test_size",
        )
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, Integral)
    ):
        raise InputError(f"random_state={random_state!r}", fix="use an integer seed or None")
    if data.model.kind == "classifier" and output is None:
        return None
    return one_output(data.model, output, what="the surrogate tree")


def _n_test(n: int, test_size: float) -> int:
    return max(1, int(round(test_size * n)))


def refuse_groups(feature_groups: Any) -> None:
    """A surrogate tree cannot take ``feature_groups``: the MethodError that says why."""
    if feature_groups is not None:
        raise MethodError(
            "a surrogate tree splits on single columns, so it cannot take feature_groups "
            "(a split tests one column, and a group is several)",
            fix="drop feature_groups= (the rules then name the group's columns, e.g. "
            "'colour_red <= 0.5'), or pass X with the group as one column (a category "
            "column the model takes) so that a split tests the group",
        )


def fit_surrogate(
    model: Any,
    X: Any,
    *,
    max_depth: int = 3,
    test_size: float = 0.25,
    output: int | str | None = None,
    random_state: int | None = 0,
    data: GlobalData | None = None,
    target: np.ndarray | None = None,
) -> Surrogate:
    """Fit the tree (no widget); see :func:`limelight.surrogate`. A classifier's tree
    mimics its predicted class (through :func:`~limelight.plans.outputs.predicted_classes`:
    a single log-odds column is cut at 0), unless ``output`` names one of its outputs,
    whose score a regression tree then mimics."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    data = data or read_data(model, X)
    k = check_options(
        data, max_depth=max_depth, test_size=test_size, output=output, random_state=random_state
    )
    classify = k is None
    scale = data.model.output_scale
    out_name = "class" if classify else data.model.output_names[k]
    if not classify and scale:  # the score the tree mimics, on its scale: "1 (log-odds)"
        out_name = f"{out_name} ({scale})"
    if target is None:
        out = data.predict()
        target = predicted_classes(out, data.model) if classify else out[:, k]
    enc, origin = data.encoded()
    rng = np.random.default_rng(random_state)
    test = np.zeros(data.n, bool)
    test[rng.permutation(data.n)[: _n_test(data.n, test_size)]] = True
    cls = DecisionTreeClassifier if classify else DecisionTreeRegressor
    tree = cls(max_depth=int(max_depth), random_state=random_state).fit(enc[~test], target[~test])
    guess = tree.predict(enc[test])
    if classify:
        fidelity, kind = float(np.mean(guess == target[test])), "accuracy"
    else:
        fidelity, kind = r2_fidelity(target[test], guess), "R²"
    leaves = tree.apply(enc)
    nodes = _nodes(tree, origin, data, enc, target, classify)
    return Surrogate(
        tree_=tree,
        fidelity=round(fidelity, 12),
        fidelity_kind=kind,
        rules=_rules(nodes),
        nodes=nodes,
        test_index=np.flatnonzero(test),
        leaf_of_row=leaves,
        target=target,
        data=data,
        origin=origin,
        encoded=enc,
        output_name=out_name,
    )


def r2_fidelity(want: np.ndarray, got: np.ndarray) -> float:
    """R² of ``got`` against ``want``; where ``want`` is constant (to rounding) R² is
    undefined: 1.0 when ``got`` equals it to the same rounding, else 0.0.

        >>> r2_fidelity(np.full(4, 0.1 + 0.2), np.full(4, 0.3))
        1.0
    """
    want, got = np.asarray(want, float), np.asarray(got, float)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    resid = float(np.sum((want - got) ** 2))
    total = float(np.sum((want - want.mean()) ** 2))
    tiny = (1e-9 * scale) ** 2 * len(want)  # float rounding, not variation
    if total <= tiny:
        return float(resid <= tiny)
    return 1.0 - resid / total


def _condition(
    origin: tuple[int, Any], threshold: float, data: GlobalData, left: bool, missing_left: Any
) -> str:
    """The test on one side of a split; ``missing_left``: where rows with a missing value
    go (True/False), None when the column has none."""
    j, cat = origin
    name = data.names[j]
    if cat is not None:  # a 0/1 column: left is "not this category"
        return f"{name} ≠ {format_value(cat)}" if left else f"{name} = {format_value(cat)}"
    if not np.isfinite(threshold):  # scikit-learn's split of missing from present values
        return f"{name} is present" if left else f"{name} is missing"
    text = f"{name} ≤ {threshold:.4g}" if left else f"{name} > {threshold:.4g}"
    return text + (" or missing" if missing_left is left else "")


def _nodes(
    tree: Any, origin, data: GlobalData, enc: np.ndarray, target: np.ndarray, classify: bool
) -> list[dict]:
    """Every node with its test, its rows (all of X), its prediction and its place
    (``x`` in 0..1 from the leaves' order, ``depth``)."""
    t = tree.tree_
    has_nan = np.isnan(enc).any(axis=0)
    nodes: list[dict] = [{} for _ in range(t.node_count)]
    slot: dict[int, float] = {}
    leaf_count = [0]

    def walk(i: int, d: int, cond: str | None) -> None:
        left, right = int(t.children_left[i]), int(t.children_right[i])
        leaf = left == -1
        node = {
            "id": i,
            "depth": d,
            "leaf": leaf,
            "condition": cond,
            "left": None if leaf else left,
            "right": None if leaf else right,
        }
        if leaf:
            slot[i] = float(leaf_count[0])
            leaf_count[0] += 1
        else:
            f, thr = int(t.feature[i]), float(t.threshold[i])
            miss = bool(t.missing_go_to_left[i]) if has_nan[f] else None
            walk(left, d + 1, _condition(origin[f], thr, data, True, miss))
            walk(right, d + 1, _condition(origin[f], thr, data, False, miss))
            slot[i] = (slot[left] + slot[right]) / 2
            node["test"] = _condition(origin[f], thr, data, True, miss)
        nodes[i] = node

    walk(0, 0, None)
    counts = np.asarray(tree.decision_path(enc).sum(axis=0)).ravel()
    leaves = tree.apply(enc)
    for node in nodes:
        i = node["id"]
        node["x"] = (slot[i] + 0.5) / max(1, leaf_count[0])
        node["n"] = int(counts[i])
        node["value"] = _shown_value(tree, t, i, classify)
        rows = leaves == i
        if node["leaf"] and classify and rows.any():
            label = tree.classes_[int(np.argmax(t.value[i][0]))]
            node["agree"] = round(float(np.mean(target[rows] == label)), 4)
    return nodes


def _shown_value(tree: Any, t: Any, i: int, classify: bool) -> str:
    v = t.value[i]
    if classify:
        p = v[0] / v[0].sum()
        return f"{format_value(tree.classes_[int(np.argmax(p))])} ({np.max(p):.0%})"
    return f"{float(v[0][0]):.4g}"


def _rules(nodes: list[dict]) -> list[str]:
    """One line per leaf: the conditions on its path and what the tree predicts there."""
    out = []
    for n, conds in _leaf_conditions(nodes):
        head = " and ".join(conds) or "always"
        out.append(f"if {head} then {n['value']} ({n['n']} rows)")
    return out


def _leaf_conditions(nodes: list[dict]) -> list[tuple[dict, list[str]]]:
    """Each leaf with the conditions on its path, from the root down."""
    by_id = {n["id"]: n for n in nodes}
    parent = {}
    for n in nodes:
        for c in (n["left"], n["right"]):
            if c is not None:
                parent[c] = n["id"]
    out = []
    for n in nodes:
        if not n["leaf"]:
            continue
        conds, at = [], n["id"]
        while at in parent:
            conds.append(by_id[at]["condition"])
            at = parent[at]
        out.append((n, conds[::-1]))
    return out
