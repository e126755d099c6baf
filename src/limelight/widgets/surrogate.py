"""`SurrogateWidget`: the surrogate tree as a diagram (depth slider, clickable leaves, the
selected row's path highlighted) and its rules as text.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.random.default_rng(0).uniform(size=(200, 2))
    >>> w = SurrogateWidget(DecisionTreeRegressor(max_depth=1).fit(X, X[:, 0] > .5), X,
    ...                     max_depth=1).run_now()
    >>> w.fidelity, w.rules[0].startswith("if x0 ≤ 0.5")
    (1.0, True)
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import traitlets

from .._format import format_value
from ..inspection.data import read_data
from ..inspection.surrogate import Surrogate, check_options, fit_surrogate, refuse_groups
from .views import ViewWidget

MAX_DEPTH = 8
LEAF_ROWS_SHOWN = 50


class SurrogateWidget(ViewWidget):
    """A shallow tree that mimics the model; ``.fidelity``, ``.rules``, ``.tree_``;
    ``.selected = i`` highlights row ``i``'s path; ``.refit(depth)``."""

    view_name = "surrogate"
    title = "limelight: surrogate rules"
    uses_charts = False
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, model: Any, X: Any, *, max_depth: int = 3, **options: Any) -> None:
        super().__init__()
        # validated in the caller's cell
        self._data = read_data(model, X, output_names=options.pop("output_names", None))
        check_options(self._data, max_depth=max_depth, **options)
        self._options = options
        self._depth = int(max_depth)
        self._target: np.ndarray | None = None
        self.result: Surrogate | None = None
        self._leaf: int | None = None
        self.observe(lambda _c: self._publish(), names="selected")

    # -- Python API -----------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> Surrogate:
        """Block until the tree is fitted; returns the :class:`~limelight.surrogate.Surrogate`."""
        self._wait(timeout)
        return self.result

    @property
    def fidelity(self) -> float:
        """Agreement with the model on held-out rows (accuracy, or R² for regressors)."""
        return self.wait().fidelity

    @property
    def rules(self) -> list[str]:
        return self.wait().rules

    @property
    def tree_(self) -> Any:
        return self.wait().tree_

    def refit(self, max_depth: int) -> Surrogate:
        """Fit again at another depth (the model's predictions are reused)."""
        check_options(self._data, max_depth=max_depth, **self._options)
        self._depth = int(max_depth)
        self._fit()
        return self.result

    def leaf_rows(self, node: int):
        """The rows of X that fall in leaf ``node`` (as given: DataFrame rows or an array)."""
        return self._data.rows(self.wait().leaf_rows(int(node)))

    # -- computing ------------------------------------------------------------------------
    def _compute(self, push) -> None:
        self._fit()

    def _fit(self) -> None:
        self._progress = {"status": "running", "message": f"fitting depth {self._depth}"}
        s = fit_surrogate(
            None, None, max_depth=self._depth, data=self._data, target=self._target, **self._options
        )
        self._target = s.target  # the model's predictions: a refit makes no model call
        self.result = s
        self._leaf = None
        self._publish()
        self._progress = {"status": "done"}

    def _publish(self) -> None:
        s = self.result
        if s is None:
            return
        path = (
            s.path(self.selected)
            if self.selected is not None and 0 <= self.selected < self._data.n
            else []
        )
        meta = {
            "nodes": s.nodes,
            "rules": s.rules,
            "fidelity": s.fidelity,
            "fidelity_kind": s.fidelity_kind,
            "depth": self._depth,
            "max_depth": MAX_DEPTH,
            "n_rows": self._data.n,
            "n_test": len(s.test_index),
            "output": s.output_name,
            "path": path,
            "selected": self.selected,
            "leaf": self._leaf_table(),
        }
        self._push(meta, {"leaf_of_row": s.leaf_of_row.astype(np.int32)})

    def _leaf_table(self) -> dict | None:
        if self._leaf is None or self.result is None:
            return None
        rows = self.result.leaf_rows(self._leaf)
        shown = rows[:LEAF_ROWS_SHOWN]
        cols = [self._data.column(j)[shown] for j in range(len(self._data.names))]
        return {
            "node": self._leaf,
            "count": len(rows),
            "columns": self._data.names,
            "index": shown.tolist(),
            "rows": [[format_value(c[i]) for c in cols] for i in range(len(shown))],
        }

    def _on_view_message(self, content: dict) -> None:
        kind = content.get("type")
        if kind == "depth":
            depth = int(content.get("depth", self._depth))
            if 1 <= depth <= MAX_DEPTH:
                self._depth = depth
                self._fit()
        elif kind == "leaf":
            self._leaf = int(content["node"])
            self._publish()
        elif kind == "select":
            value = content.get("row")
            self.selected = None if value is None else int(value)

    # -- export ---------------------------------------------------------------------------
    def _json(self) -> dict:
        s = self.wait()
        return {
            "view": "surrogate",
            "fidelity": s.fidelity,
            "fidelity_kind": s.fidelity_kind,
            "max_depth": self._depth,
            "rules": s.rules,
            "nodes": s.nodes,
        }

    def _svg(self) -> str:
        s = self.wait()
        return tree_svg(
            s.nodes,
            set(s.path(self.selected)) if self.selected is not None else set(),
            title=f"surrogate tree, depth {self._depth}: fidelity "
            f"{s.fidelity:.3f} ({s.fidelity_kind})",
        )


