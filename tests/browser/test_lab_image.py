"""An image explanation in real JupyterLab, network blocked: the overlay canvas is drawn
over the picture and changes when the opacity slider moves."""

import pytest

pytestmark = pytest.mark.browser

CODE = """
import numpy as np
import limelight as ll
rng = np.random.default_rng(0)
image = (rng.random((32, 32, 3)) * 255).astype(np.uint8)
def f(batch):  # brightness of a planted 8x8 patch decides the class
    b = np.asarray(batch, dtype=float)
    s = b[:, 8:16, 8:16].mean(axis=(1, 2, 3)) / 255
    return np.c_[1 - s, s]
w = ll.explain(f, image, method="occlusion", output_names=["dark", "bright <b>"])
w
"""

PIXELS = """(sel) => { const c = document.querySelector(sel);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + 2 * d[i + 1] + 3 * d[i + 2];
  return [c.width, c.height, s]; }"""


def test_overlay_is_drawn_and_follows_the_opacity_slider(lab_notebook):
    page = lab_notebook([CODE])
    sel = ".jp-OutputArea-output canvas.ll-image-overlay"
    page.locator(sel).wait_for(timeout=60_000)
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea-output .ll-progress')?.dataset.status === 'done'",
        timeout=60_000,
    )
    page.wait_for_timeout(300)
    w, h, before = page.evaluate(PIXELS, sel)
    assert (w, h) == (32, 32) and before > 0
    slider = ".jp-OutputArea-output .ll-image-opacity"
    value = page.eval_on_selector(slider, "e => e.value")
    new = "0" if float(value) > 0.5 else "1"
    page.eval_on_selector(
        slider, "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }", new
    )
    page.wait_for_timeout(200)
    _, _, after = page.evaluate(PIXELS, sel)
    assert after != before
    # class names are text: the markup shows, nothing is parsed
    options = page.eval_on_selector_all(
        ".jp-OutputArea-output .ll-image select option", "els => els.map(e => e.textContent)"
    )
    assert "bright <b>" in options
