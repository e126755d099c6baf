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
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from . import _results
from . import export_draw as draw
from ._atomic import check_target, snapshot_target, write_atomic
from .encoders import CHART_VIEWS, chart_specs, encode
from .errors import InputError, SchemaError
from .explanation import Explanation, standard_json

OMITTED = "the raw input (feature values, text or pixels) was left out of this file"


def _explanation_of(obj: Any) -> Explanation:
    exp = getattr(obj, "explanation", obj)
    if not isinstance(exp, Explanation):
        raise InputError(
            f"cannot export a {type(obj).__name__}", fix="pass an Explanation or a limelight widget"
        )
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
        return exp.with_(
            data=" ".join(tokens), feature_names=tokens, spans=np.array(spans), params=params
        )
    if exp.modality == "image" and exp.data is not None:
        return exp.with_(data=np.full(np.shape(exp.data)[:2], 128, np.uint8), params=params)
    return exp.with_(data=None, params=params)


# -- JSON -----------------------------------------------------------------------------------
def to_json(obj: Any, *, include_data: bool = True, full_resolution: bool = False) -> str:
    """JSON of the explanation; an image's picture and maps at most 512 / 256 px a side
    (numbers as text are about five times the bytes of the binary views: a 4000 x 4000
    photo's file stays a few MB) unless ``full_resolution=True`` keeps the originals."""
    exp = _explanation_of(obj)
    if exp.modality == "image" and not full_resolution:
        from .encoders.image import at_display_size

        exp = at_display_size(exp, picture_side=512, map_side=256)
    return (exp if include_data else redact(exp)).to_json()


def load(path: str | Path) -> Explanation:
    """Read an explanation written by ``save(..., "x.json")`` (any schema version so far),
    a global analysis's result (``Comparison``, ``Surrogate``, ``Dependence``,
    ``Elimination``) from its ``.json``, or many (an ``Explanations``) from a ``.parquet``
    file or an ``attribute_many(out=)`` folder.

        >>> exp = ll.load("exp.json")   # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix == ".parquet" or path.is_dir():
        from ._parquet import load_many

        return load_many(path)
    if not path.is_file():
        raise InputError(f"no file at {str(path)!r}", fix="check the path")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SchemaError(
            f"{path.name} is not a text file, so not a limelight explanation",
            fix="load the .json file written by save(..., 'x.json')",
        ) from None
    if _results.is_result(text):  # a global analysis's result (a Comparison, a Surrogate...)
        return _results.from_json(text)
    exp = Explanation.from_json(text)
    if isinstance(exp.quality, dict):  # the quality numbers it was saved with
        from .quality import Quality

        exp.quality = Quality.from_dict(exp.quality)
    return exp


# -- HTML -----------------------------------------------------------------------------------
def _static(name: str) -> str:
    path = Path(__file__).resolve().parent / "static" / name
    if not path.exists():
        raise InputError(
            f"the frontend bundle {name} is missing",
            fix="reinstall limelight (pip install .) or run `npm run build`",
        )
    return path.read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' survives literally."""
    text = standard_json(value, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def b64_arrays(arrays: dict) -> dict:
    """Encoded arrays (``{name: {view, dtype, shape}}``) with their bytes as base64, as a
    page without a kernel reads them."""
    return {
        k: {
            "b64": base64.b64encode(bytes(v["view"])).decode("ascii"),
            "dtype": v["dtype"],
            "shape": v["shape"],
        }
        for k, v in arrays.items()
    }


def widget_state(exp: Explanation) -> dict:
    """The widget's synced state for ``exp`` with arrays as base64 (for pages and tests)."""
    view, meta, arrays = encode(exp)
    state = {
        "_view": view,
        "_meta": meta,
        "output_index": None,
        "_progress": {
            "status": "done" if exp.done else "cancelled",
            "n_evals": exp.n_evals,
            "budget": exp.params.get("budget"),
        },
        "_arrays": b64_arrays(arrays),
        "_specs": chart_specs() if view in CHART_VIEWS else {},
        "_static": True,  # no kernel behind this state: the Snapshot control hides itself
    }
    return state


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-{nonce}' blob: 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:14px system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;background:#fff}}
.ll-page-note{{opacity:.7;font-size:12px;margin:4px 0 12px}}</style></head>
<body data-jp-theme-light="true"><h3 class="ll-page-title">{title}</h3>{note}<div id="ll-root"></div>
<noscript>{fallback}</noscript>
<script type="application/json" id="ll-state">{state}</script>
<script type="application/json" id="ll-bundle">{bundle}</script>
<script type="application/json" id="ll-vega">{vega}</script>
<script type="module" nonce="{nonce}">
const read = (id) => JSON.parse(document.getElementById(id).textContent);
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const text = (b64) => (b64 ? new TextDecoder().decode(bytes(b64)) : "");
const state = read("ll-state");
for (const [k, a] of Object.entries(state._arrays)) {{
  const b = bytes(a.b64);
  state._arrays[k] = {{ view: new DataView(b.buffer), dtype: a.dtype, shape: a.shape }};
}}
const vega = text(read("ll-vega"));  // the chart renderer, once for the page
if (vega) globalThis[Symbol.for("limelight.vega.code")] = vega;
const listeners = {{}};
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{
    const old = state[k];
    state[k] = v;
    if (old !== v) for (const f of [...(listeners["change:" + k] || [])]) f({{ new: v, old }});
  }},
  on: (e, f) => {{ (listeners[e] ||= []).push(f); }},
  off: (e, f) => {{ listeners[e] = (listeners[e] || []).filter((g) => g !== f); }},
  save_changes: () => {{}},
  send: () => {{}},  // no kernel here
}};
const url = URL.createObjectURL(new Blob([text(read("ll-bundle"))], {{ type: "text/javascript" }}));
window.llModel = model;
let widget = (await import(url)).default;
if (typeof widget === "function") widget = await widget();
await widget.render({{ model, el: document.getElementById("ll-root") }});
document.body.dataset.llReady = "1";
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
    note = (
        f'<p class="ll-page-note">{html.escape(OMITTED)}</p>'
        if exp.params.get("data_omitted")
        else ""
    )
    return page(
        state, title=title, chart=chart, note=note, fallback=static_html(exp, state["output_index"])
    )


