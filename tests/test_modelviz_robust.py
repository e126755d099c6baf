"""The model views on awkward models: nesting past Python's recursion limit, a layer used
twice, a frozen layer, TorchScript, and losses or targets that do not fit the output:
correct numbers (against torch and scikit-learn themselves) or a clear limelight error."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import limelight as ll
from limelight.errors import InputError, ModelError
from limelight.modelviz.layers import histogram

torch = pytest.importorskip("torch")

DEEP = 3000  # past Python's default recursion limit (1000)


def nested(n: int):
    net = torch.nn.Linear(2, 3)
    for _ in range(n):
        net = torch.nn.Sequential(net)
    return net


def test_a_module_nested_past_the_recursion_limit_shows_its_structure_and_weights():
    net = nested(DEEP)
    w = ll.structure(net)
    assert len(w.structure.nodes) == DEEP + 1
    assert w.total_params == w.trainable_params == 2 * 3 + 3
    assert w.structure.nodes[-1].type == "Linear" and w.structure.nodes[-1].depth == DEEP
    layers = ll.layers(net)
    (name,) = layers.histograms
    inner = net
    for _ in range(DEEP):
        inner = inner[0]
    want = np.concatenate([p.detach().numpy().ravel() for p in inner.parameters()])
    np.testing.assert_array_equal(layers.histograms[name][0], histogram(want)[0])
    with pytest.raises(ModelError, match="recursion limit"):  # its own forward cannot run
        ll.structure(net, torch.zeros(1, 2))


def test_a_pipeline_nested_past_the_recursion_limit_shows_every_step():
    pipe = Pipeline([("s", StandardScaler())])
    for _ in range(DEEP):
        pipe = Pipeline([("p", pipe)])
    w = ll.structure(Pipeline([("inner", pipe), ("lr", LogisticRegression())]))
    assert len(w.structure.nodes) == DEEP + 4
    assert [n.type for n in w.structure.nodes[-2:]] == ["StandardScaler", "LogisticRegression"]


def test_a_nested_fitted_pipeline_reads_its_widths_and_counts_as_sklearn_does():
    X = np.random.default_rng(0).normal(size=(40, 3))
    pipe = Pipeline([("s", StandardScaler())])
    for _ in range(60):
        pipe = Pipeline([("p", pipe)])
    model = Pipeline([("inner", pipe), ("lr", LogisticRegression())]).fit(X, X[:, 0] > 0)
    s = ll.structure(model).structure
    top, inner = s.nodes[0], s.nodes[1]
    assert top.facts["n_features_in"] == model.n_features_in_
    assert top.facts["n_classes"] == len(model.classes_)
    assert inner.facts["n_features_out"] == len(pipe.get_feature_names_out())
    assert top.params == model[-1].coef_.size + model[-1].intercept_.size


def test_a_layer_used_twice_is_shown_as_shared_and_counted_once():
    lin = torch.nn.Linear(3, 3)
    block = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU())
    net = torch.nn.Sequential(lin, block, lin, block)
    w = ll.structure(net, torch.zeros(2, 3))
    unique = sum(p.numel() for p in net.parameters())  # torch counts each tensor once
    assert w.total_params == w.structure.nodes[0].params == unique == 24
    frame = w.to_frame().set_index("name")
    assert frame.loc["2", "shared_with"] == "0" and frame.loc["3", "shared_with"] == "1"
    assert frame.loc["3", "parameters"] == 12 and "3.0" not in frame.index  # not walked twice
    assert frame.loc["2", "output_shape"] == (2, 3)
    assert "2 (shared with 0)" in w._svg()
    assert "frozen" not in w._svg()


def user_state(net):
    return (
        [m.training for m in net.modules()],
        [p.requires_grad for p in net.parameters()],
        [p.grad for p in net.parameters()],
        [len(m._forward_hooks) for m in net.modules()],
    )


def test_layers_with_a_frozen_layer_give_the_trainable_layers_gradients_as_torch_does():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Dropout(0.5), torch.nn.Linear(4, 2)
    ).train()
    net[0].requires_grad_(False)  # frozen, as for fine-tuning
    x, y = torch.randn(6, 3), np.array([0, 1, 1, 0, 1, 0])
    before = user_state(net)
    w = ll.layers(net, x, target=y)
    assert user_state(net) == before  # flags, requires_grad, .grad and hooks as they were
    assert set(w.report.gradients) == {"2"}  # no gradients for the frozen layer
    ref = copy.deepcopy(net).eval()  # what a training step would see (eval mode: no dropout)
    torch.nn.functional.cross_entropy(ref(x), torch.as_tensor(y)).backward()
    want = np.concatenate([p.grad.numpy().ravel() for p in ref[2].parameters()])
    counts, edges = w.report.gradients["2"]
    np.testing.assert_array_equal(counts, histogram(want)[0])
    np.testing.assert_allclose(edges, histogram(want)[1], rtol=1e-6)


@pytest.mark.parametrize(
    ("target", "loss", "match"),
    [
        (np.zeros(7, int), None, "one class label in 0..1 per row"),
        (np.full(5, 2), None, "one class label in 0..1 per row"),
        (np.zeros((5, 3)), None, "one number per output"),
        (np.zeros(3), lambda out, t: (out - t).sum(), "the loss raised RuntimeError"),
        (None, lambda out: out.no_such_thing(), "the loss raised AttributeError"),
        (None, lambda out: out * 2, "not a single number"),
    ],
)
def test_a_loss_or_target_that_does_not_fit_the_output_is_refused(target, loss, match):
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with pytest.raises(InputError, match=match):
        ll.layers(net, torch.randn(5, 3), target=target, loss=loss)


@pytest.mark.parametrize("compile_", ["script", "trace"])
def test_a_torchscript_module_shows_its_weights_and_refuses_activations_clearly(compile_):
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    ts = torch.jit.script(net) if compile_ == "script" else torch.jit.trace(net, x)
    s = ll.structure(ts)
    assert s.total_params == sum(p.numel() for p in net.parameters())
    w = ll.layers(ts)
    want = np.concatenate([p.detach().numpy().ravel() for p in net[2].parameters()])
    np.testing.assert_array_equal(w.histograms["2"][0], histogram(want)[0])
    with pytest.raises(InputError, match="TorchScript"):
        ll.layers(ts, x, target=np.zeros(5, int))
    with pytest.raises(InputError, match="TorchScript"):
        ll.structure(ts, x)
