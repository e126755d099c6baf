"""A transformers classifier's explanation in Chromium: word-piece highlights drawn on the
original characters (case, double spaces, line breaks kept), the planted cue coloured
toward its class, and the additivity line under the text."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import limelight as ll

sys.path.insert(0, str(Path(__file__).parent))  # the text view's page and helpers
from test_text_browser import PAGE, rgb, show  # noqa: E402

pytestmark = pytest.mark.browser
pytest.importorskip("transformers")
import tiny_bert  # noqa: E402

PAGE_TEXT = "Camera work at night:  SUPERB.\nThe river scene, the letter... superb!"


@pytest.fixture(scope="module")
def explanation():
    tok = tiny_bert.tokenizer()
    net = tiny_bert.trained(tok)
    return ll.attribute(net, PAGE_TEXT, tokenizer=tok, method="integrated_gradients"), tok


@pytest.fixture()
def page(source_page):
    return source_page(PAGE)


def test_transformer_highlights_sit_on_the_original_characters(page, explanation, tmp_path):
    exp, tok = explanation
    show(page, exp, 1)
    # the document reads exactly as written: pieces are drawn at their offsets
    assert page.locator(".ll-doc").evaluate("d => d.textContent") == PAGE_TEXT
    drawn = page.locator(".ll-tok").evaluate_all("els => els.map(e => e.textContent)")
    offsets = tok(PAGE_TEXT, return_offsets_mapping=True)["offset_mapping"]
    assert drawn == [PAGE_TEXT[s:e] for s, e in offsets if e > s]
    assert "SUPERB" in drawn  # upper case as typed, though the tokenizer lower-cases
    # the planted cue pushes toward "pos": red; its value is the largest
    colours = page.locator(".ll-tok").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    i = drawn.index("SUPERB")
    assert int(np.argmax(exp.values[1])) in (i, drawn.index("superb"))
    red = rgb(colours[i])
    assert red[0] > red[2], (colours, exp.values[1].round(3).tolist())
    # the additivity line: the shown values' sum beside f(text) - f(baseline), equal here
    line = page.locator(".ll-sum").text_content()
    shown = [float(part.split("=")[-1]) for part in line.split("·")]
    gap = exp.prediction[1] - exp.base_values[1]
    assert shown == pytest.approx([exp.values[1].sum(), gap], abs=2e-3)
    assert shown[0] == pytest.approx(shown[1], abs=0.01 * abs(gap) + 1e-3)
    note = page.locator(".ll-notes").text_content()
    assert "add up to f(text) - f(baseline)" in note and "special tokens" in note
    shots = Path(os.environ.get("LL_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.locator("#out").screenshot(path=str(shots / "hf_text.png"))
