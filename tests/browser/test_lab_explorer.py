"""The explorer in real JupyterLab, network blocked: clicking a point in the scatter and
then a table row selects that row in the kernel and the panel shows that row's explanation
(one bar per feature); the global views arrive; arrow keys step; the panel's Snapshot
control downloads the selected row's explanation; names stay text."""

import pytest

from .conftest import kernel_eval

pytestmark = pytest.mark.browser

DATA = """
import numpy as np, pandas as pd
import limelight as ll
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(400, 5)), columns=[f"f{i}" for i in range(4)] + ["<b>bold</b>"])
y = np.where(X["f0"] - X["f1"] > 0, "yes", "no")
model = LogisticRegression().fit(X, y)
"""

OUT = ".jp-OutputArea-output"
BARS = f"{OUT} .ll-ex-panel .ll-tabular svg .mark-rect.role-mark path"


def test_click_a_point_then_a_row_explains_it(lab_notebook):
    page = lab_notebook([DATA, "ex = ll.explore(model, X, y, sample=50, random_state=0)\nex"])
    page.wait_for_selector(f"{OUT} .ll-explorer canvas.ll-ex-scatter", timeout=60_000)
    assert "400 of 400 rows" in page.inner_text(f"{OUT} .ll-ex-bar")
    # click one point's pixel: the kernel says where the view drew it (same maths as the
    # view), choosing the point farthest from its neighbours so the pick is unambiguous
    where = kernel_eval(
        page,
        """
xy = np.asarray(ex._data_arrays['xy']['view'].cast('f'), dtype=np.float64).reshape(-1, 2)
lo, hi = xy.min(0), xy.max(0)
pix = np.column_stack([8 + (xy[:, 0] - lo[0]) / (hi[0] - lo[0]) * 324,
                       300 - 8 - (xy[:, 1] - lo[1]) / (hi[1] - lo[1]) * 284])
d = np.hypot(*(pix[:, None] - pix[None]).transpose(2, 0, 1)); np.fill_diagonal(d, 1e9)
i = int(d.min(1).argmax())
print(i, *pix[i], d[i].min())
""",
    )
    i, px, py, gap = where.split()
    i = int(i)
    assert float(gap) > 3
    box = page.locator(f"{OUT} canvas.ll-ex-scatter").bounding_box()
    page.mouse.click(
        box["x"] + float(px) * box["width"] / 340, box["y"] + float(py) * box["height"] / 300
    )
    page.wait_for_function(
        f"document.querySelector('{OUT} .ll-ex-panel .ll-ex-title')?.textContent === 'row {i}'",
        timeout=20_000,
    )
    page.wait_for_function(f"document.querySelectorAll('{BARS}').length === 5", timeout=60_000)
    assert kernel_eval(page, "print(ex.selected)").strip() == str(i)
    e = kernel_eval(page, f"e = ex.wait(30); print(e.data.tolist() == X.iloc[{i}].tolist())")
    assert e.strip() == "True"
    # a table row: the kernel's selection follows and the panel redraws for that row
    # (selecting a row scrolled the table to it; scroll back up as a user would)
    page.locator(f"{OUT} .ll-ex-table").hover()
    page.mouse.wheel(0, -100_000)
    page.locator(f'{OUT} .ll-ex-row[data-index="7"]').click()
    page.wait_for_function(
        f"document.querySelector('{OUT} .ll-ex-panel .ll-ex-title')?.textContent === 'row 7'"
    )
    out = kernel_eval(
        page,
        "e = ex.wait(30); print(ex.selected, e.data.tolist() == "
        "X.iloc[7].tolist(), sorted(ex._cache))",
    )
    assert out.strip() == f"7 True {sorted({i, 7})}"
    page.wait_for_function(f"document.querySelectorAll('{BARS}').length === 5", timeout=30_000)
    # the panel's feature labels carry row 7's values, names as text
    labels = page.eval_on_selector_all(
        f"{OUT} .ll-ex-panel svg .role-axis-label text", "els => els.map(e => e.textContent)"
    )
    shown = kernel_eval(page, "print(ex._meta['feature_values'][0])").strip()
    assert abs(float(shown) - float(kernel_eval(page, "print(X.iloc[7, 0])"))) < 1e-3
    assert f"f0 = {shown}" in labels, labels
    assert page.locator(f"{OUT} .ll-explorer b").count() == 0
    # arrow down: the next row of the table
    page.locator(f"{OUT} .ll-explorer").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        f"document.querySelector('{OUT} .ll-ex-panel .ll-ex-title')?.textContent === 'row 8'"
    )
    assert kernel_eval(page, "print(ex.selected)").strip() == "8"
    # the panel's Snapshot control downloads the selected row's explanation, once (the
    # page-level control of the explorer is hidden and ignores the reply)
    kernel_eval(page, "ex.wait(30)")
    snap = f"{OUT} .ll-ex-panel .ll-snapshot"
    page.select_option(f"{snap} .ll-snapshot-format", "json")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    with page.expect_download(timeout=60_000) as info:
        page.click(f"{snap} .ll-snapshot-button")
    assert info.value.suggested_filename == "limelight-exact-row8.json"
    saved = open(info.value.path(), encoding="utf-8").read()
    same = kernel_eval(
        page,
        "import json; print(json.loads(ex.snapshot('json')[1]) == "
        "json.loads(open(" + repr(str(info.value.path())) + ").read()))",
    )
    assert same.strip() == "True", saved[:200]
    page.wait_for_timeout(500)
    assert len(downloads) == 1
    # the explorer's own control (the outer widget's) stays hidden: the panel's exports
    assert page.locator(f"{OUT} .ll-widget > .ll-snapshot").first.is_hidden()
    # the global views: importance bars and the beeswarm canvas
    page.wait_for_selector(f"{OUT} canvas.ll-ex-swarm", timeout=60_000)
    assert page.locator(f"{OUT} .ll-ex-imp .ll-ex-impbar").count() == 5
