"""The model views in real JupyterLab, network blocked: the structure of a pipeline lists
each branch's columns, a torch layer clicked in the structure shows its weights and
activation maps, the layers table selects, and the monitor receives every point logged
from a thread (counted in the browser) while the kernel answers; points logged before
display are shown. Screenshots in light and dark theme under $LL_SHOTS."""

import json
import os
import time
from pathlib import Path

import pytest
from lab_server import KERNEL_IDLE

from .conftest import kernel_eval

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("LL_SHOTS", "/tmp/limelight-shots"))
OUT = ".jp-OutputArea-output"


def shoot(page, name, selector):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).first.screenshot(path=str(SHOTS / f"{name}.png"))


def dark(page, on=True):
    theme = "JupyterLab Dark" if on else "JupyterLab Light"
    page.evaluate(
        f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: {theme!r}}})"
    )
    page.wait_for_function(
        f"document.body.dataset.jpThemeLight === {'false' if on else 'true'!r}", timeout=20_000
    )
    page.wait_for_timeout(600)


MONITOR = """
import threading, time, math
import limelight as ll
mon = ll.monitor(display=False, title="<b>curves</b>", smoothing=0.6)
for i in range(5):
    mon.log(i, loss=2.0 / (i + 1), run="<i>before</i>")
"""

TRAIN = """
def train():
    for i in range(5_000):
        mon.log(i, loss=(1 + 0.3 * math.sin(i / 50)) / (i + 1), acc=1 - 1.0 / (i + 2), run="lr=1e-3")
        if i % 10 == 9:
            time.sleep(0.002)
worker = threading.Thread(target=train); worker.start()
"""


def test_monitor_receives_every_point_from_a_thread(lab_notebook):
    page = lab_notebook([MONITOR, "mon"])
    root = f"{OUT} .ll-monitor"
    # logged before the widget was shown: drawn once the view asks
    page.wait_for_function(
        f"document.querySelector('{root}')?.dataset.points === '5'", timeout=60_000
    )
    kernel_eval(page, TRAIN)
    # the kernel answers while the thread logs and the pump sends
    t0 = time.perf_counter()
    assert kernel_eval(page, "print(worker.is_alive(), 6 * 7)").strip().endswith("42")
    answer = time.perf_counter() - t0
    assert answer < 2.0
    page.wait_for_function(
        f"document.querySelector('{root}').dataset.points === '10005'", timeout=60_000
    )
    out = kernel_eval(page, "worker.join(); mon.flush(); print(len(mon.to_frame()), mon.messages)")
    n, messages = map(int, out.split())
    assert n == 10_005 and messages < 200  # batched: tens of messages, not 10,000
    page.wait_for_function(
        f"document.querySelectorAll('{root} .ll-monitor-panel').length === 2", timeout=20_000
    )
    panels = page.eval_on_selector_all(
        f"{root} .ll-monitor-panel", "els => els.map(e => e.dataset.metric)"
    )
    assert panels == ["loss", "acc"]
    legend = page.inner_text(f"{root} .ll-monitor-legend")
    assert "<i>before</i>" in legend and page.locator(f"{root} i").count() == 0
    # the Snapshot control downloads the data: every point, from the kernel's exporter
    page.select_option(f"{OUT}:has(.ll-monitor) .ll-snapshot-format", "json")
    with page.expect_download(timeout=60_000) as info:
        page.click(f"{OUT}:has(.ll-monitor) .ll-snapshot-button")
    data = json.loads(Path(info.value.path()).read_text())
    assert len(data["points"]["value"]) == 10_005
    # log scale and zoom redraw without losing points
    page.check(f"{root} .ll-monitor-log")
    box = page.locator(f"{root} [data-metric=loss] canvas").bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 220, box["y"] + 60, steps=4)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.locator(f"{root}").get_attribute("data-points") == "10005"
    shoot(page, "monitor-light", f"{OUT}:has(.ll-monitor)")
    dark(page)
    shoot(page, "monitor-dark", f"{OUT}:has(.ll-monitor)")
    dark(page, False)
    print(f"kernel answered in {answer:.2f} s while 10,000 points streamed; {messages} messages")


PIPE = """
import numpy as np, pandas as pd, limelight as ll
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler, OneHotEncoder
from sklearn.impute import SimpleImputer
from sklearn.ensemble import GradientBoostingClassifier
rng = np.random.default_rng(0)
X = pd.DataFrame({"age": rng.normal(size=80), "<b>income</b>": rng.normal(size=80),
                  "city": rng.choice(list("abc"), 80), "id": np.arange(80.0)})
ct = ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "<b>income</b>"]),
                        ("cat", OneHotEncoder(), ["city"])], remainder="passthrough")
pipe = Pipeline([("prep", ct), ("gb", GradientBoostingClassifier(n_estimators=20, max_depth=2))])
pipe.fit(X, X["age"] > 0)
ll.structure(pipe)
"""


