"""A notebook saved with its widget state stays small, and its charts still draw: three
chart widgets executed as ``jupyter nbconvert --execute
--ExecutePreprocessor.store_widget_state=True`` does, the widget state of each measured
from the saved file (under 100 KB: the 0.86 MB chart renderer is not in it), then the
notebook opened and run in JupyterLab 4 and in Notebook 7, network blocked: every chart
draws one bar per feature, the renderer fetched once for the page."""

import json
import os
from pathlib import Path

import nbclient
import nbformat
import pytest

pytestmark = pytest.mark.browser

CELLS = [
    """
import numpy as np, pandas as pd
import limelight as ll
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(200, 5)), columns=[f"f{i}" for i in range(5)])
y = np.where(X["f0"] - X["f1"] > 0, "yes", "no")
model = LogisticRegression().fit(X, y)
""",
    "w1 = ll.explain(model, X.iloc[1], background=X[:40], random_state=0)\nw1",
    "w2 = ll.explain(model, X.iloc[2], background=X[:40], random_state=0)\nw2",
    "imp = ll.permutation_importance(model, X, y, n_repeats=3, random_state=0)\nimp",
    "for w in (w1, w2, imp): w.wait(60)",
]
CHART_VIEWS = ("tabular", "importance")
STATE_BOUND = 100_000  # bytes of widget state per chart widget
OUT = ".jp-OutputArea-output"
BARS = f"{OUT} .ll-tabular svg .mark-rect.role-mark path, {OUT} .ll-importance svg .mark-rect.role-mark path"
# JupyterLab draws only the cells near the viewport: scroll the notebook to its end
TO_END = (
    "for (const e of [document.scrollingElement, ...document.querySelectorAll("
    "'.jp-WindowedPanel-outer, .jp-NotebookPanel-notebook')]) e?.scrollTo(0, 1e7)"
)


def saved_notebook(path: Path) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(nb, path)
    return json.loads(path.read_text(encoding="utf-8"))


def chart_state_sizes(nb: dict) -> list[int]:
    """Bytes of each chart widget's saved state (its JSON, buffers included)."""
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return [len(json.dumps(m)) for m in state.values() if m["state"].get("_view") in CHART_VIEWS]


def shots() -> Path:
    out = Path(os.environ.get("LL_SHOTS", "test-results"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_saved_state_is_small_and_the_charts_draw_in_lab_and_notebook7(open_notebook):
    name = "saved.ipynb"
    servers = open_notebook.servers
    nb = saved_notebook(servers["lab"]["dir"] / name)
    sizes = chart_state_sizes(nb)
    assert len(sizes) == 3 and max(sizes) < STATE_BOUND, sizes
    text = (servers["lab"]["dir"] / name).read_text(encoding="utf-8")
    assert "vega-embed" not in text and len(text) < 3 * STATE_BOUND + 60_000
    (servers["nb7"]["dir"] / name).write_text(text, encoding="utf-8")
    for app in ("lab", "nb7"):
        page = open_notebook(app, name)
        # the two explanations (5 features each) and the importance (5 features)
        try:
            page.wait_for_function(
                "document.querySelectorAll('.jp-OutputArea-output .ll-progress[data-status=done]')"
                ".length >= 2",
                timeout=120_000,
            )
            page.evaluate(TO_END)
            page.wait_for_function(
                f"document.querySelectorAll({BARS!r}).length === 15", timeout=60_000
            )
        finally:
            page.screenshot(path=str(shots() / f"saved-notebook-{app}.png"), full_page=True)
        # one renderer for the page, reused by every chart
        assert page.evaluate("Boolean(globalThis[Symbol.for('limelight.vega.page')]?.settled)")
        page.screenshot(path=str(shots() / f"saved-notebook-{app}.png"), full_page=True)
