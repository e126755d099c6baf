"""What a torch module's layers hold and respond to: a histogram of each layer's weights
(and of their gradients for a loss), the first filters of conv layers, and for an input
``x`` each layer's activation statistics and the activation maps of conv layers.

The user's module is not changed: the pass runs on its own eval-mode view (the same
weights; :mod:`..models._torch_state`), hooks go on the view, gradients come from
``torch.autograd.grad`` (no ``.grad`` is written). Frozen parameters (``requires_grad``
off) get no gradient histogram; a loss or target that does not fit the output is refused
with the shapes named.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    >>> r = layer_report(net, torch.ones(2, 4))
    >>> int(r.histograms["0"][0].sum()), bool(r.stats.loc["1", "fraction_zero"] >= 0)
    (15, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..models._detect import is_torch_module
from ..models._torch_state import ModuleView
from . import _torch

BINS = 40
N_FILTERS = 16  # first filters of a conv layer drawn as a grid
N_CHANNELS = 16  # channels of a conv layer's activation drawn as a grid
KEEP_ACTIVATION = 4_000_000  # elements of one layer's output kept as an array (~16 MB)


@dataclass
class LayerReport:
    """Per layer (by module name): ``histograms[name] = (counts, edges)`` of its own
    parameters, ``gradients`` likewise (with a loss), ``filters[name]`` the first conv
    filters ``(k, in, kh, kw)``, ``activations[name]`` its output for the first input,
    ``stats`` a DataFrame (mean, std, fraction_zero, dead_fraction), ``image`` the input."""

    layers: list[str]
    types: dict[str, str]
    histograms: dict[str, tuple[np.ndarray, np.ndarray]]
    gradients: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    filters: dict[str, np.ndarray] = field(default_factory=dict)
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    stats: Any = None
    image: np.ndarray | None = None
    conv_layer: str | None = None

    def to_frame(self):
        """The statistics with each layer's type and parameter count."""
        import pandas as pd

        n = {k: int(v[0].sum()) for k, v in self.histograms.items()}
        frame = pd.DataFrame(
            {"type": pd.Series(self.types), "parameters": pd.Series(n, dtype="Int64")}
        )
        frame.index.name = "layer"
        if self.stats is not None:
            frame = frame.join(self.stats)
        return frame.loc[self.layers]


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.zeros(bins, np.int64), np.linspace(0, 1, bins + 1)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(values, bins=bins, range=(lo, hi))


def _flat_params(mod: Any) -> list:
    return list(mod.parameters(recurse=False))


def _stats(out: np.ndarray) -> dict:
    """Mean, std, fraction of exact zeros, and the fraction of units (channels for 4-D
    outputs) that are zero for every input of the batch: dead units."""
    a = np.asarray(out, dtype=np.float64)
    unit_axis = 1 if a.ndim >= 2 else 0
    moved = np.moveaxis(a, unit_axis, 0).reshape(a.shape[unit_axis], -1) if a.ndim else a
    return {
        "mean": float(a.mean()),
        "std": float(a.std()),
        "fraction_zero": float((a == 0).mean()),
        "dead_fraction": float((~(moved != 0).any(axis=1)).mean()) if a.ndim else 0.0,
    }


def _gradients(net: Any, x: Any, layers: dict[str, Any], loss: Any, target: Any):
    """``{layer: gradients of the loss w.r.t. its trainable parameters}``, taken on a view
    of ``net`` (autograd.grad: the user's ``.grad`` untouched)."""
    import torch

    view = ModuleView(net, grad=True)
    own = {n: [p for p in _flat_params(view.of(m)) if p.requires_grad] for n, m in layers.items()}
    params = [p for ps in own.values() for p in ps]
    args, kwargs = _torch.as_input(x)
    with torch.enable_grad():
        out = view.module(*args, **kwargs)
        out = getattr(out, "logits", out)
        value = _loss(out, loss, target)
        if not params:
            return {}
        grads = iter(torch.autograd.grad(value, params, allow_unused=True))
    return {n: [g for g in (next(grads) for _ in ps) if g is not None] for n, ps in own.items()}


