"""Tabular models seen through one protocol: scikit-learn classifiers (``predict_proba``),
regressors (``predict``), pipelines fed a pandas DataFrame, and plain callables.

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> m = TabularModel.from_any(LinearRegression().fit(X, X @ [1, 2, 3]))
    >>> m.kind, m.output_names, m.predict(X[:1]).round(6).tolist()
    ('regressor', ['prediction'], [[8.0]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import InputError, ModelError
from ._detect import is_keras_model, is_torch_module
from .base import Model
from .boosted import margin_function

# below this many rows a call, transforming every hybrid row costs less than setting up
# and checking the pipeline shortcut (measured: LIME's 5000 rows, exact at d=8)
SHORTCUT_MIN_ROWS = 20_000
# the shortcut's hybrid rows are dense after the transform: at most ~64 MB of them a call
SHORTCUT_MAX_VALUES = 8_000_000


def _is_estimator(model: Any) -> bool:
    return hasattr(model, "fit") and (hasattr(model, "predict") or hasattr(model, "predict_proba"))


def predict_hybrids(model: Model, inst: Any, masks: np.ndarray, rows: Any = slice(None)):
    """The model on ``inst.cross(masks, rows)``, through the pipeline shortcut if it has one."""
    fast = getattr(model, "predict_hybrids", None)
    return fast(inst, masks, rows) if fast else model.predict(inst.cross(masks, rows))


def predict_paired(model: Model, inst: Any, masks: np.ndarray, rows: np.ndarray):
    """The model on ``inst.paired(masks, rows)``, through the pipeline shortcut if it has one."""
    fast = getattr(model, "predict_paired", None)
    return fast(inst, masks, rows) if fast else model.predict(inst.paired(masks, rows))


#: scikit-learn classifiers whose decision function is a sum of leaf values (log-odds):
#: explained on that scale by default, exactly by their trees, as XGBoost's and LightGBM's
LEAF_SUM_CLASSIFIERS = ("GradientBoostingClassifier", "HistGradientBoostingClassifier")


class TabularModel(Model):
    """``predict(batch) -> (n, k)`` float array over a batch of rows (ndarray or DataFrame).

    Use :meth:`from_any`; ``fn`` gets the batch as built by the instance (a DataFrame when
    the user's data was one, else a 2-D ndarray).
    """

    def __init__(
        self,
        fn: Callable[[Any], Any],
        *,
        output_names: Sequence[str] | None = None,
        kind: str = "function",
        classes: Sequence[Any] | None = None,
        expects_frame: bool = False,
        n_features: int | None = None,
        feature_names: Sequence[str] | None = None,
        estimator: Any = None,
        output_kind: str | None = None,
    ) -> None:
        self._fn = fn
        #: the scikit-learn estimator behind ``fn`` and which of its outputs (``"proba"``,
        #: ``"decision"``, ``"predict"``): model-specific algorithms read them
        self.estimator, self.output_kind = estimator, output_kind
        self.kind = kind
        #: what the outputs are, for axis labels: "probability", "log-odds", ... (or None)
        self.output_scale: str | None = None
        self.classes = None if classes is None else list(classes)
        self.expects_frame = expects_frame
        self.n_features = n_features
        self.feature_names = None if feature_names is None else [str(c) for c in feature_names]
        super().__init__(list(output_names) if output_names is not None else [])

    @classmethod
    def from_any(
        cls, model: Any, *, output_names: Sequence[str] | None = None, model_output: str = "auto"
    ) -> TabularModel:
        """Wrap a fitted scikit-learn estimator or pipeline, or a callable ``f(batch)``.

        ``model_output``: ``"auto"`` (``predict_proba`` for classifiers, else ``predict``),
        ``"proba"``, ``"decision"`` (``decision_function``) or ``"predict"``; ``"margin"``: an
        XGBoost / LightGBM / CatBoost classifier's log-odds (its ``"auto"``: a sum of leaves,
        explained exactly by the trees; ``"proba"`` explains probabilities by coalitions).
        Torch modules and Keras models: :func:`limelight.models.adapt.tabular_model`.
        """
        if isinstance(model, TabularModel):
            return model
        if is_keras_model(model) or is_torch_module(model):  # a Keras model has fit, predict
            raise ModelError(
                f"TabularModel.from_any does not adapt a {type(model).__name__}",
                fix="use limelight.models.adapt.tabular_model (torch modules, Keras models)",
            )
        names_in = getattr(model, "feature_names_in_", None)
        n_in = getattr(model, "n_features_in_", None)
        common = {
            "expects_frame": names_in is not None,
            "n_features": None if n_in is None else int(n_in),
            "feature_names": None if names_in is None else list(names_in),
        }
        if _is_estimator(model):
            from sklearn.base import is_classifier
            from sklearn.exceptions import NotFittedError
            from sklearn.utils.validation import check_is_fitted

            try:
                check_is_fitted(model)
            except NotFittedError:
                raise InputError(
                    f"this {type(model).__name__} is not fitted",
                    fix="call model.fit(X, y) before explaining it",
                ) from None
            classifier = is_classifier(model)
            choice = model_output
            common["estimator"] = model
            margin = margin_function(model)  # XGBoost / LightGBM / CatBoost: leaves' sum
            if choice == "auto":
                choice = "proba" if classifier and hasattr(model, "predict_proba") else "predict"
                if classifier and margin is not None:
                    choice = "margin"  # exact by tree paths; probabilities: model_output='proba'
                elif classifier and type(model).__name__ in LEAF_SUM_CLASSIFIERS:
                    choice = "decision"  # scikit-learn's boosting: a sum of leaves, as XGBoost
            if (
                choice == "decision"
                and margin is not None
                and not hasattr(model, "decision_function")
            ):
                choice = "margin"
            if choice == "margin":
                if margin is None or not classifier:
                    raise InputError(
                        f"model_output='margin' is for XGBoost, LightGBM and CatBoost "
                        f"classifiers; this is a {type(model).__name__}",
                        fix="use model_output='proba', 'decision' or 'predict'",
                    )
                classes = list(model.classes_)
                names = output_names or (
                    [str(classes[-1])] if len(classes) == 2 else [str(c) for c in classes]
                )
                out = cls(
                    margin[0],
                    output_names=names,
                    kind="classifier",
                    classes=classes,
                    output_kind="margin",
                    **common,
                )
                out.output_scale = margin[1]
                return out
            if choice == "proba":
                if not hasattr(model, "predict_proba"):
                    raise InputError(
                        f"{type(model).__name__} has no predict_proba",
                        fix="use model_output='decision' or 'predict'",
                    )
                classes = list(model.classes_)
                names = output_names or [str(c) for c in classes]
                out = cls(
                    model.predict_proba,
                    output_names=names,
                    kind="classifier",
                    classes=classes,
                    output_kind="proba",
                    **common,
                )
                out.output_scale = "probability"
                return out
            if choice == "decision":
                fn = model.decision_function
                classes = list(getattr(model, "classes_", []))
                names = output_names or (
                    [str(classes[-1])]
                    if len(classes) == 2
                    else [str(c) for c in classes] or ["decision"]
                )
                out = cls(
                    fn,
                    output_names=names,
                    kind="classifier" if classifier else "regressor",
                    classes=classes or None,
                    output_kind="decision",
                    **common,
                )
                if type(model).__name__ in LEAF_SUM_CLASSIFIERS:
                    out.output_scale = "log-odds" if len(classes) == 2 else "log-odds (softmax)"
                return out
            if choice == "predict":
                target = getattr(model, "target_name_", None)
                names = output_names or ([str(target)] if target else ["prediction"])
                kind = "regressor" if not classifier else "classifier_labels"
                if classifier:
                    raise InputError(
                        "explaining a classifier's predicted labels is not meaningful (they are "
                        "not numbers)",
                        fix="use model_output='proba' or 'decision'",
                    )
                return cls(
                    model.predict, output_names=names, kind=kind, output_kind="predict", **common
                )
            raise InputError(
                f"unknown model_output {model_output!r}",
                fix="use 'auto', 'proba', 'decision' or 'predict'",
            )
        if callable(model):
            return cls(model, output_names=output_names, kind="function", **common)
        raise InputError(
            f"cannot explain a {type(model).__name__}: it is neither a fitted scikit-learn "
            "estimator nor a callable",
            fix="pass a fitted estimator or a function f(batch) -> array",
        )

    @property
    def fn(self) -> Callable[[Any], Any]:
        """The user's function (or estimator method) itself, unchecked and uncounted."""
        return self._fn

    def _predict(self, batch: Any) -> np.ndarray:
        return self.call(self._fn, batch)

    def call(self, fn: Callable[[Any], Any], batch: Any) -> np.ndarray:
        """``fn(batch)`` (the model or a part of it) checked: one ``(n, k)`` float array of
        finite numbers, or a ModelError saying what came back. Not counted."""
        n = len(batch)
        check_cancelled()
        try:
            out = fn(batch)
        except Exception as exc:  # the user's model: report it with what we called it on
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ModelError(
                f"the model raised {type(exc).__name__}: {text} (called on a batch of {n} rows)",
                fix="check that the model accepts rows like the background data",
            ) from exc
        try:
            out = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise ModelError(
                f"the model returned {type(out).__name__} values that are not numbers",
                fix="return a numeric array of shape (n,) or (n, outputs)",
            ) from None
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != n:
            raise ModelError(
                f"the model returned shape {out.shape} for {n} rows",
                fix="return one row of outputs per input row: shape (n,) or (n, outputs)",
            )
        if not self.output_names:
            self.output_names = (
                ["output"] if out.shape[1] == 1 else [f"output {i}" for i in range(out.shape[1])]
            )
        elif out.shape[1] != len(self.output_names):
            raise ModelError(
                f"the model returned {out.shape[1]} outputs but {len(self.output_names)} names "
                f"are known ({self.output_names[:5]})",
                fix="give output_names= one name per output",
            )
        if not np.isfinite(out).all():
            bad = int((~np.isfinite(out)).any(axis=1).sum())
            raise ModelError(
                f"the model returned NaN or inf for {bad} of {n} rows",
                fix="make the model return finite numbers (or impute missing inputs first)",
            )
        return out
