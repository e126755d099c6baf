"""Feature elimination: how the score falls as features are dropped, and the smallest set
worth keeping.

- Estimators with ``coef_`` or ``feature_importances_`` (numeric columns): scikit-learn's
  :class:`~sklearn.feature_selection.RFECV` refits a clone on fewer and fewer features
  (cross-validated); the recommended set is RFECV's.
- With ``feature_groups`` (``{"colour": ["colour_red", "colour_blue"]}`` or a list of
  lists), each group is one feature, ranked and removed as one unit (its columns shuffled
  together, by one permutation of the rows), by permutation as below.
- Anything else (a callable, a pipeline, a model without importances): features are
  ranked by permutation importance and removed from the least important, a removed
  column being shuffled (no refit); the recommended set is the smallest (of at least
  ``min_features``) whose score is within ``tolerance`` (1%) of the best. ``cv`` and
  ``step`` are RFECV's; every option is checked at the call.

``ll.eliminate_features`` returns the :class:`Elimination` (as
``ll.feature_elimination(...).wait()``).

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 5))
    >>> r = eliminate(LinearRegression().fit(X, X[:, 0] * 3 + X[:, 2]), X, X[:, 0] * 3 + X[:, 2])
    >>> r.method, r.recommended
    ('rfecv', ['x0', 'x2'])
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from . import results as _results
from .data import GlobalData, is_missing, read_data


@dataclass
class Elimination:
    """``n_features`` kept at each step, the ``score`` (and ``score_std``) there,
    ``ranking`` (1 = kept longest), the ``recommended`` feature names, ``method``;
    ``to_frame()`` the curve, ``.save("e.json")`` (``ll.load`` reads it back)."""

    n_features: np.ndarray
    score: np.ndarray
    score_std: np.ndarray
    ranking: dict[str, int]
    recommended: list[str]
    method: str
    scoring: str

    def to_frame(self):
        """One row per step: ``n_features`` kept, ``score`` and ``score_std`` there."""
        import pandas as pd

        return pd.DataFrame(
            {"n_features": self.n_features, "score": self.score, "score_std": self.score_std}
        )

    def __repr__(self) -> str:
        shown = self.recommended[:6]
        more = f" and {len(self.recommended) - 6} more" if len(self.recommended) > 6 else ""
        best = float(np.nanmax(self.score)) if np.size(self.score) else float("nan")
        return (
            f"Elimination({self.method}, {self.scoring}: keep {len(self.recommended)} of "
            f"{len(self.ranking)} features {shown}{more}, best score {best:.4g})"
        )

    def __eq__(self, other: object) -> bool:
        return _results.same(self, other)

    def save(self, path: Any, *, overwrite: bool = True, include_data: bool = True):
        """Write ``.json`` (``ll.load`` reads it back). It holds scores and feature names,
        no row of X, so ``include_data`` leaves nothing out."""
        return _results.save_json(self, path, overwrite=overwrite)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the header, the curve, the ranking and the recommended set."""
        return {
            **_results.header("elimination"),
            "method": self.method,
            "scoring": self.scoring,
            "n_features": np.asarray(self.n_features).tolist(),
            "score": np.asarray(self.score, float).tolist(),
            "score_std": np.asarray(self.score_std, float).tolist(),
            "ranking": {str(k): int(v) for k, v in self.ranking.items()},
            "recommended": list(self.recommended),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Elimination:
        """Inverse of :meth:`to_dict` (null read back as NaN)."""
        return cls(
            n_features=np.asarray(d["n_features"], dtype=np.int64),
            score=np.array(d["score"], dtype=float),
            score_std=np.array(d["score_std"], dtype=float),
            ranking={str(k): int(v) for k, v in d["ranking"].items()},
            recommended=[str(n) for n in d["recommended"]],
            method=str(d["method"]),
            scoring=str(d["scoring"]),
        )


CELLS_PER_CALL = 4_000_000  # values (rows x columns) per model call: ~32 MB of floats


def _has_importances(est: Any) -> bool:
    return hasattr(est, "coef_") or hasattr(est, "feature_importances_")


def uses_rfecv(data: GlobalData, feature_groups: Any = None) -> bool:
    """Whether :func:`eliminate` refits with RFECV (else it shuffles, by permutation)."""
    est = data.model.estimator
    return (
        feature_groups is None
        and est is not None
        and _has_importances(est)
        and type(est).__name__ != "Pipeline"
        and not any(data.categorical)
    )


def _whole(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def check_options(
    data: GlobalData,
    y: Any,
    *,
    cv: Any = 5,
    scoring: Any = None,
    step: Any = 1,
    min_features: Any = 1,
    tolerance: Any = 0.01,
    random_state: Any = 0,
    feature_groups: Any = None,
) -> np.ndarray:
    """Every option checked against ``data`` and ``y`` at the call (before any thread);
    returns ``y`` as an array."""
    from ..inputs._polars import from_polars

    y = from_polars(y)
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise InputError(f"y has shape {y.shape}", fix="pass one label or target per row")
    if len(y) != data.n:
        raise InputError(
            f"X has {data.n} rows but y has {len(y)}", fix="pass labels for every row of X"
        )
    missing = np.array([is_missing(v) for v in y.tolist()], dtype=bool)
    if missing.any():
        raise InputError(
            f"y is missing for {int(missing.sum())} of {len(y)} rows",
            fix="drop those rows (or impute y) first",
        )
    d = len(players(data, feature_groups))
    values, counts = np.unique(y.astype(str) if y.dtype == object else y, return_counts=True)
    classes = data.model.classes
    if data.model.kind == "classifier":
        if len(values) < 2:
            raise InputError(
                f"y holds one class only ({values[0]!r})",
                fix="pass rows of at least two classes (a held-out set with every class)",
            )
        if classes is not None:
            unknown = sorted({str(v) for v in values} - {str(c) for c in classes})
            if unknown:
                raise InputError(
                    f"y holds labels the model does not predict: {unknown[:6]}",
                    fix=f"pass labels among the model's classes {list(classes)[:6]}",
                )
    elif len(values) < 2:
        raise InputError("y is constant: no score can rank features", fix="pass varying targets")
    if not _whole(min_features) or not 1 <= min_features <= d:
        raise InputError(f"min_features={min_features!r}", fix=f"use a whole number in 1..{d}")
    if not (_whole(step) and step >= 1) and not (isinstance(step, float) and 0 < step < 1):
        raise InputError(
            f"step={step!r}", fix="use a whole number of features >= 1, or a fraction in (0, 1)"
        )
    if isinstance(tolerance, bool) or not isinstance(tolerance, Real) or not 0 <= tolerance < 1:
        raise InputError(
            f"tolerance={tolerance!r}", fix="use a fraction of the best score in [0, 1), e.g. 0.01"
        )
    if random_state is not None and not _whole(random_state):
        raise InputError(f"random_state={random_state!r}", fix="use an integer seed or None")
    if _whole(cv):
        smallest = int(counts.min()) if data.model.kind == "classifier" else data.n
        if not 2 <= cv <= smallest:
            where = "the least populated class of y has" if smallest < data.n else "X has"
            raise InputError(
                f"cv={cv}: cross-validation needs 2 to {smallest} folds ({where} {smallest} rows)",
                fix=f"use cv in 2..{smallest}",
            )
    elif not hasattr(cv, "split"):
        raise InputError(f"cv={cv!r}", fix="give a number of folds (>= 2) or a CV splitter")
    if uses_rfecv(data, feature_groups):
        if isinstance(scoring, str):
            from sklearn.metrics import get_scorer_names

            if scoring not in get_scorer_names():
                raise InputError(
                    f"unknown scoring {scoring!r}",
                    fix="use a name from sklearn.metrics.get_scorer_names() or a scorer",
                )
        elif scoring is not None and not callable(scoring):
            raise InputError(f"scoring={scoring!r}", fix="give a scorer's name or a scorer")
    else:
        from ..explainers.permutation import scorer

        scorer(scoring, data.model)  # an unknown name fails now
    return y


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
    feature_groups: Any = None,
    data: GlobalData | None = None,
) -> Elimination:
    """Run the elimination (no widget); see :func:`limelight.feature_elimination`."""
    data = data or read_data(model, X)
    y = check_options(
        data,
        y,
        cv=cv,
        scoring=scoring,
        step=step,
        min_features=min_features,
        tolerance=tolerance,
        random_state=random_state,
        feature_groups=feature_groups,
    )
    if uses_rfecv(data, feature_groups):
        est = data.model.estimator
        return _rfecv(est, data, y, cv=cv, scoring=scoring, step=step, min_features=min_features)
    return _by_permutation(
        data,
        y,
        scoring=scoring,
        tolerance=tolerance,
        min_features=min_features,
        random_state=random_state,
        feature_groups=feature_groups,
    )


def players(data: GlobalData, feature_groups: Any) -> list[tuple[str, list[int]]]:
    """The features elimination ranks: ``(name, column indices)``, a group as one."""
    if feature_groups is None:
        return [(n, [j]) for j, n in enumerate(data.names)]
    from ..inputs.groups import group_players

    return group_players(list(data.names), feature_groups)


def _rfecv(est, data: GlobalData, y, *, cv, scoring, step, min_features) -> Elimination:
    from sklearn.base import clone
    from sklearn.feature_selection import RFECV

    try:
        r = RFECV(
            clone(est), step=step, cv=cv, scoring=scoring, min_features_to_select=min_features
        ).fit(data.X, y)
    except Exception as exc:  # a refit of the user's estimator on fewer features failed
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ModelError(
            f"refitting {type(est).__name__} on fewer features failed: "
            f"{type(exc).__name__}: {text}",
            fix="check that a clone of the model fits on X and y",
        ) from exc
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


def _by_permutation(
    data: GlobalData, y, *, scoring, tolerance, min_features, random_state, feature_groups=None
) -> Elimination:
    from ..explainers.permutation import scorer
    from ..plans.importance import plan_importance

    units = players(data, feature_groups)
    names = [n for n, _ in units]
    d = len(units)
    p = plan_importance(
        data.model,
        data.X,
        y,
        n_repeats=3,
        scoring=scoring,
        random_state=random_state,
        rows_per_call=max(1, CELLS_PER_CALL // len(data.names)),  # one call's batch bound
        feature_groups=feature_groups,
    )
    imp = p.run()
    name, score_fn = scorer(scoring, data.model, p.explainer.classes)
    del p  # its copies of X are not needed for the second pass
    order = np.argsort(imp.values[0], kind="stable")  # least important first
    rng = np.random.default_rng(random_state)
    perms = [rng.permutation(data.n) for _ in range(d)]
    dropped = [units[j][1] for j in order]
    scores = _scores_dropping(data, y, dropped, [perms[j] for j in order], score_fn)
    kept = d - np.arange(d)
    best = scores.max()
    ok = np.flatnonzero(scores >= best - tolerance * max(abs(best), 1e-12))
    pick = max(int(kept[ok].min()), int(min_features))
    rank = {names[j]: int(max(1, d - i - pick + 1)) for i, j in enumerate(order)}
    keep = [names[j] for j in sorted(order[d - pick :])]
    return Elimination(
        n_features=kept[::-1],
        score=scores[::-1],
        score_std=np.zeros(d),
        ranking=rank,
        recommended=keep,
        method="permutation",
        scoring=name,
    )


def _scores_dropping(data: GlobalData, y, dropped, perms, score_fn) -> np.ndarray:
    """The score with the ``removed`` least important units shuffled (``dropped``: each
    unit's columns, least important first; ``perms``: each one's row permutation), for
    removed = 0..d-1: one working copy of X shuffled a unit further each step, at most
    CELLS_PER_CALL values a model call (memory ~ n * d, not n * d**2)."""
    n, d = data.n, len(dropped)
    frame = hasattr(data.X, "iloc")
    work = data.X.copy() if frame else np.array(data.X)
    per_call = max(1, CELLS_PER_CALL // max(1, n * len(data.names)))
    scores: list[float] = []
    pending: list[Any] = []
    for removed in range(d):
        for j in dropped[removed - 1] if removed else []:
            perm = perms[removed - 1]
            if frame:
                work[work.columns[j]] = data.X.iloc[:, j].to_numpy()[perm]
            else:
                work[:, j] = np.asarray(data.X)[perm, j]
        pending.append(work if per_call == 1 else work.copy())
        if len(pending) == per_call or removed == d - 1:
            batch = pending[0] if len(pending) == 1 else _concat(pending)
            outs = data.predict(batch).reshape(len(pending), n, -1)
            scores.extend(float(score_fn(y, o)) for o in outs)
            pending = []
    return np.asarray(scores)


def _concat(parts):
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)
