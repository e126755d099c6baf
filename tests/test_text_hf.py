"""Hugging Face transformers text classifiers: a tiny BERT built from a config and a
WordPiece tokenizer trained here (no downloads), checked against direct model calls one
document at a time and against captum's LayerIntegratedGradients."""

import warnings

import numpy as np
import pytest

import limelight as ll
from limelight.errors import InputError
from limelight.explainers._completeness import CompletenessWarning

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
captum_attr = pytest.importorskip("captum.attr")
import tiny_bert  # noqa: E402

TEXT = "The  GREAT film, at night... with an Unforgettably long letter!"
TEXT_METHODS = ["occlusion", "shapley", "hierarchical", "lime", "gradient_x_input",
                "integrated_gradients"]  # fmt: skip


@pytest.fixture(scope="module")
def tok():
    return tiny_bert.tokenizer()


@pytest.fixture()
def net(tok):
    return tiny_bert.model(tok)  # in training mode (dropout on), as a model built from a config


def alone(net, tok, texts):
    """Probabilities of each text scored by itself, no padding, in eval mode."""
    was = net.training
    net.eval()
    with torch.no_grad():
        out = [net(**tok(t, return_tensors="pt")).logits.softmax(-1)[0].numpy() for t in texts]
    net.train(was)
    return np.array(out)


def test_a_padded_batch_scores_each_document_as_it_scores_alone(net, tok):
    from limelight.models.hf import HFTextModel

    docs = ["great", TEXT, "an awful plot and dreadful acting, told at night by a river", "a"]
    got = HFTextModel(net, tokenizer=tok).predict(docs)
    np.testing.assert_allclose(got, alone(net, tok, docs), rtol=0, atol=1e-6)
    assert net.training  # given back in training mode


def test_occlusion_equals_leaving_each_token_out_by_hand(net, tok):
    e = ll.attribute(net, TEXT, tokenizer=tok, method="occlusion")
    enc = tok(TEXT, return_offsets_mapping=True)
    spans = [(s, t) for s, t in enc["offset_mapping"] if t > s]
    # the reference: each perturbed string built by hand, scored alone (no padding at all)
    cut = [TEXT[: spans[i][0]] + TEXT[spans[i][1] :] for i in range(len(spans))]
    ref = alone(net, tok, [TEXT])[0] - alone(net, tok, cut)
    np.testing.assert_allclose(e.values.T, ref, rtol=0, atol=1e-6)


def test_highlights_sit_on_the_original_characters(net, tok):
    e = ll.attribute(net, TEXT, tokenizer=tok, method="occlusion")
    assert [TEXT[s:t] for s, t in e.spans] == e.feature_names
    assert e.feature_names[:4] == ["The", "GREAT", "film", ","]  # cased, as written
    # a word the vocabulary lacks is cut into pieces, each on its original (cased) letters
    assert "U" in e.feature_names and "##" not in "".join(e.feature_names)
    assert e.output_names == ["neg", "pos"]  # from config.id2label
    words = ll.attribute(net, TEXT, tokenizer=tok, method="occlusion", group_subwords=True)
    assert "Unforgettably" in words.feature_names


