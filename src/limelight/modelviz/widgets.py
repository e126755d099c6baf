"""The structure and layers widgets (the monitor lives in ``monitor.py``).

`StructureWidget` draws a model's tree (collapsible, repeated blocks folded, searchable);
for a torch module with an example, selecting a layer (in the browser or by setting
``.selected``) shows its weights and activations below. `LayersWidget` lists every layer
with its weight histogram, filters and activation maps.

    >>> import torch
    >>> w = StructureWidget(torch.nn.Sequential(torch.nn.Linear(3, 2)), torch.zeros(1, 3))
    >>> w.to_frame()["output_shape"].tolist()
    [(1, 2), (1, 2)]
"""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..encoders import buffers as _buffers
from ..errors import InputError
from ..export import model_svg, model_views
from ..widgets import _esm
from ..widgets._display import StaticDisplay
from .layers import LayerReport, layer_report
from .structure import Structure, model_structure


def detail(report: LayerReport, name: str) -> tuple[dict, dict[str, np.ndarray]]:
    """What the detail panel draws for layer ``name``: meta and arrays."""
    meta: dict[str, Any] = {"name": name, "type": report.types.get(name, "")}
    arrays: dict[str, np.ndarray] = {}
    if name in report.histograms:
        counts, edges = report.histograms[name]
        meta["params"] = int(counts.sum())
        arrays["hist"], arrays["hist_edges"] = counts.astype(np.float32), edges
    if name in report.gradients:
        counts, edges = report.gradients[name]
        arrays["grad"], arrays["grad_edges"] = counts.astype(np.float32), edges
    if name in report.filters:
        f = report.filters[name]
        arrays["filters"] = f[:, :3] if f.shape[1] in (3,) else f[:, :1]
    if report.stats is not None and name in report.stats.index:
        meta["stats"] = {k: float(v) for k, v in report.stats.loc[name].items()}
    act = report.activations.get(name)
    if act is not None and act.ndim == 3:
        from .layers import N_CHANNELS

        arrays["maps"] = act[:N_CHANNELS].astype(np.float32)
        meta["channels"] = int(act.shape[0])
        if report.image is not None:
            arrays["image"] = report.image
    return meta, arrays


class _ModelView(StaticDisplay, anywidget.AnyWidget):
    _esm = _esm("modelviz.js")
    _view = traitlets.Unicode("").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _detail = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "snapshot":
            threading.Thread(
                target=model_views.reply_snapshot, args=(self, content), daemon=True
            ).start()
        elif isinstance(content, dict) and content.get("type") == "ready":
            self.send_state(["_view", "_meta", "_detail", "_arrays", "selected"])

    def snapshot(self, format: str = "html") -> tuple[str, bytes]:
        return f"limelight-{self._view}.{format}", model_views.to_bytes(self, format)

    def save(self, path: Any, *, overwrite: bool = True, **options: Any):
        """``.html`` (interactive, offline), ``.png``, ``.svg`` or ``.json``, written whole
        or not at all; ``overwrite=False`` refuses to replace an existing file."""
        return model_views.save(self, path, overwrite=overwrite, **options)

    def _page_state(self):
        extra = {"_detail": self._detail, "selected": self.selected}
        return self._view, self._meta, self._raw_arrays, extra

    _raw_arrays: dict = {}

    def _show_detail(self, meta: dict, arrays: dict) -> None:
        self._raw_arrays = arrays
        with self.hold_sync():
            self._detail = meta
            self._arrays = _buffers(arrays)


