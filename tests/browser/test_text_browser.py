"""The text view in Chromium: spans, colours, tooltip, keyboard, themes, escaping, speed.

A standalone page imports ``js/src/views/text.js`` straight from the source tree (served
by a Playwright route on a local origin; every other request is aborted) and renders the
state that ``limelight.encoders.text.encode`` makes from a real explanation, with a
small stand-in for the anywidget model.
"""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll
from limelight.encoders.text import encode

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="out"></div>
<script type="module">
import { render } from "/views/text.js";
window.llRender = (meta, arrays, outputIndex) => {
  const listeners = {};
  const state = { _meta: meta, _arrays: {}, output_index: outputIndex };
  for (const [name, a] of Object.entries(arrays)) {
    const typed = a.dtype === "int32" ? Int32Array.from(a.data) : Float32Array.from(a.data);
    state._arrays[name] = { view: new DataView(typed.buffer), dtype: a.dtype, shape: a.shape };
  }
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; },
    save_changes: () => { window.llSaved = (window.llSaved || 0) + 1; },
    on: (ev, cb) => { (listeners[ev] ||= []).push(cb); },
    off: (ev, cb) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== cb); },
    send: () => {},
  };
  window.llModel = model;
  const el = document.getElementById("out");
  const t0 = performance.now();
  window.llCleanup = render({ model, el });
  el.getBoundingClientRect(); document.body.offsetHeight;  // force style + layout
  return performance.now() - t0;
};
window.llReady = true;
</script></body></html>"""


@pytest.fixture()
def page(source_page):
    return source_page(PAGE)


def show(page, exp, output_index=None):
    meta, arrays = encode(exp)
    payload = {
        k: {"data": v.reshape(-1).tolist(), "dtype": str(v.dtype), "shape": list(v.shape)}
        for k, v in arrays.items()
    }
    return page.evaluate("([m, a, o]) => window.llRender(m, a, o)", [meta, payload, output_index])


@pytest.fixture(scope="module")
def review():
    docs = [
        "superb acting",
        "dreadful plot",
        "superb film",
        "dreadful film",
        "a superb story",
        "a dreadful story",
    ] * 5
    labels = [1, 0, 1, 0, 1, 0] * 5
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10)).fit(docs, labels)
    text = "The plot was dreadful,\nbut the acting?  Superb!"
    return ll.attribute(pipe, text, method="occlusion"), text


def rgb(css):
    return [int(x) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]


def contrast(fg, bg):
    def lum(c):
        c = [x / 255 for x in c]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted([lum(fg), lum(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_tokens_are_highlighted_on_the_original_text(page, review):
    exp, text = review
    show(page, exp, 1)
    assert page.locator(".ll-tok").count() == len(exp.feature_names)
    # whitespace and the line break between tokens are kept
    assert page.locator(".ll-doc").evaluate("d => d.textContent") == text
    colours = page.locator(".ll-tok").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    by_token = dict(zip(exp.feature_names, colours))
    superb, dreadful = rgb(by_token["Superb"]), rgb(by_token["dreadful"])
    assert exp.values[1][exp.feature_names.index("Superb")] > 0
    assert superb[0] > superb[2] and dreadful[2] > dreadful[0]  # red for, blue against
    # the tooltip shows the exact score
    i = exp.feature_names.index("dreadful")
    page.hover(f".ll-tok >> nth={i}")
    tip = page.locator(".ll-tip")
    assert tip.is_visible()
    shown = float(tip.text_content().split(":")[1].split()[0])
    assert shown == pytest.approx(exp.values[1][i], rel=1e-3)
    assert "dreadful" in tip.text_content()


def test_class_switcher_recolours_and_syncs_output_index(page, review):
    exp, _ = review
    show(page, exp, 1)
    i = exp.feature_names.index("Superb")
    before = page.locator(f".ll-tok >> nth={i}").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    page.select_option(".ll-class", "0")
    after = page.locator(f".ll-tok >> nth={i}").evaluate("e => getComputedStyle(e).backgroundColor")
    assert rgb(before)[0] > rgb(before)[2] and rgb(after)[2] > rgb(after)[0]
    assert page.evaluate("window.llModel.get('output_index')") == 0
    tops = page.locator(".ll-top").text_content()
    assert "dreadful" in tops and "Superb" in tops
    assert "predicted: 1" in page.locator(".ll-pred").text_content()
    # no token against the class: the list says so instead of standing empty
    show(page, exp.with_(values=np.abs(exp.values)), 1)
    negative = page.locator(".ll-top > div").nth(1)
    assert negative.text_content() == "top negativenone"


@pytest.mark.parametrize("light", ["true", "false"])
def test_text_stays_readable_in_light_and_dark_themes(page, review, light):
    exp, _ = review
    page.evaluate(f"document.body.dataset.jpThemeLight = '{light}'")
    show(page, exp.with_(values=exp.values * 50), 1)  # saturate: strongest fills
    pairs = page.locator(".ll-tok").evaluate_all(
        "els => els.map(e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor])"
    )
    ratios = [contrast(rgb(fg), rgb(bg)) for fg, bg in pairs]
    assert min(ratios) >= 4.5, ratios


def test_keyboard_moves_focus_between_tokens_and_shows_the_score(page, review):
    exp, _ = review
    show(page, exp, 1)
    page.focus(".ll-doc")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == exp.feature_names[1]
    assert page.locator(".ll-tip").is_visible()
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.textContent") == exp.feature_names[-1]


def test_markup_in_a_document_is_shown_and_never_run(page):
    text = (
        'Nice <img src=x onerror="window.__pwned=1"> film </script>'
        '<script>window.__pwned=2</script> & "great"'
    )
    exp = ll.attribute(lambda xs: np.array([[len(s)] for s in xs], float), text, method="occlusion")
    exp.output_names = ['<b onmouseover="window.__pwned=3">x</b>']
    show(page, exp)
    page.hover(".ll-tok >> nth=1")
    assert page.locator(".ll-doc").evaluate("d => d.textContent") == text
    assert page.locator("#out img, #out script, #out b").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert "<b onmouseover" in page.locator(".ll-class").text_content()


def test_a_10000_token_document_renders_fast(page):
    rng = np.random.default_rng(0)
    words = rng.choice(["alpha", "beta", "gamma", "delta", ",", "."], size=10_000)
    text = " ".join(words)
    inst_spans, pos = [], 0
    for w in words:
        inst_spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    exp = ll.Explanation(
        values=rng.normal(size=(2, 10_000)),
        base_values=[0, 0],
        prediction=[0.3, 0.7],
        output_names=["a", "b"],
        feature_names=list(words),
        data=text,
        spans=inst_spans,
        modality="text",
        method="shapley",
    )
    times = [show(page, exp, 1) for _ in range(3)]
    assert page.locator(".ll-tok").count() == 10_000
    print(
        f"\n10,000-token render (build + style + layout), 3 runs: "
        f"{', '.join(f'{t:.0f}' for t in times)} ms; median {sorted(times)[1]:.0f} ms"
    )
