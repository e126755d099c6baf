"""cancel() stops every explainer within one batch of model calls: counted at the model.

Each run uses a model that sleeps a little per call, so a run takes many calls; after
``cancel()`` at most the call in flight finishes, and ``wait()`` says it was cancelled.
"""

import threading
import time

import numpy as np
import pytest

import limelight as ll
from limelight.errors import Cancelled


class Counting:
    """A model that counts its calls and takes ``delay`` seconds for each."""

    def __init__(self, f, delay=0.01):
        self.f, self.delay, self.calls = f, delay, 0
        self.lock = threading.Lock()

    def __call__(self, batch):
        time.sleep(self.delay)
        with self.lock:
            self.calls += 1
        return self.f(batch)


def cancel_after(widget, model, calls=3, timeout=20.0):
    t0 = time.time()
    while model.calls < calls:
        assert time.time() - t0 < timeout, "the run never got going"
        assert widget.running, "the run ended before it could be cancelled"
        time.sleep(0.002)
    widget.cancel()
    at_cancel = model.calls
    with pytest.raises(Cancelled):
        widget.wait(timeout=timeout)
    return model.calls - at_cancel


def tabular(d):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, d))
    w = rng.normal(size=d)
    f = Counting(
        lambda Z: np.tanh(np.asarray(Z) @ w)[:, None] * np.prod(np.sign(Z[:, :3]), 1)[:, None]
    )
    return f, X


@pytest.mark.parametrize(
    ("method", "d", "options"),
    [
        ("exact", 12, {"rows_per_call": 2000}),
        ("kernel", 16, {"max_evals": 60_000, "tol": 0, "rows_per_call": 2000}),  # enumerated phase
        ("kernel", 30, {"max_evals": 20_000, "tol": 0, "batch_size": 64}),
        ("lime", 10, {"n_samples": 50_000, "batch_size": 500}),
    ],
)
def test_tabular_runs_stop_within_one_batch(method, d, options):
    f, X = tabular(d)
    w = ll.explain(f, X[0], background=X, method=method, random_state=0, **options)
    assert cancel_after(w, f) <= 1
    assert w._progress["status"] == "cancelled"


def test_text_and_image_runs_stop_within_one_batch():
    words = " ".join(f"w{i}" for i in range(3000))
    f = Counting(lambda docs: np.array([[len(d) % 13, 1.0] for d in docs], float))
    w = ll.explain(f, words, method="occlusion", batch_size=20)
    assert cancel_after(w, f) <= 1
    g = Counting(lambda b: np.asarray(b).reshape(len(b), -1)[:, :2] * 1.0)
    img = np.random.default_rng(0).random((64, 64))
    w = ll.explain(g, img, method="shapley", budget=5000, batch_size=50, random_state=0)
    assert cancel_after(w, g) <= 1


def test_permutation_importance_stops_within_one_batch():
    f, X = tabular(6)
    y = f.f(X)[:, 0]
    w = ll.permutation_importance(f, X, y, n_repeats=500, rows_per_call=100)
    assert cancel_after(w, f) <= 1
