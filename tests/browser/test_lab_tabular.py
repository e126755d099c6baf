"""The tabular widget in real JupyterLab, network blocked: the bar chart is drawn with one
bar per feature, the class switcher and the waterfall work, a failure shows its message,
Cancel stops a long run from the browser, and the Snapshot control downloads the
HTML and the PNG of what is on screen."""

import hashlib
import re

import pytest

from .conftest import kernel_eval

pytestmark = pytest.mark.browser

DATA = """
import numpy as np, pandas as pd
import limelight as ll
from sklearn.ensemble import RandomForestClassifier
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(300, 6)), columns=[f"f{i}" for i in range(5)] + ["<b>bold</b>"])
y = np.where(X["f0"] + X["f1"] * X["f2"] > 0, "yes", "no")
model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
"""

BARS = ".jp-OutputArea-output .ll-tabular svg .mark-rect.role-mark path"


def n_bars(page):
    return page.locator(BARS).count()


def test_bar_chart_has_one_bar_per_feature_and_switches(lab_notebook):
    page = lab_notebook([DATA, "w = ll.explain(model, X.iloc[3], background=X[:40])\nw"])
    page.wait_for_function(f"document.querySelectorAll('{BARS}').length === 6", timeout=60_000)
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea-output .ll-progress')?.dataset.status === 'done'",
        timeout=60_000,
    )
    labels = page.eval_on_selector_all(
        ".jp-OutputArea-output .ll-tabular svg .role-axis-label text",
        "els => els.map(e => e.textContent)",
    )
    # names are text, with the instance's values beside them; markup is not parsed
    assert any(t.startswith("<b>bold</b> = ") for t in labels)
    assert page.locator(".jp-OutputArea-output .ll-tabular svg b").count() == 0
    # the kernel's explanation is the one drawn: same number of features, additive
    out = kernel_eval(page, "e = w.wait(); print(e.values.shape, round(e.additivity_error(), 9))")
    assert out.strip() == "(2, 6) 0.0"
    # bars run from the largest |attribution| down, for the predicted class
    order = kernel_eval(
        page,
        "i = e.output_index(None); print('|'.join(e.feature_names[j] "
        "for j in np.argsort(-np.abs(e.values[i]), kind='stable')))",
    )
    names = [t.split(" = ")[0] for t in labels if " = " in t]
    assert names == order.strip().split("|")
    # class switcher: the title names the other class, the chart redraws, Python sees it
    title = page.inner_text(".jp-OutputArea-output .ll-tabular .ll-title")
    page.select_option(".jp-OutputArea-output .ll-tabular select.ll-class", index=0)
    page.wait_for_function(
        f"document.querySelector('.jp-OutputArea-output .ll-tabular .ll-title').textContent !== {title!r}"
    )
    assert kernel_eval(page, "print(w.output_index)").strip() == "0"
    # waterfall: one bar per feature again
    page.select_option(".jp-OutputArea-output .ll-tabular select.ll-kind", "waterfall")
    page.wait_for_timeout(500)
    assert n_bars(page) == 6
    # Snapshot control: the kernel's export comes back as a download of what is on screen
    snap = ".jp-OutputArea-output .ll-snapshot"
    with page.expect_download(timeout=60_000) as info:
        page.click(f"{snap} .ll-snapshot-button")
    html_file = info.value
    assert html_file.suggested_filename == "limelight-exact.html"
    page_text = open(html_file.path(), encoding="utf-8").read()
    assert page_text.startswith("<!doctype html>") and '"output_index":0' in page_text
    page.select_option(f"{snap} .ll-snapshot-format", "png")
    with page.expect_download(timeout=60_000) as info:
        page.click(f"{snap} .ll-snapshot-button")
    png = open(info.value.path(), "rb").read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # the waterfall on screen is the waterfall in the picture: same bytes as save(kind=...)
    same = kernel_eval(
        page,
        "import hashlib; print(hashlib.sha256(w.snapshot('png', kind='waterfall')[1]).hexdigest())",
    )
    assert same.strip() == hashlib.sha256(png).hexdigest()
    assert page.inner_text(f"{snap} .ll-snapshot-status") == "saved limelight-exact.png"
    # the chart follows JupyterLab's theme: axis labels turn light on the dark theme
    label = ".jp-OutputArea-output .ll-tabular svg .role-axis-label text"

    def label_fill():
        return page.eval_on_selector(label, "e => e.getAttribute('fill')")

    light = label_fill()
    page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
    page.wait_for_function(
        f"document.querySelector({label!r})?.getAttribute('fill') !== {light!r}", timeout=10_000
    )
    dark = label_fill()
    assert int(dark.lstrip("#")[:2], 16) > int(light.lstrip("#")[:2], 16)  # lighter text
    page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
    )
    # (JupyterLab's theme manager fails if the page moves on before the theme has loaded)
    page.wait_for_function(
        f"document.querySelector({label!r})?.getAttribute('fill') === {light!r}", timeout=20_000
    )


def test_failure_shows_the_message_not_a_blank(lab_notebook):
    code = (
        DATA
        + """
calls = {"n": 0}
def flaky(batch):
    calls["n"] += 1
    if calls["n"] > 1:  # planning probes once; the run fails
        raise RuntimeError("database <connection> lost")
    return model.predict_proba(batch)
w = ll.explain(flaky, X.iloc[3].to_numpy(), background=X[:20].to_numpy())
w
"""
    )
    page = lab_notebook([code])
    err = page.locator(".jp-OutputArea-output .ll-error")
    err.wait_for(timeout=60_000)
    text = err.inner_text()
    assert "database <connection> lost" in text


def test_cancel_button_stops_the_run(lab_notebook):
    code = (
        DATA
        + """
import time
def slow(batch):
    time.sleep(0.2)
    return model.predict_proba(batch)
w = ll.explain(slow, X.iloc[3].to_numpy(), background=X[:20].to_numpy(), method="lime",
               n_samples=200_000, batch_size=200)
w
"""
    )
    page = lab_notebook([code])
    button = page.locator(".jp-OutputArea-output .ll-cancel")
    button.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "/\\d+ \\/ /.test(document.querySelector('.jp-OutputArea-output .ll-progress-text').textContent)",
        timeout=60_000,
    )
    button.click()
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea-output .ll-progress')?.dataset.status === 'cancelled'",
        timeout=30_000,
    )
    out = kernel_eval(page, "print(w.running, w.explanation.done, w.explanation.n_evals < 200_000)")
    assert out.strip() == "False False True"
    assert re.search(r"cancelled", page.inner_text(".jp-OutputArea-output .ll-progress-text"))
