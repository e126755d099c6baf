"""Snapshots: JSON round trips (and old files still load), PNG and SVG are real images of
the right size, include_data=False really leaves the input out, and names and tokens
carrying HTML are escaped in every format."""

import base64
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

import limelight as ll
from limelight.errors import SchemaError
from limelight.export import to_html, to_svg

PAYLOAD = '</script><img src=x onerror="window.llPwned=1">'


def tabular():
    X = np.random.default_rng(0).normal(size=(40, 3))
    return ll.attribute(
        lambda B: np.c_[B[:, 0] * B[:, 1], B[:, 2]],
        X[0],
        background=X,
        feature_names=["age", PAYLOAD, "x2"],
        output_names=["p", "q & <r>"],
    )


def text():
    return ll.attribute(
        lambda xs: [[s.count("good") - s.count("bad")] for s in xs],
        f"good film {PAYLOAD} bad",
        method="occlusion",
    )


def image():
    rng = np.random.default_rng(1)
    pic = (rng.random((24, 24, 3)) * 255).astype(np.uint8)
    return ll.attribute(
        lambda b: np.asarray(b, float)[:, :8, :8].mean(axis=(1, 2, 3))[:, None],
        pic,
        method="occlusion",
    )


def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    # every chunk's CRC checks out: the file is not truncated
    at = 8
    while at < len(data):
        (n,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + n]
        assert struct.unpack(">I", data[at + 8 + n : at + 12 + n])[0] == zlib.crc32(kind + body)
        at += 12 + n
    return w, h


@pytest.mark.parametrize("make", [tabular, text, image])
def test_json_round_trip_is_equal(make, tmp_path):
    e = make()
    path = e.save(tmp_path / "e.json")
    back = ll.load(path)
    assert back.modality == e.modality and back.method == e.method
    np.testing.assert_array_equal(back.values, e.values)
    np.testing.assert_array_equal(back.base_values, e.base_values)
    assert back.feature_names == e.feature_names and back.output_names == e.output_names
    if e.modality == "image":
        np.testing.assert_array_equal(back.data, e.data)
    elif e.modality == "text":
        assert back.data == e.data
        np.testing.assert_array_equal(back.spans, e.spans)
    else:
        assert list(np.asarray(back.data, dtype=object)) == list(np.asarray(e.data, dtype=object))
    assert json.loads(path.read_text())["data_included"] is True


def test_version_1_files_still_load_and_bad_files_say_why(tmp_path):
    d = tabular().to_dict()
    d["version"] = 1
    del d["data_included"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(d))
    assert ll.load(old).feature_names[1] == PAYLOAD
    text = json.dumps(tabular().to_dict())
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    with pytest.raises(SchemaError, match="truncated"):
        ll.load(tmp_path / "cut.json")
    (tmp_path / "other.json").write_text('{"cells": []}')
    with pytest.raises(SchemaError, match="not a limelight explanation"):
        ll.load(tmp_path / "other.json")
    newer = dict(d, version=99)
    (tmp_path / "new.json").write_text(json.dumps(newer))
    with pytest.raises(SchemaError, match="newer.*upgrade"):
        ll.load(tmp_path / "new.json")


def test_png_and_svg_are_real_images(tmp_path):
    e = tabular()
    w, h = png_size(e.save(tmp_path / "t.png").read_bytes())
    assert w > 300 and h > 60
    root = ET.fromstring(e.save(tmp_path / "t.svg").read_text())
    assert root.tag.endswith("svg")
    im = image()
    # a 24 px picture is enlarged to at least 256 px (11x, crisp), under a title, with its
    # colour legend below; the whole figure at 2x, then 1x
    svg = ET.fromstring(im.save(tmp_path / "i.svg").read_text())
    img = next(el for el in svg.iter() if el.tag.endswith("image"))
    assert (int(img.get("width")), int(img.get("height"))) == (264, 264)
    href = img.get("href")
    assert png_size(base64.b64decode(href.split(",", 1)[1])) == (264, 264)
    w1, h1 = png_size(im.save(tmp_path / "i1.png", scale=1).read_bytes())
    assert w1 >= 264 and h1 > 264 + 40  # the title and the legend around the map
    assert png_size(im.save(tmp_path / "i.png").read_bytes()) == (2 * w1, 2 * h1)
    t = ET.fromstring(text().save(tmp_path / "x.svg").read_text())
    shown = "".join(el.text or "" for el in t.iter() if el.tag.endswith("text"))
    assert PAYLOAD in shown  # the payload is text in the picture
    assert png_size(text().save(tmp_path / "x.png").read_bytes())[0] > 300


def test_image_overlay_colours_the_important_corner():
    from limelight.export import image_overlay

    im = image()
    over = image_overlay(im, opacity=1.0).astype(int)
    from limelight.encoders.image import picture_rgba

    pic = picture_rgba(im.data).astype(int)
    changed = np.abs(over - pic).sum(axis=-1)
    assert changed[:8, :8].mean() > 5 * (changed[16:, 16:].mean() + 1)