def tree_svg(nodes: list[dict], path: set[int], *, title: str = "", width: int = 900) -> str:
    """The diagram as the view draws it: boxes at ``(x, depth)``, tests on inner nodes,
    predictions on leaves, the selected path in bold."""
    depth = max(n["depth"] for n in nodes)
    row, box_w, box_h = 90, min(150, width / max(1, sum(n["leaf"] for n in nodes)) - 6), 44
    height = (depth + 1) * row + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="8" y="16" font-size="13">{html.escape(title)}</text>',
    ]
    at = {n["id"]: (n["x"] * width, 40 + n["depth"] * row) for n in nodes}
    for n in nodes:
        for c in (n["left"], n["right"]):
            if c is not None:
                (x1, y1), (x2, y2) = at[n["id"]], at[c]
                hot = n["id"] in path and c in path
                out.append(
                    f'<line x1="{x1:.1f}" y1="{y1 + box_h:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="{"#d84315" if hot else "#999"}" '
                    f'stroke-width="{3 if hot else 1}"/>'
                )
    for n in nodes:
        x, y = at[n["id"]]
        hot = n["id"] in path
        fill = "#e3f2fd" if n["leaf"] else "#f5f5f5"
        label = n["value"] if n["leaf"] else n.get("test", "")
        out.append(
            f'<rect x="{x - box_w / 2:.1f}" y="{y:.1f}" width="{box_w:.1f}" '
            f'height="{box_h}" rx="4" fill="{fill}" stroke="{"#d84315" if hot else "#777"}" '
            f'stroke-width="{3 if hot else 1}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{y + 18:.1f}" text-anchor="middle">'
            f"{html.escape(str(label))}</text>"
        )
        out.append(
            f'<text x="{x:.1f}" y="{y + 34:.1f}" text-anchor="middle" fill="#555">'
            f"{n['n']} rows</text>"
        )
    out.append("</svg>")
    return "".join(out)


def surrogate(
    model: Any,
    X: Any,
    *,
    max_depth: int = 3,
    test_size: float = 0.25,
    output: int | str | None = None,
    random_state: int | None = 0,
    feature_groups: Any = None,
    output_names: Any = None,
) -> SurrogateWidget:
    """Distil ``model`` into a decision tree of ``max_depth`` fitted to its predictions on
    ``X``; returns a widget at once (the tree fits in the background; the blocking twin,
    :func:`limelight.surrogate_tree`, returns the same ``Surrogate`` as ``.wait()``).

    A classifier's tree mimics the class the model predicts (a single log-odds or decision
    column is read as two classes, cut at 0; a probability column at 0.5); ``output=``
    (a name or index) makes it a regression tree of that output's score instead. A model
    with several outputs that is not a classifier (a callable) must say which. Fidelity:
    accuracy (or R²) against the model on the held-out ``test_size`` of rows.

        >>> s = ll.surrogate(model, X_test, max_depth=3)        # doctest: +SKIP
        >>> s.fidelity, s.rules, s.tree_                        # doctest: +SKIP

    ``feature_groups`` is refused: a tree's split tests one column, so a group of
    columns cannot be one split; its rules name the group's own columns instead.
    """
    refuse_groups(feature_groups)
    w = SurrogateWidget(
        model,
        X,
        max_depth=max_depth,
        test_size=test_size,
        output=output,
        random_state=random_state,
        output_names=output_names,
    )
    return w.start()
