"""The text view's state: tokens and text as JSON, numbers as typed arrays."""

import json

import numpy as np
import pytest

import limelight as ll
from limelight.encoders.text import encode
from limelight.errors import InputError


def test_encode_keeps_text_tokens_and_numbers_for_the_view():
    text = "Great plot,\nthin <b>acting</b>."
    f = lambda xs: np.array([[s.count("Great"), s.count("thin")] for s in xs], float)
    e = ll.attribute(f, text, method="shapley", budget=200, random_state=0)
    meta, arrays = encode(e)
    json.dumps(meta)  # JSON-safe
    assert meta["text"] == text and meta["tokens"] == e.feature_names
    assert meta["output_names"] == ["0", "1"] and meta["method"] == "shapley"
    assert arrays["values"].dtype == np.float32 and arrays["values"].shape == e.values.shape
    np.testing.assert_allclose(arrays["values"], e.values, rtol=1e-6)
    assert arrays["spans"].dtype == np.int32
    assert [text[s:t] for s, t in arrays["spans"]] == e.feature_names
    assert arrays["stderr"].shape == e.values.shape
    assert meta["scale"] == pytest.approx(np.percentile(np.abs(e.values), 99.5), rel=1e-6)


def test_encode_refuses_a_tabular_explanation():
    e = ll.Explanation(values=[[1.0]], base_values=[0.0], prediction=[1.0], output_names=["y"])
    with pytest.raises(InputError, match="text view"):
        encode(e)
