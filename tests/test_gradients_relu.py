"""Integrated gradients on a ReLU net, whose path integral converges slowly: the steps
are refined until the map adds up to f(x) - f(0) within 1%, and the map is captum's at
the same Gauss-Legendre nodes."""

import warnings

import numpy as np
import pytest

import limelight as ll

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")


def relu_cnn():
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 64, 64), nn.ReLU(), nn.Linear(64, 10),
    ).eval()  # fmt: skip


def test_relu_integrated_gradients_add_up_and_match_captum_at_their_nodes():
    net = relu_cnn()
    img = np.random.default_rng(2).random((3, 32, 32)).astype(np.float32)
    x = torch.from_numpy(img)[None]
    with torch.no_grad():
        t = int(net(x).argmax(1))
        gap = float(net(x)[0, t] - net(torch.zeros_like(x))[0, t])
    ig = captum_attr.IntegratedGradients(net)
    coarse = ig.attribute(x, baselines=0.0, target=t, n_steps=50).detach().numpy()[0]
    assert abs(coarse.sum() - gap) > 0.01 * abs(gap)  # 50 steps miss: a real refinement

    e = ll.attribute(net, img, method="integrated_gradients", output=t)
    steps = e.params["n_steps"]
    assert steps > 50
    assert abs(e.values[0].sum() - gap) <= 0.01 * abs(gap) + 1e-6
    # the refinement is a fresh Gauss-Legendre run on `steps` nodes: captum's
    ref = ig.attribute(x, baselines=0.0, target=t, n_steps=steps).detach().numpy()[0]
    np.testing.assert_allclose(e.extras["channels"][0], ref, atol=1e-5, rtol=0)


def test_integrated_gradients_at_50_steps_are_captums_gauss_legendre():
    net = relu_cnn()
    img = np.random.default_rng(3).random((3, 32, 32)).astype(np.float32) * 0.1
    x = torch.from_numpy(img)[None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 50 steps may miss 1%: the values are still captum's
        e = ll.attribute(net, img, method="integrated_gradients", output=0, max_steps=50)
    assert e.params["n_steps"] == 50
    ref = captum_attr.IntegratedGradients(net).attribute(x, baselines=0.0, target=0, n_steps=50)
    np.testing.assert_allclose(e.extras["channels"][0], ref.detach().numpy()[0], atol=1e-5)
