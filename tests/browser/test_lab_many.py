"""explain_many in real JupyterLab: the points arrive as append messages (binary buffers,
only each chunk's) while the run goes; a second display opened during the run shares
them; once done both views show every row, the same pixels, and what the kernel holds.
Network is blocked (no CDN)."""

import pytest

pytestmark = pytest.mark.browser

RUN = """
import time, numpy as np, limelight as ll
from limelight.widgets import many
sent = []
_orig = many.ManyWidget._send
def _count(self, msg, buffers=None):
    sent.append((msg.get("method"), (msg.get("content") or {}).get("type"), sum(len(memoryview(b).cast("B")) for b in buffers or [])))
    return _orig(self, msg, buffers)
many.ManyWidget._send = _count
X = np.random.default_rng(0).normal(size=(3000, 4))
def f(Z):
    time.sleep(0.15)
    return np.tanh(Z @ np.array([2.0, -1.0, 0.5, 1.5]) / 2)
w = ll.explain_many(f, X, background=X[:10], method="exact", chunk_size=300,
                    feature_names=["alpha", "beta", "<i>gamma</i>", "delta"])
w
"""
AGAIN = """
time.sleep(1.0)
w
"""


def test_streamed_views_in_jupyterlab(lab_notebook):
    from tests.browser.conftest import kernel_eval

    page = lab_notebook([RUN, AGAIN])
    page.wait_for_function(
        "document.querySelectorAll('.jp-OutputArea-output .ll-many-count').length === 2",
        timeout=90_000,
    )
    page.wait_for_function(
        "[...document.querySelectorAll('.jp-OutputArea-output .ll-many-count')]"
        ".every((e) => e.textContent.startsWith('3,000 rows'))",
        timeout=90_000,
    )
    page.wait_for_timeout(500)
    out = kernel_eval(
        page,
        "ex = w.wait(60); pushes = [b for m, t, b in sent if t == 'append'];"
        "print(len(pushes), max(pushes), sum(pushes), len(ex))",
    )
    n_push, biggest, total, rows = (int(v) for v in out.split())
    assert rows == 3000 and n_push >= 2
    assert biggest <= 3000 * 40 // 2  # a push carries some chunks' points, not all of them
    assert total == 3000 * 40  # every point once in the appends (plus the final snapshot)
    bars = page.eval_on_selector_all(
        ".jp-OutputArea-output .ll-many-bars", "els => els.map((e) => e.innerText)"
    )
    assert len(bars) == 2 and bars[0] == bars[1] and "<i>gamma</i>" in bars[0]
    pixels = page.evaluate(
        """() => [...document.querySelectorAll('.jp-OutputArea-output canvas')].map((c) =>
          Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(','))"""
    )
    assert len(pixels) == 4 and pixels[0] == pixels[2] and pixels[1] == pixels[3]
    page.screenshot(path="/tmp/ll_lab_many.png", full_page=True)


def test_a_page_reloaded_during_the_run_gets_every_point(lab_notebook):
    """The page's view starts over after a reload while the kernel still runs: it asks
    (a `points` message) and gets every point so far, then the appends."""
    from tests.browser.conftest import kernel_eval

    page = lab_notebook([RUN.replace("0.15", "0.4")])
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea-output .ll-many-count')", timeout=90_000
    )
    count = "print(sum(1 for m, t, b in sent if t == 'full'))"
    before = int(kernel_eval(page, count))
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1000)
    page.reload()
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea-output .ll-many-count')"
        "?.textContent.startsWith('3,000 rows')",
        timeout=120_000,
    )
    assert int(kernel_eval(page, "print(len(w.wait(60)))")) == 3000
    assert int(kernel_eval(page, count)) == before + 1  # the reloaded view asked, mid-run
    bars = page.locator(".jp-OutputArea-output .ll-many-bars .ll-many-name").all_text_contents()
    assert bars == ["alpha", "delta", "beta", "<i>gamma</i>"]
    page.screenshot(path="/tmp/ll_lab_many_reloaded.png")
