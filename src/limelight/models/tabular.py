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
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from .base import Model
from .boosted import margin_function

# below this many rows a call, transforming every hybrid row costs less than setting up
# and checking the pipeline shortcut (measured: LIME's 5000 rows, exact at d=8)
SHORTCUT_MIN_ROWS = 20_000
# the shortcut's hybrid rows are dense after the transform: at most ~64 MB of them a call
SHORTCUT_MAX_VALUES = 8_000_000


def _is_estimator(model: Any) -> bool:
    return hasattr(model, "fit") and (hasattr(model, "predict") or hasattr(model, "predict_proba"))


@dataclass
class PipelineSplit:
    """A pipeline cut after its leading per-column steps: ``prefix`` (scalers, or a
    ``ColumnTransformer`` of scalers, one-hot encoders and passthrough), ``rest`` (the other
    steps, as a pipeline), ``fn`` (its output function), and ``owner``: for each column the
    prefix outputs, the input column it comes from (a one-hot block shares one owner)."""

    prefix: Any
    rest: Any
    fn: Callable[[Any], Any]
    owner: np.ndarray


def _step_owners(step: Any, owner: np.ndarray) -> np.ndarray | None:
    """The owner of each output column of ``step`` given its input columns' owners, or None
    when the step is not one we know to work column by column."""
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        OneHotEncoder,
        RobustScaler,
        StandardScaler,
    )

    one_to_one = (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)
    if step is None or step == "passthrough" or isinstance(step, one_to_one):
        return owner
    if type(step).__name__ != "ColumnTransformer":
        return None
    inputs = getattr(step, "_transformer_to_input_indices", None)
    outputs = getattr(step, "output_indices_", None)
    if inputs is None or outputs is None:
        return None
    new = np.full(max((sl.stop for sl in outputs.values()), default=0), -1)
    for name, trans, _ in step.transformers_:
        sl, cols = outputs.get(name), list(inputs.get(name, []))
        if sl is None or sl.stop == sl.start or trans == "drop":
            continue
        # a fitted "passthrough" is an identity FunctionTransformer
        identity = type(trans).__name__ == "FunctionTransformer" and trans.func is None
        if trans == "passthrough" or identity or isinstance(trans, one_to_one):
            if sl.stop - sl.start != len(cols):
                return None
            new[sl] = owner[cols]
        elif isinstance(trans, OneHotEncoder):
            drop = trans.drop_idx_ if trans.drop_idx_ is not None else [None] * len(cols)
            sizes = [len(c) - (dr is not None) for c, dr in zip(trans.categories_, drop)]
            if len(sizes) != len(cols) or sum(sizes) != sl.stop - sl.start:
                return None  # infrequent categories grouped, or anything unexpected
            new[sl] = np.repeat(owner[cols], sizes)
        else:
            return None
    return None if (new < 0).any() else new


def _pipeline_split(est: Any, output_kind: str | None) -> PipelineSplit | None:
    """Cut a pipeline after its leading per-column steps (None if it has none)."""
    if est is None or output_kind is None or type(est).__name__ != "Pipeline":
        return None
    n_in = getattr(est, "n_features_in_", None)
    if n_in is None:
        return None
    owner, k = np.arange(int(n_in)), 0
    for _, step in est.steps[:-1]:
        nxt = _step_owners(step, owner)
        if nxt is None:
            break
        owner, k = nxt, k + 1
    if k == 0:
        return None
    rest = est[k:]
    if getattr(rest.steps[0][1], "feature_names_in_", None) is not None:
        return None  # the rest was fitted on named columns (set_output pandas): keep them
    method = {"proba": "predict_proba", "decision": "decision_function", "predict": "predict"}
    if output_kind == "margin":
        margin = margin_function(rest)
        fn = None if margin is None else margin[0]
    else:
        fn = getattr(rest, method[output_kind], None)
    return None if fn is None else PipelineSplit(est[:k], rest, fn, owner)


def _dense(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=float)


def predict_hybrids(model: Model, inst: Any, masks: np.ndarray, rows: Any = slice(None)):
    """The model on ``inst.cross(masks, rows)``, through the pipeline shortcut if it has one."""
    fast = getattr(model, "predict_hybrids", None)
    return fast(inst, masks, rows) if fast else model.predict(inst.cross(masks, rows))


