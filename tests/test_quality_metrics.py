"""The standard quality metrics on ``e.quality``, against closed forms: a linear model's
exact Shapley values (faithfulness correlation 1, max-sensitivity within its analytic
bound), the Gini index and entropy of known vectors, the randomisation check on a
trained torch net and on an explanation that ignores the model, and seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError, MethodError
from limelight.quality import Players
from limelight.quality.metrics import complexity, faithfulness_correlation, sparseness

W = np.array([1.0, -2.0, 0.5, 0.0, 3.0, 1.5])


@pytest.fixture(scope="module")
def linear():
    X = np.random.default_rng(0).normal(size=(60, len(W))) * [1, 2, 0.5, 1, 3, 1]
    f = lambda B: B @ W  # noqa: E731
    return f, X


def test_nothing_is_computed_by_attribute_itself(linear):
    f, X = linear
    e = ll.attribute(f, X[0], background=X)
    assert e.quality.metrics == {}  # each metric runs when first read
    assert e.quality.sparseness.value is not None
    assert set(e.quality.metrics) == {"sparseness"}


def test_faithfulness_correlation_is_one_for_exact_shapley_of_a_linear_model(linear):
    # the drop when S takes the background is sum_{j in S} w_j (x_j - mean_j) = sum phi[S]
    f, X = linear
    e = ll.attribute(f, X[0], background=X, method="exact")
    m = e.quality.faithfulness_correlation
    assert m.value == pytest.approx(1.0, abs=1e-12)
    assert m.params["subset_size"] == 1 and m.params["n_subsets"] == 100
    assert "background" in m.params["baseline"] and m.params["seed"] == 0
    m3 = e.quality.metric("faithfulness_correlation", subset_size=3, n_subsets=40, seed=1)
    assert m3.value == pytest.approx(1.0, abs=1e-12) and m3.params["subset_size"] == 3


def test_faithfulness_correlation_falls_for_a_wrong_ranking():
    phi = np.array([4.0, 3.0, 2.0, 1.0, 0.5])
    drop_of = lambda keep: (keep * phi).sum(axis=1)  # noqa: E731 - f = sum of the players kept
    right = faithfulness_correlation(Players(phi, drop_of), subset_size=2, n_subsets=200)
    wrong = faithfulness_correlation(Players(phi[::-1].copy(), drop_of), subset_size=2)
    assert right.value == pytest.approx(1.0)
    assert wrong.value < 0  # reversed scores: large sums where the drop is small


@pytest.mark.parametrize("norm, scale", [("l2", None), ("linf", "std")])
def test_max_sensitivity_of_a_linear_model_is_within_its_analytic_bound(linear, norm, scale):
    # phi(x) = w * (x - mean): phi(x + d) - phi(x) = w * d with |d_j| <= r s_j, so the
    # ratio is at most r ||w * s|| / ||phi(x)||, reached at the ball's corners
    f, X = linear
    e = ll.attribute(f, X[3], background=X, method="exact")
    before = e.values.copy()
    r = 0.2
    m = e.quality.metric("max_sensitivity", radius=r, samples=40, norm=norm, scale=scale)
    s = np.ones(len(W)) if scale is None else X.std(axis=0)
    size = np.linalg.norm if norm == "l2" else (lambda v: np.abs(v).max())
    bound = r * size(W * s) / size(e.values[0])
    assert 0.5 * bound < m.value <= bound * (1 + 1e-9)
    assert m.params == {**m.params, "radius": r, "samples": 40, "norm": norm, "seed": 0}
    np.testing.assert_array_equal(e.values, before)  # the explanation itself is untouched


def test_gini_and_entropy_of_known_vectors(linear):
    d = 7
    assert sparseness(np.eye(d)[2]).value == pytest.approx(1 - 1 / d)
    assert sparseness(np.full(d, -0.3)).value == pytest.approx(0.0, abs=1e-12)
    assert complexity(np.eye(d)[2]).value == pytest.approx(0.0)
    assert complexity(np.full(d, 2.0)).value == pytest.approx(np.log(d))
    f, X = linear
    e = ll.attribute(f, X[0], background=X)
    a = np.abs(e.values[0])  # Gini as the mean absolute difference over 2 * mean
    gini = np.abs(a[:, None] - a[None, :]).sum() / (2 * len(a) ** 2 * a.mean())
    assert e.quality.sparseness.value == pytest.approx(gini)
    assert sparseness(np.zeros(3)).value is None


def test_stability_of_exact_methods_is_perfect_and_of_sampling_grows_with_budget():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 14))

    def f(B):  # far from additive: a sampled estimate varies with its seed
        return np.sin(2 * B[:, :7].sum(1)) * np.cos(B[:, 7:].sum(1)) + B[:, 0] * B[:, 1] * B[:, 2]

    exact = ll.attribute(lambda B: B[:, :6] @ W, X[0, :6], background=X[:, :6])
    m = exact.quality.stability
    assert m.value == 1.0 and m.detail["max_abs_diff"] == 0.0 and m.params["seeds"] is None
    small = ll.attribute(f, X[0], background=X, method="kernel", max_evals=60, random_state=3)
    large = ll.attribute(f, X[0], background=X, method="kernel", max_evals=3000, random_state=3)
    s_small = small.quality.metric("stability", seeds=4)
    s_large = large.quality.metric("stability", seeds=4)
    assert s_small.params["seeds"] == [3, 4, 5, 6]
    assert s_small.detail["max_abs_diff"] > 0
    assert s_large.detail["max_abs_diff"] < s_small.detail["max_abs_diff"]
    assert s_large.value > 0.9 > s_small.value


@pytest.fixture(scope="module")
def torch_net():
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    d = 16
    X = torch.randn(400, d, generator=g)
    y = (X[:, :4] @ torch.tensor([2.0, -1.5, 1.0, 0.5]) + (X[:, 4] * X[:, 5])).unsqueeze(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(d, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16), torch.nn.Tanh(),
        torch.nn.Linear(16, 1),
    )  # fmt: skip
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for layer in net:
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(X), y).backward()
        opt.step()
    return net, X.numpy().astype(float)


def test_gradient_explanation_passes_randomisation_and_the_input_itself_fails(torch_net):
    import torch

    from limelight.api import plan
    from limelight.explainers import IntegratedGradients

    class InputItself(IntegratedGradients):
        """An 'explanation' that ignores the model: the row's own values."""

        def stream(self, model, instance):
            for e in super().stream(model, instance):
                x = np.asarray(instance.x, float)
                yield e.with_(values=np.tile(x, (e.n_outputs, 1)))

    net, X = torch_net
    weights = {k: v.clone() for k, v in net.state_dict().items()}
    rng_state = torch.random.get_rng_state()
    real = ll.attribute(net, X[0], background=X[:50], method="integrated_gradients")
    m = real.quality.randomisation
    assert m.detail["layers"] == ["4", "2", "0"]  # from the top, cumulatively
    assert m.passed and m.value < 0.5
    p = plan(net, X[0], background=X[:50], method="integrated_gradients")
    p.explainer = InputItself()  # not a registered method: set on the plan directly
    fake = p.run()
    f = fake.quality.randomisation
    assert f.value == pytest.approx(1.0) and f.passed is False
    assert f.detail["correlations"] == pytest.approx([1.0, 1.0, 1.0])
    # the user's module and torch's global generator are as they were
    for k, v in net.state_dict().items():
        assert torch.equal(v, weights[k])
    assert torch.equal(torch.random.get_rng_state(), rng_state)


