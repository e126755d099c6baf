"""Highlights land on exactly the original characters for any Unicode text: emoji and
other characters beyond U+FFFF (two UTF-16 units in the browser), combining accents,
joined emoji, flags and CRLF line ends; in the live view and in the offline HTML export."""

import numpy as np
import pytest
from browser.test_export_browser import open_export  # noqa: F401, F811  (a fixture)
from browser.test_text_browser import PAGE

import limelight as ll
from limelight.encoders.text import encode

pytestmark = pytest.mark.browser

TEXTS = [
    "😀 good day",
    "great 👍🏽 film, awful 👨‍👩‍👧 plot 🇫🇷!",
    "e\u0301te\u0301 de\u0301ja\u0300 vu",
    "line one\r\nline two\r\n\r\nend",
    "𠀀𠀁 rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math",
    "नमस्ते दुनिया 😀x😀",
]


def words_model(docs):
    # positive for "good"/"great", negative for "awful": any text model would do
    score = np.array([d.count("good") + d.count("great") - d.count("awful") for d in docs], float)
    return np.stack([-score, score], axis=1)


def render(page, exp):
    meta, arrays = encode(exp)
    payload = {
        k: {"data": v.reshape(-1).tolist(), "dtype": str(v.dtype), "shape": list(v.shape)}
        for k, v in arrays.items()
    }
    page.evaluate("([m, a]) => window.llRender(m, a, 1)", [meta, payload])


def shown(page):
    return page.evaluate(
        "() => ({doc: document.querySelector('.ll-doc').textContent,"
        " toks: [...document.querySelectorAll('.ll-tok')].map(e => e.textContent)})"
    )


@pytest.mark.parametrize("text", TEXTS)
def test_live_view_highlights_the_original_characters(source_page, text):
    page = source_page(PAGE)
    exp = ll.attribute(words_model, text, method="occlusion")
    render(page, exp)
    got = shown(page)
    assert got["doc"] == text
    assert got["toks"] == [text[s:e] for s, e in exp.spans]


def test_export_highlights_the_original_characters(open_export):  # noqa: F811
    text = " | ".join(TEXTS)
    exp = ll.attribute(words_model, text, method="occlusion")
    page = open_export(exp, "unicode.html")
    page.wait_for_selector(".ll-tok")
    got = shown(page)
    assert got["doc"] == text
    assert got["toks"] == [text[s:e] for s, e in exp.spans]
