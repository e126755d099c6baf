"""Permutation importance: how much a score drops when one feature's column is shuffled.

Batched: every feature's shuffled copy of the data for one repeat goes to the model in
as few calls as the row limit allows (scikit-learn makes one call per feature and repeat,
and a random forest pays ~7 ms per call whatever its size).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..models.tabular import TabularModel
from .base import Explainer

ROWS_PER_CALL = 200_000


def _scorer(name: str | Callable | None, model: TabularModel) -> tuple[str, Callable]:
    """``(name, score(y_true, outputs))`` with outputs the model's ``(n, k)`` array."""
    from sklearn import metrics

    classes = np.asarray(model.classes) if model.classes is not None else None

    def labels(out):
        if classes is not None and out.shape[1] == len(classes):
            return classes[out.argmax(axis=1)]
        if classes is not None and out.shape[1] == 1 and len(classes) == 2:
            return classes[(out[:, 0] > 0).astype(int)]
        return out.argmax(axis=1)

    if callable(name):
        return getattr(name, "__name__", "score"), name
    if name is None:
        name = "accuracy" if model.kind == "classifier" else "r2"
    def r2(y, o):  # numpy, no validation: called once per feature and repeat
        p = o[:, 0] if o.shape[1] == 1 else o
        yv = np.asarray(y, dtype=float)
        return 1.0 - ((yv - p) ** 2).sum() / max(((yv - yv.mean()) ** 2).sum(), 1e-300)

    table = {
        "accuracy": lambda y, o: float(np.mean(labels(o) == np.asarray(y))),
        "balanced_accuracy": lambda y, o: metrics.balanced_accuracy_score(y, labels(o)),
        "r2": r2,
        "neg_mean_squared_error": lambda y, o: -metrics.mean_squared_error(y, o[:, 0]),
        "neg_mean_absolute_error": lambda y, o: -metrics.mean_absolute_error(y, o[:, 0]),
        "neg_log_loss": lambda y, o: -metrics.log_loss(y, o, labels=classes),
        "roc_auc": lambda y, o: metrics.roc_auc_score(y, o[:, -1] if o.shape[1] == 2 else o,
                                                      multi_class="ovr"),
    }
    if name not in table:
        raise InputError(f"unknown scoring {name!r}",
                         fix=f"use one of {sorted(table)} or a function score(y_true, outputs)")
    return name, table[name]


class PermutationImportance(Explainer):
    """Mean drop in ``scoring`` over ``n_repeats`` shuffles of each feature, streamed one
    repeat at a time with its standard error."""

    name = "permutation"

    def __init__(self, *, n_repeats: int = 5, scoring: Any = None, random_state=None,
                 rows_per_call: int = ROWS_PER_CALL) -> None:
        if int(n_repeats) < 1:
            raise InputError(f"n_repeats={n_repeats}", fix="use n_repeats >= 1")
        self.n_repeats = int(n_repeats)
        self.scoring = scoring
        self.random_state = random_state
        self.rows_per_call = int(rows_per_call)

    def stream(self, model: TabularModel, data: Any) -> Iterator[Explanation]:
        inst, y = data  # a TabularInstance whose background is the data set, and labels
        n, d = inst.m, inst.d
        name, score = _scorer(self.scoring, model)
        full = inst.background_batch()
        base = float(score(y, model.predict(full)))
        rng = np.random.default_rng(self.random_state)
        samples = np.zeros((d, 0))
        per_call = max(1, self.rows_per_call // max(n, 1))
        for r in range(self.n_repeats):
            drops = np.empty(d)
            for f0 in range(0, d, per_call):
                feats = range(f0, min(d, f0 + per_call))
                cols = []
                for j in range(d):
                    parts = []
                    for f in feats:
                        col = inst.bg_cols[j]
                        parts.append(col[rng.permutation(n)] if f == j else col)
                    cols.append(np.concatenate(parts))
                out = model.predict(inst._assemble(cols)).reshape(len(feats), n, -1)
                for i, f in enumerate(feats):
                    drops[f] = base - float(score(y, out[i]))
            samples = np.concatenate([samples, drops[:, None]], axis=1)
            reps = samples.shape[1]
            stderr = samples.std(axis=1, ddof=1) / np.sqrt(reps) if reps > 1 else None
            yield Explanation(
                values=samples.mean(axis=1)[None, :], base_values=[base], prediction=[base],
                output_names=[name], feature_names=list(inst.feature_names), method=self.name,
                params={"budget": n * d * self.n_repeats + n, "n_repeats": self.n_repeats,
                        "scoring": name, "rows": n},
                stderr=None if stderr is None else stderr[None, :],
                n_evals=n + n * d * reps, done=reps == self.n_repeats, modality="importance",
                extras={"samples": samples[None, :, :]},
            )
