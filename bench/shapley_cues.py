"""Planted cues in an image, found by Shapley estimators over segments at equal budget:
limelight's permutation Shapley, Leverage SHAP and MSR over an 8x8 grid, limelight's
segment LIME, and shap's PartitionExplainer (Image masker, the same mean-colour baseline).

A 48x48 RGB noise image with 6 bright cue cells (of 64); the model is a logistic of the
cells' brightness with an order-three interaction between three of them. Reported (medians
over seeds): recall@6 (cue cells among the 6 cells of largest |value|; shap's pixel values
summed per cell), time, and the estimators' relative L2 error against a 50x-budget
permutation reference.

    python bench/shapley_cues.py [--budgets 150,500] [--seeds 3]
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

CELL, GRID = 6, 8
CUES = [3, 12, 27, 36, 45, 58]


def make_image(seed=0):
    rng = np.random.default_rng(seed)
    img = rng.random((CELL * GRID, CELL * GRID, 3)) * 0.8
    for c in CUES:
        r, q = divmod(c, GRID)
        img[r * CELL : (r + 1) * CELL, q * CELL : (q + 1) * CELL] += 0.2
    return img.astype(np.float32)


def cells(batch):
    b = np.asarray(batch, float).reshape(len(batch), GRID, CELL, GRID, CELL, 3)
    return b.mean(axis=(2, 4, 5)).reshape(len(batch), GRID * GRID)


def model(batch):
    q = cells(batch)
    s = q[:, CUES].sum(1) * 2.0 - 5.0 + 6.0 * q[:, CUES[0]] * q[:, CUES[1]] * q[:, CUES[2]]
    p = 1 / (1 + np.exp(-s))
    return np.stack([1 - p, p], axis=1)


def recall(cell_values):
    top = np.argsort(-np.abs(cell_values))[: len(CUES)]
    return len(set(top.tolist()) & set(CUES)) / len(CUES)


def by_cell(labels, seg_values):
    """Per grid cell values from limelight's segment values (labels may be numbered
    differently from the cells)."""
    out = np.zeros(GRID * GRID)
    for c in range(GRID * GRID):
        r, q = divmod(c, GRID)
        out[c] = seg_values[labels[r * CELL + CELL // 2, q * CELL + CELL // 2]]
    return out


def ours(method, img, budget, seed):
    t0 = time.perf_counter()
    e = ll.attribute(
        model,
        img,
        method=method,
        segments="grid",
        n_segments=GRID * GRID,
        budget=budget,
        random_state=seed,
        outputs=[1],
    )
    t = time.perf_counter() - t0
    return t, by_cell(e.extras["segments"], e.extras["segment_values"][0])


def shap_partition(img, budget, seed):
    import shap

    masker = shap.maskers.Image(np.broadcast_to(img.mean(axis=(0, 1)), img.shape).copy(), img.shape)
    ex = shap.explainers.Partition(lambda b: model(b)[:, 1], masker)
    t0 = time.perf_counter()
    sv = ex(img[None], max_evals=budget, silent=True)
    t = time.perf_counter() - t0
    v = np.asarray(sv.values[0]).sum(axis=-1)  # (H, W)
    return t, v.reshape(GRID, CELL, GRID, CELL).sum(axis=(1, 3)).reshape(-1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budgets", default="150,500")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    img = make_image()
    _, ref = ours("shapley", img, 50_000, 999)
    print(
        f"{GRID * GRID} grid cells, {len(CUES)} cues, medians over {args.seeds} seeds, "
        "threads 1; reference: permutation Shapley at 50,000 rows"
    )
    print(f"{'budget':>6s}  {'explainer':22s} {'recall@6':>8s} {'rel err':>8s} {'ms':>7s}")
    runners = {
        "limelight shapley": lambda b, s: ours("shapley", img, b, s),
        "limelight leverage": lambda b, s: ours("leverage", img, b, s),
        "limelight msr": lambda b, s: ours("msr", img, b, s),
        "limelight lime": lambda b, s: ours("lime", img, b, s),
        "shap Partition": lambda b, s: shap_partition(img, b, s),
    }
    for budget in [int(b) for b in args.budgets.split(",")]:
        for name, run in runners.items():
            res = [run(budget, s) for s in range(args.seeds)]
            rec = statistics.median(recall(v) for _, v in res)
            err = statistics.median(
                float(np.linalg.norm(v - ref) / np.linalg.norm(ref)) for _, v in res
            )
            t = statistics.median(t for t, _ in res)
            shown = "-" if name.endswith(("lime", "Partition")) else f"{err:.1%}"
            print(f"{budget:6d}  {name:22s} {rec:8.2f} {shown:>8s} {t * 1e3:7.0f}")


if __name__ == "__main__":
    main()
