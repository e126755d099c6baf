"""A widget's computation ends with the widget: ``close()``, its output cleared in the
browser (the last view says it went) or the last reference to it dropped each stop the run
within one batch of model calls (counted); ``.wait(timeout=...)`` raises a limelight
timeout and leaves the run going; the explorer's next row never waits for the previous
row's batch; selecting a row imports no altair."""

import gc
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from ipywidgets.widgets import widget as ipywidget

import limelight as ll
import limelight.widgets as llw
from limelight.errors import LimelightError, WaitTimeout

W = np.array([1.0, -2.0, 0.5, 3.0])
X = np.random.default_rng(0).normal(size=(40, 4))


class Counting:
    """A linear model that counts its calls; each call takes ``delay`` seconds."""

    def __init__(self, delay=0.02):
        self.calls = 0
        self.delay = delay
        self.started = threading.Event()

    def __call__(self, batch):
        self.calls += 1
        if self.calls > 2:
            self.started.set()
        time.sleep(self.delay)
        return np.asarray(batch, dtype=float) @ W


def long_run(f):
    """A LIME run of 1,000 model calls (200 rows each): far longer than any test waits."""
    return ll.explain(
        f, X[0], background=X, method="lime", n_samples=200_000, batch_size=200, random_state=0
    )


def calls_after(f, stop, settle=0.5):
    """Model calls made after ``stop()`` returns, once the run has had time to end."""
    at = f.calls
    stop()
    time.sleep(settle)
    later = f.calls
    time.sleep(settle)
    assert f.calls == later, "the run is still calling the model"
    return later - at


def test_close_stops_the_run_within_one_batch():
    f = Counting()
    w = long_run(f)
    assert f.started.wait(30)
    assert calls_after(f, w.close) <= 1
    assert not w.running


def test_clearing_the_output_stops_the_run(monkeypatch):
    monkeypatch.setattr(llw, "DETACH_GRACE", 0.1)
    f = Counting()
    w = long_run(f)
    assert f.started.wait(30)
    w._on_message(w, {"type": "ready"}, [])  # the browser drew the widget
    w._on_message(w, {"type": "ready"}, [])  # ... in two cells
    w._on_message(w, {"type": "detached"}, [])  # one output cleared: the other still shows it
    time.sleep(0.3)
    assert w.running
    w._on_message(w, {"type": "detached"}, [])  # the last one: after the grace, it stops
    assert calls_after(f, lambda: time.sleep(0.1)) <= 1 + 0.1 / f.delay
    assert not w.running
    w.close()


def test_a_view_that_comes_back_within_the_grace_keeps_it_running(monkeypatch):
    monkeypatch.setattr(llw, "DETACH_GRACE", 0.3)
    f = Counting()
    w = long_run(f)
    assert f.started.wait(30)
    w._on_message(w, {"type": "ready"}, [])
    w._on_message(w, {"type": "detached"}, [])
    w._on_message(w, {"type": "ready"}, [])  # a redraw, e.g. the cell moved
    time.sleep(0.6)
    before = f.calls
    time.sleep(0.2)
    assert w.running and f.calls > before
    w.close()


def test_losing_the_last_reference_stops_the_run():
    f = Counting()
    w = long_run(f)
    assert f.started.wait(30)
    # ipywidgets holds every widget in its registry until it is closed; without that entry
    # (as in its weak-reference mode) only the user's name holds it: the thread does not
    ipywidget._instances.pop(w.model_id)

    def drop():
        nonlocal w
        w.comm.on_msg(None)  # (the kernel's comm would hold its handler)
        del w
        gc.collect()

    assert calls_after(f, drop) <= 1


def test_wait_with_a_timeout_raises_a_limelight_timeout_and_leaves_it_running():
    f = Counting()
    w = long_run(f)
    with pytest.raises(WaitTimeout, match=r"still running after 0.2 s") as info:
        w.wait(timeout=0.2)
    assert isinstance(info.value, LimelightError) and isinstance(info.value, TimeoutError)
    before = f.calls
    time.sleep(0.3)
    assert w.running and f.calls > before
    w.close()


def test_a_new_row_does_not_wait_for_the_previous_rows_batch():
    f = Counting(delay=1.0)  # each model call takes a second
    ex = ll.explore(f, X, sample=0, method="exact", rows_per_call=64)
    ex.selected = 1
    assert f.started.wait(60)
    t0 = time.perf_counter()
    ex.selected = 2  # row 1 is inside a one-second model call
    ex.selected = 3
    assert time.perf_counter() - t0 < 0.5  # (the old explorer joined row 1's thread)
    assert ex.explanation is None or np.allclose(ex.explanation.data, X[3])
    calls = f.calls
    e = ex.wait(60)
    np.testing.assert_allclose(e.data.astype(float), X[3])
    # exact Shapley, 4 features, 40 background rows at 64 rows a call: 15 calls for row 3,
    # plus at most the one call each of rows 1 and 2 had started
    assert f.calls - calls <= 15 + 2
    assert 3 in ex._cache and 1 not in ex._cache and 2 not in ex._cache
    ex.close()


SELECT = """
import json, sys
import numpy as np
import limelight as ll
X = np.random.default_rng(0).normal(size=(30, 4))
ex = ll.explore(lambda b: np.asarray(b) @ [1.0, 2.0, 3.0, 4.0], X, sample=0)
ex.selected = 3
ex.wait(60)
ex._on_message(ex.panel, {"type": "vega"}, [])  # what the panel's first chart view asks
print(json.dumps({"altair": "altair" in sys.modules, "view": ex.panel._view}))
"""


def test_selecting_a_row_never_imports_altair():
    out = subprocess.run(
        [sys.executable, "-c", SELECT], capture_output=True, text=True, timeout=300, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"altair": False, "view": "tabular"}
