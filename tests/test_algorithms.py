"""One explainer class per algorithm, for every input (limelight.explainers.algorithms):
``LeverageShap(max_evals=...)`` explains a table, a text and an image, against exact
Shapley values by enumeration; an option the input does not use is an error naming it,
the input and the options that apply; the per-input classes of earlier releases are
deprecated aliases that warn once at the user's line and give the same numbers."""

import warnings

import numpy as np
import pytest
from references import brute_force_shapley, shapley_by_subsets

import limelight as ll
from limelight.errors import InputError, MethodError
from limelight.inputs.text import tokenize

E = ll.explainers
TEXT = "good plot but awful acting"


def text_model(texts):
    """Cue words with an interaction (good & plot), and the word count."""
    out = []
    for t in texts:
        w = set(t.split())
        s = 1.0 * ("good" in w) - 1.5 * ("awful" in w) + 2.0 * ({"good", "plot"} <= w)
        out.append([np.tanh(s), len(w) / 10])
    return np.array(out)


def text_exact():
    toks = tokenize(TEXT)

    def value(S):
        keep = np.zeros((1, len(toks)), bool)
        keep[0, S] = True
        return text_model(toks.perturb(keep))[0]

    return shapley_by_subsets(value, len(toks)).T


IMG = np.random.default_rng(3).random((8, 8))


def image_model(batch):
    """The top-left quadrant's sum times the bottom-right's: an interaction of two of the
    four grid segments."""
    b = np.asarray(batch)
    return (b[:, :4, :4].sum(axis=(1, 2)) * b[:, 4:, 4:].sum(axis=(1, 2)))[:, None]


def image_exact():
    base = np.full_like(IMG, IMG.mean())  # baseline "mean"
    quads = [(slice(0, 4), slice(0, 4)), (slice(0, 4), slice(4, 8))]
    quads += [(slice(4, 8), slice(0, 4)), (slice(4, 8), slice(4, 8))]

    def value(S):
        img = base.copy()
        for s in S:
            img[quads[s]] = IMG[quads[s]]
        return image_model(img[None])[0]

    return shapley_by_subsets(value, 4).T  # (1, 4) per segment


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    return X, lambda B: np.tanh(B @ [1.0, -2.0, 0.5, 1.5]) + B[:, 0] * B[:, 1]


def test_one_leverage_class_is_exact_on_a_table_a_text_and_an_image(table):
    X, f = table
    tab = ll.attribute(f, X[0], background=X[:8], method=E.LeverageShap(max_evals=16))
    np.testing.assert_allclose(tab.values[0], brute_force_shapley(f, X[0], X[:8]), atol=1e-9)
    # 5 tokens, 32 coalitions; 4 segments, 16: every coalition seen
    text = ll.attribute(text_model, TEXT, method=E.LeverageShap(max_evals=64, random_state=0))
    np.testing.assert_allclose(text.values, text_exact(), atol=1e-9)
    seg = E.LeverageShap(max_evals=64, segments="grid", n_segments=4, random_state=0)
    img = ll.attribute(image_model, IMG, method=seg)
    np.testing.assert_allclose(img.extras["segment_values"], image_exact(), atol=1e-5)  # float32
    assert tab.method == text.method == img.method == "leverage"
    # the same object serves every input; the plan's copies leave it as it was
    assert seg.targets is None and seg.max_evals == 64


def test_sampled_shapley_adds_up_on_texts_and_images_alike():
    obj = E.SampledShapley(max_evals=400, random_state=1)
    text = ll.attribute(text_model, TEXT, method=obj)
    img = ll.attribute(image_model, IMG, method=obj)
    for e in (text, img):  # every sampled order adds up exactly
        np.testing.assert_allclose(
            e.values.reshape(e.n_outputs, -1).sum(1), e.prediction - e.base_values, rtol=1e-5
        )
    np.testing.assert_allclose(text.values, text_exact(), atol=0.15)


