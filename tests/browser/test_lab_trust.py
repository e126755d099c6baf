"""The trust views in real JupyterLab, network blocked: quality badges show their numbers
(and the lazy curves arrive on a click), the surrogate tree renders, refits from its
depth slider and highlights a selected row's path, the dependence chart draws its ICE
curves and average, compare and elimination draw. Screenshots go to $LL_SHOTS."""

import os
from pathlib import Path

import pytest

from .conftest import kernel_eval

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("LL_SHOTS", "/tmp/limelight-shots"))
OUT = ".jp-OutputArea-output"

DATA = """
import numpy as np, pandas as pd
import limelight as ll
from sklearn.ensemble import RandomForestClassifier, GradientBoostingRegressor
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(300, 12)), columns=[f"f{i}" for i in range(12)])
y = np.where(X["f0"] + X["f1"] * X["f2"] > 0, "yes", "no")
model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
"""


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_badges_show_numbers_and_lazy_curves_arrive_on_click(lab_notebook):
    page = lab_notebook(
        [
            DATA,
            "w = ll.explain(model, X.iloc[3], background=X[:30], method='exact')\nw",
            "f = lambda xs: np.array([[2.0 * s.split().count('great') + s.split().count('good')] for s in xs])\n"
            "t = ll.explain(f, 'a good and great day', method='occlusion')\nt",
        ]
    )
    page.wait_for_function(
        f"[...document.querySelectorAll('{OUT} .ll-badge')].some(b => b.dataset.key === 'deletion')",
        timeout=90_000,
    )
    labels = page.eval_on_selector_all(f"{OUT} .ll-badge", "els => els.map(e => e.textContent)")
    py = kernel_eval(page, "q = w.wait().quality; print(round(q.deletion, 3), q.verdict)").split()
    # the widget shows the numbers e.quality holds
    assert any(t.startswith(f"deletion {py[0]} (random ") for t in labels), (labels, py)
    assert py[1] in labels and any(t.startswith("additivity error") for t in labels)
    # the text explanation made 6 evaluations: its curves wait for the button
    check = page.locator(f"{OUT} .ll-quality-check:visible")
    assert check.count() == 1
    check.click()
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-badge[data-key=deletion]').length === 2",
        timeout=30_000,
    )
    assert kernel_eval(page, "print(t.explanation.quality.computed)").strip() == "True"
    page.locator(f"{OUT} .ll-quality-toggle").first.click()
    assert page.locator(f"{OUT} .ll-quality-curves polyline").count() == 4
    shot(page, "quality-badges.png")


def test_surrogate_tree_refits_and_highlights_a_path(lab_notebook):
    page = lab_notebook([DATA, "s = ll.surrogate(model, X, max_depth=2)\ns"])
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-tree .ll-node').length === 7", timeout=60_000
    )
    fid = kernel_eval(page, "print(f'{s.fidelity:.3f}')").strip()
    assert f"fidelity {fid}" in page.inner_text(f"{OUT} .ll-surrogate .ll-title")
    page.fill(f"{OUT} .ll-depth", "3")
    page.dispatch_event(f"{OUT} .ll-depth", "change")
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-tree .ll-node').length > 7", timeout=30_000
    )
    n_py = kernel_eval(page, "print(s.tree_.tree_.node_count)").strip()
    assert page.locator(f"{OUT} .ll-tree .ll-node").count() == int(n_py)
    page.locator(f"{OUT} .ll-tree .ll-leaf").first.dispatch_event("click")
    page.wait_for_selector(f"{OUT} .ll-leaf-rows tr.ll-row")
    row = page.locator(f"{OUT} .ll-leaf-rows tr.ll-row").first
    index = int(row.get_attribute("data-row"))
    row.click()
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-tree .ll-node.ll-hot').length === 4"
    )
    hot = page.eval_on_selector_all(
        f"{OUT} .ll-tree .ll-node.ll-hot", "els => els.map(e => e.dataset.id)"
    )
    path = kernel_eval(page, f"print(' '.join(map(str, s.result.path({index}))))").split()
    assert hot == path and kernel_eval(page, "print(s.selected)").strip() == str(index)
    shot(page, "surrogate-tree.png")


def test_dependence_chart_draws_ice_and_average(lab_notebook):
    page = lab_notebook(
        [
            DATA,
            "d = ll.dependence(model, X, 'f0')\nd",
            "c = ll.compare(model, X.iloc[3], methods=['exact', 'kernel', 'lime'], background=X[:30])\nc",
            "el = ll.feature_elimination(model, X, y, cv=3)\nel",
        ],
        timeout=180_000,
    )
    lines = f"{OUT} .ll-dependence svg .mark-line path"
    page.wait_for_function(f"document.querySelectorAll('{lines}').length > 50", timeout=90_000)
    n_ice = int(kernel_eval(page, "print(min(len(d.ice_frame()), 200))"))
    assert page.locator(lines).count() == n_ice + 1  # one per ICE curve, plus the average
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-agreement tr').length === 4", timeout=120_000
    )
    assert page.locator(f"{OUT} .ll-compare .ll-panel").count() == 3
    # each panel's chart fits inside its panel (no value label cut at the edge)
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-compare .ll-panel svg.marks').length === 3",
        timeout=60_000,
    )
    overflow = f"""() => [...document.querySelectorAll('{OUT} .ll-compare .ll-panel')].map(
          (p) => p.querySelector('svg.marks').getBoundingClientRect().right
                 - p.getBoundingClientRect().right)"""
    assert max(page.evaluate(overflow)) <= 0, page.evaluate(overflow)
    # and still after a theme switch redraws them (it lays the page out again meanwhile)
    page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
    page.wait_for_timeout(1500)
    page.locator(f"{OUT} .ll-compare").screenshot(path=str(SHOTS / "compare-dark.png"))
    assert max(page.evaluate(overflow)) <= 0, page.evaluate(overflow)
    page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
    )
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'", timeout=20_000)
    page.wait_for_function(
        f"document.querySelectorAll('{OUT} .ll-elimination svg .mark-symbol path').length >= 12",
        timeout=120_000,
    )
    rec = kernel_eval(page, "print(len(el.recommended))").strip()
    assert f"recommended ({rec})" in page.inner_text(f"{OUT} .ll-elimination .ll-keep")
    shot(page, "dependence-compare-elimination.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for view in ("compare", "elimination"):  # below the fold of the notebook's scroller
        page.locator(f"{OUT} .ll-{view}").screenshot(path=str(SHOTS / f"{view}.png"))


def test_exported_pages_draw_without_a_kernel(chromium, tmp_path):
    import numpy as np
    from sklearn.tree import DecisionTreeClassifier

    import limelight as ll

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 3))
    clf = DecisionTreeClassifier(max_depth=2).fit(X, X[:, 0] > 0.5)
    s = ll.surrogate(clf, X, max_depth=2)
    s.wait(30)
    s.selected = 0
    d = ll.dependence(clf, X, 0)
    d.wait(30)
    checks = {
        "surrogate": (s, ".ll-tree .ll-node.ll-hot", len(s.result.path(0))),
        "dependence": (d, ".ll-dependence svg .mark-line path", 201),
    }
    for name, (w, selector, count) in checks.items():
        path = w.save(tmp_path / f"{name}.html")
        page = chromium.new_page()
        outside = []

        def route(r, outside=outside):
            if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        page.wait_for_function(
            f"document.querySelectorAll('{selector}').length === {count}", timeout=20_000
        )
        shot(page, f"export-{name}.png")
        page.close()
        assert outside == []
