"""Models that read raw strings: scikit-learn text pipelines and callables on ``list[str]``.

>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.feature_extraction.text import TfidfVectorizer
>>> from sklearn.linear_model import LogisticRegression
>>> pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
>>> pipe = pipe.fit(["good film", "bad film", "good", "bad"], [1, 0, 1, 0])
>>> m = TextModel.from_any(pipe)
>>> m.output_names, m.predict(["good"]).shape
(['0', '1'], (1, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from .base import Model


class TextModel(Model):
    """A model called on a list of strings, returning an ``(n, k)`` float array.

    ``fn`` is called with a ``list[str]``; a 1-D result becomes one output column.
    Use :meth:`from_any` to wrap a scikit-learn estimator or pipeline.
    """

    def __init__(
        self,
        fn: Callable[[list[str]], Any],
        *,
        output_names: Sequence[str] | None = None,
        kind: str = "function",
    ) -> None:
        self._fn = fn
        self.kind = kind
        super().__init__(list(output_names) if output_names is not None else [])

    @classmethod
    def from_any(
        cls, model: Any, *, output_names: Sequence[str] | None = None, output: str = "auto"
    ) -> TextModel:
        """Wrap an sklearn estimator/pipeline on raw strings, or a callable on ``list[str]``.

        ``output``: ``"auto"`` (probabilities when the model has ``predict_proba``, else
        ``decision_function``, else ``predict``), ``"proba"``, ``"decision"``, ``"predict"``.
        """
        if isinstance(model, TextModel):
            return model
        if hasattr(model, "predict") and hasattr(model, "fit"):
            fn, kind, names = _sklearn_fn(model, output)
            return cls(fn, output_names=output_names or names, kind=kind)
        if callable(model):
            return cls(model, output_names=output_names)
        raise ModelError(
            f"cannot use a {type(model).__name__} as a text model",
            fix="pass a fitted scikit-learn pipeline that takes raw strings, a function "
            "list[str] -> array, or a torch module with tokenizer=",
        )

    def _predict(self, batch: Any) -> np.ndarray:
        texts = list(batch)
        try:
            out = self._fn(texts)
        except Exception as exc:  # the user's model failing is reported, not swallowed
            raise ModelError(
                f"the model raised {type(exc).__name__}: {exc} when called on "
                f"{len(texts)} string(s) such as {texts[0][:60]!r}",
                fix="make the model accept a list of raw strings (perturbed texts may have "
                "words removed or replaced by the mask token; try masking='token')",
            ) from exc
        out = np.asarray(out, dtype=float)
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != len(texts):
            raise ModelError(
                f"the model returned shape {out.shape} for {len(texts)} strings",
                fix="return one row (or one number) per input string",
            )
        if not self.output_names:
            self.output_names = [str(i) for i in range(out.shape[1])]
        elif len(self.output_names) != out.shape[1]:
            raise InputError(
                f"{len(self.output_names)} output_names for a model with {out.shape[1]} outputs",
                fix="give one name per output column",
            )
        return out


def _sklearn_fn(model: Any, output: str):
    names = _sklearn_output_names(model)
    has_proba = hasattr(model, "predict_proba")
    if output == "auto":
        output = (
            "proba"
            if has_proba
            else ("decision" if hasattr(model, "decision_function") else "predict")
        )
    if output == "proba":
        if not has_proba:
            raise ModelError(
                f"{type(model).__name__} has no predict_proba",
                fix="use output='decision' or 'predict', or a classifier with probabilities",
            )
        return model.predict_proba, "classifier", names
    if output == "decision":
        if names is not None and len(names) == 2:
            names = [names[1]]  # binary decision_function scores the positive class
        return model.decision_function, "classifier", names
    if output == "predict":
        return model.predict, "regressor", None
    raise InputError(
        f"unknown output {output!r}", fix="use 'auto', 'proba', 'decision' or 'predict'"
    )


def _sklearn_output_names(model: Any) -> list[str] | None:
    """The class names of a classifier (its ``classes_``), None for other models."""
    classes = getattr(model, "classes_", None)
    return [str(c) for c in classes] if classes is not None else None


class TextOutputs(Model):
    """The outputs ``output=`` chose of a text model (``columns``): explainers see and
    compute only those (for a torch model, one backward pass per chosen output).

        >>> m = TextModel(lambda xs: [[1.0, 2.0, 3.0]] * len(xs), output_names=["a", "b", "c"])
        >>> view = TextOutputs(m, [2, 0])
        >>> view.output_names, view.predict(["x"]).tolist()
        (['c', 'a'], [[3.0, 1.0]])
    """

    def __init__(self, inner: Model, columns: Sequence[int]) -> None:
        self.inner, self.columns = inner, [int(c) for c in columns]
        self.kind = inner.kind
        self.differentiable = inner.differentiable
        super().__init__([inner.output_names[c] for c in self.columns])

    def _predict(self, batch: Any) -> np.ndarray:
        return self.inner.predict(batch)[:, self.columns]

    def embedding_gradients(
        self, ids: np.ndarray, *, alphas: np.ndarray, baseline_id=None, gradients: bool = True
    ):
        """The inner torch model's gradients for the chosen outputs only."""
        out = self.inner.embedding_gradients(
            ids, alphas=alphas, baseline_id=baseline_id, outputs=self.columns, gradients=gradients
        )
        self.calls, self.rows = self.inner.calls, self.inner.rows
        return out
