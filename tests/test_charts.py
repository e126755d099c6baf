"""Chart specs: the JSON the widget ships is what altair builds now (valid Vega-Lite), and
the export charts carry the explanation's numbers."""

import json

import numpy as np

from limelight.encoders import chart_specs, charts
from limelight.explanation import Explanation


def test_shipped_specs_are_current_and_valid():
    built = {
        k: c.to_dict(validate=True)
        for k, c in {
            "bar": charts.bar_chart(),
            "waterfall": charts.waterfall_chart(),
            "importance": charts.importance_chart(),
        }.items()
    }
    shipped = json.loads(charts.SPECS_FILE.read_text())
    assert shipped == json.loads(json.dumps(built)), "run `python -m limelight.encoders.charts`"
    assert chart_specs() == shipped


def test_rows_sort_by_magnitude_and_sum_the_rest():
    e = Explanation(
        values=[np.arange(1, 26, dtype=float) * (-1) ** np.arange(25)],
        base_values=[0.0],
        prediction=[13.0],
        output_names=["y"],
        feature_names=[f"f{i}" for i in range(25)],
        data=np.arange(25.0),
    )
    rows = charts.bar_rows(e, top=20)
    assert [r["feature"] for r in rows[:2]] == ["f24 = 24", "f23 = 23"]
    assert rows[-1]["feature"] == "5 other features"
    assert rows[-1]["value"] == sum(e.values[0, :5])
    w, ends = charts.waterfall_rows(e, top=20)
    assert w[0]["start"] == 0.0 and abs(w[-1]["end"] - 13.0) < 1e-12
    assert [x["x"] for x in ends] == [0.0, 13.0]
