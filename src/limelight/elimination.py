"""Feature elimination: how the score falls as features are dropped, and the smallest set
worth keeping.

- Estimators with ``coef_`` or ``feature_importances_`` (numeric columns): scikit-learn's
  :class:`~sklearn.feature_selection.RFECV` refits a clone on fewer and fewer features
  (cross-validated); the recommended set is RFECV's.
- Anything else (a callable, a pipeline, a model without importances): features are
  ranked by permutation importance and removed from the least important, a removed
  column being shuffled (no refit); the recommended set is the smallest whose score is
  within ``tolerance`` (1%) of the best.

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 5))
    >>> r = eliminate(LinearRegression().fit(X, X[:, 0] * 3 + X[:, 2]), X, X[:, 0] * 3 + X[:, 2])
    >>> r.method, r.recommended
    ('rfecv', ['x0', 'x2'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._global_data import GlobalData, read_data
from .errors import InputError


@dataclass
class Elimination:
    """``n_features`` kept at each step, the ``score`` (and ``score_std``) there,
    ``ranking`` (1 = kept longest), the ``recommended`` feature names, ``method``."""

    n_features: np.ndarray
    score: np.ndarray
    score_std: np.ndarray
    ranking: dict[str, int]
    recommended: list[str]
    method: str
    scoring: str

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {"n_features": self.n_features, "score": self.score, "score_std": self.score_std}
        )


def _has_importances(est: Any) -> bool:
    return hasattr(est, "coef_") or hasattr(est, "feature_importances_")


def eliminate(
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
    data: GlobalData | None = None,
) -> Elimination:
    """Run the elimination (no widget); see :func:`limelight.feature_elimination`."""
    data = data or read_data(model, X)
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if len(y) != data.n:
        raise InputError(
            f"X has {data.n} rows but y has {len(y)}", fix="pass labels for every row of X"
        )
    est = data.model.estimator
    if (
        est is not None
        and _has_importances(est)
        and type(est).__name__ != "Pipeline"
        and not any(data.categorical)
    ):
        return _rfecv(est, data, y, cv=cv, scoring=scoring, step=step, min_features=min_features)
    return _by_permutation(data, y, scoring=scoring, tolerance=tolerance, random_state=random_state)


def _rfecv(est, data: GlobalData, y, *, cv, scoring, step, min_features) -> Elimination:
    from sklearn.base import clone
    from sklearn.feature_selection import RFECV

    r = RFECV(
        clone(est), step=step, cv=cv, scoring=scoring, min_features_to_select=min_features
    ).fit(data.X, y)
    res = r.cv_results_
    names = data.names
    return Elimination(
        n_features=np.asarray(res["n_features"]),
        score=np.asarray(res["mean_test_score"]),
        score_std=np.asarray(res["std_test_score"]),
        ranking={n: int(k) for n, k in zip(names, r.ranking_)},
        recommended=[n for n, keep in zip(names, r.support_) if keep],
        method="rfecv",
        scoring=str(scoring or ("accuracy" if data.model.kind == "classifier" else "r2")),
    )


def _by_permutation(data: GlobalData, y, *, scoring, tolerance, random_state) -> Elimination:
    from .explainers.permutation import scorer
    from .plans.importance import plan_importance

    imp = plan_importance(
        data.model, data.X, y, n_repeats=3, scoring=scoring, random_state=random_state
    ).run()
    name, score_fn = scorer(scoring, data.model)
    order = np.argsort(imp.values[0], kind="stable")  # least important first
    d = len(data.names)
    rng = np.random.default_rng(random_state)
    shuffled = [rng.permutation(data.n) for _ in range(d)]
    batches = []
    for removed in range(d):  # keep d - removed features
        batches.append(_shuffled(data, order[:removed], shuffled))
    outs = data.predict(_concat(batches)).reshape(d, data.n, -1)
    scores = np.array([score_fn(y, o) for o in outs])
    kept = d - np.arange(d)
    best = scores.max()
    ok = np.flatnonzero(scores >= best - tolerance * max(abs(best), 1e-12))
    pick = int(kept[ok].min())
    rank = {data.names[j]: int(max(1, d - i - pick + 1)) for i, j in enumerate(order)}
    keep = [data.names[j] for j in sorted(order[d - pick :])]
    return Elimination(
        n_features=kept[::-1],
        score=scores[::-1],
        score_std=np.zeros(d),
        ranking=rank,
        recommended=keep,
        method="permutation",
        scoring=name,
    )


def _shuffled(data: GlobalData, cols, perms) -> Any:
    X = data.X.copy() if hasattr(data.X, "copy") else np.array(data.X)
    for j in cols:
        if hasattr(X, "iloc"):
            X[X.columns[j]] = X[X.columns[j]].to_numpy()[perms[j]]
        else:
            X[:, j] = X[perms[j], j]
    return X


def _concat(parts):
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)
