"""The many-rows summary in Chromium: from a real explain_many run, the mean |attribution|
bars follow the numbers, the beeswarm and dependence canvases draw, clicking a dot asks for
that row and its explanation is shown; 100k points draw (time printed, not asserted).

A standalone page imports ``js/src/views/many.js`` from the source tree (local origin,
every other request aborted) and renders the state the widget holds."""

import base64
import time

import numpy as np
import pytest

import limelight as ll
from limelight.widgets.many import summary_arrays

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="out" style="width:900px"></div>
<script type="module">
import { render } from "/views/many.js";
window.llRender = (meta, arrays, row) => {
  if (window.llCleanup) window.llCleanup();
  const listeners = {};
  const state = { _meta: meta, _arrays: {}, _row: row, output_index: 0 };
  for (const [name, a] of Object.entries(arrays)) {
    const bytes = Uint8Array.from(atob(a.b64), (c) => c.charCodeAt(0));
    state._arrays[name] = { view: new DataView(bytes.buffer), dtype: a.dtype, shape: a.shape };
  }
  window.llSent = [];
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    save_changes: () => {},
    on: (ev, cb) => { (listeners[ev] ||= []).push(cb); },
    off: (ev, cb) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== cb); },
    send: (m) => window.llSent.push(m),
  };
  window.llModel = model;
  window.llEmit = (msg, bufs) => {
    const views = bufs.map((b) => {
      const bytes = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      return new DataView(bytes.buffer);
    });
    (listeners["msg:custom"] || []).forEach((f) => f(msg, views));
  };
  const t0 = performance.now();
  window.llCleanup = render({ model, el: document.getElementById("out") });
  return performance.now() - t0;
};
window.llFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
window.llPixels = () => [...document.querySelectorAll("canvas")].map((c) =>
  Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data).join(","));
