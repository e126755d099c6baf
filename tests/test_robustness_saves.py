"""Saves never lose data: every writer (snapshots of every view, Parquet of many rows,
PNG bytes with a path) writes beside the target and renames, so a save that fails half-way
leaves the user's old file as it was and no temporary file behind; ``overwrite=False``
refuses to replace a file; NaN is written as standard JSON (null) everywhere."""

from __future__ import annotations

import base64
import json
import signal
import sys

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError

resource = pytest.importorskip("resource")  # POSIX: a file size limit makes a write fail

OLD = b"the user's old file, which a failed save must keep"
LIMIT = 512  # bytes a process may write to one file while the limit holds


def f(B):
    return np.asarray(B, dtype=float) @ np.arange(1.0, 5.0)


rng = np.random.default_rng(0)
X = rng.normal(size=(40, 4))
y = (X[:, 0] > 0).astype(int)


def _tree():
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)


def _texts(B):
    return np.array([[t.count("good") - t.count("bad")] for t in B], dtype=float)


def _net():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def _monitor():
    mon = ll.monitor(display=False)
    for i in range(200):
        mon.log(i, loss=1.0 / (i + 1), acc=i / 200)
    mon.flush()
    return mon


def _explorer():
    ex = ll.explore(f, X, background=X[:8], method="exact", sample=0)
    ex.selected = 0
    ex.wait(60)
    return ex


def _layers():
    torch = pytest.importorskip("torch")
    return ll.layers(_net(), torch.randn(4, 4))


# (name, what is saved, suffix, how): every public way to write a file
MAKERS = {
    "Explanation.json": (lambda: ll.attribute(f, X[0], background=X[:8]), ".json"),
    "Explanation.html": (lambda: ll.attribute(f, X[0], background=X[:8]), ".html"),
    "Explanation.svg": (lambda: ll.attribute(f, X[0], background=X[:8]), ".svg"),
    "Explanation.png": (lambda: ll.attribute(f, X[0], background=X[:8]), ".png"),
    "to_png(path)": (lambda: ll.attribute(f, X[0], background=X[:8]), ".png"),
    "ExplanationWidget.html": (lambda: ll.explain(f, X[0], background=X[:8]).wait(60), ".html"),
    "Explorer.html": (_explorer, ".html"),
    "compare.json": (
        lambda: ll.compare(f, X[0], methods=["exact", "kernel"], background=X[:8]),
        ".json",
    ),
    "surrogate.svg": (lambda: ll.surrogate(_tree(), X, max_depth=2), ".svg"),
    "dependence.html": (lambda: ll.dependence(_tree(), X, 0), ".html"),
    "elimination.png": (lambda: ll.feature_elimination(_tree(), X, y, cv=3), ".png"),
    "explain_many.html": (
        lambda: ll.explain_many(f, X, background=X[:8], method="exact"),
        ".html",
    ),
    "structure.html": (lambda: ll.structure(_tree()), ".html"),
    "layers.json": (_layers, ".json"),
    "monitor.json": (_monitor, ".json"),
    "monitor.svg": (_monitor, ".svg"),
    "Explanations.parquet": (lambda: ll.attribute_many(f, X, background=X[:8]), ".parquet"),
    "Explanations.json": (lambda: ll.attribute_many(f, X, background=X[:8]), ".json"),
    "Interactions.json": (lambda: ll.interactions(f, X[:3], background=X[:8]), ".json"),
    "Interactions.svg": (lambda: ll.interactions(f, X[:3], background=X[:8]), ".svg"),
    "ItemExplanations.parquet": (
        lambda: ll.attribute_many(_texts, ["a good day", "a bad good day"], method="occlusion"),
        ".parquet",
    ),
}


def _ready(obj):
    wait = getattr(obj, "wait", None) or getattr(obj, "_wait", None)
    if wait is not None and not isinstance(obj, ll.Explanation):
        wait(60)
    return obj


