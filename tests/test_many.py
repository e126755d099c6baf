"""attribute_many: the same numbers as ll.attribute row by row (same seeds), wherever it
runs; Explanations round trips; resume; per-row failures; memory set by chunk_size."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression

import limelight as ll
from limelight.errors import InputError
from limelight.explanations import Explanations

from .references import brute_force_shapley

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 6))
BG = X[:30]
W = np.arange(1.0, 7.0)


def smooth(Z):
    """A nonlinear model with interactions (a plain function: pickled by value)."""
    Z = np.asarray(Z, dtype=float)
    return np.stack([np.tanh(Z @ W / 4) + Z[:, 0] * Z[:, 1], Z[:, 2] ** 2 - Z[:, 3]], axis=1)


def loop(model, rows, ex, **kw):
    """The reference: ll.attribute on each row with the seed the collection reports."""
    seeds = [None if s < 0 else int(s) for s in ex.seeds]  # -1: the method draws nothing
    return [ll.attribute(model, rows[i], random_state=seeds[i], **kw) for i in range(len(rows))]


@pytest.mark.parametrize(
    ("method", "opts"),
    [("exact", {}), ("kernel", {"max_evals": 40}), ("lime", {"n_samples": 300})],
)
def test_attribute_many_equals_attribute_row_by_row(method, opts):
    rows = X[:13]
    ex = ll.attribute_many(
        smooth, rows, background=BG, method=method, random_state=7, chunk_size=5, **opts
    )
    assert ex.values.shape == (13, 2, 6) and ex.ok.all()
    ref = loop(smooth, rows, ex, background=BG, method=method, **opts)
    for i, r in enumerate(ref):
        np.testing.assert_allclose(ex.values[i], r.values, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ex.base_values[i], r.base_values, rtol=1e-12)
        np.testing.assert_allclose(ex.prediction[i], r.prediction, rtol=1e-12)
        assert ex[i].n_evals == r.n_evals
    if method == "kernel":  # sampled: the seeds differ per row, and so do the estimates' errors
        assert len(set(ex.seeds.tolist())) == 13


def test_tree_many_equals_tree_per_row_and_brute_force():
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2])
    gb = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0).fit(X, y)
    ex = ll.attribute_many(gb, X[:9], background=BG[:8], method="tree", chunk_size=4)
    for i, r in enumerate(loop(gb, X[:9], ex, background=BG[:8], method="tree")):
        np.testing.assert_allclose(ex.values[i], r.values, atol=1e-12)
    f = lambda Z: gb.predict(Z)  # noqa: E731
    for i in (0, 5):
        np.testing.assert_allclose(ex.values[i, 0], brute_force_shapley(f, X[i], BG[:8]), atol=1e-9)


def test_frames_output_and_round_trip(tmp_path):
    frame = pd.DataFrame(X[:12, :4], columns=["a", "b c", "<d>", "e"])
    frame["kind"] = np.where(X[:12, 4] > 0, "up", "down")
    model = lambda F: F["a"].to_numpy() * 2 + (F["kind"] == "up") * 1.5  # noqa: E731
    ex = ll.attribute_many(model, frame, background=frame.iloc[:6], method="exact", chunk_size=5)
    ref = loop(
        model, [frame.iloc[i] for i in range(12)], ex, background=frame.iloc[:6], method="exact"
    )
    for i, r in enumerate(ref):
        np.testing.assert_allclose(ex.values[i], r.values, atol=1e-12)
        assert list(ex[i].data) == list(r.data)
    # slicing, iteration and the long frame agree with the values
    assert [e.values.tolist() for e in ex[3:5]] == ex.values[3:5].tolist()
    long = ex.to_frame("long")
    assert len(long) == 12 * 5 and long["value"].tolist() == ex.values.reshape(-1).tolist()
    path = ex.save(tmp_path / "attr.parquet")
    back = ll.load(path)
    assert back.feature_names == ex.feature_names and back.method == "exact"
    assert np.array_equal(back.values, ex.values) and np.array_equal(back.prediction, ex.prediction)
    assert back.data.tolist() == ex.data.tolist() and back.seeds.tolist() == ex.seeds.tolist()
    # a plain Parquet reader sees the wide frame
    assert pd.read_parquet(path)["value:output:b c"].tolist() == ex.values[:, 0, 1].tolist()
    sub = ex[ex.prediction[:, 0] > 0]
    assert isinstance(sub, Explanations) and len(sub) == int((ex.prediction[:, 0] > 0).sum())


def test_output_selects_one_column():
    ex = ll.attribute_many(smooth, X[:4], background=BG, method="exact", output=1)
    full = ll.attribute_many(smooth, X[:4], background=BG, method="exact")
    np.testing.assert_allclose(ex.values[:, 0], full.values[:, 1], atol=1e-12)


def test_processes_and_dask_cluster_give_identical_results():
    """Kernel SHAP (the model called in the workers) and tree paths (the model called
    here, the trees walked there): the same bits as one process."""
    distributed = pytest.importorskip("distributed")
    rows = X[:24]
    gb = GradientBoostingRegressor(n_estimators=10, max_depth=3, random_state=0)
    gb.fit(X, X[:, 0] * X[:, 1])
    runs = [
        (smooth, dict(background=BG[:10], method="kernel", max_evals=30, random_state=3)),
        (gb, dict(background=BG[:10], method="tree")),
    ]
    ones = [ll.attribute_many(m, rows, chunk_size=5, **kw) for m, kw in runs]
    for (m, kw), one in zip(runs, ones):
        procs = ll.attribute_many(m, rows, n_jobs=2, chunk_size=5, **kw)
        assert np.array_equal(one.values, procs.values) and np.array_equal(one.seeds, procs.seeds)
        assert np.array_equal(one.prediction, procs.prediction)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = [ll.attribute_many(m, rows, client=client, chunk_size=5, **kw) for m, kw in runs]
    for one, there in zip(ones, on_dask):
        assert np.array_equal(one.values, there.values)
        assert there.row.tolist() == list(range(24))


class Counting:
    """A model that counts the rows it is called on (and can be changed)."""

    def __init__(self, shift=0.0):
        self.rows, self.shift = 0, shift

    def __call__(self, Z):
        self.rows += len(Z)
        return smooth(Z)[:, 0] + self.shift


def test_resume_continues_from_written_chunks_and_refuses_a_changed_model(tmp_path):
    out = tmp_path / "attr"
    kw = dict(background=BG[:10], method="exact", chunk_size=4, out=out)
    full_model = Counting()
    full = ll.attribute_many(full_model, X[:10], **kw)
    per_row = 2**6 * 10  # every coalition over every background row
    (out / "part-000001.parquet").unlink()  # an interrupted run: chunk 1 never written
    again = Counting()
    resumed = ll.attribute_many(again, X[:10], resume=True, **kw)
    planning = again.rows - 4 * per_row  # the probe and the fingerprint, not a chunk's rows
    assert 0 < planning < per_row
    assert np.array_equal(resumed.values, full.values)
    with pytest.raises(InputError, match="already holds chunks"):
        ll.attribute_many(Counting(), X[:10], **kw)
    with pytest.raises(InputError, match="changed"):
        ll.attribute_many(Counting(shift=1.0), X[:10], resume=True, **kw)
    with pytest.raises(InputError, match="changed"):
        ll.attribute_many(Counting(), X[:10], resume=True, **{**kw, "background": BG[10:20]})
    assert np.array_equal(ll.load(out).values, full.values)


def test_per_row_failures_are_reported_not_raised():
    rows = X[:8].copy()
    rows[2, 1] = np.nan  # LinearRegression cannot take NaN
    lin = LinearRegression().fit(X, X @ W)
    ex = ll.attribute_many(lin, rows, background=BG, method="exact", chunk_size=3)
    assert ex.ok.tolist() == [True, True, False] + [True] * 5
    assert "NaN" in ex.errors[2] and np.isnan(ex.values[2]).all()
    ok = ex[[0, 1, 3, 4, 5, 6, 7]]
    np.testing.assert_allclose(ok.values[:, 0], (rows[ok.row] - BG.mean(0)) * W, atol=1e-9)

    def picky(Z):  # raises on any batch holding a value above 3
        if (np.asarray(Z) > 3).any():
            raise ValueError("out of range")
        return np.asarray(Z).sum(axis=1)

    rows = X[:6].copy()
    rows[4, 0] = 5.0
    ex = ll.attribute_many(
        picky, rows, background=np.zeros((3, 6)), method="kernel", max_evals=20, random_state=0
    )
    assert ex.ok.tolist() == [True] * 4 + [False, True]
    assert "out of range" in ex.errors[4]
    np.testing.assert_allclose(ex.values[5, 0], rows[5], atol=1e-9)


def _peak(n_rows, chunk_size, tmp_path):
    data = np.random.default_rng(1).normal(size=(n_rows, 6))
    tracemalloc.start()
    ll.attribute_many(
        smooth,
        data,
        background=BG[:10],
        method="exact",
        chunk_size=chunk_size,
        out=tmp_path / f"{n_rows}-{chunk_size}",
        collect=False,
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_is_set_by_chunk_size_not_by_rows(tmp_path):
    small, big = _peak(40, 20, tmp_path), _peak(200, 20, tmp_path)
    assert big < 1.3 * small  # 5x the rows, about the same peak
    wide = _peak(200, 100, tmp_path)
    assert wide > 1.5 * big  # larger chunks hold more at once


def test_pipelines_behind_a_column_transformer_equal_row_by_row():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame(X[:, :4], columns=["a", "b", "c", "d"])
    frame["city"] = np.array(["x", "y", "z"])[np.arange(200) % 3]
    y = frame["a"] * (frame["city"] == "y") + frame["b"]
    pre = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b", "c", "d"]), ("cat", OneHotEncoder(), ["city"])]
    )
    forest = make_pipeline(
        pre, RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0)
    ).fit(frame, y)
    rows, bg = frame.iloc[:6], frame.iloc[100:110]
    for method, opts in (("tree", {}), ("kernel", {"max_evals": 24})):
        ex = ll.attribute_many(
            forest, rows, background=bg, method=method, random_state=1, chunk_size=4, **opts
        )
        assert ex.ok.all() and ex.feature_names == ["a", "b", "c", "d", "city"]
        ref = loop(
            forest, [rows.iloc[i] for i in range(6)], ex, background=bg, method=method, **opts
        )
        for i, r in enumerate(ref):
            np.testing.assert_allclose(ex.values[i], r.values, atol=1e-10)


class Logged:
    """A slow model that logs each call (time, process) to a file: the calls made in worker
    processes can be counted from the test's process."""

    def __init__(self, path, delay=0.05):
        self.path, self.delay = str(path), delay

    def __call__(self, Z):
        import os
        import time

        with open(self.path, "a") as f:
            f.write(f"{time.time()} {os.getpid()}\n")
        time.sleep(self.delay)
        return np.asarray(Z, dtype=float)[:, 0] * np.asarray(Z, dtype=float)[:, 1]