def test_an_option_the_input_does_not_use_names_it_the_input_and_the_options():
    with pytest.raises(InputError, match=r"LeverageShap does not use \['groups'\] on text") as exc:
        ll.attribute(text_model, TEXT, method=E.LeverageShap(groups=2))
    assert "on text input it takes ['adjust', 'batch_size', 'budget'" in str(exc.value)
    assert "['groups'] apply to tabular input" in str(exc.value)
    with pytest.raises(InputError, match=r"Occlusion does not use \['window'\] on text input"):
        ll.attribute(text_model, TEXT, method=E.Occlusion(window=2))
    # refused where it is written: an option of no input, options of two inputs together
    with pytest.raises(InputError, match=r"unknown option\(s\) \['nsamples'\] for Lime") as exc:
        E.Lime(nsamples=100)
    assert "on tabular input ['alpha'" in str(exc.value) and "on image input" in str(exc.value)
    with pytest.raises(InputError, match="together on no input"):
        E.LeverageShap(groups=2, segments="grid")
    with pytest.raises(InputError, match="max_evals= and budget= are one option"):
        E.LeverageShap(max_evals=64, budget=64)
    with pytest.raises(InputError, match="max_evals=2 is too small"):  # values: at once
        E.LeverageShap(max_evals=2)
    with pytest.raises(MethodError, match="SampledShapley does not explain tabular data"):
        ll.attribute(lambda B: B.sum(1), np.zeros(3), method=E.SampledShapley())


def test_a_users_subclass_of_an_algorithm_runs_its_own_code_on_every_input(table):
    X, f = table
    seen = []

    class Noted(E.LeverageShap):
        def check(self, model, instance):
            seen.append(type(instance).__name__)
            return super().check(model, instance)

    for x, kw in ((TEXT, {}), (X[0], {"background": X[:8]})):
        model = text_model if isinstance(x, str) else f
        mine = ll.attribute(model, x, method=Noted(max_evals=64, random_state=0), **kw)
        theirs = ll.attribute(model, x, method=E.LeverageShap(max_evals=64, random_state=0), **kw)
        np.testing.assert_array_equal(mine.values, theirs.values)
    assert seen == ["TextInstance", "TabularInstance"]
    assert issubclass(E.MsrShap, E.LeverageShap)  # as before


def test_the_old_names_are_not_public():
    assert not set(E.DEPRECATED) & set(E.__all__)
    assert "Occlusion" in E.__all__ and len(E.__all__) == 16
    with pytest.raises(AttributeError):
        E.NoSuchExplainer  # noqa: B018


def _alias(name):
    """The deprecated class, checking that it warns once, at this file's line."""
    E._WARNED.discard(name)
    with pytest.warns(FutureWarning, match=rf"{name} is deprecated.*use ") as seen:
        cls = getattr(E, name)
    assert seen[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert getattr(E, name) is cls  # once only
    return cls


SEG = {"segments": "grid", "n_segments": 4, "random_state": 0}
ALIASES = [
    ("TokenLeverage", {"budget": 64, "random_state": 0}, "LeverageShap", {"max_evals": 64}),
    ("TokenMsr", {"budget": 64, "random_state": 0}, "MsrShap", {"max_evals": 64}),
    ("TextLime", {"budget": 300, "random_state": 0}, "Lime", {"n_samples": 300}),
    ("TokenOcclusion", {}, "Occlusion", {}),
    ("SegmentLeverage", {"budget": 64, **SEG}, "LeverageShap", {"max_evals": 64}),
    ("SegmentMsr", {"budget": 64, **SEG}, "MsrShap", {"max_evals": 64}),
    ("SegmentLime", {"budget": 64, **SEG}, "Lime", {"n_samples": 64}),
    ("SegmentShapley", {"budget": 64, **SEG}, "SampledShapley", {"max_evals": 64}),
    ("ImageOcclusion", {"window": 4, "stride": 4}, "Occlusion", {}),
]


@pytest.mark.parametrize(("old", "old_kw", "new", "new_kw"), ALIASES, ids=[a[0] for a in ALIASES])
def test_each_deprecated_name_warns_once_and_gives_the_new_classes_numbers(
    old, old_kw, new, new_kw
):
    model, x = (text_model, TEXT) if old.startswith(("Token", "Text")) else (image_model, IMG)
    budget = {k: v for k, v in old_kw.items() if k != "budget"}
    before = ll.attribute(model, x, method=_alias(old)(**old_kw))
    after = ll.attribute(model, x, method=getattr(E, new)(**budget, **new_kw))
    np.testing.assert_array_equal(before.values, after.values)
    assert before.method == after.method


def test_the_deprecated_tabular_integrated_gradients_gives_the_same_numbers():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    X = np.random.default_rng(1).normal(size=(30, 4)).astype(np.float32)
    old = ll.attribute(net, X[0], background=X, method=_alias("TabularIntegratedGradients")())
    new = ll.attribute(net, X[0], background=X, method=E.IntegratedGradients(n_steps=50))
    np.testing.assert_array_equal(old.values, new.values)
    np.testing.assert_allclose(
        new.values.sum(), new.prediction - new.base_values, rtol=0.01
    )  # complete
