"""Image explainers against captum on the same small network, and against planted truth."""

import numpy as np
import pytest

import limelight as ll
from limelight.api import plan

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")


def small_cnn(in_ch=3, k=4, seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(in_ch, 6, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.Conv2d(6, 8, 3, padding=1),
        torch.nn.Softplus(),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 16, k),
    )
    return net.eval()


@pytest.fixture(scope="module")
def net_and_image():
    net = small_cnn()
    img = np.random.default_rng(1).random((3, 16, 16)).astype(np.float32)
    return net, img


def test_integrated_gradients_match_captum_per_channel_and_are_complete(net_and_image):
    net, img = net_and_image
    e = ll.attribute(net, img, method="integrated_gradients", n_steps=50)
    ig = captum_attr.IntegratedGradients(net)
    x = torch.from_numpy(img)[None]
    for i, t in enumerate(e.params["targets"]):
        ref = ig.attribute(x, baselines=0.0, target=t, n_steps=50).detach().numpy()[0]
        np.testing.assert_allclose(e.extras["channels"][i], ref, atol=1e-5, rtol=0)
        np.testing.assert_allclose(e.values[i], ref.sum(axis=0), atol=1e-5, rtol=0)
    # completeness: the map adds up to f(x) - f(0)
    with torch.no_grad():
        gap = (net(x) - net(torch.zeros_like(x)))[0].numpy()
    np.testing.assert_allclose(e.values.sum(axis=(1, 2)), gap, atol=2e-3)
    np.testing.assert_allclose(e.prediction - e.base_values, gap, atol=1e-5)


def test_integrated_gradients_stream_refines_to_the_final_map(net_and_image):
    net, img = net_and_image
    p = plan(net, img, method="ig", n_steps=40, batch_size=10, outputs=[2])
    p.explainer.partial_seconds = 0  # a partial after every batch, however fast
    parts = list(p.stream())
    assert [q.done for q in parts] == [False, False, False, True]
    assert [q.n_evals for q in parts] == [12, 22, 32, 42]
    errs = [float(np.abs(q.values - parts[-1].values).max()) for q in parts[:-1]]
    assert errs[-1] < errs[0]
    # paced (the default): a fast model gets the first partial and the last, same answer
    paced = list(plan(net, img, method="ig", n_steps=40, batch_size=10, outputs=[2]).stream())
    assert 2 <= len(paced) <= 4 and paced[-1].done and not paced[0].done
    np.testing.assert_array_equal(paced[-1].values, parts[-1].values)


def test_saliency_and_gradient_x_input_match_captum(net_and_image):
    net, img = net_and_image
    x = torch.from_numpy(img)[None]
    sal = ll.attribute(net, img, method="saliency", outputs=[1, 3])
    gxi = ll.attribute(net, img, method="gradient_x_input", outputs=[1, 3])
    for i, t in enumerate([1, 3]):
        ref = captum_attr.Saliency(net).attribute(x, target=t).detach().numpy()[0]
        np.testing.assert_allclose(sal.extras["channels"][i], ref, atol=1e-6)
        ref = captum_attr.InputXGradient(net).attribute(x, target=t).detach().numpy()[0]
        np.testing.assert_allclose(gxi.extras["channels"][i], ref, atol=1e-6)
        np.testing.assert_allclose(gxi.values[i], ref.sum(0), atol=1e-6)


def test_smoothgrad_with_no_noise_is_saliency_and_noise_is_seeded(net_and_image):
    net, img = net_and_image
    x = torch.from_numpy(img)[None]
    flat = ll.attribute(net, img, method="smoothgrad", noise=0.0, n_samples=4, outputs=[0])
    ref = captum_attr.Saliency(net).attribute(x, target=0).detach().numpy()[0].sum(0)
    np.testing.assert_allclose(flat.values[0], ref, atol=1e-6)
    a = ll.attribute(net, img, method="smoothgrad", n_samples=6, random_state=3, outputs=[0])
    b = ll.attribute(net, img, method="smoothgrad", n_samples=6, random_state=3, outputs=[0])
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, flat.values)
    assert a.stderr.shape == a.values.shape and np.all(a.stderr >= 0)


