"""The explanation widget's Python side: state crosses as binary buffers and decodes back to
the explanation's numbers, runs stream in a background thread, Cancel stops within one
batch, failures reach the view as a message and `wait()` as the exception."""

import json
import re
import threading
import time

import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from limelight.errors import Cancelled, ModelError
from limelight.explanation import Explanation
from limelight.widgets import ExplanationWidget


def tabular(values, done=True, n_evals=0, stderr=None):
    values = np.asarray(values, dtype=float)
    return Explanation(
        values=values,
        base_values=np.zeros(len(values)),
        prediction=values.sum(axis=1),
        output_names=[f"class {i}" for i in range(len(values))],
        feature_names=[f"f{j}" for j in range(values.shape[1])],
        data=np.arange(values.shape[1], dtype=float),
        method="exact",
        done=done,
        n_evals=n_evals,
        stderr=stderr,
    )


def decode(entry):
    return np.frombuffer(entry["view"], dtype=entry["dtype"]).reshape(entry["shape"])


def test_arrays_cross_as_binary_buffers_not_json_lists():
    exp = tabular([[0.5, -0.25, 0.125], [-0.5, 0.25, -0.125]], stderr=np.full((2, 3), 0.01))
    w = ExplanationWidget.from_explanation(exp)
    state, buffer_paths, buffers = _remove_buffers(w.get_state())
    assert ["_arrays", "values", "view"] in buffer_paths
    assert all(isinstance(b, memoryview) for b in buffers)
    # what stays JSON holds no numbers of the attributions
    text = json.dumps(state)
    assert "0.125" not in text
    np.testing.assert_array_equal(decode(w._arrays["values"]), exp.values.astype(np.float32))
    np.testing.assert_allclose(decode(w._arrays["stderr"]), 0.01, rtol=1e-6)
    assert w._meta["feature_names"] == ["f0", "f1", "f2"]
    assert w._meta["feature_values"] == ["0", "1", "2"]
    assert w._view == "tabular" and w._specs["bar"]["layer"][0]["data"] == {"name": "rows"}
    # the chart renderer is not widget state: it crosses once per page, on request
    assert len(text) < 100_000 and "vega" not in w.keys


def test_a_chart_view_gets_the_renderer_on_request_as_one_binary_buffer():
    from limelight.widgets import STATIC

    w = ExplanationWidget.from_explanation(tabular([[1.0, 2.0]]))
    sent = []
    w.send = lambda content, buffers=None: sent.append((content, buffers))
    w._on_message(w, {"type": "vega"}, [])
    ((content, buffers),) = sent
    assert content["type"] == "vega" and len(buffers) == 1
    assert bytes(buffers[0]) == (STATIC / "vega.js").read_bytes()
    assert len(buffers[0]) > 100_000  # the 0.86 MB bundle, in the reply, not in the state


def test_the_first_chart_widget_sends_the_renderer_unasked_once(monkeypatch):
    # a kernel busy with the user's cell answers no request: the page gets the renderer
    # without one, once per kernel (the page keeps it for every later chart view)
    import limelight.widgets as widgets
    from limelight.widgets import STATIC

    monkeypatch.setitem(widgets._renderer, "offered", False)  # a fresh kernel
    sent = []
    record = lambda self, content, buffers=None: sent.append((self, content, buffers))  # noqa: E731
    monkeypatch.setattr(ExplanationWidget, "send", record)
    first = ExplanationWidget.from_explanation(tabular([[1.0, 2.0]]))
    ExplanationWidget.from_explanation(tabular([[3.0, 4.0]]))
    ((to, content, buffers),) = [m for m in sent if m[1]["type"] == "vega"]
    assert to is first and bytes(buffers[0]) == (STATIC / "vega.js").read_bytes()


def test_explanation_displays_as_the_widget():
    bundle = tabular([[1.0, 2.0]])._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data


