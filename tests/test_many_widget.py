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


def _record(monkeypatch):
    """Every message the widget sends (state syncs and custom messages), with its bytes."""
    from limelight.widgets.many import ManyWidget

    sent = []

    def _send(self, msg, buffers=None):
        sent.append((msg, [bytes(b) for b in buffers or []]))

    monkeypatch.setattr(ManyWidget, "_send", _send)
    return sent


def _replay(sent):
    """What a view holds after the messages: the store protocol of js/src/views/many_store.js
    (an append after the points held, a full that replaces them, `_arrays` at the end)."""
    pts, final = None, None
    for msg, bufs in sent:
        if msg.get("method") == "custom":
            c = msg["content"]
            arrays = {
                k: np.frombuffer(bufs[e["buffer"]], dtype=e["dtype"]).reshape(e["shape"])
                for k, e in c["arrays"].items()
            }
            if c["type"] == "full" or pts is None:
                pts = {}
            assert c["start"] == len(pts.get("row", []))
            pts = {k: np.concatenate([pts[k], v]) if k in pts else v for k, v in arrays.items()}
            pts["mean_abs"] = np.array(c["mean_abs"], dtype=np.float32)
        elif msg.get("method") == "update" and "_arrays" in msg.get("state", {}):
            final = msg["buffer_paths"], bufs
    return pts, final


def test_each_push_sends_only_the_new_chunks_points(monkeypatch):
    from limelight.widgets import many

    monkeypatch.setattr(many, "PUSH_INTERVAL", 0.0)  # a push per chunk
    sent = _record(monkeypatch)
    n, chunk, d = 600, 50, X.shape[1]
    Xn = np.random.default_rng(5).normal(size=(n, d))
    w = ll.explain_many(f, Xn, background=Xn[:8], method="exact", chunk_size=chunk)
    ex = w.wait(timeout=120)
    appends = [
        (m["content"], b)
        for m, b in sent
        if m.get("method") == "custom" and m["content"]["type"] == "append"
    ]
    per_point = 4 * (2 * d + 2)  # float32 values and data rows, a prediction, an int32 row
    assert len(appends) == n // chunk
    for content, bufs in appends:
        assert content["count"] == chunk
        assert sum(len(b) for b in bufs) == chunk * per_point  # this chunk's points only
    # replayed as the view does, the appends give the same points as a one-shot summary
    pts, final = _replay(sent)
    ref = summary_arrays(ex, 0)
    for k in ref:
        np.testing.assert_array_equal(pts[k], ref[k])
    # everything crosses once more at the end (as `_arrays`, for views opened later and a
    # saved notebook); in all about twice the points, where resending grew as n**2 / chunk
    total = sum(len(b) for _, bufs in sent for b in bufs)
    assert total < 2.2 * n * per_point
    assert final is not None and sum(len(b) for b in final[1]) >= n * per_point


def test_another_output_mid_run_starts_the_views_over(monkeypatch):
    import time

    from limelight.widgets import many

    monkeypatch.setattr(many, "PUSH_INTERVAL", 0.0)
    sent = _record(monkeypatch)

    def two(Z):
        time.sleep(0.02)
        return np.stack([f(Z), np.sin(Z @ W)], axis=1)

    w = ll.explain_many(two, X, background=X[:8], method="exact", chunk_size=10)
    t0 = time.perf_counter()
    while w._rows_done() < 20 and time.perf_counter() - t0 < 60:
        time.sleep(0.005)
    w.output_index = 1  # as the view's output menu does
    ex = w.wait(timeout=60)
    custom = [m["content"] for m, _ in sent if m.get("method") == "custom"]
    full = next(k for k, c in enumerate(custom) if c["type"] == "full")
    assert custom[full]["epoch"] > custom[0]["epoch"]  # views drop the other output's points
    assert all(c["epoch"] == custom[full]["epoch"] for c in custom[full:])
    pts, _ = _replay(sent)
    ref = summary_arrays(ex, 1)
    for k in ref:
        np.testing.assert_array_equal(pts[k], ref[k])