def test_pipeline_structure_lists_columns_per_branch(lab_notebook):
    page = lab_notebook([PIPE])
    page.wait_for_selector(f"{OUT} .ll-structure .ll-row", timeout=60_000)
    cols = lambda i: page.eval_on_selector_all(  # noqa: E731
        f'{OUT} [data-id="{i}"] .ll-col', "els => els.map(e => e.textContent)"
    )
    assert cols("prep/num") == ["age", "<b>income</b>"]
    assert cols("prep/cat") == ["city"]
    assert cols("prep/remainder") == ["id"]
    assert page.locator(f"{OUT} .ll-structure b").count() == 0
    facts = page.inner_text(f'{OUT} [data-id="gb"] .ll-facts')
    assert "n trees 20" in facts
    shoot(page, "structure-pipeline-light", f"{OUT}:has(.ll-structure)")
    dark(page)
    shoot(page, "structure-pipeline-dark", f"{OUT}:has(.ll-structure)")
    dark(page, False)


CNN = """
import torch, limelight as ll
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                          torch.nn.Conv2d(8, 6, 3, padding=1), torch.nn.ReLU(),
                          torch.nn.Flatten(), torch.nn.Linear(6 * 16 * 16, 10))
yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing="ij")
x = torch.stack([xx, yy, (xx**2 + yy**2 < 0.4).float()])[None]
"""


def test_selecting_a_torch_layer_shows_its_weights_and_maps(lab_notebook):
    page = lab_notebook([CNN, "s = ll.structure(net, example=x)\ns"])
    page.wait_for_selector(f'{OUT} .ll-structure [data-id="0"]', timeout=60_000)
    shapes = page.eval_on_selector_all(
        f"{OUT} .ll-structure .ll-shape", "els => els.map(e => e.textContent)"
    )
    assert shapes[1:4] == ["(1, 8, 32, 32)", "(1, 8, 32, 32)", "(1, 8, 16, 16)"]
    page.click(f'{OUT} .ll-structure [data-id="3"]')
    page.wait_for_selector(f"{OUT} .ll-structure-detail .ll-maps figure", timeout=30_000)
    assert page.locator(f"{OUT} .ll-structure-detail .ll-maps figure").count() == 6
    assert page.locator(f"{OUT} .ll-structure-detail .ll-filters figure").count() == 6
    total = page.get_attribute(f"{OUT} .ll-structure-detail .ll-hist", "data-total")
    assert int(total) == 8 * 6 * 9 + 6
    assert kernel_eval(page, "print(s.selected)").strip() == "3"
    shoot(page, "structure-torch-light", f"{OUT}:has(.ll-structure)")
    dark(page)
    shoot(page, "structure-torch-dark", f"{OUT}:has(.ll-structure)")
    dark(page, False)


def test_layers_table_selects_a_layer(lab_notebook):
    page = lab_notebook([CNN, "w = ll.layers(net, x, target=torch.tensor([3]))\nw"])
    page.wait_for_selector(f"{OUT} .ll-layers tbody tr", timeout=60_000)
    names = page.eval_on_selector_all(
        f"{OUT} .ll-layers tbody tr", "els => els.map(e => e.dataset.name)"
    )
    assert names == ["0", "1", "2", "3", "4", "5", "6"]
    # default: the last conv layer's maps over the picture, gradients shown
    page.wait_for_selector(f"{OUT} .ll-layers .ll-maps figure", timeout=30_000)
    assert page.locator(f"{OUT} .ll-layers .ll-detail-label:text('gradients')").count() == 1
    page.click(f'{OUT} .ll-layers tbody tr[data-name="1"]')
    page.wait_for_function(
        f"document.querySelector('{OUT} .ll-layers .ll-detail h4')?.textContent.startsWith('1 (ReLU)')",
        timeout=30_000,
    )
    assert page.locator(f"{OUT} .ll-layers .ll-maps figure").count() == 8
    assert kernel_eval(page, "print(w.selected)").strip() == "1"
    shoot(page, "layers-light", f"{OUT}:has(.ll-layers)")
    dark(page)
    shoot(page, "layers-dark", f"{OUT}:has(.ll-layers)")
    dark(page, False)