def _loss(out: Any, loss: Any, target: Any) -> Any:
    """The loss of the output: the user's ``loss(out[, target])``, else cross-entropy for
    integer class labels and mean squared error for numbers of the output's shape."""
    import torch

    shape = tuple(getattr(out, "shape", ()))
    if callable(loss):
        try:
            value = loss(out) if target is None else loss(out, torch.as_tensor(target))
        except Exception as exc:
            raise InputError(
                f"the loss raised {type(exc).__name__}: {exc} on the output of shape {shape}"
                + ("" if target is None else f" and the target of shape {np.shape(target)}"),
                fix="make loss(output, target) take the module's output (and the target)",
            ) from None
    else:
        t = torch.as_tensor(np.asarray(target))
        labels = t.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8)
        if labels and len(shape) == 2:
            if tuple(t.shape) != shape[:1] or t.min() < 0 or t.max() >= shape[1]:
                raise InputError(
                    f"target has shape {tuple(t.shape)} and labels {int(t.min())}..{int(t.max())}"
                    f"; the output {shape} needs one class label in 0..{shape[1] - 1} per row",
                    fix=f"pass target= as {shape[0]} integer labels, or loss=",
                )
            value = torch.nn.functional.cross_entropy(out, t.long())
        else:
            if t.numel() != out.numel():
                raise InputError(
                    f"target has shape {tuple(t.shape)} and the output {shape}; mean squared "
                    "error needs one number per output",
                    fix=f"pass target= of shape {shape} (integer labels for cross-entropy), "
                    "or loss=",
                )
            value = torch.nn.functional.mse_loss(out, t.to(out.dtype).reshape(out.shape))
    if not (hasattr(value, "ndim") and value.ndim == 0):
        raise InputError(
            "the loss is not a single number",
            fix="make loss(output[, target]) return a scalar tensor",
        )
    return value


def _image(x: Any) -> np.ndarray | None:
    """The first input as an (h, w, 3) uint8 picture, if it is one (N, C, H, W), C in 1|3."""
    a = (
        x.detach().cpu().numpy()
        if hasattr(x, "detach")
        else np.asarray(x)
        if isinstance(x, np.ndarray)
        else None
    )
    if a is None or a.ndim != 4 or a.shape[1] not in (1, 3):
        return None
    img = np.moveaxis(a[0].astype(np.float64), 0, -1)
    lo, hi = img.min(), img.max()
    img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    img = np.repeat(img, 3, axis=-1) if img.shape[-1] == 1 else img
    return (img * 255).round().astype(np.uint8)


def layer_report(
    net: Any,
    x: Any = None,
    *,
    target: Any = None,
    loss: Any = None,
    layer: str | None = None,
    bins: int = BINS,
    only: str | None = None,
) -> LayerReport:
    """Histograms, filters and (with ``x``) activations of every layer with parameters or
    an output; ``layer`` names the conv layer whose maps are drawn (default: the last);
    ``only`` reads that one module (any, containers too) and nothing else."""
    if not is_torch_module(net):
        raise InputError(
            f"ll.layers reads torch modules, not a {type(net).__name__}",
            fix="pass a torch.nn.Module (for scikit-learn use ll.structure)",
        )
    if (target is not None or loss is not None) and x is None:
        raise InputError("a loss or target needs an input", fix="pass x as well")
    named = {n: m for n, m, again in _torch.walk(net) if n and again is None}
    if only is not None:
        leaves = {only: _torch.named_module(net, only)}
    else:
        leaves = {n: m for n, m in named.items() if not _torch._children(m) or _flat_params(m)}
    types = {n: type(m).__name__ for n, m in leaves.items()}
    hists, filters = {}, {}
    for n, m in leaves.items():
        ps = _flat_params(m)
        if ps:
            hists[n] = histogram(
                np.concatenate([p.detach().cpu().numpy().ravel() for p in ps]), bins
            )
        w = getattr(m, "weight", None)
        if type(m).__name__ in ("Conv2d", "ConvTranspose2d") and w is not None:
            filters[n] = w.detach().cpu().numpy()[:N_FILTERS].astype(np.float32)
    report = LayerReport(list(leaves), types, hists, filters=filters)
    if x is None:
        return report
    outs: dict[str, Any] = {}
    _torch.forward(net, x, leaves, lambda name, _m, out: outs.setdefault(name, out))
    rows, acts = {}, {}
    for n, out in outs.items():
        t = out[0] if isinstance(out, (tuple, list)) else out
        if not hasattr(t, "detach"):
            continue
        a = t.detach().cpu().numpy()
        rows[n] = _stats(a)
        if a[:1].size <= KEEP_ACTIVATION:
            acts[n] = a[0].copy()
    import pandas as pd

    report.stats = pd.DataFrame.from_dict(rows, orient="index")
    report.activations = acts
    report.image = _image(x)
    maps = [n for n in leaves if n in acts and acts[n].ndim == 3]
    conv = [n for n in maps if "Conv" in types[n]] or maps
    if only is not None:
        layer = only if only in acts else None
    elif layer is not None and layer not in acts:
        raise InputError(
            f"no layer named {layer!r} with an output",
            fix=f"use one of {conv[:8] or list(acts)[:8]}",
        )
    report.conv_layer = layer or (conv[-1] if conv else None)
    if target is not None or loss is not None:
        grads = _gradients(net, x, {n: leaves[n] for n in leaves if n in hists}, loss, target)
        for n, parts in grads.items():
            if parts:
                report.gradients[n] = histogram(
                    np.concatenate([g.detach().cpu().numpy().ravel() for g in parts]), bins
                )
    return report
