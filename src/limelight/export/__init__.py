"""Snapshots that open anywhere: self-contained HTML (no kernel, no network), PNG, SVG, JSON.

    >>> import numpy as np
    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"], data=np.array([3.0, 4.0]))
    >>> page = to_html(e, title="</script><b>x")
    >>> "</script><b>" in page, "&lt;/script&gt;&lt;b&gt;x" in page
    (False, True)

The HTML page carries the widget's bundled JS (and, for charts, the vega bundle), the
state with its binary arrays in base64, and a small stand-in for the widget model; the
same view code draws it, so hover and class switching work. Every user string travels
inside JSON with ``<``, ``>`` and ``&`` escaped, and the views write text with
``textContent`` only.
"""

from __future__ import annotations

from . import draw
from .figure import _vl_convert as _vl_convert  # the widgets' and model views' pictures
from .files import save, to_bytes
from .load import load
from .page import _static as _static  # the docs gallery inlines the bundles
from .page import b64_arrays, page, to_html, widget_state
from .pictures import image_overlay, text_svg, to_png, to_svg
from .snapshot import redact, to_json
from .static import static_head, static_html

__all__ = [
    "b64_arrays",
    "draw",
    "image_overlay",
    "load",
    "page",
    "redact",
    "save",
    "static_head",
    "static_html",
    "text_svg",
    "to_bytes",
    "to_html",
    "to_json",
    "to_png",
    "to_svg",
    "widget_state",
]
