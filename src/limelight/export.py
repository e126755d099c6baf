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

import base64
import html
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .explanation import Explanation

NEG = np.array([33, 102, 172], dtype=float)
POS = np.array([178, 24, 43], dtype=float)
WHITE = np.array([255, 255, 255], dtype=float)
OMITTED = "the raw input (feature values, text or pixels) was left out of this file"


def _explanation_of(obj: Any) -> Explanation:
    exp = getattr(obj, "explanation", obj)
    if not isinstance(exp, Explanation):
        raise InputError(f"cannot export a {type(obj).__name__}",
                         fix="pass an Explanation or a limelight widget")
    return exp


def _widget_output(obj: Any, output: Any = None) -> Any:
    """The output to draw: the one asked for, else the widget's current class."""
    if output is not None or isinstance(obj, Explanation):
        return output
    return getattr(obj, "output_index", None)


def redact(exp: Explanation) -> Explanation:
    """A copy without the raw input, keeping the attributions: tabular feature values
    dropped, text tokens replaced by their positions, image pixels by flat grey."""
    params = {**exp.params, "data_omitted": True}
    if exp.modality == "text":
        tokens = [f"[{i}]" for i in range(exp.values.shape[-1])]
        spans, at = [], 0
        for t in tokens:
            spans.append((at, at + len(t)))
            at += len(t) + 1
        return exp.with_(data=" ".join(tokens), feature_names=tokens, spans=np.array(spans),
                         params=params)
    if exp.modality == "image" and exp.data is not None:
        return exp.with_(data=np.full(np.shape(exp.data)[:2], 128, np.uint8), params=params)
    return exp.with_(data=None, params=params)


# -- JSON -----------------------------------------------------------------------------------
def to_json(obj: Any, *, include_data: bool = True) -> str:
    exp = _explanation_of(obj)
    return (exp if include_data else redact(exp)).to_json()


def load(path: str | Path) -> Explanation:
    """Read an explanation written by ``save(..., "x.json")`` (any schema version so far)."""
    return Explanation.from_json(Path(path).read_text(encoding="utf-8"))


# -- HTML -----------------------------------------------------------------------------------
def _static(name: str) -> str:
    path = Path(__file__).resolve().parent / "static" / name
    if not path.exists():
        raise InputError(f"the frontend bundle {name} is missing",
                         fix="reinstall limelight (pip install .) or run `npm run build`")
    return path.read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' survives literally."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def widget_state(exp: Explanation) -> dict:
    """The widget's synced state for ``exp`` with arrays as base64 (for pages and tests)."""
    from .widgets import CHART_VIEWS, chart_specs, encode

    view, meta, arrays = encode(exp)
    state = {
        "_view": view, "_meta": meta, "output_index": None,
        "_progress": {"status": "done" if exp.done else "cancelled", "n_evals": exp.n_evals,
                      "budget": exp.params.get("budget")},
        "_arrays": {k: {"b64": base64.b64encode(bytes(v["view"])).decode("ascii"),
                        "dtype": v["dtype"], "shape": v["shape"]} for k, v in arrays.items()},
        "_specs": chart_specs() if view in CHART_VIEWS else {},
    }
    return state


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:14px system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;background:#fff}}
@media (prefers-color-scheme: dark){{body{{color:#e0e0e0;background:#111}}}}
.ll-page-note{{opacity:.7;font-size:12px;margin:4px 0 12px}}</style></head>
<body><h3 class="ll-page-title">{title}</h3>{note}<div id="ll-root"></div>
<script type="application/json" id="ll-state">{state}</script>
<script type="application/json" id="ll-bundle">{bundle}</script>
<script type="application/json" id="ll-vega">{vega}</script>
<script type="module">
const read = (id) => JSON.parse(document.getElementById(id).textContent);
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const text = (b64) => (b64 ? new TextDecoder().decode(bytes(b64)) : "");
const state = read("ll-state");
for (const [k, a] of Object.entries(state._arrays)) {{
  const b = bytes(a.b64);
  state._arrays[k] = {{ view: new DataView(b.buffer), dtype: a.dtype, shape: a.shape }};
}}
state._vega = text(read("ll-vega"));
const listeners = {{}};
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; for (const f of listeners["change:" + k] || []) f(); }},
  on: (e, f) => {{ (listeners[e] ||= []).push(f); }},
  off: (e, f) => {{ listeners[e] = (listeners[e] || []).filter((g) => g !== f); }},
  save_changes: () => {{}},
  send: () => {{}},  // no kernel here
}};
const url = URL.createObjectURL(new Blob([text(read("ll-bundle"))], {{ type: "text/javascript" }}));
const mod = await import(url);
mod.default.render({{ model, el: document.getElementById("ll-root") }});
window.llModel = model;
</script></body></html>
"""


def to_html(obj: Any, *, title: str | None = None, include_data: bool = True) -> str:
    """One self-contained HTML page showing ``obj`` (an Explanation or a widget) with the
    live widget's view; opens from ``file://`` with no network and no kernel."""
    exp = _explanation_of(obj)
    if not include_data:
        exp = redact(exp)
    state = widget_state(exp)
    state["output_index"] = _widget_output(obj)
    chart = state["_view"] in ("tabular", "importance")
    title = title if title is not None else f"limelight: {exp.method or exp.modality} explanation"
    note = f'<p class="ll-page-note">{html.escape(OMITTED)}</p>' if exp.params.get(
        "data_omitted") else ""
    b64 = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")  # noqa: E731
    return PAGE.format(
        title=html.escape(title), note=note, state=_script_json(state),
        bundle=_script_json(b64(_static("widget.js"))),
        vega=_script_json(b64(_static("vega.js")) if chart else ""),
    )


