"""limelight in Voilà (a notebook served as an app), in Debian's Chromium with every
non-local request aborted: the explanation of each modality and a dependence chart draw
with the right numbers, the class switcher reaches the kernel (a label the kernel updates
says so), Cancel stops a slow run, and the dark theme gets light chart labels.
Screenshots under $LL_SHOTS."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from app_servers import voila_server
from lab_server import write_notebook

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
pytest.importorskip("voila")

# Voilà's own page template links Font Awesome from a CDN (voila/templates/lab/index.html.j2);
# aborted like every other request, and nothing of limelight's may join it
VOILA_OWN = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"

KERNEL_LABEL = """
import ipywidgets
said = ipywidgets.Label("kernel output_index: None")
w_tabular.observe(lambda c: setattr(said, "value", f"kernel output_index: {c['new']}"), "output_index")
said
"""


def cells(widgets: dict[str, str]) -> list[str]:
    out = [SETUP] + [f"w_{name} = {expr}\nw_{name}" for name, expr in widgets.items()]
    return out[:2] + [KERNEL_LABEL] + out[2:]


#: the notebook each theme's page runs: every widget in light, the tabular one in dark
NOTEBOOKS = {"light": WIDGETS, "dark": {"tabular": WIDGETS["tabular"]}}


@pytest.fixture(scope="module")
def voila_pages(chromium, tmp_path_factory):
    """``{theme: page}``: the notebooks of ``NOTEBOOKS`` served by one Voilà, both pages
    opened at once (each runs its notebook in a kernel of its own)."""
    root = tmp_path_factory.mktemp("voila")
    (root / "notebooks").mkdir()
    for theme, widgets in NOTEBOOKS.items():
        write_notebook(root / "notebooks" / f"{theme}.ipynb", cells(widgets))
    outside, errors = [], []
    with ExitStack() as stack:
        url = stack.enter_context(voila_server(root, root / "notebooks"))
        pages = {}
        for theme in NOTEBOOKS:
            page = chromium.new_page(viewport={"width": 1200, "height": 900})
            stack.callback(page.close)
            block_network(page, outside)
            page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
            page.goto(f"{url}voila/render/{theme}.ipynb?theme={theme}", wait_until="commit")
            pages[theme] = page
        yield pages
    ours = [u for u in outside if not u.startswith(VOILA_OWN)]
    assert ours == [], f"requests left the machine: {ours[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


def widgets_of(page, n: int):
    widgets = page.locator(".jp-OutputArea-output .ll-widget")
    wait_until(lambda: widgets.count() == n, f"{n} limelight widgets", 120)
    return [widgets.nth(i) for i in range(n)]


def test_voila_draws_every_modality_switches_class_and_cancels(voila_pages):
    page = voila_pages["light"]
    shown = dict(zip(WIDGETS, widgets_of(page, len(WIDGETS))))
    for name, widget in shown.items():
        assert widget.locator(f".ll-body > .{VIEW_CLASS[name]}").count() == 1, name
    check_cancel(shown["slow"])
    check_tabular(shown["tabular"], output=0)
    check_text(shown["text"])
    check_image(shown["image"])
    check_dependence(shown["dependence"])
    kernel = page.get_by_text("kernel output_index:")
    assert kernel.text_content().strip() == "kernel output_index: None"
    page.set_viewport_size({"width": 1200, "height": 2600})
    shot(page, "voila-light.png")
    page.set_viewport_size({"width": 1200, "height": 900})
    other = switch_class(shown["tabular"])
    wait_until(
        lambda: kernel.text_content().strip() == f"kernel output_index: {other}",
        "the kernel to see the class",
    )


def test_voila_dark_theme_draws_light_labels(voila_pages):
    page = voila_pages["dark"]
    (widget,) = widgets_of(page, 1)
    check_tabular(widget, output=0)
    assert page.evaluate("document.body.dataset.jpThemeLight") == "false"
    assert label_fill(widget) > 0xA0
    shot(page, "voila-dark.png")