def predict_paired(model: Model, inst: Any, masks: np.ndarray, rows: np.ndarray):
    """The model on ``inst.paired(masks, rows)``, through the pipeline shortcut if it has one."""
    fast = getattr(model, "predict_paired", None)
    return fast(inst, masks, rows) if fast else model.predict(inst.paired(masks, rows))


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
        # a pipeline's leading per-column transformers (scalers) and the rest of it: hybrid
        # rows can be mixed after the transform, which then runs on x and the background
        # once instead of on every hybrid row (checked against the whole pipeline first)
        self._split = _pipeline_split(estimator, output_kind)
        self._split_ok: bool | None = None
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
        """
        if isinstance(model, TabularModel):
            return model
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
            if choice == "decision" and margin is not None and not hasattr(model, "decision_function"):
                choice = "margin"
            if choice == "margin":
                if margin is None or not classifier:
                    raise InputError(
                        f"model_output='margin' is for XGBoost, LightGBM and CatBoost "
                        f"classifiers; this is a {type(model).__name__}",
                        fix="use model_output='proba', 'decision' or 'predict'",
                    )
                classes = list(model.classes_)
                names = output_names or ([str(classes[-1])] if len(classes) == 2
                                         else [str(c) for c in classes])
                out = cls(margin[0], output_names=names, kind="classifier", classes=classes,
                          output_kind="margin", **common)
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
                return cls(
                    fn,
                    output_names=names,
                    kind="classifier" if classifier else "regressor",
                    classes=classes or None,
                    output_kind="decision",
                    **common,
                )
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
                return cls(model.predict, output_names=names, kind=kind, output_kind="predict",
                           **common)
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

    # -- hybrid rows (x's values for some features, a background row's for the others) ------
    def model_space(self, inst: Any) -> Any:
        """``inst`` with x and the background passed through the pipeline's leading
        per-column steps (one column per output column), or None when the model has none or
        they failed the check. Hybrid rows there take ``masks[:, split.owner]``."""
        split = self._split
        if split is None or self._split_ok is False:
            return None
        cached = getattr(inst, "_model_space", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        from dataclasses import replace

        D = len(split.owner)
        try:
            xt = _dense(split.prefix.transform(inst.x_batch()))[0]
            bgt = _dense(split.prefix.transform(inst.background_batch()))
        except Exception:  # noqa: BLE001 - the shortcut is optional: the whole pipeline works
            self._split_ok = False
            return None
        if xt.shape != (D,) or bgt.shape != (inst.m, D) or split.owner.max() >= inst.d:
            self._split_ok = False
            return None
        space = replace(inst, x=xt, feature_names=[f"c{c}" for c in range(D)], frame=False,
                        x_cols=list(xt), bg_cols=list(bgt.T))
        if self._split_ok is None:  # once per model: the shortcut gives the pipeline's numbers
            # masks from the bits of each column's index (and their complements): every two
            # columns are split by one of them, so a transform that mixes columns shows
            bits = (np.arange(inst.d)[None, :] >> np.arange(max(1, (inst.d - 1).bit_length()))[:, None]) & 1
            masks = np.concatenate([bits, 1 - bits]).astype(bool)
            rows = slice(0, min(inst.m, 4))
            try:
                want = np.asarray(self._fn(inst.cross(masks, rows)), dtype=float)
                got = np.asarray(split.fn(space.cross(masks[:, split.owner], rows)), dtype=float)
                self._split_ok = bool(want.shape == got.shape and np.allclose(
                    got, want, rtol=1e-9, atol=1e-12, equal_nan=True))
            except Exception:  # noqa: BLE001
                self._split_ok = False
            if not self._split_ok:
                return None
        inst._model_space = (self, space)
        return space

    def predict_hybrids(self, inst: Any, masks: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        """``predict(inst.cross(masks, rows))``, the same numbers, cheaper for pipelines
        that start with scalers or a column transformer."""
        n = len(masks) * len(np.arange(inst.m)[rows])
        space = self.model_space(inst) if self._worth(n) else None
        if space is None:
            return self.predict(inst.cross(masks, rows))
        masks = np.asarray(masks, dtype=bool)[:, self._split.owner]
        return self._counted(self._split.fn, space.cross(masks, rows))

    def predict_paired(self, inst: Any, masks: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``predict(inst.paired(masks, rows))`` (LIME's samples), as :meth:`predict_hybrids`."""
        space = self.model_space(inst) if self._worth(len(masks)) else None
        if space is None:
            return self.predict(inst.paired(masks, rows))
        masks = np.asarray(masks, dtype=bool)[:, self._split.owner]
        return self._counted(self._split.fn, space.paired(masks, rows))

    def _worth(self, rows: int) -> bool:
        """Whether a call of ``rows`` hybrid rows should take the pipeline shortcut: enough
        rows to gain, and a dense block small enough (wide one-hot outputs stay sparse
        through the whole pipeline instead)."""
        split = self._split
        return (split is not None and rows >= SHORTCUT_MIN_ROWS
                and rows * len(split.owner) <= SHORTCUT_MAX_VALUES)

    def _counted(self, fn: Callable[[Any], Any], batch: Any) -> np.ndarray:
        out = self._call(fn, batch)
        self.calls += 1
        self.rows += len(batch)
        return out

    def _predict(self, batch: Any) -> np.ndarray:
        return self._call(self._fn, batch)

    def _call(self, fn: Callable[[Any], Any], batch: Any) -> np.ndarray:
        n = len(batch)
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
