"""Keras 3 models (torch backend): recognised before scikit-learn's duck typing, tabular
rows against brute-force Shapley values and captum, a channels-last CNN against the same
network written in torch (Grad-CAM, integrated gradients, occlusion), no progress bars."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported (no tensorflow)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from references import brute_force_shapley  # noqa: E402

import limelight as ll  # noqa: E402
from limelight.errors import MethodError  # noqa: E402

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
captum_attr = pytest.importorskip("captum.attr")
if keras.backend.backend() != "torch":  # pragma: no cover - keras loaded elsewhere first
    pytest.skip("these tests need KERAS_BACKEND=torch", allow_module_level=True)


@pytest.fixture(scope="module")
def mlp():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(2),
        ]
    )


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    return rng.normal(size=(30, 4)), rng.normal(size=4)


def test_keras_rows_give_exact_shapley_values_without_printing(mlp, rows, capfd):
    bg, x = rows
    e = ll.attribute(mlp, x, background=bg, method="exact")
    f = lambda r: np.asarray(mlp.predict_on_batch(r.astype(np.float32)), dtype=float)  # noqa: E731
    np.testing.assert_allclose(e.values, brute_force_shapley(f, x, bg), rtol=1e-5, atol=1e-6)
    out, err = capfd.readouterr()
    assert "━" not in out + err and "step" not in out  # no Keras progress bar


def test_keras_rows_integrated_gradients_match_captum(mlp, rows):
    bg, x = rows
    e = ll.attribute(mlp, x, background=bg, method="integrated_gradients", n_steps=50)
    ig = captum_attr.IntegratedGradients(lambda t: mlp(t, training=False))
    xt = torch.as_tensor(x[None], dtype=torch.float32)
    base = torch.as_tensor(bg.mean(axis=0)[None], dtype=torch.float32)
    for t in range(2):
        ref = ig.attribute(xt, baselines=base, target=t, n_steps=50)[0].detach().numpy()
        np.testing.assert_allclose(e.values[t], ref, rtol=1e-4, atol=1e-6)


@pytest.fixture(scope="module")
def twins():
    """One CNN twice: in Keras (channels-last) and in torch (channels-first), same weights."""
    keras.utils.set_random_seed(1)
    km = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, padding="same", name="conv"),  # Grad-CAM reads it
            keras.layers.ReLU(),  # (as the torch twin's Conv2d, before its ReLU)
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3),
        ]
    )
    conv, dense = km.get_layer("conv"), km.layers[-1]
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
    )
    k, b = (np.asarray(w) for w in conv.get_weights())
    dk, db = (np.asarray(w) for w in dense.get_weights())
    with torch.no_grad():
        tm[0].weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1)))
        tm[0].bias.copy_(torch.from_numpy(b))
        tm[4].weight.copy_(torch.from_numpy(dk.T))
        tm[4].bias.copy_(torch.from_numpy(db))
    img = np.random.default_rng(2).random((8, 8)).astype(np.float32)
    return km, tm, img


@pytest.mark.parametrize("method", ["gradcam", "integrated_gradients", "occlusion", "saliency"])
def test_a_channels_last_keras_cnn_explains_like_its_torch_twin(twins, method):
    km, tm, img = twins
    got = ll.attribute(km, img, method=method)
    want = ll.attribute(tm, img, method=method)
    np.testing.assert_allclose(got.prediction, want.prediction, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.values, want.values, rtol=1e-4, atol=1e-6)


def test_gradcam_finds_the_keras_conv_layer_by_name(twins):
    km, _, img = twins
    e = ll.attribute(km, img, method="gradcam", layer="conv")
    assert e.values.shape == (3, 8, 8)
    with pytest.raises(ll.errors.InputError, match="no layer named"):
        ll.attribute(km, img, method="gradcam", layer="nope")


def test_other_backends_get_the_perturbation_methods(twins, monkeypatch):
    import limelight.models.keras as lk

    km, _, img = twins
    want = ll.attribute(km, img, method="occlusion")
    monkeypatch.setattr(lk, "keras_backend", lambda: "jax")  # the predict_on_batch path
    got = ll.attribute(km, img, method="occlusion")
    np.testing.assert_allclose(got.values, want.values, rtol=1e-5, atol=1e-6)
    with pytest.raises(MethodError):
        ll.attribute(km, img, method="integrated_gradients")
