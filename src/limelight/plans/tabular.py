"""Planning a tabular explanation: adapt the model, read x and the background, probe the
model once, choose the method ("auto": exact up to 12 features, Kernel SHAP above).

>>> import numpy as np
>>> from limelight.api import plan
>>> p = plan(lambda X: X.sum(axis=1), np.array([1.0, 2.0]), background=np.zeros((4, 2)))
>>> type(p.explainer).__name__, p.run().values.round(9).tolist()
('ExactShapley', [[1.0, 2.0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, MethodError, ModelError
from ..explainers.base import Explainer
from ..explainers.lime_tabular import TabularLime
from ..explainers.shapley import ExactShapley, KernelShap
from ..inputs.tabular import BACKGROUND_ROWS, read_instance
from ..models.base import Model
from ..models.tabular import TabularModel
from . import Plan

METHODS = ("exact", "kernel", "lime")
AUTO_EXACT_MAX = 12


class OneOutput(Model):
    """A view of one output of a model (``output=``), so explainers compute only it."""

    def __init__(self, model: TabularModel, index: int) -> None:
        self.inner, self.index = model, index
        self.kind = model.kind
        super().__init__([model.output_names[index]])

    def predict(self, batch: Any) -> np.ndarray:
        out = self.inner.predict(batch)[:, [self.index]]
        self.calls, self.rows = self.inner.calls, self.inner.rows
        return out


def _output_index(names: list[str], output: int | str) -> int:
    if isinstance(output, str):
        if output in names:
            return names.index(output)
        raise InputError(f"no output named {output!r}", fix=f"use one of {names[:20]}")
    try:
        i = int(output)
    except (TypeError, ValueError):
        raise InputError(f"output={output!r}", fix="give an output's name or index") from None
    if not -len(names) <= i < len(names):
        raise InputError(
            f"output {i} is out of range for {len(names)} outputs",
            fix=f"use 0..{len(names) - 1} or a name from {names[:20]}",
        )
    return i % len(names)


def probe(model: TabularModel, inst) -> np.ndarray:
    """One model call on the instance and a background row, so a model that cannot take
    the data fails here, in the user's cell, with a clear message."""
    masks = np.array([np.ones(inst.d, bool), np.zeros(inst.d, bool)])
    try:
        out = model.predict(inst.cross(masks, slice(0, 1)))
    except ModelError as exc:
        nan = [
            n
            for n, v in zip(inst.feature_names, inst.x)
            if isinstance(v, (float, np.floating)) and not np.isfinite(v)
        ]
        if nan:
            raise InputError(
                f"x has NaN or inf in {nan} and the model cannot take them ({exc.problem})",
                fix="impute the missing values (or use a model that handles NaN)",
            ) from exc
        raise
    return out[0]


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    feature_names: Any = None,
    output_names: Any = None,
    model_output: str = "auto",
    background_size: int = BACKGROUND_ROWS,
    background_summary: str = "auto",
    max_evals: int | None = None,
    tol: float = 0.01,
    n_samples: int = 5000,
    kernel_width: float | None = None,
    batch_size: int | None = None,
    rows_per_call: int | None = None,
    **unknown: Any,
) -> Plan:
    """Plan a tabular explanation (see :func:`limelight.attribute` for the arguments).

    Options: ``max_evals`` / ``tol`` (kernel), ``n_samples`` / ``kernel_width`` (lime),
    ``background_size`` (rows kept, default 100) and ``background_summary``
    (``"auto"``, ``"kmeans"``, ``"sample"``), ``feature_names``, ``output_names``,
    ``model_output`` (``"auto"``, ``"proba"``, ``"decision"``, ``"predict"``).
    """
    unknown.pop("modality", None)
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for a tabular explanation",
            fix="see help(limelight.plans.tabular.plan) for the options",
        )
    adapted = TabularModel.from_any(model, output_names=output_names, model_output=model_output)
    inst = read_instance(
        x,
        background,
        model=adapted,
        feature_names=feature_names,
        background_size=background_size,
        background_summary=background_summary,
        random_state=random_state,
    )
    probe(adapted, inst)
    used: Model = adapted
    if output is not None:
        used = OneOutput(adapted, _output_index(adapted.output_names, output))
    choice = method
    if method == "auto":
        choice = "exact" if inst.d <= AUTO_EXACT_MAX else "kernel"
    per_call = {} if rows_per_call is None else {"rows_per_call": int(rows_per_call)}
    explainer: Explainer
    if choice == "exact":
        explainer = ExactShapley(**per_call)
    elif choice == "kernel":
        explainer = KernelShap(
            max_evals=max_evals,
            tol=tol,
            random_state=random_state,
            batch_size=batch_size,
            **per_call,
        )
    elif choice == "lime":
        explainer = TabularLime(
            n_samples=n_samples,
            kernel_width=kernel_width,
            batch_size=batch_size,
            random_state=random_state,
        )
    else:
        raise MethodError(
            f"unknown method {method!r} for tabular data", fix=f"use 'auto' or one of {METHODS}"
        )
    return Plan(model=used, instance=inst, explainer=explainer)
