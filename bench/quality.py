"""What the quality numbers cost, as a share of the explanation's own time, per modality.

For each case: the explanation alone (``plan.explainer.explain``), then its quality
(additivity, convergence and the deletion/insertion curves, forced to run:
``assess(plan, exp, eager=True)``), medians of --repeats runs side by side in one
process. ``eager`` says whether the 20% rule (curve rows <= 20% of the explanation's
rows) computes the curves with the explanation; where it does not, they run when the
user clicks "check faithfulness" (or calls ``e.quality.compute()``).

Then the standard metrics (``e.quality.faithfulness_correlation``, ``max_sensitivity``,
``sparseness``, ``complexity``, ``randomisation``, ``stability``; their default
parameters), each timed on its own, computed when read: the time and its ratio to the
explanation's.

Threads pinned to 1 (OMP/OpenBLAS/MKL) before numpy loads.

    python bench/quality.py [--repeats 5]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from limelight.api import plan
from limelight.quality import MAX_EXTRA, _curve_rows, assess
from limelight.quality.metrics import NAMES


def tabular_cases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 12))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    gb = GradientBoostingClassifier(n_estimators=50, random_state=0).fit(X, y)
    rf = RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)
    bc = load_breast_cancer()
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(bc.data, bc.target)
    yield "tabular exact, GB d=12, 50 bg", plan(gb, X[0], background=X[:50], method="exact")
    yield (
        "tabular kernel, LR d=30, 50 bg",
        plan(lr, bc.data[0], background=bc.data[:50], method="kernel", random_state=0),
    )
    yield (
        "tabular lime, LR d=30, 50 bg",
        plan(lr, bc.data[0], background=bc.data[:50], method="lime", random_state=0),
    )
    yield "tabular tree, RF d=12, 50 bg", plan(rf, X[0], background=X[:50], method="tree")


def text_cases():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)] + ["great", "awful"]
    docs = [" ".join(rng.choice(words, 30)) for _ in range(400)]
    labels = [int(d.count("great") > d.count("awful")) for d in docs]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=500)).fit(docs, labels)
    doc = " ".join(rng.choice(words, 200))
    yield (
        "text shapley, TF-IDF+LR, 200 words",
        plan(model.predict_proba, doc, method="shapley", budget=5000, random_state=0),
    )
    yield "text occlusion, TF-IDF+LR, 200 words", plan(model.predict_proba, doc, method="occlusion")


def image_cases():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(256, 10),
    ).eval()
    img = np.random.default_rng(0).uniform(size=(28, 28)).astype(np.float32)
    yield "image integrated gradients, CNN 28x28", plan(net, img, method="integrated_gradients")
    yield "image shapley (49 segments), CNN 28x28", plan(net, img, method="shapley", random_state=0)
    yield "image occlusion, CNN 28x28", plan(net, img, method="occlusion")


def torch_case():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1)
    ).eval()
    X = np.random.default_rng(0).normal(size=(200, 16))
    yield (
        "tabular integrated gradients, MLP d=16",
        plan(net, X[0], background=X[:50], method="integrated_gradients"),
    )


def metric_table(repeats: int) -> None:
    print(f"\n{'case':44s} {'explain':>9s}  " + "  ".join(f"{n[:16]:>16s}" for n in NAMES))
    for cases in (tabular_cases, torch_case, text_cases):
        for name, p in cases():
            t_exp, exp = median_time(lambda p=p: p.explainer.explain(p.model, p.instance), repeats)
            cells = []
            for metric in NAMES:

                def one(p=p, exp=exp, metric=metric):
                    return getattr(assess(p, exp.with_()).quality, metric)

                t_m, m = median_time(one, repeats)
                if m.value is None:
                    cells.append(f"{'n/a':>16s}")
                else:
                    cells.append(f"{t_m * 1e3:7.1f}ms {t_m / t_exp:6.1f}x")
            print(f"{name:44s} {t_exp * 1e3:8.1f}ms  " + "  ".join(cells))


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--metrics-only", action="store_true")
    args = ap.parse_args()
    if args.metrics_only:
        metric_table(args.repeats)
        return
    print(f"{'case':44s} {'explain':>9s} {'quality':>9s} {'ratio':>7s}  eager  rows q/e")
    for cases in (tabular_cases, text_cases, image_cases):
        for name, p in cases():
            t_exp, exp = median_time(
                lambda p=p: p.explainer.explain(p.model, p.instance), args.repeats
            )

            def quality(p=p, exp=exp):
                e = exp.with_()
                assess(p, e, eager=True)
                return e

            t_q, e = median_time(quality, args.repeats)
            rows = _curve_rows(exp, p)
            eager = rows <= MAX_EXTRA * max(exp.n_evals, 1)
            print(
                f"{name:44s} {t_exp * 1e3:8.1f}ms {t_q * 1e3:8.1f}ms {t_q / t_exp:7.3f}  "
                f"{'yes' if eager else 'click':5s}  {rows}/{exp.n_evals}  "
                f"[{e.quality.verdict}; deletion {e.quality.deletion:.3f} vs "
                f"{e.quality.random_deletion:.3f}]"
            )
    metric_table(args.repeats)


if __name__ == "__main__":
    main()
