"""What every front end must show of the same limelight views (marimo, Voilà): the models
and the widgets, written once (``SETUP``, ``WIDGETS``), and the checks of what a person
sees in each, run on a Playwright locator of one widget (``.ll-widget``). Locators pierce
the open shadow roots marimo draws anywidgets in; ``document.querySelector`` would not.

The tabular check compares the drawn value labels with exact Shapley values enumerated
here (``tests/references.py``), on the same model fitted in the test's own process.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import numpy as np
from references import brute_force_shapley

DATA = """
import time
import numpy as np, pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(200, 4)), columns=["age", "income", "<b>debt</b>", "tenure"])
y = np.where(X["age"] - X["income"] > 0, "yes", "no")
model = LogisticRegression().fit(X, y)
docs = ["superb film", "superb acting", "dreadful film", "dreadful plot"] * 5
text_model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10)).fit(docs, [1, 1, 0, 0] * 5)
image = (100 + rng.random((32, 32, 3)) * 40).astype(np.uint8)  # grey, lightly textured
def bright(batch):  # the brightness of a planted 8x8 patch decides the class
    s = np.asarray(batch, dtype=float)[:, 8:16, 8:16].mean(axis=(1, 2, 3)) / 255
    return np.c_[1 - s, s]
def slow(batch):
    time.sleep(0.2)
    return model.predict_proba(batch)
"""
SETUP = "import limelight as ll" + DATA

#: one widget per modality, one global view, and a slow run to cancel (in this order)
WIDGETS = {
    "tabular": "ll.explain(model, X.iloc[1], background=X[:40], random_state=0)",
    "text": 'll.explain(text_model, "The plot was dreadful but the acting was superb", method="occlusion")',
    "image": 'll.explain(bright, image, method="occlusion", output_names=["dark", "bright <b>"])',
    "dependence": "ll.dependence(model, X, 'age')",
    "slow": "ll.explain(slow, X.iloc[3].to_numpy(), background=X[:20].to_numpy(), "
    'method="lime", n_samples=200_000, batch_size=200)',
}
VIEW_CLASS = {"tabular": "ll-tabular", "text": "ll-text", "image": "ll-image"}
VIEW_CLASS |= {"dependence": "ll-dependence", "slow": "ll-tabular"}

SHOTS = Path(os.environ.get("LL_SHOTS", "/tmp/limelight-shots"))


def shot(target, name: str) -> None:
    """A screenshot of a page or locator under $LL_SHOTS."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SHOTS / name), animations="disabled")


def wait_until(check, what: str, timeout: float = 60.0):
    """Poll ``check()`` until it returns something truthy; fail saying ``what`` it waited for."""
    deadline = time.time() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def status(widget) -> str | None:
    return widget.locator(".ll-progress").get_attribute("data-status")


@functools.cache
def reference_shapley(output: int) -> np.ndarray:
    """Exact interventional Shapley values of the tabular widget's row, by enumeration."""
    space: dict = {}
    exec(DATA, space)  # noqa: S102 - the same model and data the page's kernel fitted
    X, model, frame = space["X"], space["model"], space["pd"].DataFrame

    def f(rows):
        return model.predict_proba(frame(rows, columns=X.columns))

    phi = brute_force_shapley(f, X.iloc[1].to_numpy(), X[:40].to_numpy())
    return phi[output]


def drawn_bars(widget) -> dict[str, float]:
    """Feature name -> the value label drawn beside its bar."""
    names = widget.locator("svg .role-axis-label text").all_text_contents()
    names = [n.split(" = ")[0] for n in names if " = " in n]
    values = widget.locator("svg .mark-text.role-mark text").all_text_contents()
    return dict(zip(names, (float(v) for v in values)))


