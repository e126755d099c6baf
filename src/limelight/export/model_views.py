"""Exports of the model views, on the machinery of ``limelight.export``: the same
self-contained HTML page (bundled JS, state with base64 arrays, no kernel, no network),
SVG drawn in Python, PNG through vl-convert's SVG renderer, JSON with every number.

A widget here provides ``_page_state() -> (view, meta, arrays, other state)``, ``_svg() -> str`` and
``_json() -> dict``.
"""

from __future__ import annotations

import base64
import html
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import snapshot_target, write_atomic
from ..encoders import buffers as _buffers
from ..errors import InputError, LimelightError
from ..explanation import standard_json
from .figure import _vl_convert
from .page import PAGE, _script_json, _static, b64_arrays


def page_state(obj: Any) -> dict:
    view, meta, arrays, extra = obj._page_state()
    # the monitor's values stay float64, as live: a loss of 1e300 is not float32's
    enc = _buffers(arrays, keep=("value",) if view == "monitor" else ())
    return {
        **extra,
        "_view": view,
        "_meta": meta,
        "_progress": {},
        "_static": True,
        "_arrays": b64_arrays(enc),
    }


def to_html(obj: Any, *, title: str | None = None) -> str:
    state = page_state(obj)
    title = title if title is not None else f"limelight: {state['_view']}"
    b64 = base64.b64encode(_static("widget.js").encode("utf-8")).decode("ascii")
    return PAGE.format(
        nonce=secrets.token_urlsafe(16),
        fallback=obj._svg(),
        title=html.escape(title),
        note="",
        state=_script_json(state),
        bundle=_script_json(b64),
        vega=_script_json(""),
    )


def _png(svg: str, scale: float = 2) -> bytes:
    return _vl_convert().svg_to_png(svg, scale=scale)


def to_bytes(obj: Any, format: str, **options: Any) -> bytes:
    makers = {
        "html": lambda: to_html(obj, **options).encode("utf-8"),
        "svg": lambda: obj._svg().encode("utf-8"),
        "png": lambda: _png(obj._svg(), **options),
        "json": lambda: standard_json(obj._json(), default=_plain).encode("utf-8"),
    }
    if format not in makers:
        raise InputError(
            f"unknown snapshot format {format!r}", fix="use 'html', 'png', 'svg' or 'json'"
        )
    return makers[format]()


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"{type(v).__name__} is not JSON")


def save(obj: Any, path: Any, *, overwrite: bool = True, **options: Any) -> Path:
    """Write the snapshot whole or not at all (see :func:`limelight.export.save`)."""
    path, fmt = snapshot_target(path, overwrite)
    return write_atomic(path, to_bytes(obj, fmt, **options), overwrite=overwrite)


def reply_snapshot(widget: Any, content: dict) -> None:
    """Answer the Snapshot control (off the kernel's message loop)."""
    fmt = str(content.get("format", "html"))
    reply = {"type": "snapshot", "format": fmt, "id": content.get("id")}
    try:
        name, data = widget.snapshot(fmt)
    except Exception as exc:  # shown beside the control
        msg = str(exc) if isinstance(exc, LimelightError) else f"{type(exc).__name__}: {exc}"
        widget.send({**reply, "error": f"snapshot failed: {msg}"})
        return
    widget.send({**reply, "filename": name}, buffers=[data])


def esc(text: Any) -> str:
    """Escaped for SVG/HTML text and attributes."""
    return html.escape(str(text), quote=True)
