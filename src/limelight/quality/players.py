"""The players the quality curves hide (:class:`Players`), per modality: features (each
replaced by the background), tokens (masked as the explanation masked them), image segments
(set to the baseline the explanation used, else the mean colour)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the value type imports this module: no cycle back
    from ..explanation import Explanation
from ..inputs.groups import ungroup


@dataclass
class Players:
    """What the curves hide: ``scores`` per player and ``evaluate(keep) -> outputs``
    (``keep``: ``(n, players)`` booleans) with ``rows`` model rows per mask."""

    scores: np.ndarray
    evaluate: Callable[[np.ndarray], np.ndarray]
    rows: int = 1
    #: how a hidden player is replaced (named in the metrics' params)
    baseline: str = ""


def tabular_players(model: Any, inst: Any, exp: Explanation, i: int, k: int) -> Players:
    scores = exp.values.reshape(exp.n_outputs, -1)[i]
    # the adapter behind the explanation's context: the curves' rows are not the
    # explanation's (its counters stay its own), through a pipeline's split when it has one
    adapter = getattr(model, "adapter", model)
    names = list(adapter.output_names)
    name = exp.output_names[i]
    col = names.index(name) if name in names else k
    split = getattr(model, "split", None)

    def evaluate(keep: np.ndarray) -> np.ndarray:
        cols, keep = ungroup(inst, keep)  # feature groups: their columns' masks
        space = model.model_space(cols) if split is not None else None
        if space is not None:
            out = adapter.call(split.fn, space.cross(keep[:, split.owner]))
        else:
            out = adapter.predict(cols.cross(keep))
        return out[:, col].reshape(len(keep), inst.m) @ inst.weights

    baseline = f"background: each hidden feature from its {inst.m} rows, outputs averaged"
    return Players(np.asarray(scores, float), evaluate, rows=inst.m, baseline=baseline)


def text_players(model: Any, inst: Any, exp: Explanation, i: int, k: int) -> Players:
    scores = exp.values.reshape(exp.n_outputs, -1)[i]

    def evaluate(keep: np.ndarray) -> np.ndarray:
        return model.predict(inst.perturb(keep))[:, k]

    return Players(np.asarray(scores, float), evaluate, baseline="tokens masked as explained")


def image_players(model: Any, inst: Any, exp: Explanation, i: int, k: int) -> Players:
    from ..inputs.image import baseline_image, grid_segments

    labels = exp.extras.get("segments")
    h, w = inst.spatial_shape
    if labels is None or np.shape(labels) != (h, w):
        labels = grid_segments(h, w, n_segments=49)
    labels = np.asarray(labels, dtype=np.int64)
    n = int(labels.max()) + 1
    vmap = np.asarray(exp.values[i], float)
    if vmap.shape != (h, w):
        vmap = np.zeros((h, w))  # a map at another resolution: flat scores, curves stay valid
    scores = np.bincount(labels.reshape(-1), weights=vmap.reshape(-1), minlength=n)
    baseline = exp.params.get("baseline")
    if not isinstance(baseline, (int, float, str)) or baseline in ("blur",):
        baseline = "mean" if baseline != "blur" else baseline
    try:
        base_img = baseline_image(inst, baseline)
    except Exception:  # noqa: BLE001 - an array baseline recorded by description
        base_img = baseline_image(inst, "mean")

    def evaluate(keep: np.ndarray) -> np.ndarray:
        out = []
        for start in range(0, len(keep), 64):
            part = keep[start : start + 64]
            pix = inst.spatial_mask(part[:, labels])
            imgs = np.where(pix, inst.input[None], base_img[None]).astype(np.float32)
            out.append(np.asarray(model.predict(imgs))[:, k])
        return np.concatenate(out)

    return Players(scores, evaluate, baseline=f"segments set to the {baseline} image")


def _output_column(model: Any, exp: Explanation, i: int) -> int:
    targets = exp.params.get("targets")
    if exp.modality == "image" and targets:
        return int(targets[i])
    name = exp.output_names[i]
    names = list(getattr(model, "output_names", []) or [])
    return names.index(name) if name in names else i


def players_for(plan: Any, exp: Explanation) -> Callable[[], Players] | None:
    """A builder of :class:`Players` for ``exp``'s modality (None where there is none)."""
    if exp.modality not in ("tabular", "text", "image") or exp.n_outputs == 0:
        return None
    i = exp.output_index(None)
    k = _output_column(plan.model, exp, i)
    make = {"tabular": tabular_players, "text": text_players, "image": image_players}
    return lambda: make[exp.modality](plan.model, plan.instance, exp, i, k)
