"""ex.quality over many rows: every metric equals the one each row's own explanation gives
(ll.attribute one row at a time), summarised by numpy's quartiles; a linear model's
faithfulness correlation is 1 in every row (exact Shapley values are its terms)."""

import numpy as np
import pytest

import limelight as ll

W = np.array([1.0, 2.0, -1.0, 0.5])


def f(B):
    B = np.asarray(B, dtype=float)
    return B @ W + B[:, 0] * B[:, 1]


def linear(B):
    return np.asarray(B, dtype=float) @ W


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(0)
    X, bg = rng.normal(size=(10, 4)), rng.normal(size=(6, 4))
    X[4, 2] = np.nan  # this row's explanation fails: the model returns NaN there
    return X, bg, ll.attribute_many(f, X, background=bg, method="exact")


def _one(X, bg, i, **options):
    return ll.attribute(f, X[i], background=bg, method="exact", **options).quality


def test_each_metric_is_the_rows_own_and_summarised_by_quartiles(run):
    X, bg, ex = run
    assert ex.errors[4] and ex.ok.sum() == 9
    q = ex.quality
    ok = [i for i in range(len(X)) if i != 4]
    singles = {i: _one(X, bg, i) for i in ok}
    for i in ok:
        singles[i].compute()  # the curves, on demand for one row too
    reference = {
        "sparseness": lambda s: s.sparseness.value,
        "complexity": lambda s: s.complexity.value,
        "additivity": lambda s: s.additivity,
        "faithfulness_correlation": lambda s: s.faithfulness_correlation.value,
        "deletion": lambda s: s.deletion,
        "insertion": lambda s: s.insertion,
    }
    for name, read in reference.items():
        summary = getattr(q, name)
        expected = np.array([read(singles[i]) for i in ok])
        np.testing.assert_allclose(summary.values[ok], expected, rtol=1e-9, atol=1e-12)
        assert np.isnan(summary.values[4]) and summary.failures == 1
        assert "failed" in summary.notes[4]
        q1, med, q3 = np.percentile(expected, [25, 50, 75])
        assert (summary.q1, summary.median, summary.q3) == pytest.approx((q1, med, q3))
    fc = q.faithfulness_correlation.params
    assert fc["definition"] == singles[0].faithfulness_correlation.params["definition"]
    assert fc["n_subsets"] == 100
    frame = q.to_frame()
    assert frame.loc["sparseness", "failures"] == 1
    assert frame.loc["faithfulness_correlation", "median"] == pytest.approx(
        q.faithfulness_correlation.median
    )


def test_reruns_with_parameters_match_the_rows_own(run):
    X, bg, ex = run
    ms = ex.quality.metric("max_sensitivity", rows=3, samples=3, radius=0.2)
    assert len(ms.values) == 3 and ms.params["radius"] == 0.2 and ms.params["samples"] == 3
    for i in range(3):
        own = _one(X, bg, i).metric("max_sensitivity", samples=3, radius=0.2)
        assert ms.values[i] == pytest.approx(own.value, rel=1e-9)


def test_a_sampling_methods_rows_rerun_with_their_own_seeds():
    rng = np.random.default_rng(2)
    w = rng.normal(size=8)

    def g(B):
        B = np.asarray(B, dtype=float)
        return B @ w + B[:, 0] * B[:, 1] * B[:, 2]

    X, bg = rng.normal(size=(3, 8)), rng.normal(size=(5, 8))
    options = {"method": "kernel", "max_evals": 40}
    ex = ll.attribute_many(g, X, background=bg, random_state=7, **options)
    st = ex.quality.metric("stability", seeds=2)
    ms = ex.quality.metric("max_sensitivity", samples=2)
    for i in range(3):
        own = ll.attribute(g, X[i], background=bg, random_state=int(ex.seeds[i]), **options)
        assert st.values[i] == pytest.approx(own.quality.metric("stability", seeds=2).value)
        assert ms.values[i] == pytest.approx(own.quality.metric("max_sensitivity", samples=2).value)
    assert st.params["seeds"] == [int(ex.seeds[0]), int(ex.seeds[0]) + 1]
    assert len(set(np.round(ms.values, 9))) == 3  # sampled: each row its own number


def test_linear_model_is_perfectly_faithful_in_every_row_with_groups():
    rng = np.random.default_rng(1)
    X, bg = rng.normal(size=(8, 4)), rng.normal(size=(5, 4))
    groups = {"ab": [0, 1]}
    ex = ll.attribute_many(linear, X, background=bg, method="exact", feature_groups=groups)
    fc = ex.quality.metric("faithfulness_correlation", subset_size=1, n_subsets=30)
    np.testing.assert_allclose(fc.values, 1.0, atol=1e-9)  # sum phi[S] is the drop itself
    own = ll.attribute(linear, X[5], background=bg, method="exact", feature_groups=groups)
    assert (
        own.quality.metric("faithfulness_correlation", subset_size=1, n_subsets=30).params[
            "baseline"
        ]
        == fc.params["baseline"]
    )


def test_a_loaded_collection_has_the_closed_forms_and_says_what_the_others_need(run, tmp_path):
    X, bg, ex = run
    back = ll.load(ex.save(tmp_path / "attr.parquet"))
    np.testing.assert_allclose(back.quality.sparseness.values, ex.quality.sparseness.values)
    with pytest.raises(ll.MethodError, match="no model attached") as err:
        _ = back.quality.faithfulness_correlation
    assert "attribute_many" in err.value.fix
    mixed = type(ex).concat([ex[:2], back[2:4]])
    with pytest.raises(ll.MethodError):
        mixed.quality.metric("deletion")
    # a slice of one run keeps its model: its rows are still the run's rows
    np.testing.assert_allclose(
        ex[5:7].quality.metric("faithfulness_correlation").values,
        ex.quality.faithfulness_correlation.values[5:7],
    )


@pytest.mark.parametrize(
    "name, options, says",
    [
        ("faithfulness", {}, "no quality metric named"),
        ("sparseness", {"rows": 0}, "rows=0"),
        ("sparseness", {"rows": "all"}, "does not pick rows"),
        ("additivity", {"radius": 1}, "takes no parameters"),
    ],
)
def test_bad_requests_are_refused_with_the_fix(run, name, options, says):
    with pytest.raises(ll.InputError, match="Fix:") as err:
        run[2].quality.metric(name, **options)
    assert says in str(err.value)
