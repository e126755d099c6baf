"""A text explanation in real JupyterLab: the live widget highlights each token of the
original text, red for words that push toward the class, blue for words against, and the
class switcher flips them. Network is blocked (no CDN)."""

import pytest

pytestmark = pytest.mark.browser

SETUP = """
import limelight as ll
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
docs = ["superb film", "superb acting", "dreadful film", "dreadful plot"] * 5
model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10)).fit(docs, [1, 1, 0, 0] * 5)
w = ll.explain(model, "The plot was dreadful but the acting was superb <b>ok</b>", method="occlusion")
w
"""


def rgb(page, selector):
    return page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")


def test_text_widget_highlights_tokens_in_jupyterlab(lab_notebook):
    page = lab_notebook([SETUP])
    out = page.locator(".jp-OutputArea-output .ll-text")
    out.wait_for(timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('.jp-OutputArea-output .ll-tok').length >= 10", timeout=30_000
    )
    tokens = page.eval_on_selector_all(
        ".jp-OutputArea-output .ll-tok", "els => els.map(e => e.textContent)"
    )
    assert "dreadful" in tokens and "superb" in tokens
    # markup in the document is shown as text, not parsed
    assert "<" in tokens or "<b" in "".join(tokens)
    assert page.locator(".jp-OutputArea-output .ll-text b").count() == 0

    def colour(word):
        idx = tokens.index(word)
        return page.evaluate(
            "(i) => getComputedStyle(document.querySelectorAll('.jp-OutputArea-output .ll-tok')[i]).backgroundColor",
            idx,
        )

    def channels(c):
        return [int(v) for v in c[c.index("(") + 1 : c.index(")")].split(",")[:3]]

    # the predicted class is whichever wins; superb and dreadful must get opposite hues
    r1, _, b1 = channels(colour("superb"))
    r2, _, b2 = channels(colour("dreadful"))
    assert (r1 > b1) != (r2 > b2)
    # switch class: the colours swap
    page.select_option(".jp-OutputArea-output .ll-text select", index=0)
    page.wait_for_timeout(300)
    r3, _, b3 = channels(colour("superb"))
    page.select_option(".jp-OutputArea-output .ll-text select", index=1)
    page.wait_for_timeout(300)
    r4, _, b4 = channels(colour("superb"))
    assert (r3 > b3) != (r4 > b4)
