"""ll.monitor: every point logged (from a thread too) reaches the view in a few binary
messages sent unasked (a busy kernel reads no request), the state a page reads holds the
points so far, and the hooks log what torch and Keras compute."""

import json
import os
import re
import threading
import time

import numpy as np
import pytest
import torch

import limelight as ll
from limelight.errors import InputError


def recording(mon):
    """Capture what the widget would send to the browser, as the view decodes it."""
    sent = []
    mon.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def received(sent):
    """Replay the messages like the view: points past what it holds are appended."""
    steps, series, values, names = [], [], [], []
    for content, buffers in sent:
        start, n = content["start"], content["n"]
        if start > len(steps):
            raise AssertionError("a gap in the stream")
        skip = len(steps) - start
        names = content["series"]
        steps += list(np.frombuffer(buffers[0], np.float64)[skip:n])
        series += list(np.frombuffer(buffers[1], np.int32)[skip:n])
        values += list(np.frombuffer(buffers[2], np.float64)[skip:n])
    return np.array(steps), np.array(series), np.array(values), names


def test_points_from_a_thread_all_arrive_in_few_messages_unasked():
    # A kernel busy with the cell that logs reads no message from the page, so no point may
    # wait for one: the pump sends from its own thread as soon as points are logged.
    mon = ll.monitor(display=False)
    sent = recording(mon)
    mon.log(0, loss=5.0, run="early")  # before any view exists
    deadline = time.monotonic() + 10
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [c["start"] for c, _ in sent] == [0]  # sent by the pump, nobody asked

    def train():
        for i in range(10_000):
            mon.log(i, loss=1.0 / (i + 1), run="thread")

    t0 = time.perf_counter()
    t = threading.Thread(target=train)
    t.start()
    t.join()
    mon.flush()
    elapsed = time.perf_counter() - t0
    steps, series, values, names = received(sent)
    assert len(steps) == 10_001 == len(mon.to_frame())
    assert names == [["early", "loss"], ["thread", "loss"]]
    assert steps[0] == 0 and values[0] == 5.0 and series[0] == 0
    np.testing.assert_allclose(values[1:], 1.0 / (np.arange(10_000) + 1), rtol=1e-6)
    # batched: about one message per interval, not one per point
    assert len(sent) <= 4 + elapsed / mon.interval * 2


def history_of(state):
    """The points a page decodes from the widget's state (``_history``)."""
    h = state["_history"]
    steps = np.frombuffer(h["step"]["view"], np.float64)
    series = np.frombuffer(h["series"]["view"], np.int32)
    values = np.frombuffer(h["value"]["view"], h["value"]["dtype"])
    return h["total"], h["names"], steps, series, values


def test_the_state_a_page_reads_holds_the_points_so_far():
    # what the page gets when the widget is created or restored, with no request of ours
    mon = ll.monitor(display=False)
    assert mon.get_state()["_history"]["total"] == 0 and mon.get_state()["_uid"]
    for i in range(30):
        mon.log(i, loss=0.5**i, run="a")
    mon.log(30, acc=0.75, run="<b>b</b>")
    total, names, steps, series, values = history_of(mon.get_state())
    assert total == 31 and names == [["a", "loss"], ["<b>b</b>", "acc"]]
    assert list(steps) == list(range(31)) and list(series) == [0] * 30 + [1]
    np.testing.assert_allclose(values[:30], 0.5 ** np.arange(30), rtol=1e-12)
    assert values[30] == 0.75
    assert ll.monitor(display=False).get_state()["_uid"] != mon.get_state()["_uid"]


def test_a_page_that_missed_points_gets_the_rest_and_a_plain_ready_nothing(monkeypatch):
    from limelight.modelviz import monitor as monitor_module

    monkeypatch.setattr(monitor_module, "CHUNK", 8)  # the state holds the first 8 points
    mon = ll.monitor(display=False)
    sent = recording(mon)
    for i in range(20):
        mon.log(acc=i / 20, run="a")  # steps default to 0, 1, 2...
    mon.flush()
    total, _, steps, _, _ = history_of(mon.get_state())
    assert total == 20 and list(steps) == list(range(8))  # the page will ask for the rest
    before = len(sent)
    mon._on_message(mon, {"type": "ready"}, [])  # a view attached: the page holds it all
    mon.flush()
    assert len(sent) == before
    mon._on_message(mon, {"type": "ready", "have": 8}, [])  # a restored page holds 8
    mon.flush()
    again = sent[before:]
    assert again[0][0]["start"] == 8 and sum(c["n"] for c, _ in again) == 12
    steps, _, values, _ = received(sent)  # pages skip what they hold
    assert list(steps) == list(range(20))
    np.testing.assert_allclose(values, np.arange(20) / 20, rtol=1e-6)
    mon._on_message(mon, {"type": "ready", "have": "x"}, [])  # ignored, no error


def test_to_frame_and_bad_values():
    mon = ll.monitor(display=False)
    mon.log(1, loss=torch.tensor(0.5), acc=np.float32(0.25), run="r")
    f = mon.to_frame()
    assert f.to_dict("list") == {
        "step": [1.0, 1.0],
        "run": ["r", "r"],
        "metric": ["loss", "acc"],
        "value": [0.5, 0.25],
    }
    with pytest.raises(InputError, match="not a number"):
        mon.log(2, loss="high")
    with pytest.raises(InputError, match="no metric"):
        mon.log(2)