def test_a_view_that_starts_late_gets_every_point_so_far(monkeypatch):
    import time

    from limelight.widgets import many

    monkeypatch.setattr(many, "PUSH_INTERVAL", 0.0)
    sent = _record(monkeypatch)

    def slow(Z):
        time.sleep(0.02)
        return f(Z)

    w = ll.explain_many(slow, X, background=X[:8], method="exact", chunk_size=10)
    t0 = time.perf_counter()
    while w._rows_done() < 20 and time.perf_counter() - t0 < 60:
        time.sleep(0.005)
    w._on_message(w, {"type": "points"}, [])  # what a view opened now sends
    ex = w.wait(timeout=60)
    custom = [s for s in sent if s[0].get("method") == "custom"]
    kinds = [m["content"]["type"] for m, _ in custom]
    first = kinds.index("full")
    assert custom[first][0]["content"]["count"] >= 20
    # from the full reply on, the late view holds what a one-shot summary draws
    pts, _ = _replay(custom[first:])
    ref = summary_arrays(ex, 0)
    for k in ref:
        np.testing.assert_array_equal(pts[k], ref[k])
    w._on_message(w, {"type": "points"}, [])  # after the end `_arrays` has them all
    assert len([s for s in sent if s[0].get("method") == "custom"]) == len(custom)


TEXTS = ["a good day", "bad, bad news", "good food, bad service", "nothing here", "so good"]


def g(xs):
    return np.array([[s.count("good") - 2 * s.count("bad"), len(s) / 10] for s in xs], float)


def test_texts_widget_equals_attribute_many_and_lists_a_tokens_texts():
    w = ll.explain_many(g, TEXTS, method="shapley", budget=60, random_state=4, chunk_size=2)
    ex = w.wait(timeout=60)
    ref = ll.attribute_many(g, TEXTS, method="shapley", budget=60, random_state=4)
    assert w._progress["status"] == "done" and w._progress["n_evals"] == 5
    for a, b in zip(ex, ref):
        np.testing.assert_array_equal(a.values, b.values)
    # the top tokens are the mean |attribution| over each token's occurrences
    means = ref.mean_abs(0)
    toks = w._tokens["tokens"]
    assert toks[:3] == list(means)[:3]
    assert w._tokens["mean_abs"][0] == pytest.approx(list(means.values())[0])
    assert toks[0] == "bad" and w._tokens["count"][0] == 3  # twice in text 1, once in 2
    w._on_message(w, {"type": "token", "token": "good"}, [])
    items = [m["item"] for m in w._matches["items"]]
    assert sorted(items) == [0, 2, 4]
    assert w._matches["items"][0]["value"] == pytest.approx(
        max((ex[i].values[0][ex[i].feature_names.index("good")] for i in items), key=abs)
    )
    w._on_message(w, {"type": "select", "item": 2}, [])
    assert w._item["text"] == TEXTS[2] and w._item["values"] == ex[2].values[0].tolist()
    w.output_index = 1
    assert w._tokens["tokens"] != toks  # the other output's tokens


def test_texts_widget_cancels_between_chunks():
    import time

    def slow(xs):
        time.sleep(0.05)
        return g(xs)

    w = ll.explain_many(slow, TEXTS * 6, method="occlusion", chunk_size=3)
    t0 = time.perf_counter()
    while w.explanations is None and time.perf_counter() - t0 < 30:
        time.sleep(0.01)
    w.cancel()
    with pytest.raises(Cancelled):
        w.wait(timeout=30)
    assert 3 <= len(w.explanations) < 30 and len(w.explanations) % 3 == 0


def test_a_saved_notebook_holds_every_point(tmp_path):
    """Executed and saved with its widget state (as ``nbconvert --execute
    --ExecutePreprocessor.store_widget_state=True`` does, which keeps state updates and
    drops custom messages): the many widget's saved ``_arrays`` has every row's point."""
    import base64

    nbclient = pytest.importorskip("nbclient")
    import nbformat

    cells = [
        "import numpy as np, limelight as ll\n"
        "X = np.random.default_rng(0).normal(size=(900, 3))\n"
        "w = ll.explain_many(lambda Z: Z @ [1.0, 2.0, 3.0], X, background=X[:5],"
        " method='exact', chunk_size=100)\nw",
        "ex = w.wait(60)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    many = [m for m in state.values() if m["state"].get("_view") == "many"]
    assert len(many) == 1 and many[0]["state"]["_progress"]["status"] == "done"
    rows = next(b for b in many[0]["buffers"] if b["path"] == ["_arrays", "row", "view"])
    got = np.frombuffer(base64.b64decode(rows["data"]), dtype=np.int32)
    np.testing.assert_array_equal(got, np.arange(900))
