"""The explorer: selection streams the row's explanation into the panel, finished ones are
cached (no model calls the second time), filters, the explanations frame, global views,
and every bad input. References: a linear model's closed form, Shapley efficiency,
scikit-learn's own predictions."""

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

import limelight as ll
from limelight.errors import InputError, LimelightError
from limelight.widgets.explorer import Explorer

W = np.array([1.0, -2.0, 0.5, 3.0])


class Counting:
    """A linear function that counts its calls and can be made slow."""

    def __init__(self, delay=0.0):
        self.calls = 0
        self.delay = delay

    def __call__(self, X):
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        return np.asarray(X, dtype=float) @ W + 1.0


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    return X, X @ W + 1.0


def test_selecting_a_row_explains_it(data):
    X, _ = data
    f = Counting()
    ex = ll.explore(f, X, sample=0)
    assert isinstance(ex, Explorer) and ex._view == "explorer" and ex.selected is None
    ex.selected = 7
    e = ex.wait(10)
    # linear model, background = X: phi_j = w_j * (x_j - mean_j)
    np.testing.assert_allclose(e.values[0], W * (X[7] - X.mean(axis=0)), atol=1e-9)
    assert ex._panel == "tabular" and ex.explanation is e
    assert ex._meta["feature_names"] == ["x0", "x1", "x2", "x3"]


def test_snapshot_and_save_export_the_selected_row(data, tmp_path):
    X, _ = data
    ex = ll.explore(Counting(), X, sample=0)
    with pytest.raises(LimelightError, match="no row is selected"):
        ex.save(tmp_path / "none.json")
    ex.selected = 5
    e = ex.wait(10)
    back = ll.load(ex.save(tmp_path / "row5.json"))
    np.testing.assert_allclose(back.values, e.values)
    np.testing.assert_allclose(back.data, X[5])
    name, data_ = ex.snapshot("json")
    assert name == "limelight-exact-row5.json"
    assert np.allclose(ll.Explanation.from_json(data_.decode()).values, e.values)
    # the panel's Snapshot button: the reply carries the asking control's id
    sent, done = [], __import__("threading").Event()
    ex.send = lambda content, buffers=None: (sent.append((content, buffers)), done.set())
    ex._on_message(ex, {"type": "snapshot", "format": "svg", "id": "s2-x"}, [])
    assert done.wait(10)
    assert sent[0][0] == {
        "type": "snapshot",
        "format": "svg",
        "id": "s2-x",
        "filename": "limelight-exact-row5.svg",
    }
    assert bytes(sent[0][1][0]).startswith(b"<svg")
    # while another row starts, `.explanation` is never the previous row's
    ex.selected = 6
    assert ex.explanation is None or np.allclose(ex.explanation.data, X[6])
    ex.wait(10)


def test_second_selection_is_cached_and_makes_no_model_calls(data):
    X, _ = data
    f = Counting()
    ex = ll.explore(f, X, sample=0)
    ex.selected = 3
    first = ex.wait(10)
    ex.selected = 4
    ex.wait(10)
    before = f.calls
    ex.selected = 3
    assert f.calls == before
    assert ex.explanation is first and ex.wait(1) is first
    np.testing.assert_allclose(ex._arrays["values"]["view"].cast("f"), first.values[0], rtol=1e-6)
    assert ex._progress["status"] == "done"


def test_the_browser_selecting_works_like_python(data):
    X, _ = data
    ex = ll.explore(Counting(), X, sample=0)
    ex.set_state({"selected": 11})  # what a click's message does
    assert ex.selected == 11
    np.testing.assert_allclose(ex.wait(10).data.astype(float), X[11])


def test_a_new_selection_cancels_the_running_one(data):
    X, _ = data
    f = Counting(delay=0.05)
    # exact Shapley streams by background chunk: 4 background rows per call, 15 calls
    ex = ll.explore(f, X, sample=0, method="exact", rows_per_call=64)
    ex.selected = 1
    time.sleep(0.1)
    ex.selected = 2
    calls = f.calls
    e = ex.wait(30)
    np.testing.assert_allclose(e.data.astype(float), X[2])
    assert f.calls - calls <= 16  # row 1 stopped within a batch; row 2 takes 15 calls
    assert 1 not in ex._cache and 2 in ex._cache


