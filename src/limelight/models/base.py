"""The one `Model` protocol every explainer calls: batched predict, named outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import ModelError


def check_finite(out: np.ndarray, what: str, n: int) -> np.ndarray:
    """``out`` if every number is finite, else the :class:`ModelError` every modality gives
    (an explanation made of NaN would be drawn as "no importance", silently wrong)."""
    if np.issubdtype(np.asarray(out).dtype, np.number) and not np.isfinite(out).all():
        bad = int((~np.isfinite(out)).reshape(len(out), -1).any(axis=1).sum())
        raise ModelError(
            f"the model {what} NaN or inf for {bad} of {n} inputs (perturbed inputs the "
            "explainer made from yours, or the input itself)",
            fix="make the model return finite numbers for every input (e.g. guard a log or a "
            "division), or impute missing values first",
        )
    return out


class Model:
    """A model seen through limelight: ``predict(batch) -> (n, k)`` float array.

    Subclasses implement :meth:`_predict`; :meth:`predict` validates the shape and counts
    calls and rows, so explainers can report ``n_evals`` and benchmarks can count calls.

        >>> m = FunctionModel(lambda X: X.sum(axis=1), output_names=["sum"])  # doctest: +SKIP
        >>> m.predict(np.ones((2, 3)))                                         # doctest: +SKIP
        array([[3.], [3.]])
    """

    output_names: list[str]
    kind: str = "function"  # "classifier" | "regressor" | "function" | "torch"

    def __init__(self, output_names: list[str]) -> None:
        self.output_names = [str(n) for n in output_names]
        self.calls = 0
        self.rows = 0

    @property
    def n_outputs(self) -> int:
        return len(self.output_names)

    def predict(self, batch: Any) -> np.ndarray:
        check_cancelled()  # a cancelled run stops here, whatever the explainer
        out = self._predict(batch)
        self.calls += 1
        self.rows += len(batch)
        return check_finite(out, "returned", len(batch))

    def _predict(self, batch: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # gradient methods need this; perturbation methods never call it
    differentiable: bool = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(outputs={self.output_names})"
