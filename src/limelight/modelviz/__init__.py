"""Seeing the model itself: its structure (``structure``), what its layers hold and
respond to (``layers``), and how training goes (``monitor``)."""

from __future__ import annotations

from typing import Any


def structure(model: Any, example: Any = None, *, title: str | None = None):
    """A collapsible diagram of a scikit-learn pipeline or a torch module.

    >>> ll.structure(pipe)                     # doctest: +SKIP
    >>> ll.structure(net, example=x).to_frame()  # doctest: +SKIP
    """
    from .widgets import StructureWidget

    return StructureWidget(model, example, title=title)


def layers(
    net: Any, x: Any = None, *, target: Any = None, loss: Any = None, layer: str | None = None
):
    """Weights (and gradients, with ``target`` or ``loss``) and activations per layer.

    >>> w = ll.layers(net, x, target=y)     # doctest: +SKIP
    >>> counts, edges = w.histograms["conv1"]  # doctest: +SKIP
    """
    from .widgets import LayersWidget

    return LayersWidget(net, x, target=target, loss=loss, layer=layer)


def monitor(
    *, title: str = "", smoothing: float = 0.0, log_scale: bool = False, display: bool = True
):
    """A live training-curve widget, shown at once (``display=False`` to show it later).

    >>> mon = ll.monitor()                     # doctest: +SKIP
    >>> mon.log(step, loss=loss.item(), run="lr=1e-3")  # doctest: +SKIP
    """
    from .monitor import Monitor

    mon = Monitor(title=title, smoothing=smoothing, log_scale=log_scale)
    if display:
        try:
            from IPython import get_ipython
            from IPython.display import display as show

            if get_ipython() is not None:
                show(mon)
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            pass
    return mon
