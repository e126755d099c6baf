"""The margin of XGBoost, LightGBM and CatBoost models (bare or ending a pipeline): the
sum of leaf values their trees add before the link (log-odds for a binary classifier,
a raw score per class for a multi-class one).

    >>> import numpy as np, lightgbm
    >>> X = np.random.default_rng(0).normal(size=(100, 2)); y = (X[:, 0] > 0).astype(int)
    >>> clf = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, y)
    >>> fn, scale = margin_function(clf)
    >>> p = clf.predict_proba(X[:2])[:, 1]
    >>> scale, bool(np.allclose(1 / (1 + np.exp(-fn(X[:2]))), p))
    ('log-odds', True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIBRARIES = ("xgboost", "lightgbm", "catboost")


def library_of(est: Any) -> str | None:
    """``"xgboost"``, ``"lightgbm"`` or ``"catboost"`` for one of their estimators, else None."""
    top = type(est).__module__.split(".")[0]
    return top if top in LIBRARIES else None


def final_step(est: Any) -> Any:
    """The estimator a pipeline ends in (the estimator itself if it is not a pipeline)."""
    return est.steps[-1][1] if type(est).__name__ == "Pipeline" else est


def _bare_margin(est: Any) -> Callable[[Any], Any] | None:
    lib = library_of(est)
    if lib == "xgboost":
        return lambda X: est.predict(X, output_margin=True)
    if lib == "lightgbm":
        return lambda X: est.predict(X, raw_score=True)
    if lib == "catboost":
        return lambda X: est.predict(X, prediction_type="RawFormulaVal")
    return None


def margin_function(est: Any) -> tuple[Callable[[Any], Any], str] | None:
    """``(f, scale)``: ``f(X)`` the model's margin, ``scale`` what it is called on an axis
    (``"log-odds"``, ``"log-odds (softmax)"``, ``"raw score"``); None for other models."""
    final = final_step(est)
    fn = _bare_margin(final)
    if fn is None:
        return None
    if final is not est:
        head = est[:-1] if len(est.steps) > 1 else None
        inner = fn
        fn = inner if head is None else (lambda X: inner(head.transform(X)))
    classes = getattr(final, "classes_", None)
    if classes is None:
        return fn, "raw score"
    return fn, "log-odds" if len(classes) == 2 else "log-odds (softmax)"