def test_bad_index_and_bad_input(data):
    X, y = data
    ex = ll.explore(Counting(), X, sample=0)
    with pytest.raises(InputError, match="no row 60") as err:
        ex.selected = 60
    assert "0 to 59" in err.value.fix
    assert ex.selected is None
    ex.selected = -1  # counts from the end, like Python
    assert ex.selected == 59
    with pytest.raises(InputError, match="X has 60 rows but y has 59"):
        ll.explore(Counting(), X, y[:-1])
    with pytest.raises(InputError, match="table of rows"):
        ll.explore(Counting(), X[0])
    with pytest.raises(InputError, match="empty"):
        ll.explore(Counting(), X[:0])
    with pytest.raises(InputError, match="sample=-1"):
        ll.explore(Counting(), X, sample=-1)
    with pytest.raises(InputError, match="two columns"):
        ll.explore(Counting(), X, xy=("x0", "nope"), sample=0)


def test_user_data_is_not_modified(data):
    X, y = data
    Xc, yc = X.copy(), y.copy()
    ex = ll.explore(LinearRegression().fit(X, y), X, y, sample=5, random_state=0)
    ex.selected = 0
    ex.wait(10)
    ex.wait_global(30)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(y, yc)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    y = y.map({0: "setosa", 1: "versicolor", 2: "virginica"})
    model = LogisticRegression(max_iter=1000, C=0.05).fit(X, y)
    return X, y, model


def test_state_matches_the_model(iris):
    X, y, model = iris
    ex = ll.explore(model, X, y, sample=0)
    meta, arrays = ex._data_meta, ex._data_arrays
    assert meta["n"] == 150 and meta["kind"] == "classifier" and meta["has_label"]
    assert meta["output_names"] == ["setosa", "versicolor", "virginica"]
    assert meta["columns"] == list(X.columns)
    pred = np.frombuffer(arrays["pred"]["view"], dtype=np.float32)
    names = np.array(meta["output_names"])
    np.testing.assert_array_equal(names[pred.astype(int)], model.predict(X))
    label = np.frombuffer(arrays["label"]["view"], dtype=np.float32)
    np.testing.assert_array_equal(names[label.astype(int)], y.to_numpy())
    table = np.frombuffer(arrays["table"]["view"], dtype=np.float32).reshape(150, 4)
    np.testing.assert_allclose(table, X.to_numpy(), rtol=1e-6)
    xy = np.frombuffer(arrays["xy"]["view"], dtype=np.float32).reshape(150, 2)
    # PCA of standardised columns: the first axis carries the most variance, axes uncorrelated
    assert xy[:, 0].var() > xy[:, 1].var()
    assert abs(np.corrcoef(xy.T)[0, 1]) < 1e-3


def test_filters(iris):
    X, y, model = iris
    ex = ll.explore(model, X, y, sample=0)
    pred = model.predict(X)
    proba = model.predict_proba(X).max(axis=1)
    np.testing.assert_array_equal(ex.visible, np.arange(150))
    ex.filters = {"misclassified": True}
    np.testing.assert_array_equal(ex.visible, np.flatnonzero(pred != y.to_numpy()))
    assert len(ex.visible) > 0
    ex.filters = {"classes": [2]}
    np.testing.assert_array_equal(ex.visible, np.flatnonzero(pred == "virginica"))
    ex.filters = {"classes": [1], "prediction": [0.4, 0.6]}
    want = np.flatnonzero((pred == "versicolor") & (proba >= 0.4) & (proba <= 0.6))
    np.testing.assert_array_equal(ex.visible, want)
    ex.filters = {"classes": ["setosa", "virginica"]}  # names work too
    np.testing.assert_array_equal(ex.visible, np.flatnonzero(pred != "versicolor"))
    with pytest.raises(InputError, match="no class 'tulip'"):
        ex.filters = {"classes": ["tulip"]}
    with pytest.raises(InputError, match="unknown filter"):
        ex.filters = {"colour": "red"}
    with pytest.raises(InputError, match="prediction filter"):
        ex.filters = {"prediction": 0.5}
    no_labels = ll.explore(model, X, sample=0)
    no_labels.filters = {"misclassified": True}
    with pytest.raises(InputError, match="needs labels"):
        no_labels.visible  # noqa: B018


def test_explanations_frame(iris):
    X, y, model = iris
    ex = ll.explore(model, X, y, sample=0, background_size=150)  # keep all 150 rows
    assert ex.explanations.shape == (0, 4)
    for i in (120, 5, 70):
        ex.selected = i
        ex.wait(30)
    frame = ex.explanations
    assert list(frame.index) == [5, 70, 120] and list(frame.columns) == list(X.columns)
    proba = model.predict_proba(X)
    base = proba.mean(axis=0)  # background = X, kept whole
    for i in (5, 70, 120):
        k = int(proba[i].argmax())
        # efficiency: the row's attributions sum to its predicted probability minus the base
        assert frame.loc[i].sum() == pytest.approx(proba[i, k] - base[k], abs=1e-9)
    setosa = ex.explanations_for("setosa")
    np.testing.assert_allclose(setosa.sum(axis=1), proba[[5, 70, 120], 0] - base[0], atol=1e-9)


