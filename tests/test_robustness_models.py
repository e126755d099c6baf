"""Models that misbehave on some inputs: NaN for a perturbed text or image is a
ModelError in every modality (never an all-NaN map drawn as 'no importance'), and a torch
module whose output cannot be differentiated names the methods that work instead."""

import numpy as np
import pytest

import limelight as ll
from limelight.errors import MethodError, ModelError


def text_model(docs):
    # NaN once a document loses the word "good": a log of a count, unguarded
    good = np.array([d.count("good") for d in docs], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(good) * np.nan ** (good == 0)
    return np.stack([score, -score], axis=1)


@pytest.mark.parametrize("method", ["occlusion", "shapley", "lime"])
def test_nan_from_a_text_model(method):
    with pytest.raises(ModelError, match="NaN or inf for"):
        ll.attribute(text_model, "a good film with a good cast", method=method, random_state=0)


IMG = np.random.default_rng(0).random((8, 8))


def image_model(batch):
    b = np.asarray(batch, float).reshape(len(batch), -1)
    changed = np.abs(b - IMG.reshape(1, -1)).max(axis=1) > 1e-6
    out = np.where(changed, np.nan, b.sum(axis=1))  # NaN once part of the image is masked
    return np.stack([out, -out], axis=1)


@pytest.mark.parametrize("method", ["occlusion", "shapley", "lime"])
def test_nan_from_an_image_model(method):
    img = IMG
    with pytest.raises(ModelError, match="NaN or inf for"):
        ll.attribute(image_model, img, method=method, random_state=0)


torch = pytest.importorskip("torch")


class Detached(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3 * 8 * 8, 2)

    def forward(self, x):
        return self.lin(x.detach().flatten(1)).detach()  # no gradient reaches the input


class SqrtNet(torch.nn.Module):
    def forward(self, x):
        s = x.flatten(1).sum(1, keepdim=True) - 96.0
        return torch.cat([torch.sqrt(s.abs() * 0), s], dim=1)  # d sqrt(0) = inf


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "smoothgrad"])
def test_a_module_that_cannot_be_differentiated(method):
    img = np.random.default_rng(0).random((3, 8, 8)).astype(np.float32)
    with pytest.raises(MethodError, match="cannot be differentiated.*method='occlusion'"):
        ll.attribute(Detached(), img, method=method)
    # the perturbation method it suggests works on the same module
    assert ll.attribute(Detached(), img, method="occlusion").values.shape[0] == 2


def test_infinite_gradients_are_a_model_error():
    img = np.random.default_rng(0).random((3, 8, 8)).astype(np.float32)
    with pytest.raises(ModelError, match="gradients of NaN or inf"):
        ll.attribute(SqrtNet(), img, method="saliency", output=0)
