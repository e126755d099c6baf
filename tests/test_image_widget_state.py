"""What the image view receives: an RGBA uint8 picture and float32 maps as buffers."""

import numpy as np
import pytest

import limelight as ll
from limelight.encoders.image import encode, picture_rgba
from limelight.errors import InputError
from limelight.explanation import Explanation


def image_exp(data, values=None, **kw):
    values = np.zeros((2, 4, 4)) if values is None else values
    return Explanation(
        values=values,
        base_values=[0, 0],
        prediction=[0.3, 0.7],
        output_names=["a", "b"],
        data=data,
        modality="image",
        **kw,
    )


def test_pictures_of_every_kind_become_rgba_bytes():
    gray = np.arange(16, dtype=np.uint8).reshape(4, 4)
    out = picture_rgba(gray)
    assert out.shape == (4, 4, 4) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], gray) and np.all(out[..., 3] == 255)
    unit = np.full((2, 2, 3), 0.5)
    assert np.all(picture_rgba(unit)[..., :3] == 128)
    normalised = np.array([[-2.0, 0.0], [1.0, 2.0]])  # e.g. a standardised tensor
    assert picture_rgba(normalised)[..., 0].tolist() == [[0, 128], [191, 255]]
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 3] = 7
    assert np.all(picture_rgba(rgba)[..., 3] == 7)
    assert np.array_equal(picture_rgba(np.full((2, 2, 1), 200.0))[..., 1], np.full((2, 2), 200))


def test_encode_sends_float32_maps_and_the_predicted_class():
    values = np.random.default_rng(0).standard_normal((2, 4, 4))
    values[0, 0, 0] = np.nan
    meta, arrays = encode(image_exp(np.zeros((8, 8, 3), np.uint8), values, method="occlusion"))
    assert arrays["values"].dtype == np.float32 and arrays["values"].shape == (2, 4, 4)
    assert arrays["values"][0, 0, 0] == 0.0  # NaN never reaches the canvas
    np.testing.assert_allclose(arrays["values"][1], values[1], rtol=1e-6)
    assert meta["predicted"] == 1 and meta["output_names"] == ["a", "b"]
    assert meta["map_shape"] == [4, 4] and meta["picture_shape"] == [8, 8]


def test_a_real_explanation_round_trips_to_the_view_state():
    img = np.random.default_rng(1).random((6, 6)).astype(np.float32)
    e = ll.attribute(lambda b: b.reshape(len(b), -1)[:, :3], img, method="occlusion", window=2)
    meta, arrays = encode(e)
    assert meta["budget"] == e.params["budget"] == e.n_evals and meta["done"]
    np.testing.assert_allclose(arrays["values"], e.values.astype(np.float32))


def test_non_image_explanations_are_refused_with_a_fix():
    tab = Explanation(values=[[1.0]], base_values=[0], prediction=[1], output_names=["y"])
    with pytest.raises(InputError, match="image view"):
        encode(tab)
