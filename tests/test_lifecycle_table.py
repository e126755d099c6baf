"""Every public object, every lifecycle verb, one behaviour (issue 25's table).

Each maker creates an object the way a user does, and the same checks run on all of them:
``save`` right after creation writes the final result in all four formats (HTML, PNG, SVG,
JSON); ``wait()`` returns the documented result type; ``done`` / ``error`` read the run's
end; ``to_frame()`` is a DataFrame of the result's numbers; ``cancel()`` and ``close()``
are taken by everything; ``repr`` says what the object is, never ``<... object at 0x...>``.
"""

import json

import numpy as np
import pandas as pd
import pytest

import limelight as ll

rng = np.random.default_rng(0)
X = rng.normal(size=(80, 4))
y = X[:, 0] + 0.5 * X[:, 1] ** 2


def linear(B):
    return np.asarray(B, dtype=float) @ np.array([1.0, 2.0, -1.0, 0.5])


def forest():
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(5, max_depth=3, random_state=0).fit(X, y)


def monitor():
    mon = ll.monitor(display=False)
    for step in range(3):
        mon.log(step, loss=1.0 / (step + 1))
    return mon


def explorer():
    ex = ll.explore(linear, X[:30], background=X[:10])
    ex.selected = 2
    return ex


# name: (make it, the class name ``wait()`` returns)
WIDGETS = {
    "explain": (lambda: ll.explain(linear, X[0], background=X[:10]), "Explanation"),
    "permutation_importance": (
        lambda: ll.permutation_importance(forest(), X[:40], y[:40], n_repeats=2),
        "Explanation",
    ),
    "explore": (explorer, "Explanation"),
    "compare": (
        lambda: ll.compare(linear, X[0], background=X[:10], methods=["exact", "kernel"]),
        "Comparison",
    ),
    "surrogate": (lambda: ll.surrogate(linear, X[:40]), "Surrogate"),
    "dependence": (lambda: ll.dependence(linear, X[:40], 0), "Dependence"),
    "feature_elimination": (
        lambda: ll.feature_elimination(linear, X[:40], y[:40]),
        "Elimination",
    ),
    "explain_many": (lambda: ll.explain_many(linear, X[:6], background=X[:10]), "Explanations"),
    "explain_many (texts)": (
        lambda: ll.explain_many(
            lambda texts: np.array([[t.count("good") - t.count("bad")] for t in texts], float),
            ["a good film", "a bad plot", "good good bad"],
            method="occlusion",
        ),
        "ItemExplanations",
    ),
    "structure": (lambda: ll.structure(forest()), "Structure"),
    "monitor": (monitor, "DataFrame"),
}

FORMATS = ("html", "png", "svg", "json")


@pytest.mark.parametrize("name", list(WIDGETS))
def test_every_widget_answers_every_verb_alike(name, tmp_path):
    make, result_type = WIDGETS[name]
    w = make()
    assert "object at 0x" not in repr(w)
    # save at once: waits for the run, then writes a whole file of the final result
    for fmt in FORMATS:
        path = w.save(tmp_path / f"out.{fmt}")
        data = path.read_bytes()
        assert len(data) > 200, (fmt, len(data))
        if fmt == "json":
            json.loads(data)
        if fmt == "png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        if fmt == "svg":
            assert b"<svg" in data[:2000]
        if fmt == "html":
            assert b"<html" in data[:2000].lower() and b"running" not in data[-2000:]
    result = w.wait(timeout=60)
    assert type(result).__name__ == result_type
    assert w.done is True and w.error is None and not w.running
    assert "running" not in repr(w)
    frame = w.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    w.cancel()  # after the end: changes nothing
    assert w.done is True and w.wait(0) is not None
    w.close()


def test_a_cancelled_run_reads_as_not_done_with_its_error():
    import threading

    held = threading.Event()
    Z = rng.normal(size=(30, 14))

    def slow(B):  # planning's probe (this thread) runs; the background run is held
        if threading.current_thread() is not threading.main_thread():
            held.wait(10)
        return np.asarray(B, float).sum(1)

    w = ll.explain(slow, Z[0], background=Z[:10], method="kernel", max_evals=4000, batch_size=64)
    assert w.running and not w.done and w.error is None  # still going: neither
    w.cancel()
    held.set()  # the batch in flight ends; the next one is never asked for
    with pytest.raises(ll.errors.Cancelled):
        w.wait(timeout=30)
    assert not w.done and isinstance(w.error, ll.errors.Cancelled)


def test_a_failed_run_reads_its_error_without_raising():
    def broken(B):
        if len(B) > 1:
            raise ValueError("the model broke")
        return linear(B)

    w = ll.surrogate(broken, X[:40])
    with pytest.raises(Exception, match="broke"):
        w.wait(timeout=30)
    assert not w.done and "broke" in str(w.error)


# the plain results: ``save`` in their formats, ``to_frame``, a readable repr
RESULTS = {
    "attribute": (lambda: ll.attribute(linear, X[0], background=X[:10]), FORMATS),
    "attribute_many": (
        lambda: ll.attribute_many(linear, X[:5], background=X[:10]),
        ("json", "parquet"),
    ),
    "interactions": (lambda: ll.interactions(linear, X[0], background=X[:10]), FORMATS),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_every_result_saves_and_reads_as_a_frame(name, tmp_path):
    make, formats = RESULTS[name]
    r = make()
    assert "object at 0x" not in repr(r)
    for fmt in formats:
        assert ll.save(r, tmp_path / f"r.{fmt}").stat().st_size > 200
    frame = r.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