window.llInk = (i) => {
  const c = document.querySelectorAll("canvas")[i];
  const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let k = 3; k < px.length; k += 4) if (px[k] > 0) n++;
  return n;
};
window.llReady = true;
</script></body></html>"""


def payload(arrays):
    return {
        k: {
            "b64": base64.b64encode(np.ascontiguousarray(v).tobytes()).decode(),
            "dtype": str(v.dtype),
            "shape": list(v.shape),
        }
        for k, v in arrays.items()
    }


def test_summary_view_draws_and_a_click_shows_the_row(source_page, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    names = ["age", "income", "<b>debt</b>", "score", "tenure"]
    w_true = np.array([3.0, -2.0, 1.0, 0.5, 0.0])
    f = lambda Z: np.tanh(Z @ w_true / 3)  # noqa: E731
    w = ll.explain_many(
        f, X, background=X[:20], method="exact", feature_names=names, chunk_size=500
    )
    ex = w.wait(timeout=120)
    assert w._progress["status"] == "done" and w._progress["n_evals"] == 3000
    page = source_page(PAGE)
    page.evaluate(
        "([m, a, r]) => window.llRender(m, a, r)", [w._meta, payload(summary_arrays(ex, 0)), {}]
    )
    bars = page.locator(".ll-many-bars .ll-many-name").all_text_contents()
    assert bars[:3] == ["age", "income", "<b>debt</b>"]  # by mean |attribution|, escaped
    assert page.locator(".ll-many-bars b").count() == 0
    assert page.evaluate("window.llInk(0)") > 2000 and page.evaluate("window.llInk(1)") > 2000
    # click the beeswarm's "age" row where its dots are: the view asks for a real row
    box = page.locator("canvas").first.bounding_box()
    for dx in range(160, 600, 7):
        page.mouse.click(box["x"] + dx, box["y"] + 13)
        if page.evaluate("window.llSent.length"):
            break
    sent = page.evaluate("window.llSent")
    assert sent and sent[0]["type"] == "select" and 0 <= sent[0]["row"] < 3000
    w.selected = int(sent[0]["row"])  # what the widget does with that message
    page.evaluate("(r) => window.llModel.set('_row', r)", w._row)
    title = page.locator(".ll-many-title").text_content()
    assert title.startswith(f"row {sent[0]['row']}: prediction ")
    e = ex[int(sent[0]["row"])]
    assert f"{e.prediction[0]:.3f}"[:4] in title
    page.screenshot(path="/tmp/ll_many_summary.png", full_page=True)


def test_a_hundred_thousand_points_draw(source_page):
    rng = np.random.default_rng(1)
    n, d = 100_000, 12
    data = rng.normal(size=(n, d)).astype(np.float32)
    arrays = {
        "values": (data * np.linspace(2, 0.1, d)).astype(np.float32),
        "data": data,
        "prediction": data.sum(1),
        "row": np.arange(n, dtype=np.int32),
        "mean_abs": np.linspace(2, 0.1, d).astype(np.float32) * 0.8,
    }
    meta = {
        "feature_names": [f"f{j}" for j in range(d)],
        "output_names": ["y"],
        "n_rows": n,
        "method": "tree",
    }
    page = source_page(PAGE)
    t0 = time.perf_counter()
    ms = page.evaluate("([m, a]) => window.llRender(m, a, {})", [meta, payload(arrays)])
    print(
        f"100k rows x {d} features: render {ms:.0f} ms in the page, "
        f"{time.perf_counter() - t0:.1f} s with the transfer"
    )
    assert page.evaluate("window.llInk(0)") > 20000
    page.screenshot(path="/tmp/ll_many_100k.png", full_page=True)


def test_chunks_streamed_draw_what_a_one_shot_display_draws(source_page, monkeypatch):
    """A real run pushed chunk by chunk (only each chunk's points in each message), fed
    to the view as the kernel sends them: the bars and both canvases after the last chunk
    are the one-shot display's, pixel for pixel."""
    from limelight.widgets import many

    monkeypatch.setattr(many, "PUSH_INTERVAL", 0.0)
    sent = []
    monkeypatch.setattr(
        many.ManyWidget, "_send", lambda self, msg, buffers=None: sent.append((msg, buffers))
    )
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1200, 4))
    names = ["alpha", "beta", "<i>gamma</i>", "delta"]
    f = lambda Z: np.tanh(Z @ np.array([2.0, -1.0, 0.5, 1.5]) / 2)  # noqa: E731
    w = ll.explain_many(
        f, X, background=X[:10], method="exact", feature_names=names, chunk_size=200
    )
    ex = w.wait(timeout=120)
    pushes = [(m["content"], b) for m, b in sent if m.get("method") == "custom"]
    assert [c["type"] for c, _ in pushes] == ["append"] * 6
    page = source_page(PAGE)
    page.evaluate("([m, a, r]) => window.llRender(m, a, r)", [w._meta, {}, {}])
    assert page.evaluate("window.llSent") == [{"type": "points"}]  # no points: it asks
    empty = {
        k: np.zeros((0, 4) if k in ("values", "data") else 0, np.float32)
        for k in ("values", "data", "prediction")
    }
    empty["row"] = np.zeros(0, np.int32)
    first = {**pushes[0][0], "type": "full", "start": 0, "count": 0}
    page.evaluate(
        "([m, b]) => window.llEmit(m, b)",
        [
            first,
            [
                base64.b64encode(empty[k].tobytes()).decode()
                for k in ("values", "data", "prediction", "row")
            ],
        ],
    )
    for k, (content, bufs) in enumerate(pushes):
        page.evaluate(
            "([m, b]) => window.llEmit(m, b)",
            [content, [base64.b64encode(bytes(b)).decode() for b in bufs]],
        )
        if k == 2:  # half way: the view shows the rows so far
            page.evaluate("window.llFrame()")
            assert page.locator(".ll-many-count").text_content().startswith("600 rows")
            page.screenshot(path="/tmp/ll_many_stream_half.png", full_page=True)
    page.evaluate("window.llFrame()")
    assert page.locator(".ll-many-count").text_content().startswith("1,200 rows")
    streamed_bars = page.locator(".ll-many-bars").inner_text()
    streamed = page.evaluate("window.llPixels()")
    page.screenshot(path="/tmp/ll_many_stream_done.png", full_page=True)
    page.evaluate(
        "([m, a, r]) => window.llRender(m, a, r)", [w._meta, payload(summary_arrays(ex, 0)), {}]
    )
    assert page.locator(".ll-many-bars").inner_text() == streamed_bars
    assert page.locator(".ll-many-bars i").count() == 0
    one_shot = page.evaluate("window.llPixels()")
    assert len(streamed) == 2 and streamed == one_shot
    assert page.evaluate("window.llInk(0)") > 2000
    page.screenshot(path="/tmp/ll_many_oneshot.png", full_page=True)


