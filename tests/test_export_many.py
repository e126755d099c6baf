"""Many rows and many texts export as pictures and JSON: the summary (beeswarm) says the
output and its scale, ranks the features by mean |attribution| (shap's order on the same
model), draws one dot per row and feature line with an "N other features" line, escapes
the names; the JSON is standard (a failed row's NaN is null) and holds every value."""

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import limelight as ll
from limelight.export.many import MAX_DOTS, many_bytes

PAYLOAD = "<b>x</b>&<i>"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well formed: the names were escaped
    return [el.text or "" for el in root.iter() if el.tag.endswith("text")]


def _dots(svg: str) -> int:
    root = ET.fromstring(svg)
    return sum(
        len(list(g)) for g in root.iter() if g.get("class", "").startswith("mark-symbol role-mark")
    )


def _axis_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    out = []
    for g in root.iter():
        if "role-axis-label" in g.get("class", ""):
            out += [t.text for t in g if t.text]
    return [t for t in out if not re.fullmatch(r"[−\-\d.,e+]+", t)]  # the y axis: names


@pytest.fixture(scope="module")
def breast():
    xgb = pytest.importorskip("xgboost")
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    X, y = d.data[:, :16], d.target
    model = xgb.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y)
    names = [str(n) for n in d.feature_names[:16]]
    names[3] = PAYLOAD
    return model, X, names


def test_the_summary_ranks_features_as_shap_does_and_draws_every_row(breast, tmp_path):
    shap = pytest.importorskip("shap")
    model, X, names = breast
    ex = ll.attribute_many(model, X[:60], background=X[:80], feature_names=names)
    svg = ex.save(tmp_path / "s.svg").read_text()
    shown = " ".join(_texts(svg))
    assert "log-odds" in shown and "60 rows" in shown and "tree" in shown
    reference = shap.TreeExplainer(model, X[:80]).shap_values(X[:60])
    order = np.argsort(-np.abs(reference).mean(axis=0), kind="stable")
    labels = _axis_labels(svg)
    top = [names[j] for j in order[:12]]
    assert labels[:12] == top  # read from the picture, top line first
    assert labels[12] == "4 other features"
    assert _dots(svg) == 60 * 13
    assert PAYLOAD in shown or PAYLOAD in labels  # escaped in the file, readable as text
    png = ex.save(tmp_path / "s.png", theme="dark").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_many_rows_json_is_standard_and_complete(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 3))

    def model(B):
        if np.any(B[:, 0] > 2.0):
            raise ValueError("a row the model cannot take")
        return B[:, 0] * 2 + B[:, 1]

    rows = np.vstack([X[:5], [[3.0, 0.0, 0.0]]])
    ex = ll.attribute_many(model, rows, background=X[X[:, 0] < 2], method="exact")
    assert ex.errors[-1]  # the last row failed
    text = ex.save(tmp_path / "m.json").read_text()
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    values = np.array(doc["values"][:5], dtype=float)
    assert np.allclose(values, ex.values[:5])
    assert doc["values"][5][0] == [None, None, None]
    # exact Shapley values of a linear model: w_j (x_j - mean_b x_j)
    bg = X[X[:, 0] < 2]
    assert np.allclose(values[:, 0, 0], 2 * (rows[:5, 0] - bg[:, 0].mean()))


def test_many_rows_draw_at_most_a_thousand_dots_but_rank_on_all():
    from limelight.explanations import Explanations

    rng = np.random.default_rng(1)
    n = 2500
    values = rng.normal(size=(n, 1, 3)) * [1.0, 3.0, 2.0]
    ex = Explanations(
        values=values,
        base_values=np.zeros((n, 1)),
        prediction=np.zeros((n, 1)),
        output_names=["y"],
        feature_names=["a", "b", "c"],
        data=rng.normal(size=(n, 3)),
        method="exact",
    )
    svg = many_bytes(ex, ".svg").decode()
    assert _dots(svg) == MAX_DOTS * 3
    assert _axis_labels(svg)[:3] == ["b", "c", "a"]
    assert f"dots for {MAX_DOTS} of the {n} rows" in " ".join(_texts(svg))


def test_many_texts_export_their_top_tokens(tmp_path):
    texts = ["good film", "bad film", "good good <b>plot</b>", "bad acting"]

    def model(xs):
        return np.array([[s.count("good") - s.count("bad")] for s in xs], dtype=float)

    w = ll.explain_many(model, texts, method="occlusion")
    w.wait()
    svg = w.save(tmp_path / "t.svg").read_text()
    labels = _axis_labels(svg)
    assert labels[:2] == ["good", "bad"] or labels[:2] == ["bad", "good"]
    doc = json.loads(w.save(tmp_path / "t.json").read_text())
    assert [i["tokens"] for i in doc["items"]][0] == ["good", "film"] or doc["items"][0]["tokens"]
    first = doc["items"][0]
    toks = [t.strip().lower() for t in first["tokens"]]
    assert first["values"][0][toks.index("good")] == pytest.approx(1.0)  # occlusion of "good"
    assert w.save(tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_nothing_to_save_yet_or_a_wrong_suffix_says_so(tmp_path):
    X = np.random.default_rng(0).normal(size=(10, 2))
    ex = ll.attribute_many(lambda B: B.sum(axis=1), X, background=X)
    with pytest.raises(ll.errors.InputError, match=r"\.svg"):
        ex.save(tmp_path / "x.txt")
    with pytest.raises(ll.errors.InputError, match="output"):
        ex.save(tmp_path / "x.svg", output=7)
    assert not list(tmp_path.iterdir())
    assert not re.search("tmp", " ".join(p.name for p in tmp_path.iterdir()))
