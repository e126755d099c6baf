"""Text explainers side by side: limelight vs lime's LimeTextExplainer and shap's text
explainers (Partition and Permutation with a Text masker).

One TF-IDF + LogisticRegression pipeline trained on a corpus with planted cue words, one
200-word document holding 10 distinct cues. Every explainer gets the same number of model
evaluations (--evals, default 5000). Reported per explainer (medians of --repeats runs):

- time per document,
- rows the model actually saw, and overhead = explainer time / one bare batched
  ``predict_proba`` on exactly those strings (the physical limit is 1.0),
- recall@10: distinct cue words among the 10 words with the largest |attribution| for the
  predicted class (token values summed per word; lime's features already are words).

Then (``--part transformers``, see bench/_text_hf.py) a tiny BERT from transformers
beside captum's LayerIntegratedGradients and shap's Partition explainer.

Threads pinned to 1 (OMP/OpenBLAS/MKL) before numpy loads.

    python bench/text.py [--evals 5000] [--repeats 3] [--part all|sklearn|transformers]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import re
import statistics
import time
import warnings

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll

FILLER = re.findall(
    r"\w+",
    "the a film movie story plot actor actress scene it was is and but of to in this that "
    "with some very quite rather night city music camera part end first last long short "
    "time people director script moment characters screen watch seen made",
)
POSITIVE = ["superb", "delightful", "brilliant", "moving", "gripping", "stunning"]
NEGATIVE = ["dreadful", "tedious", "boring", "clumsy", "awful", "bland"]


def corpus(rng, n=2000):
    docs, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, size=int(rng.integers(15, 40))))
        cues = POSITIVE if label else NEGATIVE
        for cue in rng.choice(cues, size=int(rng.integers(1, 4))):
            words.insert(int(rng.integers(0, len(words) + 1)), str(cue))
        docs.append(" ".join(words))
        labels.append(label)
    return docs, np.array(labels)


def document(rng, n_words=200):
    words = list(rng.choice(FILLER, size=n_words))
    cues = POSITIVE[:5] + NEGATIVE[:5]
    for cue, at in zip(cues, rng.choice(n_words, size=len(cues), replace=False)):
        words[at] = cue
    return " ".join(words) + ".", set(cues)


class Counted:
    """predict_proba that records every string it is called on."""

    def __init__(self, pipe):
        self.pipe, self.seen = pipe, []

    def __call__(self, texts):
        texts = [str(t) for t in texts]
        self.seen.extend(texts)
        return self.pipe.predict_proba(texts)


def word_recall(words, scores, cues, k=10):
    per_word: dict[str, float] = {}
    for w, s in zip(words, scores):
        w = w.strip().lower()
        if w:
            per_word[w] = per_word.get(w, 0.0) + float(s)
    top = sorted(per_word, key=lambda w: -abs(per_word[w]))[:k]
    return len(set(top) & cues) / len(cues)


def run_limelight(method, f, text, evals, seed):
    e = ll.attribute(f, text, method=method, budget=evals, random_state=seed, batch_size=evals)
    target = e.output_index(None)
    return e.feature_names, e.values[target]


def run_lime(f, text, evals, seed):
    from lime.lime_text import LimeTextExplainer

    explainer = LimeTextExplainer(class_names=["neg", "pos"], random_state=seed)
    exp = explainer.explain_instance(text, f, num_features=10, num_samples=evals, labels=(1,))
    pairs = exp.as_list(label=1)
    return [w for w, _ in pairs], [v for _, v in pairs]


def run_shap(kind, f, text, evals, seed):
    import shap

    masker = shap.maskers.Text(r"\W+")
    if kind == "partition":
        explainer = shap.explainers.Partition(f, masker)
    else:
        explainer = shap.explainers.Permutation(f, masker, seed=seed)
    sv = explainer([text], max_evals=evals, silent=True)
    target = int(np.argmax(f([text])[0]))
    return list(sv.data[0]), sv.values[0][:, target]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evals", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part", choices=["all", "sklearn", "transformers"], default="all")
    parser.add_argument("--docs", type=int, default=5, help="transformers part: documents")
    parser.add_argument(
        "--only", default=None, help="explainers whose name holds one of these, e.g. leverage,shap"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.part != "transformers":
        sklearn_part(args)
    if args.part != "sklearn":
        from _text_hf import run

        run(docs=args.docs, evals=min(args.evals, 500))


def sklearn_part(args) -> None:
    import lime.lime_text  # noqa: F401  (imports outside the timed runs)
    import shap  # noqa: F401

    rng = np.random.default_rng(0)
    docs, labels = corpus(rng)
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(C=5.0, max_iter=1000))
    pipe.fit(docs, labels)
    text, cues = document(rng)
    print(
        f"document: {len(text.split())} words, {len(ll.attribute(pipe, text, method='occlusion').feature_names)} limelight tokens; "
        f"p(pos)={pipe.predict_proba([text])[0, 1]:.3f}; evals={args.evals}; "
        f"threads=1; median of {args.repeats}"
    )

    runners = {
        "limelight shapley": lambda f, s: run_limelight("shapley", f, text, args.evals, s),
        "limelight lime": lambda f, s: run_limelight("lime", f, text, args.evals, s),
        "limelight leverage": lambda f, s: run_limelight("leverage", f, text, args.evals, s),
        "limelight msr": lambda f, s: run_limelight("msr", f, text, args.evals, s),
        "limelight hierarchical": lambda f, s: run_limelight(
            "hierarchical", f, text, args.evals, s
        ),
        "lime LimeTextExplainer": lambda f, s: run_lime(f, text, args.evals, s),
        "shap Partition (Text)": lambda f, s: run_shap("partition", f, text, args.evals, s),
        "shap Permutation (Text)": lambda f, s: run_shap("permutation", f, text, args.evals, s),
    }
    if args.only:
        keep = args.only.split(",")
        runners = {k: v for k, v in runners.items() if any(w in k for w in keep)}
    rows = []
    for name, runner in runners.items():
        times, overheads, recalls, n_rows = [], [], [], 0
        for seed in range(args.repeats):
            f = Counted(pipe)
            t0 = time.perf_counter()
            words, scores = runner(f, seed)
            elapsed = time.perf_counter() - t0
            t1 = time.perf_counter()
            pipe.predict_proba(f.seen)  # one bare batched call on the same strings
            bare = time.perf_counter() - t1
            times.append(elapsed)
            overheads.append(elapsed / bare)
            recalls.append(word_recall(words, scores, cues))
            n_rows = len(f.seen)
        rows.append(
            (
                name,
                statistics.median(times),
                n_rows,
                statistics.median(overheads),
                statistics.median(recalls),
                statistics.mean(recalls),
            )
        )
    lime_time = next((r[1] for r in rows if r[0].startswith("lime ")), float("nan"))
    print(
        f"{'explainer':26s} {'time ms':>8s} {'vs lime':>8s} {'rows':>6s} {'overhead':>9s} "
        f"{'recall@10':>10s} {'mean':>6s}"
    )
    for name, t, n, o, r, rm in rows:
        print(
            f"{name:26s} {1000 * t:8.0f} {t / lime_time:8.2f} {n:6d} {o:9.2f} {r:10.2f} {rm:6.2f}"
        )


if __name__ == "__main__":
    main()