def _save(obj, path, name="", **kw):
    if name == "to_png(path)":
        from limelight.export import to_png

        to_png(obj, path, **kw)
        return path
    if isinstance(obj, ll.Explanation):
        return ll.save(obj, path, **kw)
    return obj.save(path, **kw)


class FileSizeLimit:
    """Writes past ``LIMIT`` bytes of any file fail (EFBIG), as on a full disk."""

    def __enter__(self):
        self.old = resource.getrlimit(resource.RLIMIT_FSIZE)
        self.sig = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, self.old[1]))

    def __exit__(self, *exc):
        resource.setrlimit(resource.RLIMIT_FSIZE, self.old)
        signal.signal(signal.SIGXFSZ, self.sig)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics checked on Linux")
@pytest.mark.parametrize("name", list(MAKERS))
def test_a_save_that_fails_half_way_keeps_the_old_file(tmp_path, name):
    if name.endswith(".png"):
        pytest.importorskip("vl_convert")
    make, suffix = MAKERS[name]
    obj = _ready(make())
    fresh = _save(obj, name=name, path=tmp_path / f"fresh{suffix}")
    assert fresh.stat().st_size > LIMIT  # the write below must be cut short

    target = tmp_path / f"mine{suffix}"
    target.write_bytes(OLD)
    with FileSizeLimit(), pytest.raises(OSError):
        _save(obj, name=name, path=target)
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["fresh" + suffix, target.name])

    assert _save(obj, name=name, path=target) == target  # replaced when it can be
    assert target.stat().st_size == fresh.stat().st_size or suffix == ".html"  # (a new nonce)
    saved = target.read_bytes()
    with pytest.raises(InputError, match="already exists.*overwrite=True"):
        _save(obj, name=name, path=target, overwrite=False)
    assert target.read_bytes() == saved


def strict_json(text):
    """``json.loads`` that fails on the non-standard NaN / Infinity Python writes by default."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))


def test_nan_is_written_as_null_in_the_views_json(tmp_path):
    mon = ll.monitor(display=False)
    mon.log(0, loss=float("nan"))
    mon.log(1, loss=0.5)
    points = strict_json(mon.save(tmp_path / "m.json").read_text())["points"]
    assert points["value"] == [None, 0.5]
    # a constant model: every method's attributions are 0, their rank correlation undefined
    w = ll.compare(lambda B: np.zeros(len(B)), X[0], methods=["exact", "kernel"], background=X[:5])
    w.wait(60)
    strict_json(w.save(tmp_path / "c.json").read_text())


def test_the_monitor_keeps_values_float32_cannot_hold(tmp_path):
    from limelight.export import model_views

    logged = [1e300, 1e-50, 0.1]
    mon = ll.monitor(display=False)
    for i, v in enumerate(logged):
        mon.log(i, loss=v)
    _, arrays, _ = mon.store.chunk(0, 3)  # what the live view is sent
    assert arrays["value"].tolist() == logged
    value = model_views.page_state(mon)["_arrays"]["value"]  # what the saved page draws
    raw = base64.b64decode(value["b64"])
    assert np.frombuffer(raw, np.dtype(value["dtype"])).tolist() == logged
    assert strict_json(mon.save(tmp_path / "m.json").read_text())["points"]["value"] == logged
    assert mon.to_frame()["value"].tolist() == logged


def test_a_missing_folder_or_a_folder_as_target_is_named(tmp_path):
    exp = ll.attribute(f, X[0], background=X[:8])
    with pytest.raises(InputError, match="folder .* does not exist"):
        exp.save(tmp_path / "no" / "such" / "e.json")
    (tmp_path / "e.json").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        exp.save(tmp_path / "e.json")
    with pytest.raises(InputError, match="folder .* does not exist"):
        ll.attribute_many(f, X[:3], background=X[:8]).save(tmp_path / "no" / "x.parquet")
