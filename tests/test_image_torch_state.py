"""Torch image models are given back as they were (training flags, requires_grad), and
integrated gradients on images raise their steps until they add up."""

import warnings

import numpy as np
import pytest

import limelight as ll
from limelight.explainers._completeness import CompletenessWarning

torch = pytest.importorskip("torch")


def state(net):
    return [m.training for m in net.modules()], [p.requires_grad for p in net.parameters()]


@pytest.mark.parametrize("method", ["integrated_gradients", "gradcam", "occlusion", "saliency"])
def test_an_image_explanation_leaves_the_module_as_it_was(method):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 36, 2),
    ).train()
    net[1].eval()  # a frozen batch-norm inside a training model keeps its own flag
    net[0].bias.requires_grad_(False)
    before = state(net)
    img = np.random.default_rng(0).random((6, 6)).astype(np.float32)
    e = ll.attribute(net, img, method=method)
    assert state(net) == before
    net.eval()
    with torch.no_grad():  # the scores are eval-mode scores (no dropout)
        want = net(torch.from_numpy(img)[None, None]).numpy()[0]
    np.testing.assert_allclose(e.prediction, want[: len(e.prediction)], rtol=1e-5, atol=1e-6)
    assert all(p.grad is None for p in net.parameters())  # nothing accumulated


class SharpImage(torch.nn.Module):
    """Class 1's logit jumps at half the image's brightness: a saturated model."""

    def forward(self, x):
        z = 80.0 * (x.mean(dim=(1, 2, 3)) - 0.25)
        return torch.stack([torch.zeros_like(z), z], dim=1).softmax(dim=1)


def test_image_integrated_gradients_raise_their_steps_until_complete():
    img = np.full((6, 6), 0.5, dtype=np.float32)
    e = ll.attribute(SharpImage(), img, method="integrated_gradients", n_steps=4)
    gap = np.abs(e.prediction - e.base_values)
    assert gap.max() > 0.9
    assert e.params["n_steps"] > 4
    assert np.all(e.extras["completeness_error"] <= 0.01 * gap + 1e-6)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        short = ll.attribute(SharpImage(), img, method="integrated_gradients", n_steps=4,
                             max_steps=8)  # fmt: skip
    assert np.any(short.extras["completeness_error"] > 0.01 * gap)
    assert any(issubclass(w.category, CompletenessWarning) for w in seen)
    assert "after 8 steps" in short.params["completeness_note"]
    from limelight.encoders.image import encode

    assert encode(short)[0]["notes"] == [short.params["completeness_note"]]  # the view shows it
    assert encode(e)[0]["notes"] == []
