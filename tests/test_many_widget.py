"""explain_many: the widget fills in chunk by chunk with what attribute_many returns,
reports rows and an ETA, cancels between chunks, and shows a selected row."""

from __future__ import annotations

import threading

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


def test_cancel_stops_between_chunks():
    gate = threading.Event()
    calls = []

    def slow(Z):
        calls.append(len(Z))
        if len(calls) > 2:
            gate.wait(5)  # hold the run until cancel has been asked
        return f(Z)

    w = ll.explain_many(slow, X, background=X[:8], method="exact", chunk_size=10)
    w.cancel()
    gate.set()
    with pytest.raises(Cancelled):
        w.wait(timeout=60)
    assert w._progress["status"] == "cancelled"
    assert 0 < len(w.explanations) < 60


def test_bad_input_fails_in_the_callers_cell():
    with pytest.raises(InputError, match="rows of a table"):
        ll.explain_many(f, X[0], background=X[:8])
