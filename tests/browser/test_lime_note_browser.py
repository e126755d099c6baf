"""The tabular panel's additivity line in Chromium, from an exported page: LIME's values
need not add up, so its line says so and puts no equals sign between the two numbers;
an exact method's line keeps "=" (its numbers agree)."""

from pathlib import Path

import numpy as np
import pytest

import limelight as ll

pytestmark = pytest.mark.browser
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
X = np.random.default_rng(0).normal(size=(40, 3))


def bumpy(A):
    A = np.asarray(A)
    return np.sin(3 * A[:, 0]) * A[:, 1] + A[:, 2] ** 2


def note_of(chromium, exp, path):
    ll.save(exp, path)
    page = chromium.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
    text = page.locator(".ll-note").first.text_content()
    page.close()
    return text


def test_the_lime_line_says_it_is_not_additive(chromium, tmp_path):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    lime = ll.attribute(bumpy, X[0], background=X, method="lime", random_state=0)
    line = note_of(chromium, lime, tmp_path / "lime.html")
    assert "(LIME is not additive)" in line and "= prediction" not in line
    exact = ll.attribute(bumpy, X[0], background=X, method="exact")
    assert "= prediction − base value" in note_of(chromium, exact, tmp_path / "exact.html")