def test_stream_runs_in_background_and_final_state_matches_the_final_result():
    release = threading.Event()

    def stream():
        for i in range(1, 6):
            if i == 3:
                release.wait(5)
            yield tabular([[i, -i]], done=(i == 5), n_evals=10 * i)

    w = ExplanationWidget()
    t0 = time.perf_counter()
    w.run(stream)
    assert time.perf_counter() - t0 < 0.5  # returns at once, the kernel stays free
    assert w.running
    release.set()
    final = w.wait(timeout=10)
    assert final.done and final.n_evals == 50
    assert not w.running and w._progress["status"] == "done"
    np.testing.assert_array_equal(decode(w._arrays["values"]), [[5, -5]])
    assert w._meta["n_evals"] == 50


def test_cancel_stops_within_one_batch_and_keeps_the_partial():
    produced = []

    def endless():
        i = 0
        while True:
            i += 1
            produced.append(i)
            time.sleep(0.01)
            yield tabular([[i, 0.0]], done=False, n_evals=i)

    w = ExplanationWidget()
    w.run(endless)
    time.sleep(0.1)
    w._on_message(w, {"type": "cancel"}, [])  # what the Cancel button sends
    with pytest.raises(Cancelled, match="cancelled after"):
        w.wait(timeout=5)
    n = len(produced)
    time.sleep(0.1)
    assert len(produced) == n  # the generator is closed, no more batches
    assert w.explanation.n_evals >= n - 1 and not w.explanation.done
    assert w._progress["status"] == "cancelled"
    np.testing.assert_array_equal(decode(w._arrays["values"])[0, 0], w.explanation.values[0, 0])


def test_a_failing_run_shows_its_message_and_wait_raises_it():
    def failing():
        yield tabular([[1.0, 2.0]], done=False, n_evals=1)
        raise ModelError("the model raised on batch 2: <boom>", fix="check the model")

    w = ExplanationWidget()
    w.run(failing)
    with pytest.raises(ModelError, match="boom"):
        w.wait(timeout=5)
    assert w._progress["status"] == "error"
    assert "the model raised on batch 2: <boom>" in w._progress["message"]
    assert "Fix: check the model" in w._progress["message"]
    assert w.explanation.n_evals == 1  # the partial stays available


def test_wait_times_out_while_running():
    gate = threading.Event()

    def slow():
        gate.wait(5)
        yield tabular([[1.0]], done=True)

    w = ExplanationWidget().run(slow)
    with pytest.raises(TimeoutError):
        w.wait(timeout=0.05)
    gate.set()
    assert w.wait(timeout=5).done


def test_snapshot_control_gets_the_same_files_as_save(tmp_path):
    exp = tabular([[0.5, -0.25, 0.125], [-0.5, 0.25, -0.125]])
    w = ExplanationWidget.from_explanation(exp)
    w.output_index = 0
    sent, done = [], threading.Event()

    def send(content, buffers=None):
        sent.append((content, buffers))
        done.set()

    w.send = send
    # what the browser's Snapshot button sends; the answer comes from a thread
    w._on_message(w, {"type": "snapshot", "format": "json", "id": "s1-abc"}, [])
    assert done.wait(10)
    content, buffers = sent[0]
    assert content == {
        "type": "snapshot",
        "format": "json",
        "id": "s1-abc",
        "filename": "limelight-exact.json",
    }
    back = Explanation.from_json(bytes(buffers[0]).decode())
    np.testing.assert_array_equal(back.values, exp.values)
    # HTML: the same page as save(), class on screen included
    name, page = w.snapshot("html")
    saved = w.save(tmp_path / "w.html").read_text(encoding="utf-8")
    assert name == "limelight-exact.html" and page.decode().startswith("<!doctype html>")
    strip = lambda s: re.sub(r"nonce(=\"|-)[\w-]+", "", s)  # a fresh nonce per page
    assert strip(page.decode()) == strip(saved)
    # the chart kind on screen is the chart in the picture
    _, svg = w.snapshot("svg", kind="waterfall")
    assert svg.decode() == w.save(tmp_path / "w.svg", kind="waterfall").read_text(encoding="utf-8")
    # a bad request is answered with a message for the view, not a traceback in a thread
    done.clear()
    w._on_message(w, {"type": "snapshot", "format": "docx"}, [])
    assert done.wait(10)
    assert sent[-1][0]["error"].startswith("snapshot failed: unknown snapshot format 'docx'")
    assert sent[-1][1] is None
