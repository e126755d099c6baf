"""Token attributions checked against hand computations and exact Shapley by enumeration."""

import itertools
import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll
from limelight.explainers import HierarchicalShapley, SampledShapley
from limelight.inputs.text import tokenize
from limelight.models.text import TextModel

FILLER = [
    "the",
    "a",
    "film",
    "movie",
    "story",
    "plot",
    "actor",
    "scene",
    "it",
    "was",
    "is",
    "and",
    "but",
    "of",
    "to",
    "in",
    "this",
    "that",
    "with",
    "some",
    "very",
    "quite",
    "rather",
    "night",
    "city",
    "music",
    "camera",
    "part",
    "end",
]
POSITIVE, NEGATIVE = ["superb", "delightful"], ["dreadful", "tedious"]


def corpus(seed=0, n=300):
    """Sentences of filler words; each label gets one or two of its cue words."""
    rng = np.random.default_rng(seed)
    docs, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, size=12))
        cues = POSITIVE if label else NEGATIVE
        for cue in rng.choice(cues, size=rng.integers(1, 3)):
            words.insert(int(rng.integers(0, len(words))), str(cue))
        docs.append(" ".join(words))
        labels.append(label)
    return docs, np.array(labels)


@pytest.fixture(scope="module")
def pipeline():
    docs, labels = corpus()
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=10.0)).fit(docs, labels)


def cue_document(seed=1, n_words=60):
    rng = np.random.default_rng(seed)
    words = list(rng.choice(FILLER, size=n_words))
    for cue, at in zip(["superb", "dreadful", "delightful"], [7, 25, 44]):
        words[at] = cue
    return " ".join(words) + "."


def without(text, spans, keep):
    """The text with the tokens not in ``keep`` cut out, written independently here."""
    out, last = [], 0
    for i, (s, e) in enumerate(spans):
        out.append(text[last:s])
        if i in keep:
            out.append(text[s:e])
        last = e
    out.append(text[last:])
    return "".join(out)


@pytest.mark.parametrize("method", ["shapley", "hierarchical", "lime", "occlusion"])
def test_planted_cue_words_come_out_on_top(pipeline, method):
    text = cue_document()
    e = ll.attribute(pipeline, text, method=method, budget=3000, random_state=0)
    positive = e.values[e.output_index("1")]
    top3 = {e.feature_names[i] for i in np.argsort(-np.abs(positive))[:3]}
    assert top3 == {"superb", "dreadful", "delightful"}
    by_word = dict(zip(e.feature_names, positive))
    assert by_word["superb"] > 0 and by_word["delightful"] > 0 and by_word["dreadful"] < 0
    # the two classes' probabilities move in opposite directions
    np.testing.assert_allclose(e.values[0], -e.values[1], atol=1e-9)


def test_occlusion_equals_the_model_with_each_token_cut_out(pipeline):
    text = "The plot was thin, but the acting was superb!\nReally superb."
    e = ll.attribute(pipeline, text, method="occlusion")
    spans = tokenize(text).spans.tolist()
    n = len(spans)
    full = pipeline.predict_proba([text])[0]
    for i in range(n):
        cut = pipeline.predict_proba([without(text, spans, set(range(n)) - {i})])[0]
        np.testing.assert_allclose(e.values[:, i], full - cut, rtol=0, atol=1e-12)
    np.testing.assert_allclose(e.prediction, full, rtol=0, atol=1e-12)
    assert e.n_evals == n + 2 and e.modality == "text" and e.data == text


def exact_shapley(f, text, spans):
    n = len(spans)
    cache = {}
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            cache[subset] = f([without(text, spans, set(subset))])[0]
    phi = np.zeros((len(cache[()]), n))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                with_i = tuple(sorted((*subset, i)))
                phi[:, i] += w * (cache[with_i] - cache[subset])
    return phi


def test_sampled_shapley_is_close_to_exact_enumeration(pipeline):
    text = "a superb plot, but tedious music and dreadful camera"
    spans = tokenize(text).spans.tolist()
    exact = exact_shapley(pipeline.predict_proba, text, spans)  # 2^10 subsets
    e = ll.attribute(pipeline, text, method="shapley", budget=6000, random_state=3)
    err = np.abs(e.values - exact)
    assert err.max() < 0.1 * np.abs(exact).max()
    assert np.all(err <= 4 * e.stderr + 1e-9)  # the reported standard error is honest
    assert e.additivity_error() < 1e-9