@pytest.mark.parametrize("method", TEXT_METHODS)
def test_a_pipeline_explains_like_its_model_and_tokenizer(net, tok, method):
    from transformers import pipeline

    pipe = pipeline("text-classification", model=net, tokenizer=tok)
    net.train()
    opts = {"budget": 200} if method in ("shapley", "hierarchical", "lime") else {}
    via_pipe = ll.attribute(pipe, TEXT, method=method, random_state=0, **opts)
    direct = ll.attribute(net, TEXT, tokenizer=tok, method=method, random_state=0, **opts)
    np.testing.assert_allclose(via_pipe.values, direct.values, rtol=1e-6, atol=1e-9)
    net.eval()  # the pipeline's own scores, without dropout
    scores = {d["label"]: d["score"] for d in pipe(TEXT, top_k=None)}
    net.train()
    np.testing.assert_allclose(via_pipe.prediction, [scores["neg"], scores["pos"]], atol=1e-6)
    assert net.training and all(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("target", [0, 1])
def test_integrated_gradients_match_captum_layer_integrated_gradients(net, tok, target):
    e = ll.attribute(net, TEXT, tokenizer=tok, method="integrated_gradients", n_steps=50)
    ids = tok(TEXT, return_tensors="pt")["input_ids"]
    special = torch.isin(ids, torch.tensor(tok.all_special_ids))
    baseline = torch.where(special, ids, torch.full_like(ids, tok.pad_token_id))
    net.eval()
    lig = captum_attr.LayerIntegratedGradients(
        lambda i: net(input_ids=i, attention_mask=torch.ones_like(i)).logits.softmax(-1),
        net.bert.embeddings.word_embeddings,
    )
    ref, delta = lig.attribute(
        ids, baselines=baseline, target=target, n_steps=50, return_convergence_delta=True
    )
    ref = ref.sum(-1)[0].detach().numpy()
    np.testing.assert_allclose(e.values[target], ref[1:-1], rtol=1e-5, atol=1e-7)
    assert np.abs(ref[[0, -1]]).max() == 0  # the special tokens stay in the baseline
    assert "special tokens" in e.params["additivity"]
    gap = e.prediction[target] - e.base_values[target]
    assert abs(e.values[target].sum() - gap) <= 0.01 * abs(gap) + 1e-6


def test_device_is_accepted_for_text(net, tok):
    e = ll.attribute(net, TEXT, tokenizer=tok, method="occlusion", device="cpu")
    assert e.values.shape[0] == 2
    with pytest.raises(InputError, match="device= only applies"):
        ll.attribute(lambda xs: [[len(x)] for x in xs], TEXT, device="cpu")


def test_a_text_longer_than_the_model_takes_is_refused_clearly(net, tok):
    with pytest.raises(InputError, match="at most 128"):
        ll.attribute(net, "word " * 200, tokenizer=tok, method="occlusion")


class SharpStep(torch.nn.Module):
    """pos - neg logit = sharpness * (mean embedding - 0.5): along the path from the zero
    embedding, the probability jumps from 0 to 1 at alpha = 0.5 (a saturated classifier)."""

    def __init__(self, vocab, sharpness):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 1)
        torch.nn.init.ones_(self.emb.weight)
        self.sharpness = sharpness

    def forward(self, ids):
        z = self.sharpness * (self.emb(ids).mean(dim=(1, 2)) - 0.5)
        return torch.stack([torch.zeros_like(z), z], dim=1)


def test_integrated_gradients_raise_their_steps_until_complete(tok):
    net = SharpStep(len(tok), sharpness=60.0).train()
    e = ll.attribute(net, TEXT, tokenizer=tok, method="integrated_gradients", n_steps=4)
    gap = np.abs(e.prediction - e.base_values)
    assert gap.min() > 0.99  # from 0 to 1
    assert e.params["n_steps"] > 4 and e.params["steps_run"] >= 4 + 8
    assert np.all(e.extras["completeness_error"] <= 0.01 * gap + 1e-6)
    assert "completeness_note" not in e.params
    # the reference: at 4 Gauss-Legendre steps the same integral misses by far more than 1%
    with pytest.warns(CompletenessWarning, match="after 4 steps"):
        fixed = ll.attribute(net, TEXT, tokenizer=tok, method="ig", n_steps=4, max_steps=4)
    assert np.all(fixed.extras["completeness_error"] > 0.01 * gap)
    assert net.training


def test_integrated_gradients_warn_when_the_budget_runs_out(tok):
    net = SharpStep(len(tok), sharpness=2000.0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        e = ll.attribute(net, TEXT, tokenizer=tok, method="ig", n_steps=2, max_steps=16)
    gap = np.abs(e.prediction - e.base_values)
    assert np.any(e.extras["completeness_error"] > 0.01 * gap)  # really incomplete
    assert any(issubclass(w.category, CompletenessWarning) for w in seen)
    assert "after 16 steps" in e.params["completeness_note"]
    assert e.params["steps_run"] == 2 + 4 + 8 + 16
    from limelight.encoders.text import encode

    assert e.params["completeness_note"] in encode(e)[0]["notes"]  # the view shows it
