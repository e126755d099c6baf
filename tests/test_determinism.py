"""The same question gets the same answer: one documented background summary (seed 0,
a single-threaded k-means) shared by every path, so a deterministic method gives the
same numbers run to run and between one row and many rows, checked against shap's
interventional TreeExplainer on the same summarised background; sampling methods left
unseeded still vary, and say so with the seed they drew. Bad run options are refused at
the call."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier

import limelight as ll
from limelight.api import plan
from limelight.errors import InputError
from limelight.inputs.background import SUMMARY_SEED, summarise

ROWS = [0, 3, 7, 11, 19]


@pytest.fixture(scope="module")
def cancer():
    """sklearn's breast cancer (569 rows, so the background is summarised by k-means)
    and a boosted classifier explained on its log-odds by tree paths."""
    X, y = load_breast_cancer(return_X_y=True)
    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0).fit(X, y)
    opts = {"background": X, "model_output": "decision", "method": "tree"}
    return X, model, opts


def _summary(X, model, opts):
    """The summarised background limelight explains over: its rows and their weights."""
    inst = plan(model, X[0], **opts).instance
    return inst.numeric_background(), inst.weights, inst.background_info


def test_tree_paths_give_the_same_numbers_run_to_run_and_row_by_row(cancer):
    X, model, opts = cancer
    runs = [ll.attribute_many(model, X[:20], **opts) for _ in range(2)]  # no seed given
    np.testing.assert_array_equal(runs[0].values, runs[1].values)
    np.testing.assert_array_equal(runs[0].base_values, runs[1].base_values)
    for i in ROWS:
        one = ll.attribute(model, X[i], **opts)
        assert np.abs(one.values - runs[0][i].values).max() <= 1e-12
        assert np.abs(one.base_values - runs[0][i].base_values).max() <= 1e-12
        assert one.params["background"] == runs[0].params["background"]


def test_the_numbers_are_shaps_interventional_tree_values_on_the_summary(cancer):
    shap = pytest.importorskip("shap")
    X, model, opts = cancer
    bg, weights, info = _summary(X, model, opts)
    assert info["how"] == "kmeans" and info["seed"] == SUMMARY_SEED and len(bg) <= 100
    assert info["weights"] == "cluster sizes" and abs(weights.sum() - 1) < 1e-12
    # interventional values are linear in the background: the weighted summary's values
    # are the weighted sum of shap's values against each of its rows alone. scikit-learn's
    # trees compare float32 values (as limelight's reading does) while shap's interventional
    # path compares float64 ones, so shap gets the values as the trees see them.
    seen = lambda A: A.astype(np.float32).astype(np.float64)
    want, base = 0.0, 0.0
    for row, w in zip(seen(bg), weights):
        ref = shap.TreeExplainer(model, data=row[None], feature_perturbation="interventional")
        want = want + w * ref.shap_values(seen(X[ROWS]), check_additivity=False)
        base += w * float(np.ravel(ref.expected_value)[0])
    got = ll.attribute_many(model, X[ROWS], **opts)
    np.testing.assert_allclose(got.values[:, 0], want, rtol=0, atol=1e-7)
    np.testing.assert_allclose(got.base_values[:, 0], base, rtol=0, atol=1e-9)
    # the base value is explainable: the model's weighted mean over the background it names
    assert abs(got.base_values[0, 0] - weights @ model.decision_function(bg)) < 1e-9


def test_every_view_of_a_row_shows_the_same_explanation(cancer):
    X, model, opts = cancer
    ref = ll.attribute(model, X[3], **opts)
    many = ll.explain_many(model, X[:8], **opts).wait(120)
    single = ll.explain(model, X[3], **opts).wait(60)
    ex = ll.explore(model, X, sample=0, model_output="decision", method="tree")  # background X
    ex.selected = 3
    explored = ex.wait(60)
    kernel = ll.explainers.KernelShap(max_evals=300, random_state=0)
    exps, _ = ll.compare(
        model, X[3], methods=["tree", kernel], background=X, model_output="decision"
    ).wait(120)
    for e in (many[3], single, explored, exps["tree"]):
        assert np.abs(e.values - ref.values).max() <= 1e-12
        assert np.abs(e.base_values - ref.base_values).max() <= 1e-12
    # every method of the comparison sees the same background, whatever its seed
    digest = ref.params["background"]["digest"]
    for e in (single, explored, *exps.values()):
        assert e.params["background"]["digest"] == digest
    assert many.params["background"]["digest"] == digest


def test_explore_on_a_large_table_explains_over_the_summary_attribute_uses():
    # above 5,000 rows the explorer once drew an unseeded sample of X as the background
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8_000, 5))
    f = lambda A: np.asarray(A)[:, 0] * np.asarray(A)[:, 1] + np.asarray(A)[:, 2]
    ex = ll.explore(f, X, sample=0, method="exact")
    ex.selected = 3
    explored, ref = ex.wait(60), ll.attribute(f, X[3], background=X, method="exact")
    assert np.abs(explored.values - ref.values).max() <= 1e-12
    assert explored.params["background"] == ref.params["background"]
    assert ref.params["background"]["from"] == 8_000


def test_the_summary_is_seeded_apart_from_the_method_seed(cancer):
    X = cancer[0][:, :6]
    f = lambda A: np.tanh(np.asarray(A)[:, 0] / 10) * np.asarray(A)[:, 1] + np.asarray(A).sum(1)
    # exact Shapley values sample nothing: the same numbers whatever the seed (the seed
    # once chose the k-means start, and with it the background)
    a = ll.attribute(f, X[0], method="exact", background=X, random_state=1)
    b = ll.attribute(f, X[0], method="exact", background=X, random_state=2)
    assert a.params["background"] == b.params["background"]
    assert a.params["background"]["how"] == "kmeans"
    np.testing.assert_array_equal(a.values, b.values)


def test_a_large_background_keeps_its_mean_and_its_summary():
    rng = np.random.default_rng(5)
    cols = [rng.normal(size=25_000) * s for s in (1.0, 3.0, 0.1)]  # above the k-means sample
    first = summarise(cols, rows=100, how="kmeans", numeric=True)
    again = summarise([c.copy() for c in cols], rows=100, how="kmeans", numeric=True)
    for c, kept, same in zip(cols, first[0], again[0]):
        np.testing.assert_array_equal(kept, same)
        # every row counts: the weighted centres keep the data's mean exactly
        assert abs(float(first[1] @ kept) - c.mean()) <= 1e-12 * max(1.0, abs(c.mean())) + 1e-12
    assert first[2] == again[2] and first[2]["from"] == 25_000
    assert first[2]["weights"] == "cluster sizes" and abs(first[1].sum() - 1) < 1e-12


def test_unseeded_sampling_varies_and_records_the_seed_it_drew():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12))

    def f(A):
        A = np.asarray(A)
        return A @ np.arange(1.0, 13.0) + 2 * A[:, 0] * A[:, 1] * A[:, 2]

    kw = {"background": X[:20], "method": "kernel", "max_evals": 60, "tol": 0}
    a, b = ll.attribute(f, X[0], **kw), ll.attribute(f, X[0], **kw)
    assert a.params["seeded"] is False and b.params["seeded"] is False
    assert a.params["random_state"] != b.params["random_state"]
    assert np.abs(a.values - b.values).max() > 1e-6  # a sampling method, unseeded: it varies
    again = ll.attribute(f, X[0], random_state=a.params["random_state"], **kw)
    np.testing.assert_array_equal(again.values, a.values)  # the recorded seed repeats it
    seeded = ll.attribute(f, X[0], random_state=3, **kw)
    assert seeded.params["seeded"] is True and seeded.params["random_state"] == 3
    assert "seeded" not in ll.attribute(f, X[0], background=X[:20], method="exact").params
    # many rows, unseeded: each row's recorded seed gives ll.attribute's numbers
    many = ll.attribute_many(f, X[:3], **kw)
    assert many.params["seeded"] is False and isinstance(many.params["base_seed"], int)
    for i in range(3):
        one = ll.attribute(f, X[i], random_state=int(many.seeds[i]), **kw)
        np.testing.assert_array_equal(one.values, many[i].values)


@pytest.mark.parametrize("n_jobs", [0, -10_000])
def test_n_jobs_that_leaves_no_process_is_refused_at_the_call(n_jobs):
    X = np.eye(3)
    for call in (ll.attribute_many, ll.explain_many):
        with pytest.raises(InputError, match=f"n_jobs={n_jobs}"):
            call(lambda A: np.asarray(A).sum(axis=1), X, background=X, n_jobs=n_jobs)


def test_outputs_a_model_does_not_have_are_refused_at_the_call():
    from sklearn.linear_model import LogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :4]
    model = LogisticRegression(max_iter=1000).fit(X, y)  # two outputs: P(0), P(1)
    for output in (5, 2, -3, "no such class"):
        for call in (ll.attribute, ll.attribute_many, ll.explain_many):
            with pytest.raises(InputError, match="out of range|no output named"):
                call(model, X[:2] if call is not ll.attribute else X[0], background=X[:50],
                     output=output)  # fmt: skip
    w = ll.explain_many(model, X[:4], background=X[:50])
    w.wait(60)
    with pytest.raises(InputError, match="out of range"):
        w.output_index = 5  # was taken as is, and the view's arrays failed
    w.output_index = -1
    assert w.output_index == 1  # counts from the end, as output= does
    single = ll.explain(model, X[0], background=X[:50])
    single.wait(60)
    with pytest.raises(InputError, match="out of range"):
        single.output_index = 2
