"""Feature elimination of a callable (the permutation path): peak memory and time beside
scikit-learn's permutation_importance on the same data (n_repeats=3, the ranking step
limelight runs first), for X of n x d float64.

Peak memory is traced by tracemalloc (numpy's buffers included) in a fresh subprocess
per measurement; the ratio to X's own size says how many copies of X a run holds.

    python bench/elimination.py            # 20000 x 60 (10 MB), as the issue measured
    python bench/elimination.py 5000 30
"""

from __future__ import annotations

import json
import subprocess
import sys

CODE = r"""
import json, sys, time, tracemalloc
import numpy as np
n, d, which = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
X = rng.normal(size=(n, d)); w = rng.normal(size=d); y = X @ w + rng.normal(size=n)
f = lambda B: np.asarray(B) @ w
if which == "sklearn":
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.inspection import permutation_importance
    class F(RegressorMixin, BaseEstimator):
        def fit(self, X, y): return self
        def predict(self, X): return f(X)
    model = F().fit(X, y)
    run = lambda: permutation_importance(model, X, y, n_repeats=3, random_state=0)
else:
    import sklearn.metrics  # imported before the clock starts, as on the sklearn side
    from limelight.inspection.elimination import eliminate
    run = lambda: eliminate(f, X, y)
tracemalloc.start()
t0 = time.perf_counter(); run(); t = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": peak, "time": t, "x": X.nbytes}))
"""


def measure(n: int, d: int, which: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(n), str(d), which],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    ours, ref = measure(n, d, "limelight"), measure(n, d, "sklearn")
    mb = 1 / 2**20
    print(f"X: {n} x {d} = {ours['x'] * mb:.1f} MB")
    for name, r in (
        ("limelight feature_elimination", ours),
        ("sklearn permutation_importance", ref),
    ):
        print(
            f"{name:32s} peak {r['peak'] * mb:8.1f} MB ({r['peak'] / r['x']:5.1f} x X)"
            f"  time {r['time']:6.2f} s"
        )
    print(
        f"ratio limelight / sklearn: peak {ours['peak'] / ref['peak']:.2f}, "
        f"time {ours['time'] / ref['time']:.2f}"
    )


if __name__ == "__main__":
    main()