def test_global_views(data):
    X, y = data
    rng = np.random.default_rng(1)
    Xn = X.copy()
    Xn[:, 2] = rng.normal(size=len(X))  # feature 2 is noise for y below
    y2 = Xn @ np.array([1.0, -2.0, 0.0, 3.0])
    model = LinearRegression().fit(Xn, y2)
    ex = ll.explore(model, Xn, y2, sample=20, random_state=0)
    g = ex.wait_global(60)
    imp = g["importance"].values[0]
    assert imp[2] == pytest.approx(0, abs=1e-6) and imp[3] > imp[1] > imp[0] > 0.1
    sw = g["swarm"]  # an Explanations, its `row` the explorer's rows
    rows, values = sw.row, sw.values
    assert values.shape == (20, 1, 4) and len(set(rows)) == 20
    # linear model: differences of attributions between rows are w_j (x_aj - x_bj)
    diff = values[1:, 0, :] - values[:1, 0, :]
    want = model.coef_ * (Xn[rows[1:]] - Xn[rows[:1]])
    np.testing.assert_allclose(diff, want, atol=1e-4)
    meta = ex._global_meta
    assert meta["status"] == "done" and meta["swarm_done"] == 20
    assert ex._global_arrays["swarm_values"]["shape"] == [20, 1, 4]


def test_a_failing_model_in_the_global_views_is_reported(data):
    X, y = data

    class Fragile:
        calls = 0

        def __call__(self, batch):
            self.calls += 1
            if self.calls > 3:
                raise RuntimeError("boom")
            return np.asarray(batch, float) @ W

    ex = ll.explore(Fragile(), X, sample=5, random_state=0)
    with pytest.raises(Exception, match="boom"):
        ex.wait_global(30)
    assert ex._global_meta["status"] == "error" and "boom" in ex._global_meta["message"]


def test_dataframe_with_a_category_column():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"size": rng.normal(size=80), "colour": rng.choice(["red", "<b>"], 80)})
    y = X["size"] + (X["colour"] == "red") * 2.0
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LinearRegression(),
    ).fit(X, y)
    ex = ll.explore(pipe, X, y, sample=0)
    assert ex._data_meta["categories"] == {"colour": ["<b>", "red"]}
    table = np.frombuffer(ex._data_arrays["table"]["view"], dtype=np.float32).reshape(80, 2)
    np.testing.assert_array_equal(table[:, 1], (X["colour"] == "red").astype(int))
    ex.selected = 0
    e = ex.wait(10)
    # additive model, background = X: the colour's attribution is 2 * (is_red - share red)
    red = float((X["colour"] == "red").mean())
    assert e.values[0, 1] == pytest.approx(2.0 * ((X["colour"][0] == "red") - red), abs=1e-9)


def test_texts_are_explored_and_explained():
    docs = ["good good day", "bad day", "a good <b>film</b>", "nothing"]
    calls = []

    def goodness(texts):
        calls.append(len(texts))
        return np.array([[s.split().count("good")] for s in texts], dtype=float)

    ex = ll.explore(goodness, docs, np.array([2.0, 0.0, 0.0, 0.0]), method="occlusion")
    meta = ex._data_meta
    assert meta["modality"] == "text" and meta["texts"] == docs and meta["columns"] == []
    pred = np.frombuffer(ex._data_arrays["pred"]["view"], dtype=np.float32)
    np.testing.assert_array_equal(pred, [2, 0, 1, 0])
    ex.filters = {"prediction": [0.5, None]}
    np.testing.assert_array_equal(ex.visible, [0, 2])
    ex.selected = 0
    e = ex.wait(10)
    assert ex._panel == "text" and e.feature_names == ["good", "good", "day"]
    np.testing.assert_allclose(e.values[0], [1.0, 1.0, 0.0])  # leaving out a "good" costs 1
    ex.selected = 2
    ex.wait(10)
    n = len(calls)
    ex.selected = 0
    assert len(calls) == n  # cached
    frame = ex.explanations
    assert list(frame.columns) == ["index", "position", "token", "value"]
    good = frame[frame.token == "good"]
    assert list(good["index"]) == [0, 0, 2] and (good.value == 1.0).all()
    with pytest.raises(InputError, match="background"):
        ll.explore(goodness, docs, background=docs)


