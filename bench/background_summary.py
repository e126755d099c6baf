"""The background summary (limelight's seeded single-threaded k-means,
:mod:`limelight.inputs.background`) beside scikit-learn's ``KMeans(n_clusters=100,
n_init=1, random_state=0)`` on the same standardised data, in one process: seconds
(median of --repeats) and the ratio limelight / scikit-learn, and the k-means objective
(mean squared distance to the nearest centre, standardised units) of each.

Threads: OMP/OpenBLAS/MKL pinned to 1 before numpy loads (the summary is single-threaded).

    python bench/background_summary.py            # ~1 minute on 2 cores
"""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans

from limelight.inputs.background import summarise

SHAPES = [(569, 30), (5_000, 20), (20_000, 20), (100_000, 10)]


def objective(data: np.ndarray, centres: np.ndarray) -> float:
    d = (data**2).sum(1)[:, None] - 2 * data @ centres.T + (centres**2).sum(1)[None, :]
    return float(np.maximum(d, 0).min(axis=1).mean())


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'rows x cols':>14} {'limelight s':>12} {'sklearn s':>10} {'ratio':>6} "
          f"{'obj ll':>8} {'obj sk':>8}")  # fmt: skip
    for n, d in SHAPES:
        # clustered data: 30 blobs of different spreads
        centres = rng.normal(scale=4, size=(30, d))
        data = centres[rng.integers(0, 30, n)] + rng.normal(size=(n, d)) * rng.uniform(0.3, 2, d)
        cols = [data[:, j] for j in range(d)]
        scaled = data / data.std(axis=0)
        ll_s = median_seconds(
            lambda: summarise(cols, rows=100, how="kmeans", numeric=True), args.repeats
        )
        sk_s = median_seconds(
            lambda: KMeans(n_clusters=100, n_init=1, max_iter=100, random_state=0).fit(scaled),
            args.repeats,
        )
        ours, weights, _ = summarise(cols, rows=100, how="kmeans", numeric=True)
        ours = np.stack(ours, axis=1) / data.std(axis=0)
        km = KMeans(n_clusters=100, n_init=1, max_iter=100, random_state=0).fit(scaled)
        print(
            f"{f'{n} x {d}':>14} {ll_s:12.3f} {sk_s:10.3f} {ll_s / sk_s:6.2f} "
            f"{objective(scaled, ours):8.3f} {objective(scaled, km.cluster_centers_):8.3f}"
        )


if __name__ == "__main__":
    main()