def test_watch_logs_weight_and_gradient_norms():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    mon = ll.monitor(display=False)
    watch = mon.watch(net, every=2)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    ref = {}
    for step in range(1, 5):
        opt.zero_grad()
        if step % 2 == 0:
            ref[("weight", step)] = torch.cat(
                [p.detach().ravel() for p in net[2].parameters()]
            ).norm()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        if step % 2 == 0:
            ref[("grad", step)] = torch.cat([p.grad.ravel() for p in net[2].parameters()]).norm()
        opt.step()
    watch.remove()
    with torch.no_grad():
        net(x)  # no longer watched, and no grad: not a step
    frame = mon.to_frame()
    f = frame.set_index(["run", "metric", "step"])["value"]
    for (kind, step), v in ref.items():
        assert f[("watch/2", f"{kind}_norm", float(step))] == pytest.approx(float(v), rel=1e-5)
    assert sorted(set(frame["step"])) == [2.0, 4.0]
    assert sorted(set(frame["run"])) == ["watch/0", "watch/2"]  # layers with parameters
    assert not net._forward_pre_hooks


def test_keras_callback_logs_every_batch():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    mon = ll.monitor(display=False)
    hist = model.fit(
        X,
        y,
        batch_size=16,
        epochs=2,
        validation_data=(X, y),
        verbose=0,
        callbacks=[mon.keras_callback(run="k")],
    )
    f = mon.to_frame()
    assert (f["metric"] == "loss").sum() == 8  # 4 batches x 2 epochs
    val = f[f["metric"] == "val_loss"]
    assert list(val["step"]) == [4.0, 8.0]
    np.testing.assert_allclose(val["value"], hist.history["val_loss"], rtol=1e-6)


def test_exports_hold_every_point(tmp_path):
    mon = ll.monitor(display=False, title="<script>x</script>")
    for i in range(20):
        mon.log(i, loss=0.9**i, run="<b>a</b>")
    mon.log(30_000_001, loss=0.1, run="<b>a</b>")  # beyond float32's exact integers
    assert re.search(r'"step":\{"b64":"[^"]*","dtype":"int32"', mon.snapshot("html")[1].decode())
    data = json.loads(mon.snapshot("json")[1])
    assert data["points"]["value"][-2] == pytest.approx(0.9**19)
    assert data["points"]["step"][-1] == 30_000_001
    page = mon.save(tmp_path / "m.html").read_text()
    assert "<script>x</script>" not in page and "<b>a</b>" not in page
    svg = mon.snapshot("svg")[1].decode()
    assert "&lt;b&gt;a&lt;/b&gt;" in svg and svg.count("<polyline") == 1
    assert mon.snapshot("png")[1].startswith(b"\x89PNG")


def test_the_picture_follows_the_cells_loop_and_waits_for_a_thread_that_logs():
    # read at a cell's end: the cell's own loop has logged everything; a thread still
    # logging keeps the picture (and its live view) until it pauses or ends
    mon = ll.monitor(display=False)
    mon._sent_key = 0
    for i in range(5):
        mon.log(i, loss=1.0 / (i + 1))
    assert mon._display_key() == 5
    mon._sent_key = 5
    go, logged = threading.Event(), threading.Event()

    def train():
        mon.log(5, loss=0.1)
        logged.set()
        go.wait(10)

    t = threading.Thread(target=train)
    t.start()
    logged.wait(10)
    assert mon._display_key() == 5  # the thread may log again: keep the live view
    go.set()
    t.join()
    assert mon._display_key() == 6


def saved_outputs(cells):
    """Run ``cells`` as nbclient does (outputs saved, no widget state): the saved outputs."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(nb, timeout=120, store_widget_state=False).execute()
    return [o for c in nb.cells for o in c.outputs if o["output_type"] == "display_data"]


def test_a_saved_notebook_shows_every_point_of_the_readme_loop():
    # the monitor in the loop's cell, and (Run All) a monitor shown before the loop's cell,
    # that cell last in the notebook: each saved output holds its curves, not "0 points"
    one, two = saved_outputs(
        [
            "import time, limelight as ll\nmon = ll.monitor()\n"
            "for i in range(20):\n    mon.log(i, loss=1 / (i + 1))\n    time.sleep(0.01)",
            "mon2 = ll.monitor()",
            "for i in range(30):\n    mon2.log(i, acc=i / 30, run='<b>r</b>')\n    time.sleep(0.01)",
        ]
    )
    for out, n, run in ((one, 20, "run"), (two, 30, "&lt;b&gt;r&lt;/b&gt;")):
        data = out["data"]
        assert data["text/plain"] == f"monitor: {n} points, 1 series"
        lines = re.findall(r'<polyline[^>]*points="([^"]*)"', data["text/html"])
        assert [len(p.split()) for p in lines] == [n]  # one line through every point
        assert run in data["text/html"] and "<b>r</b>" not in data["text/html"]