TEXT_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="out" style="width:900px;font:13px sans-serif"></div>
<script type="module">
import { render } from "/views/many_text.js";
window.llRender = (state) => {
  const listeners = {};
  window.llSent = [];
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    save_changes: () => {},
    on: (ev, cb) => { (listeners[ev] ||= []).push(cb); },
    off: (ev, cb) => { listeners[ev] = (listeners[ev] || []).filter((f) => f !== cb); },
    send: (m) => window.llSent.push(m),
  };
  window.llModel = model;
  render({ model, el: document.getElementById("out") });
};
window.llReady = true;
</script></body></html>"""


def test_texts_view_lists_tokens_a_tokens_texts_and_one_text(source_page):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    docs = [
        "a great film with a great cast",
        "terrible plot and terrible acting",
        "great music but a dull story",
        "dull, slow and far too long",
        "the cast is great and the story <b>moving</b>",
        "not great, not terrible",
    ]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, [1, 0, 1, 0, 1, 0])
    w = ll.explain_many(pipe, docs, method="shapley", budget=200, random_state=0, chunk_size=2)
    ex = w.wait(timeout=120)
    w.output_index = 1
    state = {k: getattr(w, k) for k in ("_meta", "_tokens", "_matches", "_item")}
    state["output_index"] = 1
    page = source_page(TEXT_PAGE)
    page.evaluate("(s) => window.llRender(s)", state)
    names = page.locator(".ll-texts-name").all_text_contents()
    assert names == w._tokens["tokens"] and len(names) > 5
    want = ex.mean_abs(1)
    assert names[:3] == list(want)[:3]
    page.locator(".ll-texts-bar").filter(has_text="great").first.click()
    sent = page.evaluate("window.llSent")
    assert sent == [{"type": "token", "token": "great"}]
    w._on_message(w, sent[0], [])  # what the widget does with it
    page.evaluate("(m) => window.llModel.set('_matches', m)", w._matches)
    assert page.locator(".ll-texts-match").count() == 4  # the texts with "great"
    page.locator(".ll-texts-match").nth(0).click()
    pick = page.evaluate("window.llSent")[1]
    assert pick["type"] == "select" and "great" in docs[pick["item"]]
    w._on_message(w, pick, [])
    page.evaluate("(m) => window.llModel.set('_item', m)", w._item)
    assert page.locator(".ll-texts-text").text_content() == docs[pick["item"]]
    w.selected = 4  # the text with markup in it: drawn as text
    page.evaluate("(m) => window.llModel.set('_item', m)", w._item)
    assert page.locator(".ll-texts-text").text_content() == docs[4]
    assert page.locator(".ll-texts-text b").count() == 0
    page.screenshot(path="/tmp/ll_many_texts.png", full_page=True)


def test_the_html_export_draws_every_row_offline(chromium, source_page, tmp_path):
    """``w.save("x.html")``: a page with no kernel and no network that draws the same
    bars and pixels as the live view of the finished run."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 4))
    names = ["alpha", "beta", "<i>gamma</i>", "delta"]
    f = lambda Z: np.tanh(Z @ np.array([2.0, -1.0, 0.5, 1.5]) / 2)  # noqa: E731
    w = ll.explain_many(f, X, background=X[:10], method="exact", feature_names=names)
    ex = w.wait(timeout=120)
    path = w.save(tmp_path / "many.html", title="</title><b>x</b>")
    page = chromium.new_page()
    outside, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
    assert page.locator(".ll-many-count").text_content().startswith("1,500 rows")
    bars = page.locator(".ll-many-bars .ll-many-name").all_text_contents()
    means = np.abs(ex.values[:, 0]).mean(0)
    assert bars == [names[j] for j in np.argsort(-means)]
    assert page.locator("b").count() == 0 and page.title() == "</title><b>x</b>"
    pixels = page.evaluate(
        """() => [...document.querySelectorAll('canvas')].map((c) =>
          Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(','))"""
    )
    page.screenshot(path="/tmp/ll_many_export.png", full_page=True)
    page.close()
    assert outside == [] and errors == [] and len(pixels) == 2
    live = source_page(PAGE)  # the view of the finished widget, drawn from its state
    live.evaluate(
        "([m, a, r]) => window.llRender(m, a, r)", [w._meta, payload(summary_arrays(ex, 0)), {}]
    )
    assert live.evaluate("window.llPixels()") == pixels
    assert w.save(tmp_path / "many.png").read_bytes()[:4] == b"\x89PNG"  # the beeswarm
    with pytest.raises(ll.errors.LimelightError, match="html"):
        w.save(tmp_path / "many.docx")


def test_the_texts_html_export_draws_offline(chromium, tmp_path):
    """``explain_many(texts).save("x.html")``: the token list and the text shown, drawn with
    no kernel and no network, user text as text."""
    docs = ["a good film", "a bad <b>plot</b>", "good good bad", "dull but good"]
    f = lambda ts: np.array([[t.count("good") - 2 * t.count("bad")] for t in ts], float)  # noqa: E731
    w = ll.explain_many(f, docs, method="occlusion")
    ex = w.wait(timeout=60)
    w.selected = 1
    path = w.save(tmp_path / "texts.html")
    page = chromium.new_page()
    outside, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
            else (outside.append(r.request.url), r.abort())
        ),
    )
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.llReady === '1'", timeout=20_000)
    names = page.locator(".ll-texts-name").all_text_contents()
    assert names[:2] == list(ex.mean_abs(0))[:2] and "bad" in names
    assert page.locator(".ll-texts-text").text_content() == docs[1]
    assert page.locator(".ll-texts-text b").count() == 0
    page.screenshot(path="/tmp/ll_many_texts_export.png", full_page=True)
    page.close()
    assert outside == [] and errors == []
