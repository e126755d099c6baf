"""A notebook run to the end and saved as JupyterLab saves it (outputs, no widget state)
shows every limelight result to a reader that runs no JavaScript: each output holds, beside
the widget reference, a static picture of the final result (``text/html``) and one honest
line (``text/plain``), updated in place when the run ended; nbconvert's HTML carries the
pictures; the switch turns them off.

The pictures are checked against the numbers: the bars are the explanation's values, read
back from the page, in the order of |value|."""

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import nbclient
import nbformat
import numpy as np
import pytest

SETUP = """
import numpy as np, pandas as pd
import limelight as ll
from sklearn.linear_model import LogisticRegression
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(200, 5)), columns=[f"f{i}" for i in range(5)])
y = np.where(X["f0"] - 2 * X["f1"] > 0, "yes", "no")
model = LogisticRegression().fit(X, y)
docs = ["good fine great", "bad awful poor", "good great", "awful bad", "fine good", "poor bad"]
text_model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, [1, 0, 1, 0, 1, 0])
"""
CELLS = [
    SETUP,
    "w = ll.explain(model, X.iloc[1], background=X[:40], random_state=0)\nw",
    "t = ll.explain(text_model.predict_proba, 'good but awful and poor', random_state=0)\nt",
    "imp = ll.permutation_importance(model, X, y, n_repeats=3, random_state=0)\nimp",
    "s = ll.surrogate(model, X, max_depth=2)\ns",
    # still running when displayed: its output is replaced when the run ends
    "import time\nslow = lambda b: (time.sleep(0.4), model.predict_proba(b))[1]\n"
    "sw = ll.explain(slow, X.iloc[2], background=X[:20])\nsw",
    "for v in (w, t, imp, s, sw): v.wait(120)\nvalues = w.explanation.values.tolist()",
    "print(values)",
]
MIME_WIDGET = "application/vnd.jupyter.widget-view+json"
CHROMIUM = "/usr/bin/chromium"


def run(cells: list[str], tmp_path) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    return nb


def outputs(nb) -> list[dict]:
    return [o["data"] for c in nb.cells for o in c.get("outputs", []) if "data" in o]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saved")
    return run(CELLS, tmp), tmp


def test_every_output_carries_its_final_picture_and_honest_text(saved):
    nb, tmp = saved
    shown = [d for d in outputs(nb) if MIME_WIDGET in d]
    assert len(shown) == 5
    texts = [d["text/plain"] for d in shown]
    assert not any("running" in t for t in texts), texts
    assert texts[0].startswith("explanation (tabular, exact, done): 5 features, top f1")
    assert texts[1].startswith("explanation (text, ")
    assert "done" in texts[2] and texts[3].startswith("surrogate (done")
    assert texts[4].startswith("explanation (tabular, exact, done): 5 features")
    for d in shown:
        assert 'class="limelight-static"' in d["text/html"]
        assert len(json.dumps(d)) < 100_000
    assert "<svg" in shown[3]["text/html"]  # the surrogate's diagram
    # the tabular picture's bars are one output's values, largest |value| first
    values = np.asarray(json.loads(nb.cells[-1].outputs[0]["text"]))
    bars = re.findall(r'<td style="padding-left:6px">([^<]*)</td>', shown[0]["text/html"])
    bars = np.array([float(v) for v in bars])
    by_size = [v[np.argsort(-np.abs(v), kind="stable")] for v in values.reshape(len(values), -1)]
    assert any(np.allclose(v, bars, atol=5e-4 * np.abs(v).max()) for v in by_size), (bars, values)


@pytest.fixture(scope="module")
def nbconvert_page(saved) -> str:
    """The saved notebook as ``jupyter nbconvert --to html`` writes it."""
    nb, tmp = saved
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--stdout",
            str(tmp / "saved.ipynb"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def test_nbconvert_html_shows_the_pictures_where_the_widgets_were(nbconvert_page):
    page = nbconvert_page
    assert page.count('class="limelight-static"') >= 5
    assert "ExplanationWidget(" not in page
    assert not re.search(r"(explanation|surrogate) \([^)]*running", page)


def test_the_switch_leaves_the_plain_widget_output(tmp_path):
    cells = [
        "import limelight as ll\nll.options.static_pictures = False\n" + SETUP,
        "w = ll.explain(model, X.iloc[1], background=X[:40])\nw.wait(60)\nw",
    ]
    nb = run(cells, tmp_path)
    (data,) = [d for d in outputs(nb) if MIME_WIDGET in d]
    assert "text/html" not in data


# each picture as a reader sees it: its box, and the drawn things inside (svg, img, bars,
# highlighted tokens)
PICTURES = """() => [...document.querySelectorAll('.jp-OutputArea-output .limelight-static')].map(
  (p) => ({ height: p.getBoundingClientRect().height,
    drawn: [...p.querySelectorAll('svg, img, .ll-bar div, span[style*=background]')].filter((e) => {
      const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
        && (e.tagName !== 'IMG' || e.naturalWidth > 0); }).length,
    bars: [...p.querySelectorAll('.ll-bar')].map((r) => [
      r.querySelector('div').getBoundingClientRect().width,
      parseFloat(r.lastElementChild.textContent)]) }))"""


@pytest.mark.browser
def test_the_nbconvert_page_shows_every_picture_in_a_browser_without_javascript(
    nbconvert_page, tmp_path
):
    """Opened from disk in Chromium with JavaScript off (as GitHub or a mail client shows
    it), nothing fetched from outside: every output draws its picture, bars as long as
    their values, and no output says "running"."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    path = tmp_path / "saved.html"
    path.write_text(nbconvert_page, encoding="utf-8")
    outside, got = [], {}

    def look():  # in its own thread: another test's browser may hold this thread's loop
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(
                java_script_enabled=False, viewport={"width": 1100, "height": 900}
            )
            page.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith(("file:", "data:"))
                    else (outside.append(r.request.url), r.abort())
                ),
            )
            page.goto(path.as_uri())
            got["pictures"] = page.evaluate(PICTURES)
            got["texts"] = page.locator(".jp-OutputArea-output").all_inner_texts()
            shots = Path(os.environ.get("LL_SHOTS", tmp_path))
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "nbconvert-no-javascript.png"), full_page=True)
            browser.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(120)
    pictures, texts = got["pictures"], got["texts"]
    assert len(pictures) == 5, pictures
    assert all(p["height"] > 30 and p["drawn"] > 0 for p in pictures), pictures
    for bars in (p["bars"] for p in pictures if p["bars"]):
        widths, values = np.array(bars).T
        # the longest bar is the largest |value|; the others in proportion (1 px rounding)
        assert np.allclose(widths / widths.max(), np.abs(values) / np.abs(values).max(), atol=0.02)
    assert not any(re.search(r"\brunning\b", t) for t in texts), texts
    assert outside == [], outside