def _worker_calls(path):
    import os

    lines = [ln.split() for ln in open(path).read().splitlines()] if path.exists() else []
    return [float(t) for t, pid in lines if int(pid) != os.getpid()]


@pytest.mark.parametrize("where", ["n_jobs", "dask"])
def test_cancel_reaches_chunks_running_in_workers_and_resume_continues(tmp_path, where):
    """Each chunk makes 30 model calls (~1.5 s); cancelled once the workers' first calls
    are seen, no worker starts another call a second later; the chunks written are kept
    and a resumed run gives the single-process numbers."""
    import threading
    import time

    from limelight._cancel import cancellable
    from limelight.errors import Cancelled

    log = tmp_path / "calls.log"
    model = Logged(log)
    kw = dict(
        background=BG[:5],
        method="lime",
        n_samples=3000,
        batch_size=100,
        random_state=0,
        chunk_size=4,
        out=tmp_path / "attr",
    )
    stop, box, ctx = threading.Event(), {}, None
    if where == "dask":
        distributed = pytest.importorskip("distributed")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        ctx = distributed.Client(cluster)
    parallel = {"client": ctx} if ctx is not None else {"n_jobs": 2}

    def go():
        with cancellable(stop):
            try:
                ll.attribute_many(model, X[:16], **parallel, **kw)
            except Cancelled as exc:
                box["error"] = exc

    try:
        thread = threading.Thread(target=go)
        thread.start()
        deadline = time.time() + 120
        while len(_worker_calls(log)) < 2 and time.time() < deadline:
            time.sleep(0.02)
        stop.set()
        cancelled_at = time.time()
        thread.join(60)
        time.sleep(1.5)  # a chunk the cancel missed would still be calling the model now
        calls = _worker_calls(log)
    finally:
        if ctx is not None:
            ctx.close()
            cluster.close()
    assert isinstance(box.get("error"), Cancelled)
    late = [t for t in calls if t > cancelled_at + 1.0]
    assert late == [], f"{len(late)} model calls in the workers a second after the cancel"
    assert len(calls) < 2 * 30  # less than the two chunks that were running would make
    again = Logged(log)
    resumed = ll.attribute_many(again, X[:16], resume=True, **kw)
    one = ll.attribute_many(
        Logged(tmp_path / "other.log"), X[:16], **{**kw, "out": tmp_path / "one"}
    )
    assert np.array_equal(resumed.values, one.values) and resumed.ok.all()


