"""attribute_many over texts and images vs a loop of ll.attribute: the same numbers
(checked), time per item (medians of rounds that run each side once, interleaved) and the
model calls each side makes.

- text: a TF-IDF + LogisticRegression pipeline, 200 reviews of 12-20 words, sampled
  Shapley with a budget of 400 rows per text, and occlusion;
- images: a small torch CNN on 16x16 digits (8x8 sklearn digits upsampled), called as a
  numpy function f(batch) -> 10 scores, occlusion (window 4, stride 2) and segment Shapley
  (16 grid segments, budget 200), 100 images; and as the torch module itself, integrated
  gradients (32 steps) and saliency, the gradients of 8 images a batch.

    python bench/many_items.py [--repeats 3] [--n 200]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import time
import warnings

import numpy as np

import limelight as ll

warnings.filterwarnings("ignore")  # IG's completeness warning, once per image

WORDS = (
    "great terrible dull moving slow film story cast acting plot music script care long "
    "the a and but with not too far is told"
).split()


class Counted:
    """The model, counting its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, batch):
        self.calls += 1
        return self.fn(batch)


def text_case(n: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)
    docs = [" ".join(rng.choice(WORDS, rng.integers(12, 21))) for _ in range(n + 200)]
    y = [
        int(d.count("great") + d.count("moving") > d.count("terrible") + d.count("dull"))
        for d in docs
    ]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs[n:], y[n:])
    return Counted(lambda xs: pipe.predict_proba(xs)), docs[:n]


def image_case(n: int):
    import torch
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    torch.set_num_threads(1)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(16, 10),
    ).eval()
    digits = load_digits().images[:n] / 16.0
    imgs = np.kron(digits, np.ones((2, 2))).astype(np.float32)  # 16x16

    def f(batch):
        with torch.no_grad():
            return net(torch.as_tensor(np.asarray(batch, np.float32))[:, None]).numpy()

    return Counted(f), imgs, CountedModule(net)


class CountedModule(__import__("torch").nn.Module):
    """The torch module itself (gradient methods), counting its forward calls."""

    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, 0

    def forward(self, x):
        self.calls += 1
        return self.net(x[:, None] if x.ndim == 3 else x)


def compare(name, model, items, repeats, **opts):
    times = {"loop": [], "many": []}
    calls = {}
    for _ in range(repeats):
        model.calls = 0
        t0 = time.perf_counter()
        ex = ll.attribute_many(model, items, random_state=0, **opts)
        times["many"].append(time.perf_counter() - t0)
        calls["many"] = model.calls
        model.calls = 0
        t0 = time.perf_counter()
        loop = [
            ll.attribute(model, x, random_state=int(s), **opts) for x, s in zip(items, ex.seeds)
        ]
        times["loop"].append(time.perf_counter() - t0)
        calls["loop"] = model.calls
    assert ex.ok.all()
    worst = max(float(np.abs(a.values - b.values).max()) for a, b in zip(ex, loop))
    assert worst < 1e-4, worst  # gradients in a larger batch: float32 rounding
    n = len(items)
    loop_ms, many_ms = (statistics.median(times[k]) / n * 1e3 for k in ("loop", "many"))
    print(
        f"| {name} | {n} | {loop_ms:.2f} | {many_ms:.2f} | {loop_ms / many_ms:.2f}x "
        f"| {calls['loop']} | {calls['many']} | {worst:.0e} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    print(
        "| case | items | loop ms/item | many ms/item | speed-up | loop calls | many calls | max diff |"
    )
    print("|---|---|---|---|---|---|---|---|")
    model, docs = text_case(args.n)
    compare("text shapley (budget 400)", model, docs, args.repeats, method="shapley", budget=400)
    compare("text occlusion", model, docs, args.repeats, method="occlusion")
    model, imgs, module = image_case(args.n // 2)
    compare(
        "image occlusion (4, stride 2)",
        model,
        imgs,
        args.repeats,
        method="occlusion",
        window=4,
        stride=2,
    )
    compare(
        "image segment shapley (16, budget 200)",
        model,
        imgs,
        args.repeats,
        method="shapley",
        segments="grid",
        n_segments=16,
        budget=200,
    )
    stack = imgs[:, None]  # (n, 1, 16, 16) for the module
    compare(
        "image IG, torch module (32 steps)",
        module,
        stack,
        args.repeats,
        method="integrated_gradients",
        n_steps=32,
        max_steps=32,
    )
    compare("image saliency, torch module", module, stack, args.repeats, method="saliency")


if __name__ == "__main__":
    main()
