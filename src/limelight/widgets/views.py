"""`ViewWidget`: the widget behind the global and trust views (compare, surrogate,
dependence, feature elimination). It shares the explanation widget's frontend entry, its
progress strip, its Snapshot control and its export page; each view names its JS module
in ``_view`` and fills ``_meta`` (small JSON) and ``_arrays`` (binary buffers).

A subclass computes in ``_compute(push)`` (run in a thread by :meth:`start`, calling
``push(meta, arrays)`` as partial results arrive), and says how it exports:
``_svg()`` (a picture) and ``_json()`` (its numbers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import anywidget
import numpy as np
import traitlets

from .._warn import from_user
from ..errors import Cancelled, LimelightError, WaitTimeout
from ..explanation import standard_json
from . import _buffers, _esm, chart_specs, offer_renderer, vega_bundle
from ._display import StaticDisplay


class ViewWidget(StaticDisplay, anywidget.AnyWidget):
    """Base of the global views: a background computation pushing partial states."""

    _esm = _esm()
    _view = traitlets.Unicode("").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _arrays = traitlets.Dict().tag(sync=True)
    _specs = traitlets.Dict().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    output_index = traitlets.Int(None, allow_none=True).tag(sync=True)

    view_name = ""
    title = "limelight"
    uses_charts = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._finished = threading.Event()
        self._finished.set()
        self._cancel = threading.Event()
        self._error: BaseException | None = None
        self._raw_arrays: dict[str, np.ndarray] = {}
        if self.uses_charts:
            self._specs = chart_specs()
        self._view = self.view_name
        self.on_msg(self._on_message)

    @traitlets.observe("_specs")
    def _send_renderer(self, change: dict) -> None:
        if change["new"]:
            offer_renderer(self)

    # -- running --------------------------------------------------------------------------
    def start(self) -> ViewWidget:
        """Run ``_compute`` in a daemon thread; returns at once."""
        self._finished.clear()
        self._progress = {"status": "running", "n_evals": 0, "elapsed": 0.0}
        threading.Thread(target=from_user(self._work), daemon=True, name="limelight-view").start()
        return self

    def run_now(self) -> ViewWidget:
        """Compute in this thread (tests, ``wait`` right away)."""
        self._finished.clear()
        self._work()
        return self

    def _work(self) -> None:
        from .._cancel import cancellable

        t0 = time.perf_counter()
        status = "done"
        try:
            with cancellable(self._cancel):  # every model call stops once cancelled
                self._compute(self._push)
        except Cancelled as exc:
            self._error, status = exc, "cancelled"
        except BaseException as exc:  # shown in the widget, re-raised by wait()
            self._error, status = exc, "error"
        progress = {"status": status, "elapsed": round(time.perf_counter() - t0, 3)}
        if status == "error":
            err = self._error
            progress["message"] = (
                str(err) if isinstance(err, LimelightError) else f"{type(err).__name__}: {err}"
            )
        self._progress = progress
        self._finished.set()

    def cancel(self) -> None:
        """Stop the computation within one batch of model calls; ``wait()`` then raises
        :class:`~limelight.errors.Cancelled`."""
        self._cancel.set()

    def close(self) -> None:
        """Stop the computation (within one batch) and close the widget."""
        cancel = getattr(self, "_cancel", None)
        if cancel is not None:
            cancel.set()
        super().close()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def _push(self, meta: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
        with self.hold_sync():
            self._meta = meta
            if arrays is not None:
                self._raw_arrays = arrays
                self._arrays = _buffers(arrays)

    def _compute(self, push: Callable[[dict, dict | None], None]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _wait(self, timeout: float | None = None) -> None:
        if not self._finished.wait(timeout):
            raise WaitTimeout(
                f"the {self.view_name or 'view'} is still running after {timeout} s",
                fix="wait longer (w.wait()), or w.cancel() it",
            )
        if self._error is not None:
            raise self._error

    # -- messages -------------------------------------------------------------------------
    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ready":
            self.send_state(["_view", "_meta", "_arrays", "_specs", "_progress"])
        elif kind == "vega":  # the chart renderer, once per page (see js/src/charts.js)
            self.send({"type": "vega", "size": len(vega_bundle())}, buffers=[vega_bundle()])
        elif kind == "snapshot":
            threading.Thread(target=self._send_snapshot, args=(content,), daemon=True).start()
        else:
            self._on_view_message(content)

    def _on_view_message(self, content: dict) -> None:
        """Messages particular to the view (a depth slider, a clicked leaf)."""

    # -- export ---------------------------------------------------------------------------
    def page_state(self) -> dict:
        """The synced state as the exported HTML page needs it (arrays in base64)."""
        import base64

        arrays = {
            k: {
                "b64": base64.b64encode(bytes(v["view"])).decode("ascii"),
                "dtype": v["dtype"],
                "shape": v["shape"],
            }
            for k, v in _buffers(self._raw_arrays).items()
        }
        return {
            "_view": self._view,
            "_meta": dict(self._meta),
            "_arrays": arrays,
            "_specs": dict(self._specs),
            "_progress": dict(self._progress),
            "output_index": None,
            "_static": True,
        }

    def _json(self) -> dict:
        return {"view": self._view, "meta": self._meta}

    # -- what a saved notebook shows ----------------------------------------------------
    def _static_picture(self) -> str | None:
        if self._run_status() != "done":
            return None  # the text says it runs, or why it stopped
        return f'<div class="limelight-static">{self._svg()}</div>'

    def _describe(self) -> str:
        p = self._progress or {}
        status = p.get("status") or "idle"
        text = f"{self.view_name} ({status}"
        if p.get("elapsed") is not None and status != "running":
            text += f", {p['elapsed']:.2f} s"
        if status == "error":
            return f"{text}): {p.get('message', 'the run failed')}"
        summary = self._summary() if status == "done" else ""
        return f"{text}){': ' + summary if summary else ''}"

    def _summary(self) -> str:
        """A few words of the result for the text line (each view may say more)."""
        return ""

    def _svg(self) -> str:  # pragma: no cover - each view draws its own
        raise LimelightError(
            f"the {self._view} view has no picture export", fix="save it as .html or .json"
        )

    def _to_bytes(self, format: str, *, include_data: bool = True, **options: Any) -> bytes:
        """The file ``save``/the Snapshot control writes (see :func:`limelight.export.to_bytes`)."""
        from .. import export

        if self.running:
            raise LimelightError(
                f"the {self.view_name or 'view'} is still running: nothing final to export",
                fix="w.wait() first, or w.save(path), which waits",
            )
        self._wait(0)
        if format == "html":
            return export.page(
                self.page_state(), title=options.get("title") or self.title, chart=self.uses_charts
            ).encode("utf-8")
        if format == "json":
            return standard_json(self._json(), default=_plain).encode("utf-8")
        if format == "svg":
            return self._svg().encode("utf-8")
        if format == "png":
            return export._vl_convert().svg_to_png(self._svg(), scale=options.get("scale", 2))
        raise LimelightError(
            f"unknown snapshot format {format!r}", fix="use 'html', 'png', 'svg' or 'json'"
        )

    def save(self, path: Any, *, overwrite: bool = True, **options: Any):
        """Write ``.html`` (interactive, offline), ``.png``, ``.svg`` or ``.json`` of the
        result, waiting for a run still going (as ``wait()``); whole or not at all, and
        ``overwrite=False`` refuses to replace an existing file."""
        from ..export import save
        from ._lifecycle import target_first

        target_first(path, overwrite)
        self._wait()
        return save(self, path, overwrite=overwrite, **options)

    def _send_snapshot(self, content: dict) -> None:
        fmt = str(content.get("format", "html"))
        reply = {"type": "snapshot", "format": fmt, "id": content.get("id")}
        try:
            data = self._to_bytes(fmt)
        except Exception as exc:  # noqa: BLE001 - shown beside the control
            self.send({**reply, "error": f"snapshot failed: {exc}"})
            return
        self.send({**reply, "filename": f"limelight-{self._view}.{fmt}"}, buffers=[data])


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def svg_of_chart(chart: Any) -> str:
    """An altair chart as SVG (vl-convert), for the views' picture exports."""
    from .. import export

    return export._vl_convert().vegalite_to_svg(chart.to_dict())