# The README's pattern: the monitor and the loop in one cell (or in two, under Run All).
# The kernel is busy the whole time, so it reads no message from the browser: the points
# must reach the view without being asked for.
BUSY_ONE_CELL = """
import time, limelight as ll
mon = ll.monitor(title="busy")
t0 = time.time()
for i in range(50):
    mon.log(i, loss=1 / (i + 1))
    time.sleep(0.1)
t1 = time.time()
"""
BUSY_TWO_CELLS = [
    "import time, limelight as ll\nmon = ll.monitor(title='busy')",
    "t0 = time.time()\nfor i in range(50):\n    mon.log(i, loss=1 / (i + 1))\n"
    "    time.sleep(0.1)\nt1 = time.time()",
]
FIRST_POINT = """() => {
  window.llFirst = null;
  const poll = setInterval(() => {
    const n = Number(document.querySelector('.jp-OutputArea-output .ll-monitor')?.dataset.points || 0);
    if (n > 0) {
      // the cell's prompt reads [*] while it runs (kernel.status is not it: JupyterLab
      // shows the kernel idle once it has opened a subshell, while the cell still runs)
      const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
      const running = prompts.some((p) => p.textContent.includes('*'));
      window.llFirst = { at: Date.now() / 1000, n, running };
      clearInterval(poll);
    }
  }, 20);
}"""


@pytest.mark.parametrize("cells", [[BUSY_ONE_CELL], BUSY_TWO_CELLS], ids=["one-cell", "run-all"])
def test_monitor_draws_while_the_kernel_is_busy(lab_notebook, cells):
    # the browser notes when it first shows a point, and whether the kernel was busy then
    page = lab_notebook([*cells, "print(t0, t1)"], before_run=FIRST_POINT)
    page.wait_for_function("window.llFirst !== null", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    first = page.evaluate("window.llFirst")
    t0, t1 = map(float, kernel_eval(page, "print(t0, t1)").split())
    print(f"first point on screen {first['at'] - t0:.2f} s after the loop began, {first}")
    # points were on screen while the loop still ran, the kernel busy with the cell
    assert first["running"] and first["at"] < t1 and first["n"] < 50
    root = f"{OUT} .ll-monitor"
    page.wait_for_function(
        f"document.querySelector('{root}')?.dataset.points === '50'", timeout=30_000
    )


CHART_BUSY = """
import time, numpy as np, pandas as pd, limelight as ll
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(1024, 5)), columns=[f"f{i}" for i in range(5)])
model = LogisticRegression().fit(X, X.f0 > 0)
w = ll.explain(model, X.iloc[1], background=X[:40], random_state=0)
display(w)
t0 = time.time()
slow = lambda b: (time.sleep(0.2), model.predict_proba(b))[1]
m = ll.explain_many(slow, X, background=X[:20], method="exact")  # 4 chunks
display(m)
m.wait()  # the rest of the cell: the kernel reads no request meanwhile
t1 = time.time()
"""
CHART_SEEN = """() => {
  window.llSeen = { chart: null, rows: null };
  const poll = setInterval(() => {
    const now = Date.now() / 1000;
    const out = '.jp-OutputArea-output';
    if (!llSeen.chart && document.querySelector(`${out} .ll-chart svg, ${out} .ll-chart canvas`)) llSeen.chart = now;
    const count = document.querySelector(`${out} .ll-many-count`)?.textContent || '';
    if (!llSeen.rows && /^[0-9]/.test(count)) llSeen.rows = { at: now, count };
    if (llSeen.chart && llSeen.rows) clearInterval(poll);
  }, 20);
}"""


def test_a_chart_and_many_rows_draw_while_their_cell_still_runs(lab_notebook):
    # the chart renderer reaches the page unasked, and the many-rows view takes the run's
    # chunks without a reply: both show before the cell ends
    page = lab_notebook([CHART_BUSY], before_run=CHART_SEEN)
    page.wait_for_function("window.llSeen.chart && window.llSeen.rows", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    t0, t1 = map(float, kernel_eval(page, "print(t0, t1)").split())
    seen = page.evaluate("window.llSeen")
    print(
        f"chart drawn {seen['chart'] - t0:.2f} s after display, rows shown "
        f"({seen['rows']['count']}) {seen['rows']['at'] - t0:.2f} s; the cell ran {t1 - t0:.1f} s"
    )
    assert seen["chart"] < t1 and seen["rows"]["at"] < t1
    assert not seen["rows"]["count"].startswith("1,024 ")  # a part of the run, not its end
