"""The scriptless picture every display carries for viewers that run no widgets (nbconvert,
GitHub) is cheap: displaying a chart imports neither altair nor vl-convert, and the bars
are the explanation's numbers (widths proportional to |value|, largest first, names
escaped)."""

import json
import re
import subprocess
import sys

import numpy as np

from limelight.explanation import Explanation
from limelight.export import static_html

DISPLAY = """
import json, sys
import numpy as np
from limelight.explanation import Explanation
e = Explanation(values=[[0.5, -2.0, 0.25]], base_values=[1.0], prediction=[-0.25],
                output_names=["y"], feature_names=["a", "b", "c"], data=np.array([1.0, 2.0, 3.0]))
bundle = e._repr_mimebundle_()
data = bundle[0] if isinstance(bundle, tuple) else bundle
print(json.dumps({"altair": "altair" in sys.modules, "vl_convert": "vl_convert" in sys.modules,
                  "widget": "application/vnd.jupyter.widget-view+json" in data,
                  "html": data["text/html"]}))
"""


def test_displaying_a_chart_imports_neither_altair_nor_vl_convert():
    out = subprocess.run(
        [sys.executable, "-c", DISPLAY], capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["widget"] and not seen["altair"] and not seen["vl_convert"]
    assert 'class="limelight-static"' in seen["html"]


def bars(page):
    """(name, width px, shown value) of each bar row."""
    return [
        (n, int(w), float(v))
        for n, w, v in re.findall(
            r'<tr class="ll-bar"><td[^>]*>(.*?)</td><td><div style="[^"]*width:(\d+)px">'
            r"</div></td><td[^>]*>([^<]*)</td>",
            page,
        )
    ]


def test_the_bars_are_the_values_largest_first_and_names_are_escaped():
    values = np.array([[0.5, -2.0, 0.25, 1.0]])
    e = Explanation(
        values=values,
        base_values=[1.0],
        prediction=[0.75],
        output_names=["y"],
        feature_names=["a", "<img src=x onerror=alert(1)>", "c", "d"],
        data=np.array([1.5, 2.0, 3.0, 4.0]),
    )
    rows = bars(static_html(e))
    assert [r[0] for r in rows] == [
        "&lt;img src=x onerror=alert(1)&gt; = 2",
        "d = 4",
        "a = 1.5",
        "c = 3",
    ]
    # widths proportional to |value| (the largest 220 px), values as the explanation's
    np.testing.assert_allclose([r[1] for r in rows], [220, 110, 55, 27.5], atol=0.5)
    np.testing.assert_allclose([r[2] for r in rows], [-2.0, 1.0, 0.5, 0.25])
    assert "<img" not in static_html(e)


def test_many_features_keep_the_top_twelve_and_sum_the_rest():
    values = np.arange(1.0, 21.0)[None, :]  # 20 features
    e = Explanation(
        values=values,
        base_values=[0.0],
        prediction=[values.sum()],
        output_names=["y"],
        feature_names=[f"f{j}" for j in range(20)],
        modality="importance",
    )
    rows = bars(static_html(e))
    assert [r[0] for r in rows[:12]] == [f"f{j}" for j in range(19, 7, -1)]
    assert rows[12][0] == "8 other features" and rows[12][2] == sum(range(1, 9))