def test_images_are_explored_and_explained():
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs, y = d.images[:120], d.target[:120]
    clf = LogisticRegression(max_iter=2000).fit(imgs.reshape(120, -1), y)
    calls = []

    def f(batch):
        calls.append(len(batch))
        return clf.predict_proba(np.asarray(batch).reshape(len(batch), -1))

    ex = ll.explore(f, imgs, y, output_names=[str(k) for k in range(10)], window=2, stride=2)
    meta, arrays = ex._data_meta, ex._data_arrays
    assert meta["modality"] == "image" and meta["kind"] == "classifier"
    pred = np.frombuffer(arrays["pred"]["view"], dtype=np.float32)
    np.testing.assert_array_equal(pred, clf.predict(imgs.reshape(120, -1)))
    thumbs = np.frombuffer(arrays["thumbs"]["view"], dtype=np.uint8).reshape(
        arrays["thumbs"]["shape"]
    )
    assert thumbs.shape == (120, 8, 8, 1)
    # contrast-stretched copies of the pictures
    ref = imgs[7] - imgs[7].min()
    np.testing.assert_allclose(thumbs[7, :, :, 0], np.floor(ref / ref.max() * 255), atol=1)
    ex.selected = 7
    e = ex.wait(30)
    assert ex._panel == "image" and e.values.shape[1:] == (8, 8)
    # occlusion by 2x2 windows of zeros, stride 2: each block's value is the drop in the
    # predicted class's probability when that block is blanked
    k = int(clf.predict(imgs[7].reshape(1, -1))[0])
    i = list(e.output_names).index(str(k))
    blank = imgs[7].copy()
    blank[2:4, 4:6] = 0
    p = clf.predict_proba(np.stack([imgs[7], blank]).reshape(2, -1))[:, k]
    assert e.values[i, 2, 4] == pytest.approx(p[0] - p[1], rel=1e-5)
    ex.selected = 8
    ex.wait(30)
    n = len(calls)
    ex.selected = 7
    assert len(calls) == n and ex.explanation is e  # cached
    with pytest.raises(InputError, match="tabular and text"):
        ex.explanations  # noqa: B018


def test_closing_stops_the_background_work(data):
    X, _ = data
    f = Counting(delay=0.25)  # the beeswarm pools its rows' calls: ~10 calls of 0.25 s
    ex = ll.explore(f, X, sample=60, random_state=0)
    time.sleep(1.3)  # the beeswarm has started (it waits up to 1 s for a first click)
    assert ex._global_meta.get("swarm_done", 0) < 60
    ex.close()
    t = time.perf_counter()
    g = ex.wait_global(10)
    assert time.perf_counter() - t < 2 and g["swarm"] is None
    calls = f.calls
    time.sleep(0.3)
    assert f.calls == calls


def test_the_beeswarm_is_attribute_many_and_a_loop_of_attribute():
    """The explorer's beeswarm runs through attribute_many (one path), with the numbers of
    the per-row path it replaced: exact below 11 features (a loop of ll.attribute with the
    beeswarm's 10-row background), Kernel SHAP above (the planned explainer on each row's
    instance, seeded with the row's seed)."""
    from limelight.explainers.kernel import KernelShap
    from limelight.plans import plan

    rng = np.random.default_rng(4)
    for d, method in ((4, "exact"), (12, "kernel")):
        X = rng.normal(size=(60, d))
        w = rng.normal(size=d)
        model = lambda Z, w=w: np.tanh(np.asarray(Z) @ w)  # noqa: E731
        ex = ll.explore(model, X, sample=6, random_state=3)
        sw = ex.wait_global(120)["swarm"]
        assert len(sw) == 6 and sw.method == method and len(set(sw.row)) == 6
        small = ex._inst0.background_batch()
        p = plan(model, X[0], background=small, background_size=10, random_state=3)
        for r, i in enumerate(sw.row):
            np.testing.assert_allclose(sw.data[r].astype(float), X[i])
            if method == "exact":
                e = ll.attribute(
                    model,
                    X[i],
                    background=small,
                    background_size=10,
                    method="exact",
                    random_state=3,
                )
            else:
                k = KernelShap(max_evals=min(2 * d + 256, 600), random_state=int(sw.seeds[r]))
                e = k.explain(p.model, p.model.row(list(X[i])))
            np.testing.assert_allclose(sw.values[r], e.values, atol=1e-12)
        assert ex._global_arrays["swarm_index"]["shape"] == [6]
        ex.close()


def test_with_labels_and_no_row_selected_save_writes_the_data_sets_importance(data, tmp_path):
    from sklearn.linear_model import LinearRegression

    X, y = data
    model = LinearRegression().fit(X, y)
    ex = ll.explore(model, X, y, sample=0)
    saved = ll.load(ex.save(tmp_path / "importance.json"))  # waits for the global views
    imp = ex.wait_global(60)["importance"]
    assert saved.modality == imp.modality and saved.feature_names == imp.feature_names
    np.testing.assert_allclose(saved.values, imp.values)