def page(state: dict, *, title: str, chart: bool, note: str = "", fallback: str = "") -> str:
    """The self-contained page for a widget ``state`` (arrays in base64): the bundled
    views draw it; ``chart`` adds the chart renderer."""
    b64 = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")  # noqa: E731
    return PAGE.format(
        nonce=secrets.token_urlsafe(16),
        fallback=fallback,
        title=html.escape(title),
        note=note,
        state=_script_json(state),
        bundle=_script_json(b64(_static("widget.js"))),
        vega=_script_json(b64(_static("vega.js")) if chart else ""),
    )


# -- PNG / SVG ------------------------------------------------------------------------------
_png = draw.write_png


def image_overlay(
    exp: Explanation, output: int | str | None = None, opacity: float = draw.OPACITY
) -> np.ndarray:
    """The picture with the signed map over it, as the view draws it (``(h, w, 4)`` uint8)."""
    return draw.image_rgba(exp, output, opacity=opacity)


def text_svg(exp: Explanation, output: int | str | None = None, width: int = 720) -> str:
    """The text with each token's background coloured by its attribution, as SVG."""
    return draw.text_svg(exp, output, width=width)


def _vl_convert():
    try:
        import vl_convert
    except ImportError:
        raise InputError(
            "PNG and SVG pictures of charts and text need vl-convert-python",
            fix="pip install 'limelight[export]' (or save as .html or .json)",
        ) from None
    return vl_convert


def to_svg(
    obj: Any,
    *,
    output: int | str | None = None,
    kind: str = "bar",
    include_data: bool = True,
    theme: str = "light",
) -> str:
    """SVG of what the view shows, with its title (output, scale, prediction, base value),
    its badges and an opaque background in ``theme`` ("light" or "dark")."""
    from .export_figure import dress_chart, image_svg, theme_colours

    theme_colours(theme)  # a clear error for an unknown theme, before any drawing
    exp = _explanation_of(obj)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality in ("tabular", "importance"):
        vlc = _vl_convert()

        from .charts import tabular_chart

        chart = dress_chart(
            tabular_chart(exp, kind, output), exp, _chart_output(exp, output), theme
        )
        return vlc.vegalite_to_svg(chart.to_dict())
    if exp.modality == "text":
        return text_svg(exp, output)
    return image_svg(exp, output, theme)


def _chart_output(exp: Explanation, output: Any) -> int:
    return 0 if exp.modality == "importance" else exp.output_index(output)


def to_png(
    obj: Any,
    path: str | Path | None = None,
    *,
    output: int | str | None = None,
    kind: str = "bar",
    scale: float = 2,
    include_data: bool = True,
    theme: str = "light",
    overwrite: bool = True,
) -> bytes:
    """PNG bytes of what the view shows (also written to ``path`` if given, whole or not at
    all; ``overwrite=False`` refuses to replace an existing file), titled as :func:`to_svg`;
    charts through vl-convert at ``scale`` x; images at least 256 px on their long side,
    with their colour legend (the bare overlay without vl-convert)."""
    exp = _explanation_of(obj)
    if path is not None:
        check_target(path, overwrite)
    if not include_data:
        exp = redact(exp)
    output = _widget_output(obj, output)
    if exp.modality == "image":
        try:
            vlc = _vl_convert()
        except InputError:  # no vl-convert: the bare overlay, enlarged
            vlc = None
        if vlc is None:
            png = _png(draw.upscale(image_overlay(exp, output), int(round(scale))))
        else:
            from .export_figure import image_svg

            png = vlc.svg_to_png(image_svg(exp, output, theme), scale=scale)
    elif exp.modality in ("tabular", "importance"):
        svg = to_svg(exp, output=output, kind=kind, theme=theme)
        png = _vl_convert().svg_to_png(svg, scale=scale)
    else:
        vlc = _vl_convert()

        png = vlc.svg_to_png(text_svg(exp, output), scale=scale)
    if path is not None:
        write_atomic(path, png, overwrite=overwrite)
    return png


