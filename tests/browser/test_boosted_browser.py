"""A boosted classifier's explanation exported to HTML and opened in Chromium (offline):
the title says which scale the numbers are on ("log-odds" by tree paths, "probability"
by coalitions), so a reader knows what the bars add up to."""

from pathlib import Path

import numpy as np
import pytest
import xgboost

import limelight as ll

pytestmark = pytest.mark.browser
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"  # gitignored: look at them


@pytest.fixture()
def open_export(chromium, tmp_path):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    pages, outside = [], []

    def open_(exp, name):
        path = ll.save(exp, tmp_path / name)
        page = chromium.new_page()
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
                else (outside.append(r.request.url), r.abort())
            ),
        )
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        pages.append(page)
        return page

    yield open_
    for p in pages:
        p.close()
    assert outside == []


def test_the_title_names_the_output_scale(open_export):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    model = xgboost.XGBClassifier(n_estimators=10, max_depth=3).fit(X, X[:, 0] + X[:, 1] > 0)
    for scale, options in (("log-odds", {}), ("probability", {"model_output": "proba"})):
        e = ll.attribute(model, X[0], background=X[:12], output=-1, **options)
        page = open_export(e, f"{scale}.html")
        page.wait_for_selector("#ll-root svg .mark-rect path", timeout=20_000)
        title = page.locator(".ll-title").first.text_content()
        assert title.startswith(f"True ({scale}): ") or title.startswith(f"1 ({scale}): ")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"boosted_{scale}.png"))
