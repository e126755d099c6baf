"""attribute_many over texts and images: each item equals ll.attribute on it with the
item's seed (the same planning and explainer run per item), the model calls of many items
are pooled into fewer, larger calls, a failing item fails alone, and the long frame and the
Parquet file hold the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll
from limelight.errors import InputError, MethodError

DOCS = [
    "a great film with a great cast",
    "terrible plot and terrible acting",
    "great music but a dull story",
    "dull, slow and far too long",
    "the cast is great and the story moving",
    "not great, not terrible",
    "a moving story told with care",
    "slow acting and a terrible script",
]
LABELS = [1, 0, 1, 0, 1, 0, 1, 0]


@pytest.fixture(scope="module")
def pipe():
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(DOCS, LABELS)


@pytest.mark.parametrize(
    ("method", "opts"),
    [
        ("occlusion", {}),
        ("shapley", {"budget": 120}),
        ("lime", {"budget": 100}),
        ("leverage", {"budget": 80}),
        ("msr", {"budget": 80}),
        ("hierarchical", {"budget": 60}),
    ],
)
def test_each_text_equals_attribute_with_its_seed(pipe, method, opts):
    ex = ll.attribute_many(pipe, DOCS, method=method, random_state=7, **opts)
    assert len(ex) == len(DOCS) and ex.ok.all() and ex.method == method
    assert len(set(ex.seeds.tolist())) == len(DOCS)
    for i, doc in enumerate(DOCS):
        ref = ll.attribute(pipe, doc, method=method, random_state=int(ex.seeds[i]), **opts)
        e = ex[i]
        assert e.feature_names == ref.feature_names and e.output_names == ref.output_names
        np.testing.assert_allclose(e.values, ref.values, rtol=0, atol=1e-12)
        np.testing.assert_allclose(e.prediction, pipe.predict_proba([doc])[0], atol=1e-12)
        np.testing.assert_array_equal(e.spans, ref.spans)


def test_texts_share_model_calls_and_a_failing_text_fails_alone():
    calls = []

    def f(xs):
        calls.append(len(xs))
        if any("boom" in s for s in xs):
            raise ValueError("cannot read boom")
        return np.array([[s.count("good") - s.count("bad")] for s in xs], float)

    docs = ["good good day", "bad day", "a boom here", "good and bad", "so good"]
    n_loop = 0
    refs = {}
    for i, d in enumerate(docs):
        if "boom" in d:
            continue
        before = len(calls)
        refs[i] = ll.attribute(f, d, method="shapley", budget=60, random_state=i)
        n_loop += len(calls) - before
    calls.clear()
    ex = ll.attribute_many(f, docs, method="shapley", budget=60, random_state=1)
    assert ex.ok.tolist() == [True, True, False, True, True]
    assert "boom" in ex.errors[2] and "ValueError" in ex.errors[2]
    with pytest.raises(MethodError, match="item 2 failed"):
        ex[2]
    for i in refs:  # the others are unaffected
        ref = ll.attribute(f, docs[i], method="shapley", budget=60, random_state=int(ex.seeds[i]))
        np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-12)
    # the texts' perturbations went to the model together (plus the retries of the failing
    # call, text by text), where a loop makes a few calls per text
    assert ex.params["model_calls"] < n_loop


def test_long_frame_and_parquet_round_trip(pipe, tmp_path):
    ex = ll.attribute_many(pipe, DOCS[:4], method="occlusion")
    frame = ex.to_frame()
    assert list(frame.columns) == ["item", "output", "position", "token", "start", "end", "value"]
    for i in range(4):
        e, rows = ex[i], frame[frame["item"] == i]
        assert len(rows) == e.values.size
        first = rows[rows["output"] == e.output_names[0]]
        np.testing.assert_array_equal(first["value"].to_numpy(), e.values[0])
        for _, r in first.iterrows():  # each token is the text at its span
            assert DOCS[i][r["start"] : r["end"]] == r["token"]
    path = ex.save(tmp_path / "texts.parquet")
    back = ll.load(path)
    assert len(back) == 4 and back.errors.tolist() == ex.errors.tolist()
    for a, b in zip(ex, back):
        np.testing.assert_array_equal(a.values, b.values)
        assert a.feature_names == b.feature_names and a.data == b.data
    import pandas as pd

    np.testing.assert_array_equal(pd.read_parquet(path)["value"], frame["value"])


def _linear_image_model(w):
    def f(batch):
        return np.stack([(batch * w).sum(axis=(1, 2)), batch.mean(axis=(1, 2))], axis=1)

    return f


def test_each_image_equals_attribute_with_its_seed():
    rng = np.random.default_rng(0)
    imgs = rng.random((5, 12, 12))
    f = _linear_image_model(rng.normal(size=(12, 12)))
    for method, opts in (
        ("occlusion", {"window": 4, "stride": 4}),
        ("shapley", {"segments": "grid", "n_segments": 9, "budget": 60}),
        ("lime", {"segments": "grid", "n_segments": 9, "budget": 60}),
        ("leverage", {"segments": "grid", "n_segments": 9, "budget": 60}),
        ("msr", {"segments": "grid", "n_segments": 9, "budget": 60}),
    ):
        ex = ll.attribute_many(f, imgs, method=method, random_state=3, **opts)
        assert ex.ok.all() and ex.method == method
        for i in range(len(imgs)):
            ref = ll.attribute(f, imgs[i], method=method, random_state=int(ex.seeds[i]), **opts)
            np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-12)
            assert ex[i].output_names == ref.output_names


def test_images_of_two_sizes_and_one_the_model_fails_on():
    rng = np.random.default_rng(1)
    imgs = [rng.random((8, 8)), rng.random((10, 10)), np.full((8, 8), np.nan), rng.random((8, 8))]

    def f(batch):
        return np.nansum(batch, axis=(1, 2)) + np.where(np.isnan(batch).any(axis=(1, 2)), np.nan, 0)

    ex = ll.attribute_many(f, imgs, method="occlusion", window=4, stride=4)
    assert ex.ok.tolist() == [True, True, False, True]
    assert "NaN" in ex.errors[2]
    for i in (0, 1, 3):
        ref = ll.attribute(f, imgs[i], method="occlusion", window=4, stride=4)
        np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-12)
    frame = ex.to_frame()
    assert set(frame["item"]) == {0, 1, 3} and {"y", "x"} <= set(frame.columns)


def test_texts_as_an_array_or_a_series(pipe):
    import pandas as pd

    a = ll.attribute_many(pipe, np.array(DOCS[:3]), method="occlusion")
    b = ll.attribute_many(pipe, pd.Series(DOCS[:3]), method="occlusion")
    for x, y, d in zip(a, b, DOCS):
        np.testing.assert_array_equal(x.values, y.values)
        assert x.data == d


def test_options_for_tables_are_refused_for_texts(pipe):
    with pytest.raises(InputError, match="n_jobs"):
        ll.attribute_many(pipe, DOCS, n_jobs=2)
    with pytest.raises(InputError, match="tokens="):
        ll.attribute_many(pipe, DOCS, tokens=["a"])
    with pytest.raises(InputError, match="background"):
        ll.attribute_many(pipe, DOCS, background=DOCS)


def test_a_bad_first_item_fails_alone_and_one_text_or_nothing_is_refused(pipe):
    # the first text is empty, the second is not a string: both fail alone, the rest run
    docs = ["", None, *DOCS[:3]]
    ex = ll.attribute_many(pipe, docs, method="occlusion")
    assert ex.ok.tolist() == [False, False, True, True, True]
    assert "empty" in ex.errors[0] and "str" in ex.errors[1]
    for i in (2, 3, 4):
        ref = ll.attribute(pipe, docs[i], method="occlusion")
        np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-12)
    # so does a first image the model cannot take
    rng = np.random.default_rng(2)
    imgs = [np.full((8, 8), np.nan), rng.random((8, 8))]
    f = lambda b: b.sum(axis=(1, 2))[:, None]  # noqa: E731
    ex = ll.attribute_many(f, imgs, method="occlusion", window=4, stride=4)
    assert ex.ok.tolist() == [False, True]
    # a generator of texts is read once, as the list it yields
    gen = ll.attribute_many(pipe, (d for d in DOCS[:2]), method="occlusion")
    assert [e.data for e in gen] == DOCS[:2]
    with pytest.raises(InputError, match="one text"):
        ll.attribute_many(pipe, DOCS[0])
    with pytest.raises(InputError, match="empty"):
        ll.attribute_many(pipe, [])

    # a model that fails on every text is the model's problem: raised, not 8 failures
    def broken(xs):
        raise RuntimeError("no")

    with pytest.raises(ll.errors.LimelightError, match="no"):
        ll.attribute_many(broken, DOCS, method="occlusion")


def test_run_options_that_make_no_sense_are_refused_by_name():
    X = np.random.default_rng(0).normal(size=(20, 3))
    f = lambda z: z.sum(1)  # noqa: E731
    with pytest.raises(InputError, match="n_jobs='two'"):
        ll.attribute_many(f, X, background=X, n_jobs="two")
    with pytest.raises(InputError, match="chunk_size=2.5"):
        ll.attribute_many(f, X, background=X, chunk_size=2.5)
    with pytest.raises(InputError, match="resume=True"):  # it would silently start over
        ll.attribute_many(f, X, background=X, resume=True)
    with pytest.raises(InputError, match="chunk_size=0"):
        ll.explain_many(f, X, background=X, chunk_size=0)


def test_rows_as_a_list_of_records_are_a_table():
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 3)), columns=["a", "b", "c"])
    model = LinearRegression().fit(X, X @ [1.0, 2.0, 3.0])
    ex = ll.attribute_many(model, X.iloc[:5].to_dict("records"), background=X, method="exact")
    closed = (X.iloc[:5] - X.mean()).to_numpy() * [1.0, 2.0, 3.0]  # w * (x - mean)
    np.testing.assert_allclose(ex.values[:, 0], closed, atol=1e-9)
    assert ex.feature_names == ["a", "b", "c"]


def test_torch_texts_and_images_run_one_after_another_with_the_same_numbers():
    torch = pytest.importorskip("torch")
    from tests.test_text_torch import BagClassifier, WordPieceTokenizer

    tok, net = WordPieceTokenizer(), BagClassifier()
    docs = ["a wonderful evening", "dreadful and boring", "fine"]
    for method in ("integrated_gradients", "occlusion"):
        ex = ll.attribute_many(net, docs, tokenizer=tok, method=method, random_state=0)
        assert ex.ok.all() and ex.method == method
        for i, d in enumerate(docs):
            ref = ll.attribute(net, d, tokenizer=tok, method=method, random_state=int(ex.seeds[i]))
            np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-10)
    assert net.training  # the user's module is left as it was (fresh modules train)
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 3)
    ).eval()
    imgs = np.random.default_rng(0).random((3, 1, 8, 8)).astype(np.float32)
    ex = ll.attribute_many(cnn, imgs, method="saliency")
    for i in range(3):
        ref = ll.attribute(cnn, imgs[i], method="saliency")
        np.testing.assert_allclose(ex[i].values, ref.values, atol=1e-7)
