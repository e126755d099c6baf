"""One outputs rule for every modality: ``output=`` (a name, an index or a list) chooses
what is computed; ``None`` computes every output up to 10 and the top 5 above. Values have
shape ``(n_outputs_computed, ...)`` and ``output_names`` says which."""

import numpy as np
import pytest
from references import brute_force_shapley
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll


@pytest.fixture(scope="module")
def classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.digitize(X[:, 0] + X[:, 1] * X[:, 2], [-0.5, 0.5])  # three classes
    return X, LogisticRegression().fit(X, y)


@pytest.fixture(scope="module")
def text_pipeline():
    docs = ["good fun", "bad dull", "okay plain", "good good", "dull bad", "plain okay fine"]
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, list("pnmpnm"))


class CountBackward:
    """A torch layer that passes its input on and counts the backward passes through it."""

    def __init__(self):
        torch = pytest.importorskip("torch")
        counter = self

        class Count(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.view_as(x)

            @staticmethod
            def backward(ctx, grad):
                counter.n += 1
                return grad

        class Layer(torch.nn.Module):
            def forward(self, x):
                return Count.apply(x)

        self.n, self.layer = 0, Layer()


def cnn_with_counter(k=5):
    torch = pytest.importorskip("torch")
    counter = CountBackward()
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        counter.layer,
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(16, k),
    ).eval()
    return net, counter


def test_tabular_classifier_outputs_by_name_index_and_list(classifier):
    X, model = classifier
    ref = brute_force_shapley(model.predict_proba, X[3], X[:12])  # (3 classes, 4 features)
    every = ll.attribute(model, X[3], background=X[:12], method="exact")
    assert every.values.shape == (3, 4) and every.output_names == ["0", "1", "2"]
    np.testing.assert_allclose(every.values, ref, atol=1e-10)
    two = ll.attribute(model, X[3], background=X[:12], method="exact", output=[2, "0"])
    assert two.values.shape == (2, 4) and two.output_names == ["2", "0"]
    np.testing.assert_allclose(two.values, ref[[2, 0]], atol=1e-10)
    one = ll.attribute(model, X[3], background=X[:12], method="exact", output=-1)
    assert one.values.shape == (1, 4) and one.output_names == ["2"]


def test_text_pipeline_outputs_follow_the_same_rule(text_pipeline):
    text = "good dull fine"
    every = ll.attribute(text_pipeline, text, method="occlusion")
    assert every.values.shape == (3, 3) and every.output_names == ["m", "n", "p"]
    one = ll.attribute(text_pipeline, text, method="occlusion", output="p")
    assert one.values.shape == (1, 3) and one.output_names == ["p"]
    # leave-one-out by hand for class "p" (index 2 of classes_ m, n, p)
    full = text_pipeline.predict_proba([text])[0, 2]
    drops = text_pipeline.predict_proba(["dull fine", "good fine", "good dull"])[:, 2]
    np.testing.assert_allclose(one.values[0], full - drops, atol=1e-12)
    two = ll.attribute(
        text_pipeline, text, method="shapley", budget=200, random_state=0, output=[1, 2]
    )
    assert two.values.shape == (2, 3) and two.output_names == ["n", "p"]


def test_image_cnn_outputs_follow_the_same_rule_and_output_2_runs_one_targets_passes():
    net, counter = cnn_with_counter(k=5)
    img = np.random.default_rng(1).random((3, 8, 8)).astype(np.float32)
    every = ll.attribute(net, img, method="integrated_gradients", n_steps=8, batch_size=8)
    passes_every = counter.n
    assert every.values.shape == (5, 8, 8) and len(every.output_names) == 5
    counter.n = 0
    one = ll.attribute(net, img, method="integrated_gradients", n_steps=8, batch_size=8, output=2)
    assert one.values.shape == (1, 8, 8) and one.output_names == ["class 2"]
    assert counter.n == 1 and passes_every == 5  # one batch of steps: one backward a target
    np.testing.assert_allclose(one.values[0], every.values[2], atol=1e-6)
    captum_attr = pytest.importorskip("captum.attr")
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(img)[None]
    sal = captum_attr.Saliency(net).attribute(x, target=2, abs=True).detach().numpy()[0]
    counter.n = 0
    mine = ll.attribute(net, img, method="saliency", output=[2])
    assert counter.n == 1
    np.testing.assert_allclose(mine.values[0], sal.sum(axis=0), atol=1e-6)


def test_many_outputs_compute_the_top_five_for_tables_and_text():
    w = np.arange(12.0)
    f = lambda B: B[:, :1] * w[None, :]  # noqa: E731 - twelve outputs, ranked by w at x=1
    e = ll.attribute(f, np.ones(2), background=np.zeros((3, 2)), method="exact")
    assert e.output_names == [f"output {i}" for i in (11, 10, 9, 8, 7)]
    np.testing.assert_allclose(e.values[:, 0], [11, 10, 9, 8, 7])
    g = lambda xs: np.array([[len(s) * c for c in w] for s in xs])  # noqa: E731
    t = ll.attribute(g, "ab cd", method="occlusion")
    assert t.values.shape == (5, 2) and t.output_names == ["11", "10", "9", "8", "7"]


def test_outputs_is_a_deprecated_alias_of_output():
    net, _ = cnn_with_counter(k=3)
    img = np.random.default_rng(2).random((3, 8, 8)).astype(np.float32)
    with pytest.warns(DeprecationWarning, match="outputs= is deprecated"):
        old = ll.attribute(net, img, method="saliency", outputs=[1])
    new = ll.attribute(net, img, method="saliency", output=[1])
    np.testing.assert_array_equal(old.values, new.values)


def test_the_widget_switcher_lists_what_was_computed(classifier, text_pipeline):
    X, model = classifier
    w = ll.explain(model, X[3], background=X[:12], method="exact", output=[2, 0])
    e = w.wait()
    assert w._meta["output_names"] == e.output_names == ["2", "0"]
    net, _ = cnn_with_counter(k=5)
    img = np.random.default_rng(1).random((3, 8, 8)).astype(np.float32)
    w = ll.explain(net, img, method="saliency", output=3)
    w.wait()
    assert w._meta["output_names"] == ["class 3"]
    w = ll.explain(text_pipeline, "good dull", method="occlusion", output="n")
    w.wait()
    assert w._meta["output_names"] == ["n"]


def test_torch_text_output_runs_only_its_backward_passes():
    torch = pytest.importorskip("torch")
    from test_text_torch import WordPieceTokenizer

    counter = CountBackward()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.emb = torch.nn.Embedding(64, 8)
            self.out = torch.nn.Linear(8, 4)

        def forward(self, ids):
            return self.out(torch.tanh(counter.layer(self.emb(ids))).mean(1))

    net, tok = Net().eval(), WordPieceTokenizer()
    text = "a fine day out"
    every = ll.attribute(net, text, tokenizer=tok, method="ig", n_steps=8, batch_size=8)
    passes_every, counter.n = counter.n, 0
    one = ll.attribute(net, text, tokenizer=tok, method="ig", n_steps=8, batch_size=8, output=1)
    assert every.values.shape == (4, 4) and one.values.shape == (1, 4)
    assert one.output_names == [every.output_names[1]]
    assert passes_every == 4 and counter.n == 1  # one batch of steps: one pass an output
    np.testing.assert_allclose(one.values[0], every.values[1], atol=1e-6)
