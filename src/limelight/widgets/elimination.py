"""`EliminationWidget`: the score against the number of features kept, the recommended
set marked (:mod:`limelight.inspection.elimination`).

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.random.default_rng(0).normal(size=(100, 3)); y = X[:, 1]
    >>> w = EliminationWidget(LinearRegression().fit(X, y), X, y).run_now()
    >>> w.recommended
    ['x1']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..inspection.data import read_data
from ..inspection.elimination import Elimination, check_options, eliminate, players
from .views import ViewWidget, svg_of_chart


class EliminationWidget(ViewWidget):
    """``.result`` (an :class:`~limelight.inspection.elimination.Elimination`), ``.recommended``,
    ``.ranking``, ``.to_frame()``."""

    view_name = "elimination"
    title = "limelight: feature elimination"

    def __init__(self, model: Any, X: Any, y: Any, **options: Any) -> None:
        super().__init__()
        self._data = read_data(model, X)
        self._y = check_options(self._data, y, **options)  # bad input fails in the cell
        self._options = options
        self.result: Elimination | None = None
        from ..encoders.view_charts import elimination_chart

        self._specs = {"elimination": elimination_chart("score").to_dict()}

    def wait(self, timeout: float | None = None) -> Elimination:
        self._wait(timeout)
        return self.result

    @property
    def recommended(self) -> list[str]:
        """The features worth keeping."""
        return self.wait().recommended

    @property
    def ranking(self) -> dict[str, int]:
        """1 for the kept features; higher = eliminated earlier."""
        return self.wait().ranking

    def to_frame(self):
        return self.wait().to_frame()

    def _compute(self, push) -> None:
        self.result = r = eliminate(None, None, self._y, data=self._data, **self._options)
        from ..encoders.view_charts import elimination_chart

        self._specs = {"elimination": elimination_chart(r.scoring).to_dict()}
        push(
            self._meta_of(r),
            {"n": r.n_features.astype(float), "score": r.score, "std": r.score_std},
        )

    def _meta_of(self, r: Elimination) -> dict:
        return {
            "method": r.method,
            "scoring": r.scoring,
            "recommended": r.recommended,
            "n_recommended": len(r.recommended),
            "ranking": r.ranking,
            "features": [n for n, _ in players(self._data, self._options.get("feature_groups"))],
        }

    def _rows(self) -> tuple[list[dict], list[dict]]:
        r = self.wait()
        rows = [
            {"n": int(n), "score": float(s), "lo": float(s - e), "hi": float(s + e)}
            for n, s, e in zip(r.n_features, r.score, r.score_std)
        ]
        pick = [{"n": len(r.recommended), "label": f"keep {len(r.recommended)}"}]
        return rows, pick

    def _json(self) -> dict:
        r = self.wait()
        return {
            "view": "elimination",
            "method": r.method,
            "scoring": r.scoring,
            "n_features": r.n_features.tolist(),
            "score": r.score.tolist(),
            "score_std": np.asarray(r.score_std).tolist(),
            "ranking": r.ranking,
            "recommended": r.recommended,
        }

    def _svg(self) -> str:
        from ..encoders.view_charts import elimination_chart

        rows, pick = self._rows()
        return svg_of_chart(elimination_chart(self.wait().scoring, rows, pick))


def feature_elimination(
    model: Any,
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    scoring: Any = None,
    step: int = 1,
    min_features: int = 1,
    tolerance: float = 0.01,
    random_state: int | None = 0,
    feature_groups: Any = None,
) -> EliminationWidget:
    """Rank features by recursive elimination (RFECV for estimators with importances,
    permutation importance otherwise) and chart the score against features kept; returns
    a widget at once (the blocking twin, :func:`limelight.eliminate_features`, returns the
    same ``Elimination`` as ``.wait()``).
    ``cv`` and ``step`` are RFECV's (a callable's columns are shuffled one at a time, no
    refit); ``tolerance``: how far below the best score the recommended set may be.
    ``feature_groups`` (``{"colour": ["colour_red", "colour_blue"]}`` or a list of lists,
    as for :func:`limelight.attribute`): each group is ranked and removed as one unit.

        >>> w = ll.feature_elimination(model, X_train, y_train)   # doctest: +SKIP
        >>> w.recommended, w.to_frame()                           # doctest: +SKIP
    """
    w = EliminationWidget(
        model,
        X,
        y,
        cv=cv,
        scoring=scoring,
        step=step,
        min_features=min_features,
        tolerance=tolerance,
        random_state=random_state,
        feature_groups=feature_groups,
    )
    return w.start()
