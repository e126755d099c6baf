"""Start-up: the first tree explanation in a fresh process, beside a warm one and shap.

Each case runs in a fresh subprocess (models fitted there first, not timed):
- cold: an empty numba cache (``NUMBA_CACHE_DIR`` a new temporary folder), as after install;
- warm cache: the same folder again, filled by the cold run;
- in-process warm: the same process's later calls (median of 3);
- warm-up on / off: ``LIMELIGHT_WARMUP`` (on: the kernels compile in a background thread
  from ``import limelight``, which comes first, as a notebook's first cell, then the fit).
Models: XGBClassifier and LGBMClassifier (200 trees, depth 6, 20 features), background 100
rows; explained: 100 rows (``attribute_rows``) and one row (``ll.attribute``). Printed:
seconds, the first call's ratio to the in-process warm call (goal <= 1.2), and shap
TreeExplainer's time (interventional, same background, built each time) in the same process.

    python bench/startup.py       # ~1.5 minutes on 2 cores
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = r"""
import json, os, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
name, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
import limelight as ll
from limelight.explainers.trees.rows import attribute_rows
t_import = time.perf_counter() - t0
rng = np.random.default_rng(0)
X = rng.normal(size=(2300, 20))
y = (X[:, 0] * X[:, 1] + np.sin(3 * X[:, 2]) + X[:, 3:8].sum(axis=1) * 0.3 > 0).astype(int)
if name == "xgboost":
    import xgboost
    model = xgboost.XGBClassifier(n_estimators=200, max_depth=6, n_jobs=1).fit(X[:2000], y[:2000])
else:
    import lightgbm
    model = lightgbm.LGBMClassifier(
        n_estimators=200, max_depth=6, num_leaves=63, n_jobs=1, verbose=-1
    ).fit(X[:2000], y[:2000])
t_fit = time.perf_counter() - t0 - t_import
B, rows = X[2000:2100], X[2100:2100 + n]
def call():
    t = time.perf_counter()
    if n == 1:
        ll.attribute(model, rows[0], background=B, method="tree")
    else:
        attribute_rows(model, rows, background=B)
    return time.perf_counter() - t
first = call()
warm = sorted(call() for _ in range(3))[1]
import shap
t = time.perf_counter()
shap.TreeExplainer(model, B, feature_perturbation="interventional").shap_values(rows)
t_shap = time.perf_counter() - t
t = time.perf_counter()
shap.TreeExplainer(model, B, feature_perturbation="interventional").shap_values(rows)
t_shap = min(t_shap, time.perf_counter() - t)
print(json.dumps({"import": t_import, "fit": t_fit, "first": first, "warm": warm, "shap": t_shap}))
"""


def run(name: str, n: int, cache: str, warm_up: bool) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT / "src"))
    env["LIMELIGHT_WARMUP"] = "1" if warm_up else "0"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = "1"
    out = subprocess.run(
        [sys.executable, "-c", WORKER, name, str(n)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def CASES(off: str, on: str) -> list:
    return [
        ("cold, warm-up off", off, False),  # before: the compile in the first call
        ("warm cache, warm-up off", off, False),
        ("cold, warm-up on", on, True),
        ("warm cache, warm-up on", on, True),
    ]


def main() -> None:
    print(
        f"{'model':9} {'rows':>4} {'case':22} {'first s':>8} {'warm s':>7} {'first/warm':>10} "
        f"{'shap s':>7} {'first/shap':>10} {'fit s':>6}"
    )
    for name in ("xgboost", "lightgbm"):
        for n in (100, 1):
            with tempfile.TemporaryDirectory() as off, tempfile.TemporaryDirectory() as on:
                for case, cache, warm_up in CASES(off, on):
                    r = run(name, n, cache, warm_up)
                    print(
                        f"{name:9} {n:4d} {case:22} {r['first']:8.3f} {r['warm']:7.3f} "
                        f"{r['first'] / r['warm']:10.2f} {r['shap']:7.3f} "
                        f"{r['first'] / r['shap']:10.2f} {r['fit']:6.2f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
