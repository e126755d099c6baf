"""attribute_many over images with a torch module: the gradients and predictions of
several images go to the module as one batch (many.torch_images), with each image's
numbers those of ll.attribute on it (to float32 rounding), fewer module calls, the
module's training flag left alone, and a failing image failing alone."""

from __future__ import annotations

import numpy as np
import pytest

import limelight as ll

torch = pytest.importorskip("torch")


class Counted(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.5),
            torch.nn.Flatten(),
            torch.nn.Linear(4 * 8 * 8, 3),
        )
        self.counter = [0]  # a shared list: the run calls its own view of the module

    @property
    def calls(self):
        return self.counter[0]

    @calls.setter
    def calls(self, n):
        self.counter[0] = n

    def forward(self, x):
        self.counter[0] += 1
        return self.net(x)


IMGS = np.random.default_rng(0).random((6, 1, 8, 8)).astype(np.float32)


@pytest.mark.parametrize(
    ("method", "opts"),
    [
        ("integrated_gradients", {"n_steps": 16}),
        ("saliency", {}),
        ("gradient_x_input", {}),
        ("smoothgrad", {"n_samples": 8}),
        ("occlusion", {"window": 4, "stride": 4}),
        ("gradcam", {}),
    ],
)
def test_each_image_equals_attribute_with_fewer_module_calls(method, opts):
    net = Counted()  # training mode (dropout on): both paths must evaluate in eval mode
    ex = ll.attribute_many(net, IMGS, method=method, random_state=2, **opts)
    many_calls, net.calls = net.calls, 0
    assert ex.ok.all() and ex.method == method and net.training
    for i in range(len(IMGS)):
        ref = ll.attribute(net, IMGS[i], method=method, random_state=int(ex.seeds[i]), **opts)
        assert ex[i].output_names == ref.output_names
        np.testing.assert_allclose(ex[i].values, ref.values, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(ex[i].prediction, ref.prediction, rtol=1e-6)
    assert net.training
    if method != "gradcam":  # Grad-CAM's layer calls run one at a time
        assert many_calls < net.calls


def test_an_image_the_module_fails_on_fails_alone():
    """The module rejects image 1's interpolations (not the image itself, so planning
    passes): the joint gradient call fails, is retried image by image, and only image 1
    fails; the others equal ll.attribute."""

    class Picky(Counted):
        def forward(self, x):
            v = x[:, 0, 0, 0]
            if ((v > 0.70) & (v < 0.776)).any():
                raise ValueError("cannot read this pixel")
            return super().forward(x)

    imgs = IMGS[:3].copy()
    imgs[:, 0, 0, 0] = [0.1, 0.777, 0.1]
    net = Picky()
    ex = ll.attribute_many(net, imgs, method="integrated_gradients", n_steps=16, max_steps=16)
    assert ex.ok.tolist() == [True, False, True]
    assert "cannot read this pixel" in ex.errors[1]
    for i in (0, 2):
        ref = ll.attribute(net, imgs[i], method="integrated_gradients", n_steps=16, max_steps=16)
        np.testing.assert_allclose(ex[i].values, ref.values, rtol=1e-4, atol=1e-6)
