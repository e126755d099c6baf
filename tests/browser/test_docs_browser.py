"""The gallery's views in Chromium from file://, every other request aborted: a gallery
page draws each view live in place of its static picture (the docs' loader and the
bundle the saved pages carry), and each view's own saved page draws too, with no page
error, as a reader opening the built site sees them."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

import limelight as ll

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
OFFLINE = ("file:", "data:", "blob:", "about:")
# fast examples covering charts side by side, a canvas view and the many-rows summary
EXAMPLES = ["compare", "monitor", "explain_many"]
DRAWN = "document.querySelectorAll('#ll-root svg, #ll-root canvas, #ll-root table').length"


def _gallery():
    path = ROOT / "scripts" / "docs" / "gallery.py"
    spec = importlib.util.spec_from_file_location("limelight_docs_gallery", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _site(tmp_path: Path, example: str) -> tuple[Path, list[Path]]:
    """The example's page as the site lays it out: gallery/NAME.html beside views/, the
    bundles and the loader under assets/ (the Markdown rendered as mkdocs renders it)."""
    import markdown

    gallery = _gallery()
    views = tmp_path / "gallery" / "views"
    views.mkdir(parents=True)
    text = gallery.run(ROOT / "docs" / "gallery" / f"{example}.py", views)
    assets = tmp_path / "assets" / "limelight"
    assets.mkdir(parents=True)
    for name in ("widget", "vega"):
        (assets / f"{name}.js").write_text(gallery.bundle_script(name), encoding="utf-8")
    for name in ("limelight-live.js", "limelight.css"):
        shutil.copy(ROOT / "docs" / "assets" / name, tmp_path / "assets")
    body = markdown.markdown(text, extensions=["md_in_html", "attr_list", "fenced_code"])
    page = tmp_path / "gallery" / f"{example}.html"
    css = '<link rel="stylesheet" href="../assets/limelight.css">'
    page.write_text(f"<!doctype html><html><head>{css}</head><body>{body}</body></html>")
    return page, sorted(views.glob("*.html"))


@pytest.fixture()
def offline_page(chromium):
    pages, outside, errors = [], [], []

    def open_(path: Path):
        page = chromium.new_page(viewport={"width": 1100, "height": 800})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(OFFLINE)
                else (outside.append(r.request.url), r.abort())
            ),
        )
        page.goto(path.as_uri())
        pages.append(page)
        return page

    yield open_
    for p in pages:
        p.close()
    assert outside == [] and errors == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_views_draw_offline(offline_page, tmp_path, example):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    page_path, views = _site(tmp_path, example)
    assert views
    page = offline_page(page_path)
    n = page.locator(".ll-view").count()
    assert n == len(views)
    # every view drawn live, and its static picture hidden once it is
    page.wait_for_function(f"document.querySelectorAll('.ll-view.ll-drawn').length === {n}")
    assert page.evaluate("document.querySelectorAll('.ll-live [data-ll-error]').length") == 0
    assert page.locator(".ll-view .ll-picture").first.is_hidden()
    for view in views:  # and each view's own saved page
        own = offline_page(view)
        own.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        assert own.evaluate(DRAWN) > 0, f"{view.name} drew nothing"
