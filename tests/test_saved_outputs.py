"""A notebook run to the end and saved as JupyterLab saves it (outputs, no widget state)
shows every limelight result to a reader that runs no JavaScript: each output holds, beside
the widget reference, a static picture of the final result (``text/html``) and one honest
line (``text/plain``), updated in place when the run ended; nbconvert's HTML carries the
pictures; the switch turns them off.

The pictures are checked against the numbers: the bars are the explanation's values, read
back from the page, in the order of |value|."""

import json
import re
import subprocess
import sys

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


def test_nbconvert_html_shows_the_pictures_where_the_widgets_were(saved):
    nb, tmp = saved
    page = subprocess.run(
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