def test_hierarchical_shapley_is_exact_for_an_additive_model():
    weights = {"good": 2.0, "bad": -1.5, "great": 3.0, "dull": -0.5}

    def additive(texts):
        return np.array([[sum(weights.get(w, 0.0) for w in t.split())] for t in texts])

    text = " ".join(["good", "x", "bad", "great", "y", "dull", "z", "good"] * 5)
    e = ll.attribute(additive, text, method="hierarchical", budget=10_000)
    expected = [weights.get(tok, 0.0) for tok in e.feature_names]
    np.testing.assert_allclose(e.values[0], expected, atol=1e-9)


def test_hierarchical_shapley_finds_cues_in_a_2000_token_document():
    # word counts (no length normalisation) so a cue weighs as much in a long text as in
    # a short one; with TF-IDF the Shapley values of 2,000 tokens are mostly noise
    docs, labels = corpus()
    counts = make_pipeline(CountVectorizer(), LogisticRegression(C=10.0)).fit(docs, labels)
    rng = np.random.default_rng(5)
    words = list(rng.choice(FILLER, size=2000))
    for cue, at in zip(["superb", "dreadful", "delightful"], [150, 1100, 1800]):
        words[at] = cue
    text = " ".join(words)
    model = TextModel.from_any(counts, output="decision")
    e = HierarchicalShapley(budget=1500).explain(model, tokenize(text))
    top3 = {e.feature_names[i] for i in np.argsort(-np.abs(e.values[0]))[:3]}
    assert top3 == {"superb", "dreadful", "delightful"}
    assert model.rows <= 1500 and e.n_evals == model.rows
    assert e.additivity_error() < 1e-9


def test_lime_recovers_the_weights_of_an_additive_model():
    weights = {"good": 2.0, "bad": -1.0}

    def additive(texts):
        return np.array([[sum(weights.get(w, 0.0) for w in t.split())] for t in texts])

    e = ll.attribute(
        additive, "good film , bad plot , good end", method="lime", budget=3000, random_state=0
    )
    expected = [weights.get(tok, 0.0) for tok in e.feature_names]
    np.testing.assert_allclose(e.values[0], expected, atol=0.05)


def test_mask_token_replaces_instead_of_removing():
    seen = []

    def count_masks(texts):
        seen.extend(texts)
        return np.array([[t.count("<mask>")] for t in texts], dtype=float)

    e = ll.attribute(
        count_masks, "one two three", method="occlusion", masking="token", mask_token="<mask>"
    )
    assert "<mask> two three" in seen and "<mask> <mask> <mask>" in seen
    np.testing.assert_array_equal(e.values, [[-1.0, -1.0, -1.0]])
    assert e.params["masking"] == "token"


def test_streams_partials_and_stops_when_closed(pipeline):
    text = cue_document()
    p = ll.api.plan(pipeline, text, method="shapley", budget=3000, batch_size=300, random_state=0)
    parts = list(p.stream())
    assert [x.done for x in parts] == [False] * (len(parts) - 1) + [True]
    assert len(parts) >= 5
    evals = [x.n_evals for x in parts]
    assert evals == sorted(evals) and evals[-1] <= 3000
    assert parts[-1].params["budget"] == 3000
    # the estimate settles: later partials are closer to the final one
    final = parts[-1].values
    assert np.abs(parts[1].values - final).max() > np.abs(parts[-2].values - final).max()

    p2 = ll.api.plan(pipeline, text, method="shapley", budget=3000, batch_size=300)
    gen = p2.stream()
    next(gen), next(gen)
    calls = p2.model.calls
    gen.close()
    assert p2.model.calls == calls  # cancelled: no more model calls


def test_same_seed_same_numbers(pipeline):
    text = cue_document()
    run = lambda m, s: ll.attribute(pipeline, text, method=m, budget=800, random_state=s)
    for method in ("shapley", "lime"):
        np.testing.assert_array_equal(run(method, 7).values, run(method, 7).values)
        assert not np.array_equal(run(method, 7).values, run(method, 8).values)


def test_sampled_shapley_rows_are_batched(pipeline):
    model = TextModel.from_any(pipeline)
    SampledShapley(budget=2000, batch_size=1000, random_state=0).explain(
        model, tokenize(cue_document())
    )
    assert model.calls <= 4 and model.rows <= 2000
