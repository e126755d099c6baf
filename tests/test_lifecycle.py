"""One run life for every widget: ``save`` right after creating one writes the final result
(it waits, as ``wait`` does) and refuses a bad target before waiting; ``wait(timeout)``
raises one error type (WaitTimeout, a TimeoutError); ``close()`` stops the computation
within one batch of model calls; ``ll.save`` takes every object that has a picture."""

import json
import threading
import time

import numpy as np
import pytest

import limelight as ll
from limelight.errors import Cancelled, InputError, WaitTimeout

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4))
y = X[:, 0] + 0.5 * X[:, 1] ** 2


class Slow:
    """A regression function whose calls can be held and counted."""

    def __init__(self, delay=0.0):
        self.calls, self.delay = 0, delay
        self.go = threading.Event()
        self.go.set()
        self.lock = threading.Lock()

    def __call__(self, B):
        self.go.wait(20)
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        B = np.asarray(B, dtype=float)
        return B[:, 0] + 0.5 * B[:, 1] ** 2


MAKERS = {
    "explain": lambda f: ll.explain(f, X[0], background=X[:10], method="kernel"),
    "compare": lambda f: ll.compare(f, X[0], background=X[:10], methods=["exact", "kernel"]),
    "surrogate": lambda f: ll.surrogate(f, X[:40]),
    "dependence": lambda f: ll.dependence(f, X[:40], 0),
    "feature_elimination": lambda f: ll.feature_elimination(f, X[:40], y[:40]),
    "explain_many": lambda f: ll.explain_many(f, X[:12], background=X[:10]),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_wait_times_out_with_one_error_type_and_save_waits_for_the_result(name, tmp_path):
    f = Slow(delay=0.1)
    w = MAKERS[name](f)  # planning probes the model here, in the caller's thread
    f.go.clear()  # the background run is held at its next model call
    with pytest.raises(WaitTimeout) as err:
        w.wait(timeout=0.05)
    message = str(err.value)
    assert isinstance(err.value, TimeoutError) and ("running" in message or "going" in message)
    # a bad target is said at once, before any waiting
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="docx"):
        w.save(tmp_path / "x.docx")
    assert time.perf_counter() - t0 < 1.0
    threading.Timer(0.2, f.go.set).start()
    path = w.save(tmp_path / "x.json")  # waits for the run, then writes the final result
    assert w.wait(timeout=0) is not None or name == "compare"
    text = path.read_text()
    json.loads(text)
    assert '"partial"' not in text or '"partial": false' in text


@pytest.mark.parametrize("name", list(MAKERS))
def test_close_stops_the_model_calls_within_one_batch(name):
    f = Slow(delay=0.03)
    w = MAKERS[name](f)
    deadline = time.time() + 20
    while f.calls < 1 and time.time() < deadline:
        time.sleep(0.005)
    w.close()
    at_close = f.calls
    time.sleep(0.6)
    assert f.calls - at_close <= 2  # the batch in flight (and one pipelined) at most
    try:
        w.wait(timeout=5)  # the run ended in the batch it was in, or says it was cancelled
    except Cancelled:
        pass


def test_save_partial_writes_what_is_there_now(tmp_path):
    f = Slow(delay=0.05)
    w = ll.explain_many(f, X[:60], background=X[:10], chunk_size=5)
    deadline = time.time() + 20
    while (w.explanations is None or len(w.explanations) == 0) and time.time() < deadline:
        time.sleep(0.01)
    path = w.save(tmp_path / "p.json", partial=True)
    doc = json.loads(path.read_text())
    assert 0 < len(doc["values"]) < 60
    w.close()


def test_ll_save_takes_every_object_with_a_picture(tmp_path):
    from sklearn.ensemble import RandomForestRegressor

    ex = ll.attribute_many(lambda B: B[:, 0] * 2.0, X[:10], background=X[:20])
    assert json.loads(ll.save(ex, tmp_path / "many.json").read_text())["values"]
    forest = RandomForestRegressor(5, random_state=0).fit(X, y)
    html = ll.save(ll.structure(forest), tmp_path / "s.html").read_text()
    assert "RandomForestRegressor" in html
    mon = ll.monitor(display=False)
    mon.log(0, loss=1.0)
    mon.log(1, loss=0.5)
    assert "loss" in ll.save(mon, tmp_path / "m.svg").read_text()
    with pytest.raises(InputError):
        ll.save(ex, tmp_path / "many.json", overwrite=False)