def test_smoothgrad_mean_matches_captum_noise_tunnel_in_expectation(net_and_image):
    net, img = net_and_image
    x = torch.from_numpy(img)[None]
    sd = 0.1
    torch.manual_seed(0)
    nt = captum_attr.NoiseTunnel(captum_attr.Saliency(net))
    ref = nt.attribute(x, nt_type="smoothgrad", nt_samples=400, stdevs=sd, target=1)
    ours = ll.attribute(
        net,
        img,
        method="smoothgrad",
        n_samples=400,
        outputs=[1],
        random_state=0,
        noise=sd / float(img.max() - img.min()),
    )
    ref = ref.detach().numpy()[0].sum(0)
    # two independent Monte Carlo estimates: agree within a few standard errors
    assert np.abs(ours.values[0] - ref).max() < 5 * ours.stderr[0].max() * np.sqrt(2)
    assert np.corrcoef(ours.values[0].ravel(), ref.ravel())[0, 1] > 0.98


def test_gradcam_matches_captum_layer_gradcam(net_and_image):
    net, img = net_and_image
    x = torch.from_numpy(img)[None]
    e = ll.attribute(net, img, method="gradcam", layer="2", outputs=[0, 2])
    for i, t in enumerate([0, 2]):
        cam = captum_attr.LayerGradCam(net, net[2]).attribute(x, target=t, relu_attributions=True)
        up = captum_attr.LayerAttribution.interpolate(cam, (16, 16), interpolate_mode="bilinear")
        np.testing.assert_allclose(e.values[i], up.detach().numpy()[0, 0], atol=1e-6)


@pytest.mark.parametrize("window,stride", [(4, 2), (5, 3), ((3, 6), (2, 4))])
def test_occlusion_matches_captum(net_and_image, window, stride):
    net, img = net_and_image
    x = torch.from_numpy(img)[None]
    e = ll.attribute(net, img, method="occlusion", window=window, stride=stride, batch_size=7)
    wh, ww = (window, window) if np.isscalar(window) else window
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    occ = captum_attr.Occlusion(net)
    for t in range(4):
        ref = occ.attribute(
            x,
            sliding_window_shapes=(3, wh, ww),
            strides=(3, sh, sw),
            baselines=0,
            target=t,
            perturbations_per_eval=16,
        )
        ref = np.nan_to_num(ref.detach().numpy()[0])
        for c in range(3):  # the window spans channels: every channel has the pixel's value
            np.testing.assert_allclose(e.values[t], ref[c], atol=1e-5)


def test_occlusion_finds_a_planted_patch():
    # a detector for one 4x4 pattern; the pattern is planted at rows 9..12, cols 3..6
    rng = np.random.default_rng(0)
    pattern = rng.choice([-1.0, 1.0], size=(4, 4)).astype(np.float32)
    conv = torch.nn.Conv2d(1, 1, 4, bias=False)
    with torch.no_grad():
        conv.weight[:] = torch.from_numpy(pattern)[None, None]
    net = torch.nn.Sequential(
        conv, torch.nn.ReLU(), torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten()
    ).eval()
    img = (0.2 * rng.standard_normal((1, 20, 20))).astype(np.float32)
    img[0, 9:13, 3:7] = pattern
    e = ll.attribute(net, img, method="occlusion", window=3, stride=1)
    top = np.argwhere(e.values[0] >= np.percentile(e.values[0], 97))
    assert np.all((top[:, 0] >= 9) & (top[:, 0] < 13) & (top[:, 1] >= 3) & (top[:, 1] < 7))
    assert e.done and e.n_evals == 18 * 18 + 2 and e.params["budget"] == e.n_evals


def test_occlusion_streams_partials_and_counts_every_row(net_and_image):
    net, img = net_and_image
    p = plan(net, img, method="occlusion", window=4, stride=4, batch_size=5)
    p.explainer.partial_seconds = 0
    parts = list(p.stream())
    assert len(parts) == 4 and not any(q.done for q in parts[:-1]) and parts[-1].done
    assert parts[-1].n_evals == 16 + 2 == p.model.rows


def test_callable_model_occlusion_on_hwc_uint8_keeps_its_layout():
    seen = []

    def predict(batch):
        seen.append(batch.shape)
        return batch[:, :4, :4, 0].mean(axis=(1, 2)) / 255.0

    img = np.zeros((12, 12, 3), dtype=np.uint8)
    img[:4, :4, 0] = 255
    e = ll.attribute(predict, img, method="occlusion", window=4, stride=4)
    assert all(s[1:] == (12, 12, 3) for s in seen)
    assert e.values.shape == (1, 12, 12)
    assert e.values[0, 0, 0] == pytest.approx(1.0) and np.all(e.values[0, 4:, 4:] == 0)
    assert e.data is not img and np.array_equal(e.data, img)
