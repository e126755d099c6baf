"""The metrics that run an explanation again (max-sensitivity, stability, randomisation)
on images and texts, not only on table rows: each against an independent reference (the
same explanation asked for through ``ll.attribute`` at the perturbed input; a
deterministic method's runs equal to the bit), and the randomisation check passing for
gradients of a trained CNN while an explanation that ignores the model fails it."""

import numpy as np
import pytest

import limelight as ll
from limelight.errors import MethodError

W = np.random.default_rng(1).normal(size=(8, 8))


def linear_image(batch):
    """A linear score of an 8x8 grey picture: sum of w * pixel."""
    b = np.asarray(batch, float).reshape(len(batch), 8, 8)
    return (b * W).sum(axis=(1, 2))[:, None]


def test_image_max_sensitivity_is_the_largest_change_of_the_explanation_at_nearby_inputs():
    x = np.random.default_rng(2).random((8, 8)).astype(np.float32)  # the model input's type
    e = ll.attribute(linear_image, x, method="occlusion")
    m = e.quality.metric("max_sensitivity", radius=0.05, samples=4, seed=3)
    # the reference: the same perturbations (the metric's definition, its seed), each
    # explained from scratch through the public call
    s = float(x.astype(float).std())
    deltas = np.random.default_rng(3).uniform(-1, 1, size=(4, x.size)) * 0.05 * s
    phi = e.values[0].reshape(-1)
    ratios = []
    for d in deltas:
        moved = ll.attribute(linear_image, x + d.reshape(8, 8), method="occlusion")
        ratios.append(np.linalg.norm(moved.values[0].reshape(-1) - phi) / np.linalg.norm(phi))
    assert m.value == pytest.approx(max(ratios), rel=1e-9)
    assert m.params["radius"] == 0.05 and m.params["samples"] == 4


def test_stability_of_text_and_image_explanations():
    f = lambda ts: np.array([[t.count("good") - 2.0 * t.count("bad")] for t in ts])  # noqa: E731
    text = "a good film with a bad plot and good music"
    det = ll.attribute(f, text, method="occlusion").quality.metric("stability", seeds=3)
    assert det.value == 1.0 and det.detail["max_abs_diff"] == 0.0  # deterministic: equal runs
    # "good" and "bad" act together: sampled permutations differ from seed to seed
    g = lambda ts: np.array([[float("good" in t and "bad" in t) + t.count("music")] for t in ts])  # noqa: E731
    sampled = ll.attribute(g, text, method="shapley", budget=40, random_state=5)
    st = sampled.quality.metric("stability", seeds=3)
    assert st.params["seeds"] == [5, 6, 7] and -1.0 <= st.value < 1.0
    # the other seeds' runs, asked for directly, are the runs the metric compared
    others = [
        ll.attribute(g, text, method="shapley", budget=40, random_state=s).values[0] for s in (6, 7)
    ]
    spread = max(np.abs(a - b).max() for a in [sampled.values[0], *others] for b in others)
    delta = abs(sampled.prediction[0] - sampled.base_values[0])
    assert st.detail["max_abs_diff"] == pytest.approx(spread / delta)
    img = ll.attribute(linear_image, np.random.default_rng(4).random((8, 8)), method="occlusion")
    assert img.quality.metric("stability", seeds=2).value == 1.0


def test_a_text_says_why_it_has_no_max_sensitivity():
    f = lambda ts: np.array([[t.count("good")] for t in ts], float)  # noqa: E731
    e = ll.attribute(f, "good news", method="occlusion")
    assert e.quality.max_sensitivity.value is None
    assert "tokens" in e.quality.max_sensitivity.note
    with pytest.raises(MethodError, match="stability"):
        e.quality.metric("max_sensitivity")


def test_image_randomisation_passes_for_a_trained_cnn_and_fails_for_the_input_itself():
    torch = pytest.importorskip("torch")
    from limelight.api import plan
    from limelight.explainers import Saliency

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 8 * 8, 2),
    )
    X = torch.rand(64, 1, 8, 8)
    y = (X[:, 0, :4].mean((1, 2)) > X[:, 0, 4:].mean((1, 2))).long()
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(X), y).backward()
        opt.step()
    weights = {k: v.clone() for k, v in net.state_dict().items()}
    rng_state = torch.random.get_rng_state()
    x = X[0].numpy()
    real = ll.attribute(net, x, method="saliency", output=1)
    m = real.quality.metric("randomisation")
    assert m.detail["layers"] == ["3", "0"]  # from the top, cumulatively
    assert m.passed and m.value < 0.5

    class InputItself(Saliency):
        """An 'explanation' that ignores the model: the picture's own pixels."""

        def stream(self, model, instance):
            for e in super().stream(model, instance):
                pixels = np.asarray(instance.input, float).reshape(e.values.shape[1:])
                yield e.with_(values=np.broadcast_to(pixels, e.values.shape).copy())

    p = plan(net, x, method="saliency", output=1)
    p.explainer = InputItself()
    fake = p.run().quality.metric("randomisation")
    assert fake.value == pytest.approx(1.0) and fake.passed is False
    for k, v in net.state_dict().items():  # the user's module is as it was
        assert torch.equal(v, weights[k])
    assert torch.equal(torch.random.get_rng_state(), rng_state)
