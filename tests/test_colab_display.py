"""In Google Colab a custom widget draws only when its output names Colab's widget manager
(anywidget puts it in the output's metadata: manzt/anywidget#63). limelight displays its
widgets itself (a display id, a static picture), so it must pass that metadata on, in the
first output and in the one that replaces it when the run ends. Colab's module is stood in
for in a subprocess, with IPython's own shell recording what is published."""

import json
import subprocess
import sys

COLAB = """
import json, sys, types
manager = "https://colab.example/widget-manager.min.js"
colab = types.ModuleType("google.colab.output")
colab.enable_custom_widget_manager = lambda: None
colab._widgets = types.SimpleNamespace(_installed_url=manager)
sys.modules["google.colab.output"] = colab

from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
published = []
shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(
    {"data": sorted(data), "metadata": metadata or {}, "update": kw.get("update", False)})

from limelight.explanation import Explanation
from limelight.widgets import ExplanationWidget
e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
                output_names=["y"], feature_names=["a", "b"], method="exact")
w = ExplanationWidget.from_explanation(e)
shell.user_ns["w"] = w
shell.run_cell("w", store_history=False)
w._refresh_display()
print("PUBLISHED", json.dumps(published))
"""

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_every_widget_output_names_colabs_widget_manager():
    out = subprocess.run(
        [sys.executable, "-c", COLAB], capture_output=True, text=True, check=True, timeout=120
    )
    printed = out.stdout.split("PUBLISHED ", 1)[1].splitlines()[0]
    published = [p for p in json.loads(printed) if WIDGET in p["data"]]
    assert [p["update"] for p in published] == [False, True]
    for p in published:
        assert "text/html" in p["data"]  # the static picture is still there
        manager = p["metadata"][WIDGET]["colab"]["custom_widget_manager"]["url"]
        assert manager == "https://colab.example/widget-manager.min.js"
