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
