"""Saved explanations: standard JSON (no bare NaN), and damaged or hostile files give a
SchemaError naming the problem instead of a traceback or a wrong picture."""

import json

import numpy as np
import pytest

import limelight as ll
from limelight.errors import SchemaError
from limelight.explanation import Explanation


def tabular():
    return Explanation(
        values=[[0.5, -0.25, 1.0]],
        base_values=[1.0],
        prediction=[2.25],
        output_names=["y"],
        feature_names=["a", "b", "c"],
        stderr=[[0.1, np.nan, np.inf]],
        data=np.array([1.0, 2.0, 3.0]),
    )


def test_json_is_standard_and_round_trips_missing_numbers(tmp_path):
    path = ll.save(tabular(), tmp_path / "e.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}"))
    back = ll.load(path)
    np.testing.assert_array_equal(back.values, tabular().values)
    assert back.stderr[0, 0] == 0.1 and np.isnan(back.stderr[0, 1:]).all()


def damaged(**changes):
    d = tabular().to_dict()
    d.update(changes)
    return d


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"values": [[0.5, "x", 1.0]]}, "'values' is not an array of numbers"),
        ({"values": [[0.5], [1.0, 2.0]]}, "'values' is not an array of numbers"),
        ({"base_values": [1.0, 2.0]}, "base_values has 2 entries for 1 outputs"),
        ({"output_names": ["y", "z"]}, "2 output names for 1 outputs"),
        ({"feature_names": ["a"]}, "1 feature names for 3 values"),
        ({"stderr": [[0.1]]}, "stderr has shape"),
        ({"values": 3.0}, "values has shape"),
    ],
)
def test_damaged_fields_are_named(tmp_path, changes, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(damaged(**changes)))
    with pytest.raises(SchemaError, match=message.replace("(", r"\(")):
        ll.load(path)


def test_text_spans_outside_the_text_are_refused(tmp_path):
    e = Explanation(
        values=[[1.0, 2.0]],
        base_values=[0.0],
        prediction=[3.0],
        output_names=["p"],
        feature_names=["ab", "cd"],
        data="ab cd",
        spans=[(0, 2), (3, 5)],
        modality="text",
    )
    d = e.to_dict()
    d["spans"] = [[0, 2], [3, 99]]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(d))
    with pytest.raises(SchemaError, match="a span falls outside the text"):
        ll.load(path)


def test_deeply_nested_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SchemaError, match="nested too deeply"):
        ll.load(path)
