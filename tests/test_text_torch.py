"""Torch text models: embedding gradients against captum, sub-words, perturbations."""

import re

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError
from limelight.inputs.text import tokenize

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")


class WordPieceTokenizer:
    """A tiny Hugging Face-style tokenizer: [CLS] ... [SEP], words longer than 5 letters
    split into 4-letter pieces ("##" continuation), offsets like a fast tokenizer."""

    pad_token_id, mask_token = 0, "[MASK]"

    def __init__(self):
        self.vocab = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3, "[MASK]": 4}

    def _id(self, piece):
        return self.vocab.setdefault(piece, len(self.vocab))

    def __call__(self, text, return_offsets_mapping=False):
        ids, offsets = [1], [(0, 0)]
        for m in re.finditer(r"\w+|[^\w\s]", text.lower()):
            word, start = m.group(), m.start()
            cuts = [0] if len(word) <= 5 else list(range(0, len(word), 4))
            for i, c in enumerate(cuts):
                piece = word[c : c + 4] if len(cuts) > 1 else word
                ids.append(self._id(piece if i == 0 else "##" + piece))
                offsets.append((start + c, start + c + len(piece)))
        ids.append(2)
        offsets.append((0, 0))
        out = {"input_ids": ids}
        if return_offsets_mapping:
            out["offset_mapping"] = offsets
        return out

    def convert_ids_to_tokens(self, ids):
        inverse = {v: k for k, v in self.vocab.items()}
        return [inverse[i] for i in ids]


class BagClassifier(torch.nn.Module):
    def __init__(self, vocab=64, dim=8):
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(vocab, dim, padding_idx=0)
        self.hidden = torch.nn.Linear(dim, 16)
        self.out = torch.nn.Linear(16, 2)

    def forward(self, ids):
        x = self.emb(ids)
        pooled = (x * (ids > 0).unsqueeze(-1)).sum(1) / (ids > 0).sum(1, keepdim=True)
        return self.out(torch.tanh(self.hidden(pooled)))


TEXT = "An extraordinary film, wonderfully acted."


@pytest.fixture()
def setup():
    tok = WordPieceTokenizer()
    tok(TEXT + " plain words here")  # fill the vocabulary
    return BagClassifier(), tok


def captum_layer_ig(net, tok, target, baseline_id, n_steps):
    ids = torch.tensor([tok(TEXT)["input_ids"]])
    forward = lambda x: net(x).softmax(-1)
    lig = captum_attr.LayerIntegratedGradients(forward, net.emb)
    attr = lig.attribute(
        ids, baselines=torch.full_like(ids, baseline_id), target=target, n_steps=n_steps
    )
    return attr.sum(-1)[0].detach().numpy()


def test_integrated_gradients_match_captum(setup):
    net, tok = setup
    e = ll.attribute(
        net, TEXT, tokenizer=tok, method="integrated_gradients", n_steps=40, baseline_id=0
    )
    offsets = np.array(tok(TEXT, return_offsets_mapping=True)["offset_mapping"])
    keep = offsets[:, 1] > offsets[:, 0]
    for target in (0, 1):
        ref = captum_layer_ig(net, tok, target, baseline_id=0, n_steps=40)[keep]
        np.testing.assert_allclose(e.values[target], ref, rtol=1e-4, atol=1e-6)
    assert e.method == "integrated_gradients" and e.modality == "text"
    # offsets put each piece on the original (cased) text
    assert e.feature_names[:4] == ["An", "extr", "aord", "inar"]


def test_gradient_x_input_matches_captum(setup):
    net, tok = setup
    e = ll.attribute(net, TEXT, tokenizer=tok, method="gradient_x_input")
    ids = torch.tensor([tok(TEXT)["input_ids"]])
    ref = captum_attr.LayerGradientXActivation(lambda x: net(x).softmax(-1), net.emb)
    attr = ref.attribute(ids, target=1).sum(-1)[0].detach().numpy()[1:-1]
    np.testing.assert_allclose(e.values[1], attr, rtol=1e-4, atol=1e-7)


def test_subword_pieces_group_back_into_words(setup):
    net, tok = setup
    pieces = ll.attribute(net, TEXT, tokenizer=tok, method="integrated_gradients")
    words = ll.attribute(
        net, TEXT, tokenizer=tok, method="integrated_gradients", group_subwords=True
    )
    assert words.feature_names == ["An", "extraordinary", "film", ",", "wonderfully",
                                   "acted", "."]  # fmt: skip
    assert [TEXT[s:e] for s, e in words.spans] == words.feature_names
    # "extraordinary" = the sum of its four pieces
    np.testing.assert_allclose(words.values[:, 1], pieces.values[:, 1:5].sum(axis=1), rtol=1e-9)
    inst = tokenize(TEXT, tokenizer=tok, group_subwords=True)
    assert inst.extras["groups"].tolist() == [0, 1, 1, 1, 1, 2, 3, 4, 4, 4, 5, 6]


def test_integrated_gradients_are_complete_and_stream(setup):
    net, tok = setup
    p = ll.api.plan(net, TEXT, tokenizer=tok, method="ig", n_steps=64, batch_size=16)
    parts = list(p.stream())
    assert len(parts) == 4 and [x.done for x in parts] == [False, False, False, True]
    final = parts[-1]
    # sum over every id (specials included) = f(x) - f(baseline), the IG completeness axiom
    assert final.extras["completeness_error"].max() < 1e-4


def test_perturbation_methods_work_on_torch_models(setup):
    net, tok = setup
    e = ll.attribute(net, TEXT, tokenizer=tok, method="occlusion", masking="token")
    inst = tokenize(TEXT, tokenizer=tok, masking="token")
    ids = [tok(t)["input_ids"] for t in [TEXT, *inst.perturb(~np.eye(len(inst), dtype=bool))]]
    with torch.no_grad():
        probs = [net(torch.tensor([i])).softmax(-1)[0].numpy() for i in ids]
    np.testing.assert_allclose(e.values.T, probs[0] - np.array(probs[1:]), atol=1e-6)


def test_torch_model_needs_its_tokenizer(setup):
    net, _ = setup
    with pytest.raises(InputError, match="needs the tokenizer"):
        ll.attribute(net, TEXT)


@pytest.mark.parametrize(
    ("old", "new", "kw"),
    [
        ("TokenIntegratedGradients", "IntegratedGradients", {"n_steps": 16, "baseline_id": 0}),
        ("TokenGradientXInput", "GradientXInput", {"baseline_id": 0}),
    ],
)
def test_the_deprecated_token_gradient_names_warn_once_and_match_the_one_class(setup, old, new, kw):
    net, tok = setup
    ll.explainers._WARNED.discard(old)
    with pytest.warns(FutureWarning, match=f"{old} is deprecated"):
        cls = getattr(ll.explainers, old)
    before = ll.attribute(net, TEXT, tokenizer=tok, method=cls(**kw))
    after = ll.attribute(net, TEXT, tokenizer=tok, method=getattr(ll.explainers, new)(**kw))
    np.testing.assert_array_equal(before.values, after.values)
    assert before.method == after.method