def check_tabular(widget, output: int) -> dict[str, float]:
    """Four bars, names as text (markup shown, not parsed), the values of class ``output``
    (exact Shapley values, four decimals) in order of size."""
    wait_until(lambda: status(widget) == "done", "the tabular run to end")
    bars = widget.locator("svg .mark-rect.role-mark path")
    wait_until(lambda: bars.count() == 4, "4 bars")
    drawn = wait_until(lambda: len(drawn_bars(widget)) == 4 and drawn_bars(widget), "4 labels")
    assert widget.locator("svg b").count() == 0 and "<b>debt</b>" in drawn
    phi = dict(zip(["age", "income", "<b>debt</b>", "tenure"], reference_shapley(output)))
    assert list(drawn) == sorted(phi, key=lambda k: -abs(phi[k]))
    assert all(abs(drawn[k] - phi[k]) < 6e-5 for k in phi), (drawn, phi)
    return drawn


def switch_class(widget) -> int:
    """Pick the class not shown; the title names it and the bars redraw. Returns its index."""
    select = widget.locator("select.ll-class")
    title = widget.locator(".ll-title").text_content()
    other = 1 - int(select.evaluate("e => e.selectedIndex"))
    select.select_option(index=other)
    wait_until(lambda: widget.locator(".ll-title").text_content() != title, "the title to change")
    check_tabular(widget, other)
    return other


def check_text(widget) -> None:
    """Every token drawn; 'superb' and 'dreadful' in opposite hues."""
    wait_until(lambda: status(widget) == "done", "the text run to end")
    tokens = widget.locator(".ll-tok")
    wait_until(lambda: tokens.count() >= 9, "the tokens")
    words = tokens.all_text_contents()
    hues = []
    for word in ("superb", "dreadful"):
        c = tokens.nth(words.index(word)).evaluate("e => getComputedStyle(e).backgroundColor")
        r, _, b = (int(v) for v in c[c.index("(") + 1 : c.index(")")].split(",")[:3])
        hues.append(r > b)
    assert hues[0] != hues[1], words


# per pixel, how far the overlay is from the picture under it (the saliency's tint)
TINT = """(c) => { const o = c.getRootNode().querySelector('canvas.ll-image-original');
  const a = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const b = o.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = []; for (let i = 0; i < a.length; i += 4)
    out.push(Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]));
  return [c.width, c.height, out]; }"""


def check_image(widget) -> None:
    """The saliency overlay is painted at the image's size, tinted where the model looks
    (the planted patch) and not in the far corner; class names are text."""
    wait_until(lambda: status(widget) == "done", "the image run to end")
    overlay = widget.locator("canvas.ll-image-overlay")

    def tint():
        if not overlay.count():
            return None
        w, h, diff = overlay.evaluate(TINT)
        return (np.asarray(diff).reshape(h, w),) if (w, h) == (32, 32) and max(diff) else None

    (diff,) = wait_until(tint, "the overlay painted at 32 x 32")
    assert diff[8:16, 8:16].mean() > 5 * max(diff[24:, 24:].mean(), 1), diff
    assert "bright <b>" in widget.locator("select option").all_text_contents()


def check_dependence(widget) -> None:
    """200 ICE curves and the average, on an axis named after the feature."""
    wait_until(lambda: status(widget) == "done", "the dependence run to end")
    lines = widget.locator("svg .mark-line path")
    wait_until(lambda: lines.count() == 201, "201 lines (200 ICE curves and the average)")
    assert "partial dependence of yes on age" in widget.locator(".ll-title").text_content()
    assert "age" in widget.locator("svg .role-axis-title text").all_text_contents()


def check_cancel(widget) -> None:
    """Cancel on a slow run: the status says cancelled and the count stops."""
    text = widget.locator(".ll-progress-text")
    wait_until(lambda: " / 200,000" in (text.text_content() or ""), "the slow run's progress")
    widget.locator(".ll-cancel").click()
    wait_until(lambda: status(widget) == "cancelled", "the run to be cancelled", 30)
    before = text.text_content()
    time.sleep(1.0)
    assert text.text_content() == before and before.startswith("cancelled")
    assert widget.locator(".ll-cancel").is_hidden()


def label_fill(widget) -> int:
    """The red channel of the chart's axis labels (0-255): high on a dark theme."""
    fill = widget.locator("svg .role-axis-label text").first.get_attribute("fill")
    return int(fill.lstrip("#")[:2], 16)
