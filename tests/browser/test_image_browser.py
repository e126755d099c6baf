"""The image view in Chromium: the overlay is drawn, the opacity slider changes it, the
class switcher and sign modes recolour it, names are escaped, and a 1024x1024 map
redraws fast when the slider moves (measured and printed, not asserted).

Beside the JupyterLab test (test_lab_image.py), a standalone page imports
``js/src/views/image.js`` from the source tree (served by a Playwright route on a local
origin; every other request is aborted) and renders the state that
``limelight.encoders.image.encode`` makes from a real explanation.
"""

import base64

import numpy as np
import pytest

import limelight as ll
from limelight.encoders.image import encode
from limelight.explanation import Explanation

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="out"></div>
<script type="module">
import { render } from "/views/image.js";
const TYPES = { float32: Float32Array, uint8: Uint8Array, int32: Int32Array };
window.llRender = (meta, arrays, outputIndex) => {
  if (window.llCleanup) window.llCleanup();
  const listeners = {};
  const state = { _meta: meta, _arrays: {}, output_index: outputIndex };
  for (const [name, a] of Object.entries(arrays)) {
    const bytes = Uint8Array.from(atob(a.b64), (c) => c.charCodeAt(0));
    state._arrays[name] = { view: new DataView(bytes.buffer), dtype: a.dtype, shape: a.shape };
  }
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    save_changes: () => { window.llSaved = (window.llSaved || 0) + 1; },
    on: (ev, cb) => { (listeners[ev] ||= []).push(cb); },
    off: (ev, cb) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== cb); },
    send: () => {},
  };
  window.llModel = model;
  const el = document.getElementById("out");
  const t0 = performance.now();
  window.llCleanup = render({ model, el });
  return performance.now() - t0;
};
window.llPixels = (sel) => {
  const c = document.querySelector(sel);
  return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
};
window.llReady = true;
</script></body></html>"""


@pytest.fixture()
def page(source_page):
    return source_page(PAGE)


def show(page, exp, output_index=None):
    meta, arrays = encode(exp)
    payload = {
        k: {
            "b64": base64.b64encode(np.ascontiguousarray(v).tobytes()).decode(),
            "dtype": str(v.dtype),
            "shape": list(v.shape),
        }
        for k, v in arrays.items()
    }
    return page.evaluate("([m, a, o]) => window.llRender(m, a, o)", [meta, payload, output_index])


def pixels(page, sel=".ll-image-overlay"):
    return np.array(page.evaluate("(s) => window.llPixels(s)", sel), dtype=np.uint8)


def set_opacity(page, value):
    page.eval_on_selector(
        ".ll-image-opacity",
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }",
        str(value),
    )


@pytest.fixture(scope="module")
def occluded():
    img = np.zeros((32, 32, 3), dtype=np.uint8)
    img[8:16, 8:16] = [200, 180, 40]
    img[20:28, 18:30] = [30, 90, 200]

    def f(batch):
        b = batch.astype(float) / 255.0
        return np.stack([b[:, 8:16, 8:16, 0].mean((1, 2)), b[:, 20:28, 18:30, 2].mean((1, 2))], 1)

    return ll.attribute(
        f, img, method="occlusion", window=4, stride=2, output_names=["<b>yellow</b>", "blue & co"]
    ), img


def test_overlay_is_drawn_and_the_opacity_slider_changes_it(page, occluded):
    exp, img = occluded
    show(page, exp)
    before = pixels(page).reshape(32, 32, 4)
    assert before[..., :3].std() > 5  # not blank
    set_opacity(page, 0.0)
    bare = pixels(page).reshape(32, 32, 4)
    np.testing.assert_allclose(bare[..., :3], img, atol=1)  # opacity 0: just the picture
    set_opacity(page, 1.0)
    full = pixels(page).reshape(32, 32, 4)
    changed = np.abs(full[..., :3].astype(int) - bare[..., :3]).sum(-1) > 10
    # the heat map lies where the model looks (the yellow square, class 0 predicted)
    assert changed[8:16, 8:16].mean() > 0.9 and changed[22:26, 20:28].mean() < 0.1
    assert not np.array_equal(before, full)


def test_class_switcher_and_sign_modes_recolour_the_map(page, occluded):
    exp, _ = occluded
    show(page, exp)
    set_opacity(page, 1.0)
    first = pixels(page).reshape(32, 32, 4)
    page.select_option(".ll-image-class", "1")
    assert page.evaluate("window.llModel.get('output_index')") == 1
    second = pixels(page).reshape(32, 32, 4)
    diff = np.abs(first.astype(int) - second).sum(-1) > 10
    assert diff[20:28, 18:30].mean() > 0.5
    page.select_option(".ll-image-sign", "negative")  # occlusion drops here are all >= 0
    neg = pixels(page).reshape(32, 32, 4)
    page.evaluate("window.llModel.set('output_index', 0)")  # Python side moves the class
    assert page.eval_on_selector(".ll-image-class", "el => el.value") == "0"
    assert np.abs(neg.astype(int) - second).sum(-1).max() > 10


def test_class_names_and_method_are_text_not_markup(page, occluded):
    exp, _ = occluded
    show(page, exp)
    assert page.locator(".ll-image b").count() == 0
    assert page.locator(".ll-image-class option").all_text_contents() == [
        "<b>yellow</b>",
        "blue & co",
    ]
    assert "<b>yellow</b>" in page.text_content(".ll-image-title")


def test_side_by_side_shows_picture_and_map(page, occluded):
    exp, img = occluded
    show(page, exp)
    page.check(".ll-image-side")
    assert page.is_visible(".ll-image-original") and page.is_visible(".ll-image-map")
    assert not page.is_visible(".ll-image-overlay")
    np.testing.assert_array_equal(
        pixels(page, ".ll-image-original").reshape(32, 32, 4)[..., :3], img
    )


def test_a_1024_map_redraws_fast_when_the_slider_moves(page):
    rng = np.random.default_rng(0)
    n = 1024
    yy, xx = np.mgrid[0:n, 0:n] / n
    values = np.stack([np.sin(6 * yy) * np.cos(5 * xx) + 0.1 * rng.standard_normal((n, n))])
    picture = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
    exp = Explanation(
        values=values,
        base_values=[0.0],
        prediction=[1.0],
        output_names=["y"],
        data=picture,
        modality="image",
        method="integrated_gradients",
    )
    first = show(page, exp)
    times = page.evaluate(
        """() => {
        const s = document.querySelector('.ll-image-opacity');
        const c = document.querySelector('.ll-image-overlay').getContext('2d');
        const out = [];
        for (let i = 0; i < 15; i++) {
          const t0 = performance.now();
          s.value = String((i % 10) / 10); s.dispatchEvent(new Event('input'));
          c.getImageData(0, 0, 1, 1);  // wait for the drawing to finish
          out.push(performance.now() - t0);
        }
        const sign = document.querySelector('.ll-image-sign');
        const t1 = performance.now();
        sign.value = 'absolute_value'; sign.dispatchEvent(new Event('change'));
        c.getImageData(0, 0, 1, 1);
        out.push(performance.now() - t1);
        return out;
    }"""
    )
    slider, recolour = sorted(times[:-1]), times[-1]
    print(
        f"\n1024x1024 image view: first render {first:.1f} ms, slider redraw median "
        f"{slider[len(slider) // 2]:.1f} ms (max {slider[-1]:.1f}), sign recolour "
        f"{recolour:.1f} ms"
    )
    assert pixels(page).size == n * n * 4
