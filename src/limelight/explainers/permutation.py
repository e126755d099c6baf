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


def scorer(
    name: str | Callable | None, model: TabularModel, classes: Any = None
) -> tuple[str, Callable]:
    """``(name, score(y_true, outputs))`` with outputs the model's ``(n, k)`` array;
    ``classes``: the label of each output column (default: the model's classes)."""
    from sklearn import metrics

    if classes is None and model.classes is not None:
        classes = model.classes
    classes = np.asarray(classes, dtype=object) if classes is not None else None

    def labels(out):
        if classes is not None and out.shape[1] == len(classes):
            return classes[out.argmax(axis=1)]
        if classes is not None and out.shape[1] == 1 and len(classes) == 2:
            # one column: a probability (threshold 0.5) or a log-odds / decision score (0);
            # guessed from the values only for a function that does not say which
            known = model.output_kind is not None or model.output_scale is not None
            prob = model.output_kind == "proba" or model.output_scale == "probability"
            guess = not known and out.min() >= 0 and out.max() <= 1
            cut = 0.5 if prob or guess else 0
            return classes[(out[:, 0] > cut).astype(int)]
        return out.argmax(axis=1)

    if callable(name):
        return getattr(name, "__name__", "score"), name
    if name is None:
        name = "accuracy" if model.kind == "classifier" or classes is not None else "r2"

    def r2(y, o):  # numpy, no validation: called once per feature and repeat
        p = o[:, 0] if o.shape[1] == 1 else o
        yv = np.asarray(y, dtype=float)
        return 1.0 - ((yv - p) ** 2).sum() / max(((yv - yv.mean()) ** 2).sum(), 1e-300)

    table = {
        "accuracy": lambda y, o: float(np.mean(labels(o) == np.asarray(y, dtype=object))),
        "balanced_accuracy": lambda y, o: metrics.balanced_accuracy_score(y, labels(o)),
        "r2": r2,
        "neg_mean_squared_error": lambda y, o: -metrics.mean_squared_error(y, o[:, 0]),
        "neg_mean_absolute_error": lambda y, o: -metrics.mean_absolute_error(y, o[:, 0]),
        "neg_log_loss": lambda y, o: -metrics.log_loss(y, o, labels=classes),
        "roc_auc": lambda y, o: metrics.roc_auc_score(
            y, o[:, -1] if o.shape[1] == 2 else o, multi_class="ovr"
        ),
    }
    if name not in table:
        raise InputError(
            f"unknown scoring {name!r}",
            fix=f"use one of {sorted(table)} or a function score(y_true, outputs)",
        )
    return name, table[name]


class PermutationImportance(Explainer):
    """Mean drop in ``scoring`` over ``n_repeats`` shuffles of each feature, streamed one
    repeat at a time with its standard error."""

    name = "permutation"

    def __init__(
        self,
        *,
        n_repeats: int = 5,
        scoring: Any = None,
        random_state=None,
        rows_per_call: int = ROWS_PER_CALL,
        classes: Any = None,
    ) -> None:
        if int(n_repeats) < 1:
            raise InputError(f"n_repeats={n_repeats}", fix="use n_repeats >= 1")
        self.n_repeats = int(n_repeats)
        self.scoring = scoring
        self.random_state = random_state
        self.rows_per_call = int(rows_per_call)
        self.classes = classes

    def stream(self, model: TabularModel, data: Any) -> Iterator[Explanation]:
        # a TabularInstance whose background is the data set, the labels, and optionally
        # the model's outputs on the unshuffled data (the planner's probe call)
        inst, y, *rest = data
        n, d, R = inst.m, inst.d, self.n_repeats
        owner = getattr(inst, "owner", np.arange(d))  # each column's player
        name, score = scorer(self.scoring, model, self.classes)
        base_out = rest[0] if rest and rest[0] is not None else None
        if base_out is None:
            base_out = model.predict(inst.background_batch())
        base = float(score(y, base_out))
        rng = np.random.default_rng(self.random_state)
        # (repeat, feature) units in order; as many as fit go to the model in one call
        units = [(r, f) for r in range(R) for f in range(d)]
        per_call = max(1, self.rows_per_call // max(n, 1))
        drops = np.empty((d, R))
        reported = 0
        for u0 in range(0, len(units), per_call):
            chunk = units[u0 : u0 + per_call]
            perms = [rng.permutation(n) for _ in chunk]
            cols = []
            for j, player in enumerate(owner):  # a feature group's columns: one permutation
                col = inst.bg_cols[j]
                big = np.tile(col, len(chunk))
                for i, (_, f) in enumerate(chunk):
                    if f == player:
                        big[i * n : (i + 1) * n] = col[perms[i]]
                cols.append(big)
            out = model.predict(inst.assemble(cols)).reshape(len(chunk), n, -1)
            for i, (r, f) in enumerate(chunk):
                drops[f, r] = base - float(score(y, out[i]))
            complete = (u0 + len(chunk)) // d
            while reported < complete:  # one partial per finished repeat
                reported += 1
                yield self._partial(inst, name, base, drops[:, :reported], n)

    def _partial(self, inst, name: str, base: float, samples: np.ndarray, n: int) -> Explanation:
        d, reps = samples.shape
        stderr = samples.std(axis=1, ddof=1) / np.sqrt(reps) if reps > 1 else None
        return Explanation(
            values=samples.mean(axis=1)[None, :],
            base_values=[base],
            prediction=[base],
            output_names=[name],
            feature_names=list(inst.feature_names),
            method=self.name,
            params={
                "budget": n * d * self.n_repeats + n,
                "n_repeats": self.n_repeats,
                "scoring": name,
                "rows": n,
            },
            stderr=None if stderr is None else stderr[None, :],
            n_evals=n + n * d * reps,
            done=reps == self.n_repeats,
            modality="importance",
            extras={"samples": samples.copy()[None, :, :]},
        )
