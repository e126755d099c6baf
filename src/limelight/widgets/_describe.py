"""The one line of text (``text/plain``) an explanation widget's output says: what it is and
how its run went, never "running" once it ended.

    >>> describe_run(None, {"status": "error", "message": "boom"}, "tabular")
    'explanation (tabular, error: boom)'
"""

from __future__ import annotations

import numpy as np

from ..explanation import Explanation


def describe_run(exp: Explanation | None, progress: dict, view: str = "") -> str:
    """One honest line for a run: what it is and how it went, e.g.
    ``explanation (tabular, exact, done): 13 features, top proline +0.015``."""
    progress = progress or {}
    status = progress.get("status") or ("done" if exp is not None and exp.done else "idle")
    kind = (exp.modality if exp is not None else view) or "empty"
    method = f", {exp.method}" if exp is not None and exp.method else ""
    head = f"explanation ({kind}{method}"
    if status == "error":
        return f"{head}, error: {progress.get('message', 'the run failed')})"
    if status == "cancelled":
        n, budget = progress.get("n_evals", 0), progress.get("budget")
        of = f" of {budget}" if budget else ""
        head = f"{head}, cancelled after {n}{of} evaluations"
    else:
        head = f"{head}, {status}"
    if exp is None or exp.values.size == 0:
        return head + ")"
    return f"{head}): {_summary(exp)}"


def _summary(exp: Explanation) -> str:
    values = exp.values[0].reshape(-1)
    names = exp.feature_names or [f"#{j}" for j in range(values.size)]
    unit = {"text": "tokens", "image": "segments"}.get(exp.modality, "features")
    if values.size != len(names):  # pixels: no names to rank
        return f"{exp.output_names[0]}"
    top = int(np.nanargmax(np.abs(values))) if np.isfinite(values).any() else 0
    return f"{values.size} {unit}, top {names[top]} {float(values[top]):+.4g}"
