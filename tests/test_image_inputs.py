"""Reading pictures (layouts, dtypes, PIL, transform) and the errors bad input gets."""

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError, MethodError, ModelError
from limelight.inputs.image import grid_segments, make_segments, read_image, superpixels

torch = pytest.importorskip("torch")


def rgb_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
    ).eval()


def reference(net, chw):
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(chw, np.float32))[None]).numpy()[0]


@pytest.mark.parametrize("layout", ["HWC", "CHW", "batched CHW", "HWC uint8", "PIL", "tensor"])
def test_every_layout_reaches_the_model_as_the_same_chw_input(layout):
    from PIL import Image

    net = rgb_net()
    u8 = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    chw = np.moveaxis(u8, -1, 0) / 255.0
    x = {
        "HWC": np.moveaxis(chw, 0, -1).astype(np.float32),
        "CHW": chw.astype(np.float32),
        "batched CHW": chw[None].astype(np.float32),
        "HWC uint8": u8,
        "PIL": Image.fromarray(u8),
        "tensor": torch.from_numpy(chw.astype(np.float32)),
    }[layout]
    e = ll.attribute(net, x, method="saliency", output_names=["a", "b", "c"])
    np.testing.assert_allclose(e.prediction, reference(net, chw), atol=1e-5)
    assert e.values.shape == (3, 10, 12) and e.output_names == ["a", "b", "c"]
    assert np.asarray(e.data).shape[:2] == (10, 12)  # the picture, channels last


def test_transform_feeds_the_model_and_the_picture_stays_the_original():
    net = rgb_net()
    u8 = np.random.default_rng(1).integers(0, 256, (9, 9, 3), dtype=np.uint8)
    mean, std = np.array([0.5, 0.4, 0.3]), np.array([0.2, 0.25, 0.3])

    def transform(img):
        return ((np.asarray(img) / 255.0 - mean) / std).transpose(2, 0, 1).astype(np.float32)

    e = ll.attribute(net, u8, transform=transform, method="integrated_gradients", n_steps=8)
    np.testing.assert_allclose(e.prediction, reference(net, transform(u8)), atol=1e-5)
    assert e.data.dtype == np.uint8 and np.array_equal(e.data, u8)


def test_rgba_loses_alpha_for_an_rgb_model_and_gray_is_refused():
    net = rgb_net()
    rgba = np.random.default_rng(2).random((8, 8, 4)).astype(np.float32)
    e = ll.attribute(net, rgba, method="saliency")
    np.testing.assert_allclose(
        e.prediction, reference(net, rgba[..., :3].transpose(2, 0, 1)), atol=1e-5
    )
    assert e.data.shape == (8, 8, 4)
    with pytest.raises(InputError, match=r"1 channel\(s\) but the model expects 3.*RGB"):
        ll.attribute(net, np.zeros((8, 8), np.float32), method="saliency")


def test_bad_images_say_what_is_wrong_and_what_to_do():
    net = rgb_net()
    with pytest.raises(InputError, match=r"1×\d pixels.*at least 2×2"):
        ll.attribute(net, np.zeros((1, 1, 3), np.float32), method="occlusion")
    nan = np.zeros((8, 8, 3), np.float32)
    nan[2, 3, 1] = np.nan
    with pytest.raises(InputError, match="1 NaN.*nan_to_num"):
        ll.attribute(net, nan)
    with pytest.raises(InputError, match="batch of 2 images.*x\\[0\\]"):
        ll.attribute(net, np.zeros((2, 3, 8, 8), np.float32))
    with pytest.raises(InputError, match="no channel axis"):
        ll.attribute(net, np.zeros((8, 8, 7), np.float32))


def test_gradient_method_on_a_numpy_function_names_occlusion():
    def f(batch):
        return batch.reshape(len(batch), -1).mean(axis=1)

    with pytest.raises(MethodError, match="not differentiable|without them") as info:
        ll.attribute(f, np.ones((8, 8, 3), np.float32), method="integrated_gradients")
    assert "occlusion" in str(info.value)
    e = ll.attribute(f, np.ones((8, 8, 3), np.float32))  # auto: occlusion
    assert e.method == "occlusion"


def test_a_model_that_rejects_the_image_fails_at_planning_with_the_shape():
    def f(batch):
        return batch.reshape(len(batch), 28 * 28)  # only takes 28x28

    with pytest.raises(ModelError, match=r"\(8, 8\).*layout"):
        ll.attribute(f, np.zeros((8, 8), np.float32), method="occlusion")


def test_the_users_image_is_never_modified():
    net = rgb_net()
    img = np.random.default_rng(3).random((3, 8, 8)).astype(np.float32)
    before = img.copy()
    for m in ("occlusion", "integrated_gradients", "shapley", "lime", "smoothgrad"):
        ll.attribute(net, img, method=m, budget=40, n_samples=4, random_state=0)
    assert np.array_equal(img, before)


def test_reading_does_not_import_scikit_image_until_superpixels_are_asked_for():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np; from limelight.inputs.image import read_image, "
        "make_segments; i = read_image(np.zeros((8, 8, 3))); make_segments(i, 'grid'); "
        "print('skimage' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_segmentations_cover_the_image():
    g = grid_segments(10, 12, n_segments=12)
    assert g.shape == (10, 12) and set(np.unique(g)) == set(range(g.max() + 1))
    img = np.zeros((24, 24, 3))
    img[:, 12:] = 1.0  # two flat halves: no superpixel straddles the edge
    labels = superpixels(img, n_segments=8)
    assert labels.shape == (24, 24)
    for s in np.unique(labels):
        assert len(np.unique(img[labels == s, 0])) == 1
    inst = read_image(img)
    with pytest.raises(InputError, match="shape \\(24, 24\\)"):
        make_segments(inst, np.zeros((5, 5), int))


def test_gradcam_uses_the_last_conv_by_default_and_names_layers_on_a_typo():
    net = rgb_net()
    img = np.random.default_rng(4).random((3, 8, 8)).astype(np.float32)
    default = ll.attribute(net, img, method="gradcam", outputs=[0])
    named = ll.attribute(net, img, method="gradcam", layer="0", outputs=[0])
    np.testing.assert_array_equal(default.values, named.values)
    with pytest.raises(InputError, match="no layer named 'conv9'.*'0'"):
        ll.attribute(net, img, method="gradcam", layer="conv9")
    flat = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 2))
    with pytest.raises(InputError, match="no Conv2d.*integrated_gradients"):
        ll.attribute(flat, img, method="gradcam")


def test_many_outputs_explain_the_top_five_unless_asked():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 30)).eval()
    img = np.random.default_rng(5).random((3, 4, 4)).astype(np.float32)
    e = ll.attribute(net, img, method="saliency")
    with torch.no_grad():
        scores = net(torch.from_numpy(img)[None])[0].numpy()
    assert e.params["targets"] == list(np.argsort(-scores)[:5])
    assert e.output_names == [f"class {i}" for i in e.params["targets"]]
    e = ll.attribute(net, img, method="saliency", outputs=[3], output=7)
    assert e.params["targets"] == [7, 3] and e.values.shape == (2, 4, 4)
