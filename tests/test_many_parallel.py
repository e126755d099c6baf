"""attribute_many with n_jobs: a few hundred rows reach every worker (chunks sized to the
workers by default), with the one-process numbers; a resumed run keeps the chunks it
wrote; a cancel stops each worker within the model call it is in."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import limelight as ll
from limelight.errors import Cancelled
from limelight.many import ManyRun

RNG = np.random.default_rng(1)
X = RNG.normal(size=(80, 5))
BG = X[:8]
KW = dict(background=BG, method="kernel", max_evals=40, random_state=2)


class Logged:
    """A model that logs each call (start time, process) and sleeps ``delay`` in it."""

    def __init__(self, path, delay=0.0):
        self.path, self.delay = str(path), delay

    def __call__(self, Z):
        with open(self.path, "a") as f:
            f.write(f"{time.time()} {os.getpid()}\n")
        time.sleep(self.delay)
        Z = np.asarray(Z, dtype=float)
        return np.tanh(Z @ np.arange(1.0, 6.0) / 3) + Z[:, 0] * Z[:, 1]


def worker_calls(path):
    lines = [ln.split() for ln in open(path).read().splitlines()] if path.exists() else []
    return [(float(t), int(p)) for t, p in lines if int(p) != os.getpid()]


def test_default_chunks_reach_both_workers_with_the_one_process_numbers(tmp_path):
    """80 rows were one chunk of 1,000 (one worker busy, the other idle); now two chunks
    a worker at least, every worker calls the model, and the bits match one process."""
    one = ll.attribute_many(Logged(tmp_path / "one.log"), X, **KW)
    log = tmp_path / "calls.log"
    run = ManyRun(
        Logged(log),
        X,
        output=None,
        chunk_size=None,
        n_jobs=2,
        client=None,
        out=None,
        resume=False,
        options={"max_evals": 40},
        **{k: KW[k] for k in ("background", "method", "random_state")},
    )
    assert run.n_chunks >= 2 * run.workers.n
    procs = ll.attribute_many(Logged(log), X, n_jobs=2, **KW)
    assert np.array_equal(one.values, procs.values) and np.array_equal(one.seeds, procs.seeds)
    assert len({pid for _, pid in worker_calls(log)}) == 2, "one worker did every chunk"


def test_resume_with_other_workers_keeps_the_chunks_written(tmp_path):
    """The chunk size of a run written with n_jobs=2 is read back on resume in one
    process (not refused as a changed chunk_size); the numbers are the same."""
    out = tmp_path / "attr"
    log = tmp_path / "calls.log"
    first = ll.attribute_many(Logged(log), X, n_jobs=2, out=out, **KW)
    calls = len(open(log).read().splitlines())
    planning = calls - len(worker_calls(log))  # the calls made here: the plan's own
    again = ll.attribute_many(Logged(log), X, out=out, resume=True, **KW)
    assert np.array_equal(first.values, again.values)
    assert len(open(log).read().splitlines()) == calls + planning  # no chunk recomputed


def test_cancel_stops_each_worker_within_the_call_it_is_in(tmp_path):
    """Each call takes 0.3 s; after the cancel, at most one call per worker starts (one
    that began while the flag travelled), and none 0.2 s later."""
    from limelight._cancel import cancellable

    log = tmp_path / "calls.log"
    model = Logged(log, delay=0.3)
    stop, box = threading.Event(), {}
    opts = dict(background=BG[:4], method="lime", n_samples=4000, batch_size=50)

    def go():
        with cancellable(stop):
            try:
                ll.attribute_many(model, X[:8], n_jobs=2, chunk_size=4, random_state=0, **opts)
            except Cancelled as exc:
                box["error"] = exc

    thread = threading.Thread(target=go)
    thread.start()
    deadline = time.time() + 60
    while len({p for _, p in worker_calls(log)}) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert time.time() < deadline, "the workers never called the model"
    stop.set()
    cancelled_at = time.time()
    thread.join(30)
    time.sleep(0.8)  # a chunk the cancel missed would still be calling the model now
    after = [t for t, _ in worker_calls(log) if t > cancelled_at]
    assert isinstance(box.get("error"), Cancelled)
    assert len(after) <= 2, f"{len(after)} model calls started in the workers after the cancel"
    assert [t for t in after if t > cancelled_at + 0.2] == []


@pytest.mark.parametrize("chunk_size", [0, 2.5, "10"])
def test_a_chunk_size_that_is_not_a_count_is_refused(chunk_size):
    with pytest.raises(ll.errors.InputError, match="chunk_size"):
        ll.attribute_many(Logged(os.devnull), X, chunk_size=chunk_size, **KW)