def test_include_data_false_leaves_the_input_out(tmp_path):
    e = tabular()
    x0 = f"{e.data[0]:.4g}"
    d = json.loads(e.save(tmp_path / "e.json", include_data=False).read_text())
    assert d["data"] is None and d["data_included"] is False
    np.testing.assert_array_equal(d["values"], e.values)
    page = to_html(e, include_data=False)
    assert "left out of this file" in page and x0 not in page
    t = text()
    tj = json.loads(t.save(tmp_path / "t.json", include_data=False).read_text())
    assert "good" not in json.dumps(tj) and tj["feature_names"][0] == "[0]"
    im = image()
    ij = ll.load(im.save(tmp_path / "i.json", include_data=False))
    assert np.unique(ij.data).tolist() == [128]


def test_html_escapes_user_text_everywhere():
    for e in (tabular(), text()):
        page = to_html(e, title=PAYLOAD)
        assert PAYLOAD not in page
        # the only closing script tags are the page's own four (state, JS, vega, loader)
        assert len(re.findall(r"</script", page, re.I)) == 4
        assert "<img src=x" not in page
    svg = to_svg(tabular())
    assert "<img" not in svg and "&lt;/script&gt;" in svg


def test_nbconvert_of_an_executed_notebook_shows_the_explanation(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import limelight as ll\n"
                "ll.attribute(lambda xs: [[s.count('good') - s.count('bad')] for s in xs],\n"
                "             'a good film, a bad <script>window.llPwned=1</script> plot',\n"
                "             method='occlusion')"
            ),
            nbformat.v4.new_code_cell(
                "import numpy as np\n"
                "from limelight.explanation import Explanation\n"
                "from limelight.widgets import ExplanationWidget\n"
                "ExplanationWidget.from_explanation(Explanation(values=[[0.5, -0.25]],\n"
                "    base_values=[1.0], prediction=[1.25], output_names=['y'],\n"
                "    feature_names=['alpha', 'beta']))"
            ),
        ]
    )
    # as a notebook saved from JupyterLab (which keeps no widget state unless asked to) or
    # `jupyter nbconvert --execute --ExecutePreprocessor.store_widget_state=False`: with
    # saved state nbconvert draws the live widget instead, via a widget manager from a CDN
    nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    # templates live under the interpreter's prefix (also when run from a venv over it)
    monkeypatch.setenv("JUPYTER_PATH", str(Path(sys.base_prefix) / "share" / "jupyter"))
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    static = body.split('class="limelight-static"')
    assert len(static) == 3  # one scriptless rendering per explanation
    text_part = static[1]
    # occluding "good" lowers the score by 1, the largest effect: full red, white ink
    assert (
        'background:rgb(178, 24, 43);color:#fff;border-radius:3px" title="1">good</span>'
        in text_part
    )
    assert (
        'background:rgb(33, 102, 172);color:#fff;border-radius:3px" title="-1">bad</span>'
        in text_part
    )
    assert ">&lt;</span>" in text_part
    assert "<script>window.llPwned" not in body
    # charts fall back to scriptless bars (no vl-convert call on display), one per feature
    assert static[2].count('class="ll-bar"') == 2 and "alpha" in static[2]


def _svg_text(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join((el.text or "") for el in root.iter() if el.tag.endswith(("text", "tspan")))


@pytest.mark.parametrize("make", [tabular, image])
def test_exports_say_the_output_its_scale_prediction_and_base(make, tmp_path):
    e = make()
    i = len(e.output_names) - 1
    out = e.output_names[i]
    shown = _svg_text(to_svg(e, output=out))
    # the numbers, read back from the picture, are the explanation's own
    pred = re.search(r"f\(x\) = (-?[\d.e+-]+)", shown)
    label = r"E\[f\(X\)\]" if e.modality == "tabular" else r"f\(baseline\)"
    base = re.search(label + r" = (-?[\d.e+-]+)", shown)
    assert pred and base, shown
    assert float(pred.group(1)) == pytest.approx(e.prediction[i], rel=1e-3, abs=1e-9)
    assert float(base.group(1)) == pytest.approx(e.base_values[i], rel=1e-3, abs=1e-9)
    assert out in shown  # the class / output, escaped text in the SVG
    assert e.method in shown  # the badges line
    if e.modality == "tabular":
        assert "additivity error" in shown
    for theme, bg in (("light", "#ffffff"), ("dark", "#1e1e1e")):
        svg = to_svg(e, output=out, theme=theme)
        assert bg in svg.lower()  # an opaque background: readable on any page
        png = e.save(tmp_path / f"{theme}.png", output=out, theme=theme).read_bytes()
        assert png_size(png)[0] > 300


def test_the_export_says_the_scale_of_a_classifier():
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(3).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    e = ll.attribute(model, X[0], background=X, method="exact")
    scale = e.params.get("output_scale")
    assert scale  # probability or log-odds: the picture must say which
    assert f"({scale})" in _svg_text(to_svg(e))


def test_an_unknown_theme_is_refused_by_name():
    with pytest.raises(ll.errors.InputError, match="theme"):
        to_svg(tabular(), theme="blue")