def test_metrics_go_to_json_with_their_params_and_load_back(linear, tmp_path):
    f, X = linear
    e = ll.attribute(f, X[0], background=X)
    e.quality.metric("max_sensitivity", radius=0.05, samples=5)
    saved = json.loads(e.to_json())["quality"]["metrics"]
    assert saved["max_sensitivity"]["params"]["radius"] == 0.05
    assert saved["sparseness"]["value"] == pytest.approx(e.quality.sparseness.value)
    path = tmp_path / "e.json"
    e.save(path)
    back = ll.load(path).quality.metrics["max_sensitivity"]
    assert back.value == pytest.approx(e.quality.max_sensitivity.value)
    assert back.params["samples"] == 5


def test_a_metric_that_does_not_apply_says_why(linear):
    f, X = linear
    e = ll.attribute(f, X[0], background=X)
    m = e.quality.randomisation
    assert m.value is None and "torch" in m.note
    with pytest.raises(MethodError, match="torch"):
        e.quality.metric("randomisation")
    with pytest.raises(InputError, match="norm"):
        e.quality.metric("max_sensitivity", norm="l3")
    with pytest.raises(InputError, match="no quality metric"):
        e.quality.metric("beauty")


def test_the_pictures_show_the_metrics_read_with_their_parameters(linear):
    import xml.etree.ElementTree as ET

    from limelight.export import to_svg

    f, X = linear
    e = ll.attribute(f, X[0], background=X)
    assert "max-sensitivity" not in to_svg(e)  # not read: not computed, not shown
    m = e.quality.metric("max_sensitivity", radius=0.05, samples=4)
    root = ET.fromstring(to_svg(e))
    shown = " ".join((el.text or "") for el in root.iter() if el.tag.endswith(("text", "tspan")))
    assert f"max-sensitivity {m.value:.2g} (radius 0.05, samples 4, norm l2)" in shown


def test_the_old_module_path_is_the_moved_module_and_warns():
    import importlib
    import sys

    sys.modules.pop("limelight.quality_metrics", None)
    with pytest.warns(DeprecationWarning, match="limelight.quality.metrics"):
        old = importlib.import_module("limelight.quality_metrics")
    assert old.sparseness is sparseness and old.NAMES[0] == "faithfulness_correlation"
