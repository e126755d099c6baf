"""limelight in marimo (``mo.ui.anywidget(ll.explain(...))``), in Debian's Chromium with
every non-local request aborted: ``marimo run`` draws the explanation of each modality and
a dependence chart with the right numbers, the class switcher reaches the kernel (a cell
that reads ``output_index`` runs again), Cancel stops a slow run; ``marimo edit`` draws
the same chart and follows marimo's dark theme. Screenshots under $LL_SHOTS."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from app_servers import marimo_server

from .conftest import block_network
from .frontend_checks import (
    SETUP,
    VIEW_CLASS,
    WIDGETS,
    check_cancel,
    check_dependence,
    check_image,
    check_tabular,
    check_text,
    label_fill,
    shot,
    switch_class,
    wait_until,
)

pytestmark = pytest.mark.browser
pytest.importorskip("marimo")


def cell(body: str, refs: str = "", returns: str = "") -> str:
    lines = "\n".join(f"    {line}" for line in body.strip().splitlines())
    ret = f"\n    return ({returns},)" if returns else "\n    return"
    return f"\n\n@app.cell\ndef _({refs}):\n{lines}{ret}\n"


def app_file(widgets: dict[str, str]) -> str:
    """A marimo app: the setup cell, then one cell per widget, ``mo.ui.anywidget(...)`` as
    its output; after the tabular one, a cell showing what the kernel's widget holds."""
    names = "X, bright, image, ll, mo, model, slow, text_model"
    src = "import marimo\n\napp = marimo.App(width='medium')\n"
    src += cell("import marimo as mo\n" + SETUP, returns=names)
    for name, expr in widgets.items():
        src += cell(f"w_{name} = mo.ui.anywidget({expr})\nw_{name}", names, f"w_{name}")
        if name == "tabular":
            shown = 'mo.md(f"kernel output_index: {w_tabular.widget.output_index}")'
            src += cell(shown, "mo, w_tabular")
    return src + '\n\nif __name__ == "__main__":\n    app.run()\n'


#: what each mode serves and how its page is opened
APPS = {"run": (WIDGETS, "light"), "edit": ({"tabular": WIDGETS["tabular"]}, "dark")}


@pytest.fixture(scope="module")
def marimo_pages(chromium, tmp_path_factory):
    """``{mode: page}``: the app of each mode of ``APPS`` served by ``marimo run`` and
    ``marimo edit``, both pages opened at once (they load side by side)."""
    root = tmp_path_factory.mktemp("marimo")
    outside, errors = [], []
    with ExitStack() as stack:
        pages = {}
        for mode, (widgets, theme) in APPS.items():
            app = root / f"{mode}_app.py"
            app.write_text(app_file(widgets))
            url = stack.enter_context(marimo_server(root, app, mode))
            page = chromium.new_page(viewport={"width": 1200, "height": 900})
            stack.callback(page.close)
            block_network(page, outside)
            page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
            page.goto(f"{url}?theme={theme}", wait_until="commit")
            pages[mode] = page
        yield pages
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


def widgets_of(page, n: int):
    widgets = page.locator(".ll-widget")
    wait_until(lambda: widgets.count() == n, f"{n} limelight widgets", 90)
    return [widgets.nth(i) for i in range(n)]


def test_marimo_run_draws_every_modality_switches_class_and_cancels(marimo_pages):
    page = marimo_pages["run"]
    shown = dict(zip(WIDGETS, widgets_of(page, len(WIDGETS))))
    for name, widget in shown.items():
        assert widget.locator(f".ll-body > .{VIEW_CLASS[name]}").count() == 1, name
    check_cancel(shown["slow"])
    check_tabular(shown["tabular"], output=0)  # the predicted class, "no"
    check_text(shown["text"])
    check_image(shown["image"])
    check_dependence(shown["dependence"])
    kernel = page.get_by_text("kernel output_index:")
    assert kernel.text_content().strip() == "kernel output_index: None"
    page.set_viewport_size({"width": 1200, "height": 2600})  # marimo scrolls inside the app
    shot(page, "marimo-run-light.png")
    page.set_viewport_size({"width": 1200, "height": 900})
    # the switcher's choice is the kernel widget's: the cell reading it runs again
    other = switch_class(shown["tabular"])
    wait_until(
        lambda: kernel.text_content().strip() == f"kernel output_index: {other}",
        "the kernel to see the class",
    )
    shot(shown["tabular"], "marimo-run-tabular-switched.png")


def test_marimo_edit_draws_and_follows_the_dark_theme(marimo_pages):
    page = marimo_pages["edit"]
    (widget,) = widgets_of(page, 1)
    check_tabular(widget, output=0)
    wait_until(lambda: page.evaluate("document.body.dataset.theme") == "dark", "the dark theme")
    assert label_fill(widget) > 0xA0  # light labels on marimo's dark background
    widget.scroll_into_view_if_needed()
    shot(page, "marimo-edit-dark.png")