# -- PNG / SVG ------------------------------------------------------------------------------
def _png(rgba: np.ndarray) -> bytes:
    """A PNG file of an ``(h, w, 4)`` uint8 array (no imaging library needed)."""
    h, w = rgba.shape[:2]
    raw = b"".join(b"\x00" + rgba[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def _diverging(t: np.ndarray) -> np.ndarray:
    """t in [-1, 1] -> RGB floats: blue (against) through white to red (for)."""
    t = np.clip(t, -1, 1)[..., None]
    return np.where(t < 0, WHITE + (NEG - WHITE) * -t, WHITE + (POS - WHITE) * t)


def image_overlay(exp: Explanation, output: int | str | None = None,
                  opacity: float = 0.6) -> np.ndarray:
    """The picture with the signed map over it, as the view draws it (``(h, w, 4)`` uint8)."""
    from .widgets._state_image import picture_rgba

    i = exp.output_index(output)
    pic = picture_rgba(exp.data).astype(float)
    m = np.nan_to_num(np.asarray(exp.values[i], dtype=float))
    h, w = pic.shape[:2]
    rows = (np.arange(h) * m.shape[0] // h).clip(0, m.shape[0] - 1)
    cols = (np.arange(w) * m.shape[1] // w).clip(0, m.shape[1] - 1)
    m = m[rows][:, cols]
    scale = np.quantile(np.abs(m), 0.98) or 1.0
    t = m / scale
    colour = _diverging(t)
    alpha = opacity * np.clip(np.abs(t), 0, 1)[..., None]
    out = pic.copy()
    out[..., :3] = pic[..., :3] * (1 - alpha) + colour * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def text_svg(exp: Explanation, output: int | str | None = None, width: int = 720) -> str:
    """The text with each token's background coloured by its attribution, as SVG."""
    i = exp.output_index(output)
    values = exp.values.reshape(exp.n_outputs, -1)[i]
    finite = np.abs(values[np.isfinite(values)])
    scale = float(np.percentile(finite, 99.5)) if finite.size else 1.0
    text = exp.data if isinstance(exp.data, str) else " ".join(exp.feature_names or [])
    spans = exp.spans if exp.spans is not None else []
    size, line_h, char_w, pad = 14, 24, 7.9, 12
    x, y = pad, pad + size
    parts = []
    last = 0
    pieces = []  # (text, value or None)
    for t, (s, e) in enumerate(spans):
        if s > last:
            pieces.append((text[last:s], None))
        pieces.append((text[s:e], float(values[t])))
        last = e
    if last < len(text):
        pieces.append((text[last:], None))
    for piece, v in pieces:
        for j, line in enumerate(piece.split("\n")):
            if j:
                x, y = pad, y + line_h
            if not line:
                continue
            w = len(line) * char_w
            if x + w > width - pad and x > pad:
                x, y = pad, y + line_h
            if v is not None and scale > 0:
                r, g, b = _diverging(np.array(v / scale)).round().astype(int)
                parts.append(f'<rect x="{x - 1:.1f}" y="{y - size:.1f}" width="{w + 2:.1f}" '
                             f'height="{size + 6}" rx="3" fill="rgb({r},{g},{b})"/>')
            parts.append(f'<text x="{x:.1f}" y="{y:.1f}" xml:space="preserve">'
                         f"{html.escape(line)}</text>")
            x += w
    name = html.escape(exp.output_names[i])
    height = y + pad
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" '
            f'font-family="DejaVu Sans Mono, monospace" font-size="{size}">'
            f'<rect width="100%" height="100%" fill="#fff"/>'
            f'<g transform="translate(0,20)">{"".join(parts)}</g>'
            f'<text x="{pad}" y="14" font-size="12" fill="#555">attributions for {name} '
            f"(red: toward, blue: against)</text></svg>")


def to_svg(obj: Any, *, output: int | str | None = None, kind: str = "bar",
           include_data: bool = True) -> str:
    exp = _explanation_of(obj)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality in ("tabular", "importance"):
        import vl_convert as vlc

        from .charts import tabular_chart

        return vlc.vegalite_to_svg(tabular_chart(exp, kind, output).to_dict())
    if exp.modality == "text":
        return text_svg(exp, output)
    rgba = image_overlay(exp, output)
    h, w = rgba.shape[:2]
    data = base64.b64encode(_png(rgba)).decode("ascii")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">'
            f'<image width="{w}" height="{h}" href="data:image/png;base64,{data}" '
            f'style="image-rendering:pixelated"/></svg>')


def to_png(obj: Any, *, output: int | str | None = None, kind: str = "bar", scale: float = 2,
           include_data: bool = True) -> bytes:
    exp = _explanation_of(obj)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality == "image":
        return _png(image_overlay(exp, output))
    import vl_convert as vlc

    if exp.modality in ("tabular", "importance"):
        from .charts import tabular_chart

        return vlc.vegalite_to_png(tabular_chart(exp, kind, output).to_dict(), scale=scale)
    return vlc.svg_to_png(text_svg(exp, output), scale=scale)


def save(obj: Any, path: str | Path, *, include_data: bool = True, **options: Any) -> Path:
    """Write ``obj`` to ``path``; the suffix picks the format: .html, .png, .svg or .json."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(to_json(obj, include_data=include_data), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(to_html(obj, include_data=include_data, **options), encoding="utf-8")
    elif suffix == ".svg":
        path.write_text(to_svg(obj, include_data=include_data, **options), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(to_png(obj, include_data=include_data, **options))
    else:
        raise InputError(f"cannot tell the format from {path.name!r}",
                         fix="end the file name in .html, .png, .svg or .json")
    return path


def static_html(exp: Explanation) -> str:
    """A scriptless rendering for notebook viewers that do not run widgets (nbconvert,
    GitHub): a PNG for charts and images, coloured spans for text."""
    try:
        if exp.modality == "text":
            return text_svg(exp)
        png = to_png(exp, scale=1)
        data = base64.b64encode(png).decode("ascii")
        return (f'<img alt="limelight {html.escape(exp.method)} explanation" '
                f'src="data:image/png;base64,{data}"/>')
    except Exception as exc:  # noqa: BLE001 - a fallback must never break the display
        return f"<pre>{html.escape(repr(exp))}\n(static view unavailable: {html.escape(str(exc))})</pre>"
