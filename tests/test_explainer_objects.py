"""Explainers as public objects (``method=`` takes a name or an instance) and the one
registry's errors, for every modality: an object gives the numbers its name gives with the
same options; an unknown option is a limelight error listing the method's options."""

import warnings
from dataclasses import fields

import numpy as np
import pytest
from references import brute_force_shapley
from sklearn.ensemble import RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import limelight as ll
from limelight.errors import InputError, MethodError

E = ll.explainers


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    return X, lambda B: np.tanh(B @ [1.0, -2.0, 0.5, 0.0, 1.5]) + B[:, 0] * B[:, 1]


@pytest.fixture(scope="module")
def texts():
    docs = ["good fun film", "bad dull plot", "good plot", "dull film", "fun fun", "bad bad"]
    y = [1, 0, 1, 0, 1, 0]
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, y)


def small_cnn(k=5):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(16, k),
    ).eval()


def test_every_public_explainer_has_a_distinct_name_and_a_docstring():
    names = [n for n in E.__all__ if n != "Explainer"]
    classes = [getattr(E, n) for n in names]
    assert len({c.__name__ for c in classes}) == len(classes) == len(set(classes))
    assert all(c.__name__ == n and c.__doc__ for n, c in zip(names, classes))


def test_tabular_objects_give_the_numbers_of_their_names(table):
    X, f = table
    kernel = E.KernelShap(max_evals=500, random_state=0)
    by_object = ll.attribute(f, X[0], background=X, method=kernel)
    by_name = ll.attribute(f, X[0], background=X, method="kernel", max_evals=500, random_state=0)
    np.testing.assert_array_equal(by_object.values, by_name.values)
    np.testing.assert_array_equal(by_object.stderr, by_name.stderr)
    lime = ll.attribute(f, X[0], background=X, method=E.Lime(n_samples=800, random_state=3))
    again = ll.attribute(f, X[0], background=X, method="lime", n_samples=800, random_state=3)
    np.testing.assert_array_equal(lime.values, again.values)
    # exact: both equal the brute-force definition
    exact = ll.attribute(f, X[0], background=X[:8], method=E.ExactShapley())
    np.testing.assert_allclose(exact.values, brute_force_shapley(f, X[0], X[:8])[None], atol=1e-10)
    assert kernel.max_evals == 500 and kernel.random_state == 0  # the object is not changed


def test_tree_shap_object_reads_the_trees_like_its_name(table):
    X, f = table
    forest = RandomForestRegressor(10, max_depth=4, random_state=0).fit(X, f(X))
    by_object = ll.attribute(forest, X[1], background=X[:10], method=E.TreeShap())
    assert by_object.method == "tree"
    ref = brute_force_shapley(forest.predict, X[1], X[:10])[None]
    np.testing.assert_allclose(by_object.values, ref, atol=1e-10)
    with pytest.raises(MethodError, match="tree"):
        ll.attribute(f, X[1], background=X[:10], method=E.TreeShap())  # a function: no trees


def test_text_objects_give_the_numbers_of_their_names(texts):
    obj = ll.attribute(texts, "good fun plot", method=E.SampledShapley(budget=200, random_state=1))
    name = ll.attribute(texts, "good fun plot", method="shapley", budget=200, random_state=1)
    np.testing.assert_array_equal(obj.values, name.values)
    occ = ll.attribute(texts, "good fun plot", method=E.Occlusion())
    full = texts.predict_proba(["good fun plot"])[0]
    drop = texts.predict_proba(["fun plot", "good plot", "good fun"])  # leave one out, by hand
    np.testing.assert_allclose(occ.values, (full - drop).T, atol=1e-12)
    with pytest.raises(InputError, match="budget >= "):  # checked at plan time, per text
        ll.attribute(texts, "good fun plot", method=E.SampledShapley(budget=3))


def test_image_objects_give_the_numbers_of_their_names():
    net = small_cnn()
    img = np.random.default_rng(2).random((3, 8, 8)).astype(np.float32)
    smooth = E.SmoothGrad(n_samples=4, random_state=5)
    by_object = ll.attribute(net, img, method=smooth, output=1)
    by_name = ll.attribute(net, img, method="smoothgrad", n_samples=4, random_state=5, output=1)
    np.testing.assert_array_equal(by_object.values, by_name.values)
    assert smooth.targets is None  # the plan set targets on its own copy
    occ = ll.attribute(net, img, method=E.Occlusion(window=4, stride=4))
    assert occ.method == "occlusion" and occ.values.shape == (5, 8, 8)
    with pytest.raises(MethodError, match="does not explain image data"):
        ll.attribute(net, img, method=E.KernelShap())


