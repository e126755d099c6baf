"""The model views' HTML exports in Chromium from file://, every other request aborted:
the monitor page draws every point logged, the structure page folds repeated blocks and
searches, the layers page shows the selected layer's maps; names are text, not markup."""

import os
from pathlib import Path

import pytest
import torch

import limelight as ll

pytestmark = pytest.mark.browser
BUNDLE = Path(ll.__file__).resolve().parent / "static" / "widget.js"
OFFLINE = ("file:", "data:", "blob:", "about:")
PAYLOAD = '<img src=x onerror="window.llPwned=1">'
SHOTS = Path(os.environ.get("LL_SHOTS", "/tmp/limelight-shots"))


@pytest.fixture()
def open_saved(chromium, tmp_path):
    if not BUNDLE.exists():
        pytest.skip("the JS bundle is not built (npm run build)")
    pages, outside, errors = [], [], []

    def open_(widget, name):
        path = widget.save(tmp_path / name)
        page = chromium.new_page(viewport={"width": 1100, "height": 800})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(OFFLINE)
                else (outside.append(r.request.url), r.abort())
            ),
        )
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
        pages.append(page)
        return page

    yield open_
    for p in pages:
        assert p.evaluate("window.llPwned") is None
        p.close()
    assert outside == [] and errors == []


def test_monitor_export_draws_every_point(open_saved):
    mon = ll.monitor(display=False, title=PAYLOAD)
    for i in range(3000):
        mon.log(i, loss=1 / (i + 1), acc=i / 3000, run=PAYLOAD if i % 2 else "b")
    page = open_saved(mon, "m.html")
    page.wait_for_function("document.querySelector('.ll-monitor')?.dataset.points === '6000'")
    assert page.locator(".ll-monitor-panel").count() == 2
    # the lines are drawn, not only the axes (4 lines over about 300 px each)
    assert int(page.get_attribute(".ll-monitor", "data-drawn")) > 4 * 250
    assert page.locator(".ll-snapshot").is_hidden()  # no kernel behind the page
    assert PAYLOAD in page.inner_text(".ll-monitor-legend")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "monitor-export.png"))


def test_monitor_export_draws_values_float32_cannot_hold(open_saved):
    mon = ll.monitor(display=False)
    for i in range(10):
        mon.log(i, loss=1e300 * (i + 1) / 10)  # float32 would make every one inf: no line
    page = open_saved(mon, "big.html")
    page.wait_for_function("document.querySelector('.ll-monitor')?.dataset.points === '10'")
    assert int(page.get_attribute(".ll-monitor", "data-drawn")) == 10


def test_structure_export_folds_repeats_and_searches(open_saved):
    block = lambda: torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.GELU())  # noqa: E731
    net = torch.nn.Sequential(*[block() for _ in range(12)], torch.nn.Linear(8, 2))
    page = open_saved(ll.structure(net, example=torch.zeros(1, 8), title=PAYLOAD), "s.html")
    assert page.inner_text('[data-id="group:0"] .ll-name') == "12 × Sequential"
    page.fill(".ll-structure-search", "GELU")
    assert page.locator(".ll-row").count() == 12


def test_layers_export_shows_the_selected_maps(open_saved):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU())
    w = ll.layers(net, torch.randn(1, 1, 12, 12))
    page = open_saved(w, "l.html")
    assert page.locator(".ll-maps figure").count() == 4
    assert page.get_attribute(".ll-hist", "data-total") == str(4 * 9 + 4)
