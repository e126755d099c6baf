"""The boosting libraries' own Tree SHAP, in their compiled code: XGBoost's
``pred_contribs=True``, LightGBM's ``pred_contrib=True``, CatBoost's
``get_feature_importance(type="ShapValues")``. These are *path-dependent* values: a
feature left out is averaged over the training data's split counts, not over a
background, so they differ from ``method="tree"`` (interventional); they are offered as
``method="tree_path_dependent"`` for data too large for anything else.

    >>> import numpy as np, lightgbm
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, X[:, 0])
    >>> phi, base = contributions(model, X[:2])
    >>> phi.shape, bool(np.allclose(phi.sum(axis=2) + base, model.predict(X[:2])[:, None]))
    ((2, 1, 3), True)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from limelight.errors import MethodError
from limelight.explainers.base import Explainer
from limelight.explainers.shapley import _explanation
from limelight.explanation import Explanation
from limelight.models.boosted import library_of

NAME = "tree_path_dependent"


def contributions(est: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(values (n, k, d), base (n, k))``: the library's path-dependent Shapley values of
    its margin for rows ``X`` and its expected margin."""
    lib = library_of(est)
    if lib == "xgboost":
        import xgboost

        raw = est.get_booster().predict(xgboost.DMatrix(X, missing=np.nan), pred_contribs=True)
    elif lib == "lightgbm":
        raw = np.asarray(est.predict(X, pred_contrib=True))
        k = int(est.booster_.num_model_per_iteration())
        raw = raw.reshape(len(raw), k, -1) if k > 1 else raw
    elif lib == "catboost":
        from catboost import Pool

        cats = est.get_cat_feature_indices()
        raw = est.get_feature_importance(Pool(X, cat_features=cats or None), type="ShapValues")
    else:
        raise MethodError(
            f"method={NAME!r} is the XGBoost / LightGBM / CatBoost libraries' own Tree SHAP; "
            f"this is a {type(est).__name__}",
            fix="use method='tree' (scikit-learn forests and boosting) or 'exact'",
        )
    raw = np.asarray(raw, dtype=float)
    if raw.ndim == 2:
        raw = raw[:, None, :]
    return raw[:, :, :-1], raw[:, :, -1]


class LibraryTreeShap(Explainer):
    """The library's path-dependent Tree SHAP for one row (see the module): no background,
    labelled as such in ``params``."""

    name = NAME

    def params(self) -> dict[str, Any]:
        return {
            "algorithm": "the library's own path-dependent Tree SHAP",
            "perturbation": "path-dependent (training cover, no background)",
        }

    def stream(self, model: Any, inst: Any) -> Iterator[Explanation]:
        adapted = getattr(model, "adapter", model)  # the plan's context: the user's model
        if adapted.output_kind != "margin" and adapted.kind != "regressor":
            raise MethodError(
                f"method={NAME!r} explains the margin (log-odds), not {adapted.output_kind!r}",
                fix="use model_output='margin' (the default for boosted classifiers)",
            )
        phi, base = contributions(adapted.estimator, inst.x_batch())
        picked = getattr(model, "columns", None)
        cols = slice(None) if picked is None else picked
        phi, base = phi[0][cols], base[0][cols]
        pred = phi.sum(axis=1) + base
        exp = _explanation(
            model, inst, self.name, phi, base, pred, n_evals=0, done=True, params=self.params()
        )
        exp.params["background"] = {"how": "none (path-dependent)", "rows": 0, "from": 0}
        yield exp