@pytest.mark.parametrize(
    ("case", "method", "listed"),
    [
        ("tabular", "kernel", "max_evals"),
        ("text", "lime", "kernel_width"),
        ("image", "occlusion", "window"),
    ],
)
def test_unknown_options_name_the_methods_options(case, method, listed, table, texts):
    X, f = table
    call = {
        "tabular": lambda **o: ll.attribute(f, X[0], background=X, method=method, **o),
        "text": lambda **o: ll.attribute(texts, "good film", method=method, **o),
        "image": lambda **o: ll.attribute(
            lambda b: b.sum(axis=(1, 2)), np.ones((8, 8)), method=method, **o
        ),
    }[case]
    with pytest.raises(InputError, match=rf"unknown option\(s\) \['nsamples'\].*{listed}"):
        call(nsamples=10)
    with pytest.raises(InputError, match="random_state='abc' is not a seed"):
        call(random_state="abc")


def test_an_option_beside_an_object_or_for_another_method(table):
    X, f = table
    with pytest.raises(InputError, match=r"configure the object instead: KernelShap\(tol=...\)"):
        ll.attribute(f, X[0], background=X, method=E.KernelShap(), tol=0.1)
    with pytest.warns(UserWarning, match=r"ExactShapley does not use \['max_evals'\]"):
        ll.attribute(f, X[0], background=X[:5], method="exact", max_evals=100)
    with pytest.raises(InputError, match="background_size=0"):
        ll.attribute(f, X[0], background=X, background_size=0)


def test_tabular_state_lives_on_the_plans_context_not_on_the_instance():
    """A pipeline shortcut and a tree read leave no undeclared attribute on the instance."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 5))
    pipe = make_pipeline(StandardScaler(), RandomForestRegressor(5, max_depth=3, random_state=0))
    pipe.fit(X, X[:, 0] - X[:, 3])
    p = ll.api.plan(pipe, X[0], background=X[:30], method="tree")
    e = p.run()
    assert e.method == "tree"
    declared = {f.name for f in fields(p.instance)}
    assert set(vars(p.instance)) == declared
    assert p.model.trees.through_split and p.model.split_ok is not False
    ref = brute_force_shapley(pipe.predict, X[0], X[:30])[None]
    np.testing.assert_allclose(e.values, ref, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the planned objects raise no warning on reuse
        np.testing.assert_allclose(p.run().values, e.values)


def test_the_explorer_takes_an_explainer_object(table):
    X, f = table
    kernel = E.KernelShap(max_evals=300, random_state=2)
    ex = ll.explore(f, X, background=X, method=kernel, sample=0)
    try:
        ex.selected = 4
        row = ex.wait(60)
    finally:
        ex.close()
    alone = ll.attribute(f, X[4], background=X, method="kernel", max_evals=300, random_state=2)
    np.testing.assert_array_equal(row.values, alone.values)


def test_a_bad_seed_is_refused_by_explore_and_permutation_importance(table):
    X, f = table
    with pytest.raises(InputError, match="random_state='x' is not a seed"):
        ll.explore(f, X, random_state="x")
    with pytest.raises(InputError, match="random_state=-1 is not a seed"):
        ll.permutation_importance(f, X, f(X), random_state=-1)


def test_a_users_subclass_of_an_explainer_is_accepted_and_used(table):
    # the registry matched classes exactly, so a subclass was "not a tabular explainer"
    X, f = table
    calls = []

    class Counted(E.ExactShapley):
        def __init__(self, *, tag="mine", **kw):
            super().__init__(**kw)
            self.tag = tag

        def check(self, model, instance):
            calls.append(self.tag)
            return super().check(model, instance)

    class MyTree(E.TreeShap):
        pass

    e = ll.attribute(f, X[1], background=X[:10], method=Counted(tag="t1"))
    assert calls == ["t1"] and e.method == "exact"  # the user's object ran
    np.testing.assert_allclose(e.values[0], brute_force_shapley(f, X[1], X[:10]), atol=1e-10)
    forest = RandomForestRegressor(8, max_depth=4, random_state=0).fit(X, f(X))
    mine = ll.attribute(forest, X[1], background=X[:10], method=MyTree())
    theirs = ll.attribute(forest, X[1], background=X[:10], method="tree")
    np.testing.assert_array_equal(mine.values, theirs.values)  # read as trees, as TreeShap
    with pytest.raises(MethodError, match="does not explain tabular data"):

        class Other(E.Occlusion):
            pass

        ll.attribute(f, X[1], background=X[:10], method=Other())
