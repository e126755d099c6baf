"""A tiny BERT classifier and its fast tokenizer, built offline (no model hub): a WordPiece
tokenizer fitted to a few sentences, a 2-layer BertForSequenceClassification from a
config, optionally trained for a few seconds on a planted-cue task ("great"/"superb"
push toward "pos", "awful"/"dreadful" toward "neg"; a document without a cue is a coin
flip, so the cue is what moves the prediction). Shared by tests and bench/text.py.
"""

from __future__ import annotations

import random

POS_CUES = ["great", "superb"]
NEG_CUES = ["awful", "dreadful"]
FILLER = (
    "the film story plot actor music scene camera night city house table window road "
    "river paper letter light sound voice water garden morning evening chair screen"
).split()
CORPUS = [
    "a great film with a superb cast",
    "an awful plot and dreadful acting",
    "the story of a city at night, told by a river.",
    "Nobody expected the garden scene; the camera stays on the window!",
    "unbelievably long credits and a strange letter",
    " ".join(FILLER),
]


def tokenizer():
    """A ``PreTrainedTokenizerFast`` (WordPiece, lower-cased, [CLS] ... [SEP]) whose
    vocabulary is fitted to the corpus here: its words, then every character alone and as a
    "##" continuation, so other words split into pieces. Built, not trained: the WordPiece
    trainer breaks ties differently in every process, and the tests need the same ids."""
    import re

    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = sorted({w for doc in CORPUS + POS_CUES + NEG_CUES for w in re.findall(r"\w+", doc)})
    chars = sorted(
        {c for doc in CORPUS for c in doc.lower() if not c.isspace()}
        | set("abcdefghijklmnopqrstuvwxyz0123456789")
    )
    pieces = specials + words + [c for c in chars if c not in words] + ["##" + c for c in chars]
    vocab = {p: i for i, p in enumerate(dict.fromkeys(pieces))}
    tk = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tk.normalizer = normalizers.BertNormalizer(lowercase=True)
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = tk.token_to_id("[CLS]"), tk.token_to_id("[SEP]")
    tk.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tk,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def model(tok, *, seed: int = 0, hidden: int = 16, layers: int = 2):
    """An untrained 2-class BertForSequenceClassification (in training mode, as built)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=len(tok),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=128,
        num_labels=2,
        id2label={0: "neg", 1: "pos"},
        label2id={"neg": 0, "pos": 1},
        pad_token_id=tok.pad_token_id,
    )
    return BertForSequenceClassification(cfg)


def planted_document(rng: random.Random, n_words: int = 30, n_cues: int = 2):
    """A filler document with ``n_cues`` cue words of one class planted; (text, label, cues)."""
    label = rng.randrange(2)  # with no cue, a coin flip: the model learns 50/50 for those
    cues = rng.sample(POS_CUES if label else NEG_CUES, 1) * n_cues
    words = [rng.choice(FILLER) for _ in range(n_words)]
    for c in cues:
        words[rng.randrange(n_words)] = c
    return " ".join(words), label, sorted(set(cues))


def trained(tok, *, steps: int = 300, seed: int = 0):
    """The tiny BERT trained briefly on planted-cue documents; returned in eval mode."""
    import torch

    net = model(tok, seed=seed)
    rng = random.Random(seed)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    net.train()
    for _ in range(steps):
        docs = [
            planted_document(rng, n_words=rng.randrange(5, 20), n_cues=rng.choice([0, 1, 1]))
            for _ in range(16)
        ]
        enc = tok([d[0] for d in docs], padding=True, return_tensors="pt")
        out = net(**enc, labels=torch.tensor([d[1] for d in docs]))
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    return net.eval()