def test_tree_rows_sharing_paths_equal_brute_force_and_do_not_depend_on_the_chunk():
    """Rows that go the same way through a tree share its walk (trees/patterns.py): many
    duplicated and rounded rows, a deeper forest, two outputs; checked against brute-force
    Shapley values and across chunk sizes, bit for bit."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(4)
    Z = np.round(rng.normal(size=(300, 6)), 1)
    Z[100:200] = Z[:100]  # duplicated rows: the same pattern in every tree
    y = (Z[:, 0] * Z[:, 1] + Z[:, 2] > 0).astype(int) + (Z[:, 3] > 1)
    forest = RandomForestClassifier(n_estimators=8, max_depth=6, random_state=0).fit(Z, y)
    bg = np.vstack([Z[:10], Z[:10]])  # repeated background rows: their weights add up
    a = ll.attribute_many(forest, Z[:150], background=bg, method="tree", chunk_size=150)
    b = ll.attribute_many(forest, Z[:150], background=bg, method="tree", chunk_size=7)
    assert np.array_equal(a.values, b.values) and a.ok.all()
    assert np.array_equal(a.values[100:150], a.values[:50])  # same rows, same numbers
    for i in (0, 3, 120):
        ref = brute_force_shapley(forest.predict_proba, Z[i], bg)  # (k, d)
        np.testing.assert_allclose(a.values[i], ref, atol=1e-12)


def test_tree_paths_a_row_the_model_refuses_fails_alone_here_and_in_workers():
    """The chunk's one model call raises (NaN in a model without missing-value support):
    the rows are called one by one and only that row fails, in one process and with the
    model called here for workers that walk the trees."""
    gb = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, X[:, 0] * X[:, 1])
    rows = X[:8].copy()
    rows[3, 2] = np.nan
    one = ll.attribute_many(gb, rows, background=BG, method="tree", chunk_size=5)
    assert one.ok.tolist() == [True] * 3 + [False] + [True] * 4
    assert "NaN" in one.errors[3] and np.isnan(one.values[3]).all()
    clean = ll.attribute_many(gb, rows[[0, 4]], background=BG, method="tree")
    assert np.array_equal(one.values[[0, 4]], clean.values)
    procs = ll.attribute_many(gb, rows, background=BG, method="tree", chunk_size=5, n_jobs=2)
    assert np.array_equal(one.values, procs.values, equal_nan=True)
    assert procs.errors.tolist() == one.errors.tolist()


def test_a_neural_net_is_called_in_cache_sized_slices_with_the_same_numbers():
    from sklearn.neural_network import MLPRegressor

    from limelight.many.batch import NET_ROWS

    class MLPCounting(MLPRegressor):  # an MLP that records the rows of each call
        sizes: list[int] = []

        def predict(self, X):
            MLPCounting.sizes.append(len(X))
            return super().predict(X)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 14))
    net = MLPCounting(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    net.fit(X, X[:, 0] * X[:, 1] + X[:, 2])
    MLPCounting.sizes = []
    ex = ll.attribute_many(
        net, X[:6], background=X[:20], method="kernel", max_evals=1200, random_state=3
    )
    pooled = MLPCounting.sizes[1:]  # after the plan's probe call
    assert max(pooled) <= NET_ROWS and sum(pooled) > 2 * NET_ROWS  # sliced, not one call
    for i in range(6):
        ref = ll.attribute(
            net,
            X[i],
            background=X[:20],
            method="kernel",
            max_evals=1200,
            random_state=int(ex.seeds[i]),
        )
        np.testing.assert_allclose(ex.values[i], ref.values, rtol=0, atol=1e-10)
