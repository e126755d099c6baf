"""Exported HTML in Chromium, opened from file:// with every request that is not
file:/data:/blob: aborted: each page draws the right content with no kernel, class
switching works, and a script-injection payload in names and tokens runs nothing."""

from pathlib import Path

import numpy as np
import pytest

import limelight as ll
from limelight.explanation import Explanation
from limelight.widgets import ExplanationWidget

pytestmark = pytest.mark.browser
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
PAYLOAD = '</script><img src=x onerror="window.llPwned=1"><script>window.llPwned=2</script>'
OFFLINE = ("file:", "data:", "blob:", "about:")


@pytest.fixture()
def open_export(chromium, tmp_path):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    pages, outside, errors = [], [], []

    def open_(obj, name="x.html", **options):
        path = ll.save(obj, tmp_path / name, **options)
        page = chromium.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(OFFLINE):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        pages.append(page)
        return page

    yield open_
    for p in pages:
        p.close()
    assert outside == [], f"the export asked the network for {outside}"
    assert errors == [], errors


def tabular(n=7):
    rng = np.random.default_rng(3)
    values = rng.normal(size=(2, n))
    names = [f"f{j}" for j in range(n)]
    names[2] = PAYLOAD
    return Explanation(
        values=values,
        base_values=[0.2, 0.8],
        prediction=[0.2 + values[0].sum(), 0.8 + values[1].sum()],
        output_names=["no", "yes"],
        feature_names=names,
        data=np.arange(n, dtype=float),
        method="exact",
    )


def test_tabular_export_draws_one_bar_per_feature(open_export):
    page = open_export(tabular(7))
    page.wait_for_selector("#ll-root svg .mark-rect path", timeout=20_000)
    bars = page.locator("#ll-root svg g.mark-rect").first.locator("path")
    assert bars.count() == 7
    # the payload is a label, drawn as text
    labels = page.locator("#ll-root svg text").all_text_contents()
    assert any("window.llPwned" in t for t in labels)
    assert page.evaluate("window.llPwned") is None
    # no kernel behind the page: no Snapshot control to click
    assert page.locator("#ll-root .ll-snapshot").count() == 1
    assert page.locator("#ll-root .ll-snapshot").is_hidden()


LABEL_BOXES = """() => {
  const svg = document.querySelector('#ll-root svg');
  const yAxis = [...svg.querySelectorAll('g.role-axis')].find(
    (a) => (a.getAttribute('aria-label') || '').startsWith('Y-axis'));
  const right = Math.max(...[...yAxis.querySelectorAll('.role-axis-label text')].map(
    (t) => t.getBoundingClientRect().right));
  const values = [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left, r.right];
  });
  return { axisRight: right, svgRight: svg.getBoundingClientRect().right, values };
}"""


def test_value_labels_stay_clear_of_feature_names(open_export):
    # the longest negative bar's label sits left of its end: it must not run into the
    # feature names, nor the longest positive one's off the chart
    e = Explanation(
        values=[[0.51234, -0.852341, 0.0123, -0.3]],
        base_values=[1.0],
        prediction=[0.5],
        output_names=["y"],
        feature_names=["alpha", "a_long_feature_name", "c", "d"],
        data=np.array([3.25, 4.5, 1.0, 2.0]),
    )
    page = open_export(e)
    page.wait_for_selector("#ll-root svg .mark-rect path", timeout=20_000)
    boxes = page.evaluate(LABEL_BOXES)
    assert len(boxes["values"]) == 4
    for text, left, right in boxes["values"]:
        assert left > boxes["axisRight"], (text, left, boxes["axisRight"])
        assert right < boxes["svgRight"], (text, right, boxes["svgRight"])


def test_text_export_shows_tokens_switches_class_and_runs_no_payload(open_export):
    text = f"good film {PAYLOAD} bad plot"
    exp = ll.attribute(
        lambda xs: [
            [s.count("good") - s.count("bad"), s.count("bad") - s.count("good")] for s in xs
        ],
        text,
        method="occlusion",
        output_names=["pos", "neg"],
    )
    page = open_export(exp)
    tokens = page.locator(".ll-tok").all_text_contents()
    assert tokens == list(exp.feature_names) and "good" in tokens
    assert PAYLOAD in page.locator(".ll-doc").text_content()
    page.wait_for_timeout(300)
    assert page.evaluate("window.llPwned") is None
    assert page.locator("img").count() == 0  # no element came out of the payload
    good = page.locator(".ll-tok", has_text="good").first
    before = good.get_attribute("class")
    page.select_option("select.ll-class", "1")
    after = good.get_attribute("class")
    assert "ll-c-p" in before and "ll-c-n" in after  # good pushes toward pos, away from neg
    assert page.evaluate("window.llModel.get('output_index')") == 1


def test_image_export_draws_a_non_blank_overlay(open_export):
    rng = np.random.default_rng(1)
    pic = (rng.random((24, 24, 3)) * 255).astype(np.uint8)
    exp = ll.attribute(
        lambda b: np.asarray(b, float)[:, :8, :8].mean(axis=(1, 2, 3))[:, None],
        pic,
        method="occlusion",
    )
    page = open_export(exp)
    page.wait_for_selector("canvas")
    spread = page.evaluate("""() => {
      let best = 0;
      for (const c of document.querySelectorAll('canvas')) {
        if (!c.width || !c.height) continue;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lo = 255, hi = 0;
        for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
        best = Math.max(best, hi - lo);
      }
      return best;
    }""")
    assert spread > 50


def test_widget_export_keeps_the_class_on_screen_and_redaction_is_visible(open_export):
    w = ExplanationWidget.from_explanation(tabular(4))
    w.output_index = 0
    page = open_export(w, include_data=False)
    assert page.evaluate("window.llModel.get('output_index')") == 0
    assert "left out" in page.locator(".ll-page-note").text_content()
    page.wait_for_selector("#ll-root svg .mark-rect path", timeout=20_000)
    # no feature values in the labels: "f0 = 0" would show the left-out data
    labels = " ".join(page.locator("#ll-root svg text").all_text_contents())
    assert "f0" in labels and "f0 = " not in labels
    # class switching through the view's own picker redraws the bars with the other values
    exp = tabular(4)
    shown = f"{exp.values[0][np.argmax(np.abs(exp.values[0]))]:.4g}"
    other = f"{exp.values[1][np.argmax(np.abs(exp.values[1]))]:.4g}"
    assert shown in labels and other not in labels
    page.select_option("select.ll-class", "1")
    assert page.evaluate("window.llModel.get('output_index')") == 1
    page.wait_for_function(
        f"[...document.querySelectorAll('#ll-root svg text')].some(t => t.textContent === '{other}')",
        timeout=10_000,
    )
