"""Run one gallery example (``docs/gallery/NAME.py``) and write its page as Markdown.

An example is a plain script that also runs on its own (``python docs/gallery/NAME.py``).
Its docstring is the page's title and introduction; ``# %%`` lines split it into cells,
each cell's leading ``#`` comment lines are prose, the rest is code shown as written and
executed in one namespace. When a cell ends with an expression whose value is a
limelight view (a widget or an Explanation), the page embeds it: the view saved as its
self-contained offline HTML (linked, it opens with no network and no kernel) and its
static picture (SVG where the view draws one, else the picture a saved notebook shows).
An example that raises fails the build.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import traceback
from pathlib import Path
from typing import Any

#: the scripts that draw a page's views live (relative to a gallery page)
LOADER = (
    '<script src="../assets/limelight/widget.js"></script>\n'
    '<script src="../assets/limelight/vega.js"></script>\n'
    '<script src="../assets/limelight-live.js"></script>\n'
)


def bundle_script(name: str) -> str:
    """The view bundle (``"widget"``) or the chart renderer (``"vega"``) as a classic
    script that sets a global: a page opened from ``file://`` may run it (a module import
    from a file is refused there), and ``limelight-live.js`` imports it from a blob."""
    from limelight import export

    var = {"widget": "llWidgetCode", "vega": "llVegaCode"}[name]
    return f"window.{var} = {json.dumps(export._static(f'{name}.js'))};\n"


class ExampleError(RuntimeError):
    """An example raised: the message names the example, the cell and the traceback."""


def split(source: str) -> tuple[str, list[tuple[str, str]]]:
    """``(docstring, [(prose, code), ...])`` of an example's source."""
    module = ast.parse(source)
    doc = ast.get_docstring(module) or ""
    lines = source.splitlines()
    start = module.body[0].end_lineno if doc else 0
    cells, current = [], []
    for line in lines[start:]:
        if line.startswith("# %%"):
            cells.append(current)
            current = []
        else:
            current.append(line)
    cells.append(current)
    out = []
    for cell in cells:
        prose, i = [], 0
        while i < len(cell) and (cell[i].startswith("#") or (not cell[i].strip() and not prose)):
            if cell[i].startswith("#"):
                prose.append(cell[i][1:].removeprefix(" "))
            i += 1
        code = "\n".join(cell[i:]).strip("\n")
        if prose or code:
            out.append(("\n".join(prose), code))
    return doc, out


def _run_cell(code: str, ns: dict, name: str) -> tuple[Any, str]:
    """Execute ``code``; return the value of its last expression (or None) and its stdout."""
    tree = ast.parse(code, filename=name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, name, "exec"), ns)  # noqa: S102 - the project's own examples
        value = eval(compile(last, name, "eval"), ns) if last is not None else None  # noqa: S307
    return value, out.getvalue()


def _is_view(value: Any) -> bool:
    return type(value).__module__.startswith("limelight") and hasattr(value, "save")


def _picture(value: Any, path: Path) -> str:
    """Markdown/HTML of the view's static picture, written beside the HTML page."""
    from limelight.errors import LimelightError

    try:
        value.save(path)
        return f'<img class="ll-picture" alt="static picture of the view" src="views/{path.name}">'
    except (LimelightError, TypeError, AttributeError):
        picture = getattr(value, "_static_picture", lambda: None)()
        return f'<div class="ll-picture">{picture}</div>' if picture else ""


STATE = re.compile(r'<script type="application/json" id="ll-state">(.*?)</script>', re.S)


def _embed(value: Any, stem: str, views: Path) -> str:
    """The view drawn live in the page (its state as ``views/STEM.state.js``, drawn by
    ``assets/limelight-live.js``), its static picture until then (and in print), and a
    link to its saved page."""
    if hasattr(value, "wait"):
        value.wait(timeout=120)
    page = views / f"{stem}.html"
    value.save(page)
    picture = _picture(value, views / f"{stem}.svg")
    kb = page.stat().st_size / 1024
    link = (
        f"[Open it as its own page](views/{page.name}){{ .md-button }} "
        f"(one self-contained {kb:,.0f} KB file: no network, no kernel)\n"
    )
    # the saved page's widget state, escaped for <script> already: valid JSON, valid JS
    found = STATE.search(page.read_text(encoding="utf-8"))
    if found is None:  # a view whose page is a drawing, not a widget: its picture
        return f"{picture}\n\n{link}"
    (views / f"{stem}.state.js").write_text(
        f"(window.llStates = window.llStates || {{}})[{json.dumps(stem)}] = {found.group(1)};\n",
        encoding="utf-8",
    )
    return (
        f'<div class="ll-view">\n<script src="views/{stem}.state.js"></script>\n'
        f'<div class="ll-live" data-ll-key="{stem}"></div>\n{picture}\n</div>\n\n{link}'
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "to_html") and type(value).__module__.startswith("pandas"):
        return f'<div class="ll-frame">{value.head(12).to_html(max_cols=12)}</div>\n'
    return f"```text\n{value!r}\n```\n"


def run(path: Path, views: Path) -> str:
    """Run the example at ``path``, write its views under ``views/``, return its page."""
    doc, cells = split(path.read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__gallery__", "__file__": str(path)}
    parts = [doc, ""]
    for n, (prose, code) in enumerate(cells):
        if prose:
            parts += [prose, ""]
        if not code:
            continue
        parts += ["```python", code, "```", ""]
        try:
            value, printed = _run_cell(code, ns, f"{path.name} (cell {n + 1})")
        except Exception as exc:
            raise ExampleError(
                f"gallery example {path.name}, cell {n + 1} raised:\n{traceback.format_exc()}"
            ) from exc
        if printed:
            parts += ["```text", printed.rstrip(), "```", ""]
        if _is_view(value):
            parts.append(_embed(value, f"{path.stem}-{n + 1}", views))
        else:
            parts.append(_shown(value))
    parts += [
        "",
        f"Download this example as [a script]({path.name}) or "
        f"[a notebook]({path.stem}.ipynb) (the same cells, not run).",
        "",
    ]
    if any(p.startswith('<div class="ll-view">') for p in parts):
        parts.append(LOADER)  # last: every view's state is registered by then
    return "\n".join(parts)


def notebook(source: str) -> str:
    """The example as a Jupyter notebook (its prose as Markdown cells, its code as code
    cells, no outputs), for readers who run it in Jupyter."""
    import nbformat

    doc, cells = split(source)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(doc))
    for prose, code in cells:
        if prose:
            nb.cells.append(nbformat.v4.new_markdown_cell(prose))
        if code:
            nb.cells.append(nbformat.v4.new_code_cell(code))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nbformat.writes(nb)
