"""Large inputs stay usable: a 4000 x 4000 photo's exports are stored at display size
(under 20 MB, drawn offline in Chromium), a 20,000-token document's picture stops at a
readable length, and the JSON keeps the originals only when asked."""

import json

import numpy as np
import pytest
from browser.test_export_browser import open_export  # noqa: F401, F811  (a fixture)

import limelight as ll
from limelight.explanation import Explanation
from limelight.export.draw import TEXT_LINES, png_size

pytestmark = pytest.mark.browser
MB = 1_000_000


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (4000, 4000, 3), dtype=np.uint8)
    values = np.zeros((3, 4000, 4000), np.float32)
    values[:, :2000, :2000] = 1.0  # top-left quarter pushes every class up
    return Explanation(
        values=values,
        base_values=[0, 0, 0],
        prediction=[0.1, 0.2, 0.7],
        output_names=["a", "b", "c"],
        data=img,
        modality="image",
        method="saliency",
    )


def test_photo_exports_are_at_display_size(photo, tmp_path, open_export):  # noqa: F811
    for ext in ("html", "png", "svg", "json"):
        assert ll.save(photo, tmp_path / f"p.{ext}").stat().st_size < 20 * MB, ext
    # the map at its display size (1000 px), under its title and above its legend, x2
    w, h = png_size(ll.save(photo, tmp_path / "p.png").read_bytes())
    assert w == 2 * (1000 + 20) and 2 * 1000 < h < 2 * 1200
    d = json.loads((tmp_path / "p.json").read_text())
    assert np.shape(d["values"]) == (3, 250, 250)  # 4000 / 16: whole blocks under 256
    assert d["params"]["shown_at"]["picture"] == [[4000, 4000], [500, 500]]
    # the block means keep where the map is: the top-left quarter, exactly
    v = np.asarray(d["values"])[0]
    assert v[:125, :125].min() == 1.0 and v[128:, :].max() == 0.0
    page = open_export(photo, "photo.html")
    page.wait_for_selector("canvas.ll-image-overlay")
    size = page.evaluate(
        "() => { const c = document.querySelector('canvas.ll-image-overlay');"
        " return [c.width, c.height]; }"
    )
    assert size == [1000, 1000]


def test_full_resolution_json_when_asked(photo, tmp_path):
    small = photo.with_(values=photo.values[:, :1200, :1200], data=photo.data[:1200, :1200])
    d = json.loads(ll.save(small, tmp_path / "f.json", full_resolution=True).read_text())
    assert np.shape(d["values"]) == (3, 1200, 1200)


def test_a_long_document_picture_stops_at_a_readable_length(tmp_path):
    words = " ".join(f"w{i % 50}" for i in range(20_000))
    exp = ll.attribute(
        lambda docs: np.array([[d.count("w1 "), 1.0] for d in docs]), words, method="occlusion"
    )
    svg = ll.save(exp, tmp_path / "t.svg").read_text()
    assert "more tokens: see the HTML or JSON export" in svg
    assert svg.count("<rect") < 60 * TEXT_LINES  # tokens drawn on at most TEXT_LINES lines
    assert ll.save(exp, tmp_path / "t.html").stat().st_size < 20 * MB
