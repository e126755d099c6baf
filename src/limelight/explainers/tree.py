"""Exact interventional Shapley values for tree ensembles, from the trees' paths instead of
from ``2**d`` coalitions: the same numbers as :class:`ExactShapley`, at any number of
features, with ``m + 1`` model rows instead of ``2**d * m``.

A leaf with value ``v`` adds ``v`` to ``f(x_S, b_{not S})`` exactly when, on every feature
split on along its path, the hybrid row goes the leaf's way. Per background row ``b`` the
path's features fall into: both ``x`` and ``b`` go that way (free), only ``x`` (the set
``A``: must be in S), only ``b`` (``B``: must be out of S), neither (leaf never reached).
The Shapley value of the game ``[A in S, B out of S]`` is ``(|A|-1)! |B|! / (|A|+|B|)!``
for a feature of ``A`` and ``-|A|! (|B|-1)! / (|A|+|B|)!`` for one of ``B`` (the
interventional Tree SHAP of Lundberg et al. 2020). The trees are walked for all trees and
a chunk of background rows at once (:mod:`limelight.explainers.trees`: numba, or array
operations in :mod:`~limelight.explainers.trees.walk_numpy`).

Supported: scikit-learn decision trees, random forests and extra trees (regressors on
``predict``, classifiers on ``predict_proba``), gradient boosting and histogram gradient
boosting (numeric splits) regressors on ``predict`` and classifiers on
``model_output="decision"``; XGBoost, LightGBM and CatBoost on their margin
(:mod:`limelight.explainers.trees`, with missing values and categories routed as they
route them). Before use, the leaf values are checked
to reproduce the model's own outputs on the instance and the background; a model that does
not match is explained by coalitions instead.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> tree = DecisionTreeRegressor().fit(X, X[:, 0] * X[:, 1])   # an AND: 1 only at (1, 1)
    >>> from limelight.api import attribute
    >>> e = attribute(tree, [1.0, 1.0], background=X[:1], method="tree")
    >>> e.method, e.values.round(12).tolist()
    ('tree', [[0.5, 0.5]])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import MethodError, ModelError
from ..explanation import Explanation
from ..inputs.tabular import TabularInstance
from ..models.base import Model
from ..models.tabular_context import TabularContext
from .base import Explainer
from .shapley import RunningMean, _explanation
from .trees.kernel import against_rows

WALKERS_PER_CHUNK = 20_000  # (background rows x trees) started per step


class TreeShap(Explainer):
    """Exact interventional Shapley values of a tree ensemble by its paths (see the module).

    Reads the trees the plan found (scikit-learn forests, boosting, single trees, alone or
    after a pipeline's scalers and one-hot encoders); costs the model's outputs on x and
    the background only. Streams a partial per chunk of background rows (exact for the
    rows seen, with a standard error across rows), as :class:`ExactShapley` does.

        >>> TreeShap().name
        'tree'
    """

    name = "tree"

    def check(self, model: Model, instance: TabularInstance) -> None:
        """A MethodError unless ``model`` is a plan's context that found readable trees."""
        if not isinstance(model, TabularContext) or model.trees is None:
            raise MethodError(
                "TreeShap reads the trees of the model a plan checked",
                fix="pass it as method= to limelight.attribute / explain / explore",
            )

    def params(self) -> dict[str, Any]:
        return {"algorithm": "tree paths"}

    def stream(self, model: Model, inst: TabularInstance) -> Iterator[Explanation]:
        self.check(model, inst)
        ens = model.trees.ensemble
        d, m = inst.d, inst.m
        seen = model.tree_view(inst)
        if seen is None:
            raise ModelError(
                "the pipeline's leading steps could not be applied to this row",
                fix="use method='exact' or 'kernel'",
            )
        x = np.asarray(seen.x, dtype=ens.dtype)
        B = np.asarray(seen.numeric_background(), dtype=ens.dtype)
        # the model's own prediction and base value: x and the background rows
        pred, f_bg = model.row_outputs(inst)[0], model.background_outputs()
        # model rows: x and the background (run by the plan's probe, or here)
        params = {**self.params(), "trees": ens.n_trees, "budget": 1 + m}
        chunk = max(1, WALKERS_PER_CHUNK // len(ens.roots))
        acc = RunningMean(m)
        owner = model.tree_owner()
        for b0 in range(0, m, chunk):
            check_cancelled()  # no model call here: the walkers check between chunks
            rows = slice(b0, min(m, b0 + chunk))
            phi = against_rows(ens, x, B[rows], model.columns, owner, d)  # (mc, d, k)
            acc.add(phi.transpose(1, 0, 2), f_bg[rows], inst.weights[rows])
            mean, base, stderr = acc.result()
            yield _explanation(
                model,
                inst,
                self.name,
                mean,
                base,
                pred,
                stderr=stderr,
                n_evals=1 + m,
                done=acc.finished,
                params=params,
            )