def to_bytes(obj: Any, format: str, *, include_data: bool = True, **options: Any) -> bytes:
    """The file ``save`` writes, as bytes: ``format`` is ``"html"``, ``"png"``, ``"svg"``
    or ``"json"``; ``options`` go to the maker (chart ``kind``, ``output``, ``title``...).
    The global views (compare, surrogate, dependence...) export themselves."""
    own = getattr(obj, "_to_bytes", None)
    if own is not None:
        return own(format, include_data=include_data, **options)
    makers = {
        "json": lambda: to_json(obj, include_data=include_data, **options).encode("utf-8"),
        "html": lambda: to_html(obj, include_data=include_data, **options).encode("utf-8"),
        "svg": lambda: to_svg(obj, include_data=include_data, **options).encode("utf-8"),
        "png": lambda: to_png(obj, include_data=include_data, **options),
    }
    if format not in makers:
        raise InputError(
            f"unknown snapshot format {format!r}", fix="use 'html', 'png', 'svg' or 'json'"
        )
    return makers[format]()


def save(
    obj: Any,
    path: str | Path,
    *,
    include_data: bool = True,
    overwrite: bool = True,
    **options: Any,
) -> Path:
    """Write ``obj`` (an Explanation or any limelight view) to ``path`` and return the
    path; the suffix picks the format: .html (interactive, offline), .png, .svg or .json.
    ``include_data=False`` leaves the raw input out (feature values, text, pixels);
    ``options`` go to the format's maker (a chart's ``kind``, ``output``, ``title``).

    The file is written whole or not at all (beside the target, then renamed into place):
    a save that fails leaves an existing file as it was. ``overwrite=False`` refuses to
    replace an existing file. Objects with their own files (many rows, interactions, the
    model views, the monitor) save themselves.

        >>> ll.save(w, "row.html"); ll.save(e, "row.json", include_data=False)  # doctest: +SKIP
    """
    if _saves_itself(obj):  # many rows, interactions, the model views, the monitor...
        extra = {} if include_data else {"include_data": False}
        return obj.save(path, overwrite=overwrite, **extra, **options)
    path, fmt = snapshot_target(path, overwrite)
    write_atomic(
        path, to_bytes(obj, fmt, include_data=include_data, **options), overwrite=overwrite
    )
    return path


def _saves_itself(obj: Any) -> bool:
    """An object with its own ``save`` that this module does not draw (not an Explanation,
    a widget showing one, or a view that exports itself through ``_to_bytes``)."""
    if isinstance(obj, Explanation) or hasattr(obj, "_to_bytes"):
        return False
    if isinstance(getattr(obj, "explanation", None), Explanation):
        return False
    return callable(getattr(obj, "save", None))


def static_head(exp: Explanation, i: int) -> str:
    """The picture's title line: method, output and its scale, and the badges that need no
    model call (exactness, the standard error, additivity)."""
    scale = exp.params.get("output_scale")
    out = f"{exp.output_names[i]} ({scale})" if scale else exp.output_names[i]
    parts = [f"limelight · {exp.method or exp.modality} · {out}"]
    if exp.stderr is not None and np.isfinite(exp.stderr).any():
        parts.append(f"max stderr {float(np.nanmax(exp.stderr)):.2g}")
    elif exp.method in ("exact", "tree", "tree_path_dependent"):
        parts.append("exact")
    if exp.modality == "tabular" and exp.method not in ("lime",) and exp.values.size:
        parts.append(f"additivity error {exp.additivity_error():.1g}")
    if not exp.done:
        parts.append("partial")
    return " · ".join(parts)


def static_html(exp: Explanation, output: int | str | None = None) -> str:
    """A scriptless rendering for notebook viewers that do not run widgets (nbconvert,
    GitHub), cheap enough for every display (no altair, no vl-convert): HTML bars for
    charts, coloured spans (inline styles) for text, a PNG for images.

        >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
        ...                 output_names=["y"], feature_names=["a", "b"])
        >>> static_html(e).startswith('<div class="limelight-static"')
        True
    """
    try:
        i = exp.output_index(output)
        head = html.escape(static_head(exp, i))
        if exp.modality == "text":
            body = draw.text_html(exp, i)
        elif exp.modality in ("tabular", "importance"):
            body = draw.bars_html(exp, i)
        else:
            png = _png(image_overlay(exp, i))
            w, h = draw.png_size(png)
            data = base64.b64encode(png).decode("ascii")
            body = (
                f'<img alt="limelight {html.escape(exp.method)} explanation" width="{w}" '
                f'height="{h}" src="data:image/png;base64,{data}"/>'
            )
    except Exception as exc:  # noqa: BLE001 - a fallback must never break the display
        return (
            f"<pre>{html.escape(repr(exp))}\n(static view unavailable: "
            f"{html.escape(str(exc))})</pre>"
        )
    return (
        f'<div class="limelight-static"><div style="font:12px sans-serif;color:#555">'
        f"{head}</div>{body}</div>"
    )
