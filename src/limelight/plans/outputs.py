"""The one rule for which outputs an explanation computes, for every modality.

``output=`` names them: a name, an index (negative counts from the end) or a list of
either. ``output=None`` computes every output of a model with up to 10 and the 5 with the
highest prediction above that. Values then have shape ``(len(chosen), ...)`` and
``output_names`` says which.

    >>> names = [f"class {i}" for i in range(12)]
    >>> choose_outputs(names, "class 3"), choose_outputs(names, [-1, 0])
    ([3], [11, 0])
    >>> choose_outputs(names, None, scores=range(12))
    [11, 10, 9, 8, 7]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError

MAX_ALL_OUTPUTS = 10  # output=None computes every output up to this many
TOP_OUTPUTS = 5  # and the top ones by prediction above it


def output_index(names: list[str], output: int | str) -> int:
    """The index of one output given by name or index, or an InputError naming the valid ones."""
    if isinstance(output, str):
        if output in names:
            return names.index(output)
        raise InputError(f"no output named {output!r}", fix=f"use one of {names[:20]}")
    if isinstance(output, (bool, np.bool_)) or not isinstance(output, (int, np.integer)):
        raise InputError(
            f"output={output!r}", fix="give an output's name or index, or a list of them"
        )
    i = int(output)
    if not -len(names) <= i < len(names):
        raise InputError(
            f"output {i} is out of range for {len(names)} outputs",
            fix=f"use 0..{len(names) - 1} or a name from {names[:20]}",
        )
    return i % len(names)


def choose_outputs(
    names: list[str], output: Any, *, scores: Sequence[float] | None = None
) -> list[int]:
    """The outputs to compute (indices into ``names``) under the rule above; ``scores``:
    the model's outputs on the instance, to pick the top ones of a many-output model."""
    k = len(names)
    if output is None:
        if k <= MAX_ALL_OUTPUTS or scores is None:
            return list(range(k))
        order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
        return [int(i) for i in order[:TOP_OUTPUTS]]
    if isinstance(output, (list, tuple, np.ndarray)):
        chosen: list[int] = []
        for o in output:
            i = output_index(names, o.item() if isinstance(o, np.generic) else o)
            if i not in chosen:
                chosen.append(i)
        if not chosen:
            raise InputError("output=[] chooses no output", fix="name at least one, or pass None")
        return chosen
    return [output_index(names, output)]


def predicted_classes(out: np.ndarray, model: Any) -> np.ndarray:
    """The class each row of a classifier's outputs ``out`` (n, k) predicts: the largest of
    one column per class; for one column (a binary classifier's log-odds, decision score
    or probability of its second class) the second class where the column is above 0 (0.5
    for a probability). Labels are ``model.classes`` (else the output names; 0/1 for one
    column).

        >>> class M: classes, output_names, output_scale = ["no", "yes"], ["yes"], "log-odds"
        >>> predicted_classes(np.array([[-0.2], [1.5]]), M()).tolist()
        ['no', 'yes']
    """
    out = np.asarray(out, dtype=float)
    classes = getattr(model, "classes", None)
    if out.shape[1] == 1:
        cut = 0.5 if getattr(model, "output_scale", None) == "probability" else 0.0
        two = list(classes) if classes is not None and len(classes) == 2 else [0, 1]
        return np.asarray(two)[(out[:, 0] > cut).astype(int)]
    labels = classes if classes is not None and len(classes) == out.shape[1] else None
    return np.asarray(labels if labels is not None else model.output_names)[out.argmax(axis=1)]


def one_output(model: Any, output: Any, *, what: str) -> int:
    """The one output a global view shows: ``output`` (a name or index), or by default the
    only one, or a binary classifier's second class (as scikit-learn's partial
    dependence); a model with several other outputs must say which (InputError)."""
    names = list(model.output_names)
    if output is not None:
        if isinstance(output, (list, tuple, np.ndarray)):
            raise InputError(f"output={output!r}", fix=f"{what} shows one output: give one")
        return output_index(names, output.item() if isinstance(output, np.generic) else output)
    if len(names) == 1:
        return 0
    if getattr(model, "kind", None) == "classifier" and len(names) == 2:
        return 1
    raise InputError(
        f"the model has {len(names)} outputs ({names[:10]}) and {what} shows one",
        fix=f"say which: output={names[-1]!r} (a name or an index)",
    )
