"""The gallery's embedded views in Chromium from file://, every other request aborted:
each example's saved pages draw (the bundle and the state are inline), with no page
error, as a reader opening them from the built site sees them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import limelight as ll

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
OFFLINE = ("file:", "data:", "blob:", "about:")
# fast examples covering charts side by side, a canvas view and the many-rows summary
EXAMPLES = ["compare", "monitor", "explain_many"]


def _gallery():
    path = ROOT / "scripts" / "docs" / "gallery.py"
    spec = importlib.util.spec_from_file_location("limelight_docs_gallery", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_views_draw_offline(chromium, tmp_path, example):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    page_md = _gallery().run(ROOT / "docs" / "gallery" / f"{example}.py", tmp_path)
    views = sorted(tmp_path.glob("*.html"))
    assert views and all(f"views/{v.name}" in page_md for v in views)
    outside, errors = [], []
    for view in views:
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
        page.goto(view.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        # something was drawn: a chart's SVG or canvas, or the view's own elements
        drawn = page.evaluate(
            "document.querySelectorAll('#ll-root svg, #ll-root canvas, #ll-root table').length"
        )
        assert drawn > 0, f"{view.name} drew nothing"
        page.close()
    assert outside == [] and errors == []