class StructureWidget(_ModelView):
    """``ll.structure(model)``: the model's tree. ``.structure`` is the plain result,
    ``.to_frame()`` one row per layer or step."""

    def __init__(self, model: Any, example: Any = None, *, title: str | None = None) -> None:
        super().__init__()
        self.structure: Structure = model_structure(model, example)
        self._net = model if self.structure.kind == "torch" else None
        self._example = example
        meta = self.structure.to_dict()
        meta["title"] = title if title is not None else meta["title"]
        meta["has_detail"] = self._net is not None
        self._meta = meta
        self._view = "structure"
        self.observe(self._on_select, names="selected")

    @property
    def total_params(self) -> int | None:
        """Parameters in the model, each shared tensor once (``.structure.total_params``)."""
        return self.structure.total_params

    @property
    def trainable_params(self) -> int | None:
        """Of those, the ones that require grad (None for scikit-learn)."""
        return self.structure.trainable_params

    def to_frame(self):
        """One row per layer or step: name, type, output shape, parameters, trainable."""
        return self.structure.to_frame()

    def _result(self) -> Structure:
        return self.structure

    def _on_select(self, change) -> None:
        name = change["new"]
        if not name or self._net is None:
            self._show_detail({}, {})
            return
        self.structure.node(name)  # a clear error for an unknown name
        report = layer_report(self._net, self._example, only=name)
        self._show_detail(*detail(report, name))

    def _rows(self) -> list[dict]:
        return [
            {
                "label": n.name
                if n.shared_with is None
                else f"{n.name} (shared with {n.shared_with})",
                "type": n.type,
                "depth": n.depth,
                "shape": "" if n.output_shape is None else str(tuple(n.output_shape)),
                "params": "" if n.params is None else f"{n.params:,}",
            }
            for n in self.structure.nodes
        ]

    def _svg(self) -> str:
        s = self.structure
        unit = "parameters" if s.kind == "torch" else "coefficients and tree nodes"
        total = "" if s.total_params is None else f" · {s.total_params:,} {unit}"
        return model_svg.structure_rows(self._rows(), f"{self._meta['title']}{total}")

    def _json(self) -> dict:
        return self.structure.to_dict()

    def _describe(self) -> str:
        s = self.structure
        total = "" if s.total_params is None else f", {s.total_params:,} parameters"
        return f"structure ({s.kind}): {len(s.nodes)} nodes{total}"


class LayersWidget(_ModelView):
    """``ll.layers(net, x)``: per layer its weight histogram (gradients with a loss), the
    first filters of conv layers, activation statistics and maps. ``.report`` holds every
    array drawn; ``.selected`` is the layer in the detail panel."""

    def __init__(
        self,
        net: Any,
        x: Any = None,
        *,
        target: Any = None,
        loss: Any = None,
        layer: str | None = None,
    ) -> None:
        super().__init__()
        self.report = layer_report(net, x, target=target, loss=loss, layer=layer)
        frame = self.report.to_frame()
        rows = []
        for name, r in frame.iterrows():
            row = {
                "name": name,
                "type": r["type"],
                "params": None if r.isna()["parameters"] else int(r["parameters"]),
            }
            for k in ("mean", "std", "fraction_zero", "dead_fraction"):
                if k in r and np.isfinite(r[k]):
                    row[k] = float(r[k])
            rows.append(row)
        self._meta = {
            "layers": rows,
            "conv_layer": self.report.conv_layer,
            "has_grad": bool(self.report.gradients),
        }
        self._view = "layers"
        self.observe(self._on_select, names="selected")
        first = self.report.conv_layer or next(iter(self.report.histograms), None)
        self.selected = first or (self.report.layers[0] if self.report.layers else "")

    @property
    def histograms(self) -> dict:
        """``{layer: (counts, edges)}`` of each layer's own parameters."""
        return self.report.histograms

    @property
    def activations(self) -> dict:
        """``{layer: output for the first input}`` (numpy), as the maps draw them."""
        return self.report.activations

    def to_frame(self):
        """Per layer: type, parameters, activation mean, std, fraction_zero, dead_fraction."""
        return self.report.to_frame()

    def _result(self):
        return self.report

    def _on_select(self, change) -> None:
        name = change["new"]
        if name and name not in self.report.types:
            raise InputError(f"no layer named {name!r}", fix="use a name from .to_frame().index")
        self._show_detail(*detail(self.report, name) if name else ({}, {}))

    def _svg(self) -> str:
        items = [
            (f"{n} ({self.report.types[n]})", c, e) for n, (c, e) in self.report.histograms.items()
        ]
        return model_svg.histograms(items)

    def _describe(self) -> str:
        r = self.report
        grads = ", with gradients" if r.gradients else ""
        return f"layers: {len(r.layers)} layers, {len(r.histograms)} weight histograms{grads}"

    def _json(self) -> dict:
        r = self.report
        return {
            "kind": "layers",
            "layers": r.layers,
            "types": r.types,
            "histograms": {n: {"counts": c, "edges": e} for n, (c, e) in r.histograms.items()},
            "gradients": {n: {"counts": c, "edges": e} for n, (c, e) in r.gradients.items()},
            "stats": None if r.stats is None else r.stats.to_dict(orient="index"),
        }
