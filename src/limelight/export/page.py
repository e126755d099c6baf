"""The self-contained HTML page: the widget's bundled JS (and, for charts, the vega bundle),
the state with its binary arrays in base64, and a small stand-in for the widget model; the
same view code draws it, so hover and class switching work. Every user string travels
inside JSON with ``<``, ``>`` and ``&`` escaped, and the views write text with
``textContent`` only."""

from __future__ import annotations

import base64
import html
import secrets
from pathlib import Path
from typing import Any

from ..encoders import CHART_VIEWS, chart_specs, encode
from ..errors import InputError
from ..explanation import Explanation, standard_json
from .snapshot import OMITTED, _explanation_of, _widget_output, redact
from .static import static_html


def _static(name: str) -> str:
    path = Path(__file__).resolve().parent.parent / "static" / name
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
