"""Text instances: tokens keep their character offsets, perturbations keep the rest."""

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError, MethodError, ModelError
from limelight.inputs.text import tokenize


def test_default_tokens_map_back_to_the_original_text():
    text = "Don't panic!\n  The  plot, however, was thin…  really."
    inst = tokenize(text)
    assert inst.tokens == [
        "Don't", "panic", "!", "The", "plot", ",", "however", ",", "was", "thin", "…",
        "really", ".",
    ]  # fmt: skip
    for tok, (s, e) in zip(inst.tokens, inst.spans):
        assert text[s:e] == tok


def test_perturbing_keeps_whitespace_and_line_breaks_between_tokens():
    inst = tokenize("a\nb  c.")
    keep_all, drop_b = [1, 1, 1, 1], [1, 0, 1, 1]
    assert inst.perturb([keep_all, drop_b]) == ["a\nb  c.", "a\n  c."]
    masked = tokenize("a\nb  c.", masking="token", mask_token="<unk>")
    assert masked.perturb([drop_b]) == ["a\n<unk>  c."]


def test_a_callable_tokenizer_is_located_in_the_text():
    text = "New York is big"
    inst = tokenize(text, tokenizer=lambda s: ["New York", "is", "big"])
    assert inst.tokens == ["New York", "is", "big"]
    assert inst.spans.tolist() == [[0, 8], [9, 11], [12, 15]]
    triples = tokenize(text, tokenizer=lambda s: [("York", 4, 8), ("big", 12, 15)])
    assert triples.perturb([[0, 1]]) == ["New  is big"]


def test_explicit_tokens_and_spans_must_agree_with_the_text():
    with pytest.raises(InputError, match="token 1 is 'cat' but its span"):
        tokenize("a dog", tokens=["a", "cat"], spans=[(0, 1), (2, 5)])
    with pytest.raises(InputError, match="2 tokens but 1 spans"):
        tokenize("a dog", tokens=["a", "dog"], spans=[(0, 1)])
    with pytest.raises(InputError, match="does not occur"):
        tokenize("a dog", tokenizer=lambda s: ["a", "cat"])
    with pytest.raises(InputError, match="overlaps"):
        tokenize("a dog", spans=[(0, 3), (2, 5)])


@pytest.mark.parametrize("text, word", [("", "empty"), ("  \n\t ", "whitespace")])
def test_empty_or_whitespace_text_is_refused_with_a_fix(text, word):
    with pytest.raises(InputError, match=word) as info:
        ll.attribute(lambda xs: np.ones(len(xs)), text)
    assert "Fix:" in str(info.value)


def test_a_non_string_is_refused_when_the_text_modality_is_forced():
    with pytest.raises(InputError, match="must be a str"):
        ll.api.plan(lambda xs: np.ones(len(xs)), ["a", "b"], modality="text")


def test_a_model_that_rejects_a_perturbed_string_is_reported_before_running():
    original = "the cat sat"

    def picky(texts):
        for t in texts:
            if t != original:
                raise ValueError("unknown document")
        return np.ones((len(texts), 2))

    with pytest.raises(ModelError, match="rejects a perturbed copy") as info:
        ll.api.plan(picky, original)
    assert "masking='token'" in str(info.value)


def test_a_model_that_fails_on_the_text_itself_names_the_error():
    def broken(texts):
        raise KeyError("vocab")

    with pytest.raises(ModelError, match="KeyError"):
        ll.api.plan(broken, "the cat sat")


def test_unknown_and_impossible_methods_name_the_ones_that_work():
    f = lambda xs: np.ones((len(xs), 1))
    with pytest.raises(MethodError, match="unknown text method 'magic'"):
        ll.api.plan(f, "a b", method="magic")
    with pytest.raises(MethodError, match="needs gradients") as info:
        ll.api.plan(f, "a b", method="integrated_gradients")
    assert "occlusion" in str(info.value)
    with pytest.raises(InputError, match="budget"):
        ll.api.plan(f, "a b c d", method="shapley", budget=3)
    with pytest.raises(InputError, match="background"):
        ll.api.plan(f, "a b", background=["x"])
    with pytest.raises(InputError, match="masking"):
        ll.api.plan(f, "a b", masking="blank")


def test_planning_does_not_mutate_user_lists():
    tokens, spans = ["a", "dog"], [(0, 1), (2, 5)]
    ll.api.plan(
        lambda xs: np.ones(len(xs)), "a dog", tokens=tokens, spans=spans, method="occlusion"
    )
    assert tokens == ["a", "dog"] and spans == [(0, 1), (2, 5)]
