"""explain_many: the widget fills in chunk by chunk with what attribute_many returns,
reports rows and an ETA, cancels between chunks, and shows a selected row."""

from __future__ import annotations

import numpy as np
import pytest

import limelight as ll
from limelight.errors import Cancelled, InputError
from limelight.widgets.many import summary_arrays

X = np.random.default_rng(2).normal(size=(60, 4))
W = np.array([1.0, -2.0, 0.5, 3.0])


def f(Z):
    return np.tanh(Z @ W)


def test_widget_result_equals_attribute_many_and_shows_a_row():
    w = ll.explain_many(f, X, background=X[:8], method="exact", chunk_size=16)
    ex = w.wait(timeout=60)
    ref = ll.attribute_many(f, X, background=X[:8], method="exact")
    assert np.array_equal(ex.values, ref.values)
    assert w._progress["status"] == "done" and w._progress["n_evals"] == 60
    arrays = summary_arrays(ex, 0)
    np.testing.assert_allclose(arrays["mean_abs"], np.abs(ref.values[:, 0]).mean(0), rtol=1e-6)
    w.selected = 7
    assert w._row["row"] == 7
    np.testing.assert_allclose(w._row["values"], ref.values[7, 0], rtol=1e-12)
    assert w._row["prediction"] == pytest.approx(float(f(X[7:8])[0]))


def test_cancel_stops_within_a_chunk_and_keeps_the_chunks_done():
    import time

    calls = []

    def slow(Z):
        calls.append(len(Z))
        time.sleep(0.05)
        return f(Z)

    w = ll.explain_many(slow, X, background=X[:8], method="exact", chunk_size=10)
    t0 = time.perf_counter()
    while w.explanations is None and time.perf_counter() - t0 < 60:
        time.sleep(0.01)
    w.cancel()
    with pytest.raises(Cancelled):
        w.wait(timeout=60)
    assert w._progress["status"] == "cancelled"
    done = len(w.explanations)
    assert 10 <= done < 60 and done % 10 == 0  # whole chunks only
    n_calls = len(calls)
    time.sleep(0.3)
    assert len(calls) == n_calls  # nothing runs after the cancel


def test_bad_input_fails_in_the_callers_cell():
    with pytest.raises(InputError, match="rows of a table"):
        ll.explain_many(f, X[0], background=X[:8])
