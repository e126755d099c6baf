"""The transformers part of bench/text.py: a tiny BERT (tests/tiny_bert.py, trained for a
few seconds on planted cues, no downloads) explained by limelight beside captum's
LayerIntegratedGradients and shap's Partition explainer with a Text masker.

Per explainer, medians over --docs documents (each 40 filler words with two distinct
positive cue words planted):

- time per document, and the ratio to captum's LayerIntegratedGradients (50 steps);
- overhead = time / the bare model work it needed: for gradient methods one batched
  forward + backward of the same number of rows, for perturbation methods one padded
  batched forward (no_grad, batches of 64) of as many copies of the document as rows;
- recall@2: the two cue words among the 2 words with the largest |attribution| for "pos".
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import limelight as ll

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import tiny_bert  # noqa: E402


def _recall(words, scores, cues, k=2):
    per: dict[str, float] = {}
    for w, s in zip(words, scores):
        w = w.strip().lower()
        if w:
            per[w] = per.get(w, 0.0) + float(s)
    top = sorted(per, key=lambda w: -abs(per[w]))[:k]
    return len(set(top) & set(cues)) / len(cues)


def _bare_forward(net, tok, text, rows, torch):
    t0 = time.perf_counter()
    with torch.no_grad():
        for start in range(0, rows, 64):
            n = min(64, rows - start)
            net(**tok([text] * n, padding=True, return_tensors="pt"))
    return time.perf_counter() - t0


def _bare_gradient(net, tok, text, rows, torch):
    ids = tok(text, return_tensors="pt")["input_ids"].expand(rows, -1)
    t0 = time.perf_counter()
    emb = net.bert.embeddings.word_embeddings(ids).detach().requires_grad_(True)
    out = net(inputs_embeds=emb).logits.softmax(-1)
    torch.autograd.grad(out[:, 1].sum(), emb)
    return time.perf_counter() - t0


def _captum(net, tok, text, torch):
    from captum.attr import LayerIntegratedGradients

    ids = tok(text, return_tensors="pt")["input_ids"]
    special = torch.isin(ids, torch.tensor(tok.all_special_ids))
    base = torch.where(special, ids, torch.full_like(ids, tok.pad_token_id))
    lig = LayerIntegratedGradients(
        lambda i: net(input_ids=i, attention_mask=torch.ones_like(i)).logits.softmax(-1),
        net.bert.embeddings.word_embeddings,
    )
    attr = lig.attribute(ids, baselines=base, target=1, n_steps=50, internal_batch_size=16)
    words = tok.convert_ids_to_tokens(ids[0])
    return [w.replace("##", "") for w in words], attr.sum(-1)[0].detach().numpy(), 52


def _shap(net, tok, text, evals, torch):
    import shap

    def f(texts):
        with torch.no_grad():
            enc = tok([str(t) for t in texts], padding=True, return_tensors="pt")
            return net(**enc).logits.softmax(-1).numpy()

    sv = shap.explainers.Partition(f, shap.maskers.Text(r"\W+"))([text], max_evals=evals,
                                                                  silent=True)  # fmt: skip
    return list(sv.data[0]), sv.values[0][:, 1], evals


def run(docs: int = 5, evals: int = 500) -> None:
    import torch

    torch.set_num_threads(1)
    tok = tiny_bert.tokenizer()
    t0 = time.perf_counter()
    net = tiny_bert.trained(tok)
    print(f"\ntiny BERT (2 layers, hidden 16) trained in {time.perf_counter() - t0:.1f} s; "
          f"{docs} documents of 40 words with 2 planted cues; perturbation budget {evals}")  # fmt: skip
    rng = random.Random(1)
    texts = []
    for _ in range(docs):
        words = [rng.choice(tiny_bert.FILLER) for _ in range(40)]
        for cue, at in zip(tiny_bert.POS_CUES, rng.sample(range(40), 2)):
            words[at] = cue
        texts.append(" ".join(words) + ".")

    def lime_light(method):
        def go(text):
            e = ll.attribute(net, text, tokenizer=tok, method=method, budget=evals,
                             random_state=0, output=1)  # fmt: skip
            return e.feature_names, e.values[e.output_names.index("pos")], e.n_evals

        return go

    runners = {
        "limelight integrated_gradients": (lime_light("integrated_gradients"), "grad"),
        "limelight gradient_x_input": (lime_light("gradient_x_input"), "grad"),
        "captum LayerIntegratedGradients": (lambda t: _captum(net, tok, t, torch), "grad"),
        "limelight shapley": (lime_light("shapley"), "fwd"),
        "limelight occlusion": (lime_light("occlusion"), "fwd"),
        "shap Partition (Text)": (lambda t: _shap(net, tok, t, evals, torch), "fwd"),
    }
    rows = []
    for name, (go, kind) in runners.items():
        times, overheads, recalls = [], [], []
        for text in texts:
            t1 = time.perf_counter()
            words, scores, n = go(text)
            elapsed = time.perf_counter() - t1
            bare = (_bare_gradient if kind == "grad" else _bare_forward)(net, tok, text, n, torch)
            times.append(elapsed)
            overheads.append(elapsed / bare)
            recalls.append(_recall(words, scores, tiny_bert.POS_CUES))
        rows.append((name, statistics.median(times), n, statistics.median(overheads),
                     float(np.mean(recalls))))  # fmt: skip
    captum_t = next(r[1] for r in rows if r[0].startswith("captum"))
    print(f"{'explainer':32s} {'time ms':>8s} {'vs captum':>9s} {'rows':>6s} "
          f"{'overhead':>9s} {'recall@2':>9s}")  # fmt: skip
    for name, t, n, o, r in rows:
        print(f"{name:32s} {1000 * t:8.1f} {t / captum_t:9.2f} {n:6d} {o:9.2f} {r:9.2f}")
