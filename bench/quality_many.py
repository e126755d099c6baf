"""What ``ex.quality`` costs over many rows, beside the explanation run itself and beside
computing each row's ``e.quality`` one explanation at a time (``ll.attribute`` per row),
which gives the same numbers.

A gradient-boosted classifier on the breast-cancer data (30 features), ``--rows`` rows
explained by ``attribute_many`` (the tree method); then the closed forms (sparseness,
complexity, additivity, stderr), the faithfulness correlation and the deletion/insertion
curves, each timed when first read. The loop side explains each row with
``ll.attribute`` and reads the same metric. Medians of --repeats runs; threads pinned
to 1 before numpy loads.

    python bench/quality_many.py [--rows 100] [--repeats 3]
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
from sklearn.ensemble import GradientBoostingClassifier

import limelight as ll


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    X, y = load_breast_cancer(return_X_y=True)
    model = GradientBoostingClassifier(n_estimators=50, random_state=0).fit(X, y)
    bg, rows = X[:50], X[100 : 100 + args.rows]
    times: dict[str, list[float]] = {}

    def record(name: str, t0: float) -> None:
        times.setdefault(name, []).append(time.perf_counter() - t0)

    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ex = ll.attribute_many(model, rows, background=bg)
        record("attribute_many", t0)
        q = ex.quality
        for name in ("sparseness", "additivity", "faithfulness_correlation", "deletion"):
            t0 = time.perf_counter()
            getattr(q, name)
            record(f"ex.quality.{name}", t0)
        t0 = time.perf_counter()
        singles = [ll.attribute(model, r, background=bg) for r in rows]
        record("loop: ll.attribute", t0)
        t0 = time.perf_counter()
        each = [e.quality.faithfulness_correlation.value for e in singles]
        record("loop: e.quality.faithfulness_correlation", t0)
        same = np.allclose(q.faithfulness_correlation.values, each, equal_nan=True)
    base = statistics.median(times["attribute_many"])
    print(
        f"{args.rows} rows, 30 features, GradientBoostingClassifier(50), median of {args.repeats}"
    )
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"  {name:45s} {t * 1e3:9.1f} ms   {t / base:6.2f}x attribute_many")
    many = statistics.median(times["ex.quality.faithfulness_correlation"])
    loop = statistics.median(times["loop: e.quality.faithfulness_correlation"])
    print(
        f"faithfulness over rows: the loop / ex.quality = {loop / many:.2f}x; same numbers: {same}"
    )


if __name__ == "__main__":
    main()
