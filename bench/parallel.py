"""``ll.attribute_many`` with ``n_jobs=2`` (and a local Dask cluster of 2 workers) against
one process, for models that cost milliseconds a call, on a few hundred rows.

Models: ``sleepy``, a plain function that sleeps 2 ms a call plus 1 us a row (a model
behind a service, or a slow Python model: a sleeping model measures the overlap of the
workers even on a loaded machine), and ``mlp``, a scikit-learn MLP (100 hidden units),
real CPU work. Kernel SHAP, 8 features, 20 background rows, ``max_evals=200``. Each
(model, mode) runs in a fresh process: ``first`` is the first call (workers started and
the plan sent inside it), ``warm`` the median of ``--repeat`` later calls on the same
workers (a notebook pays the start once: joblib keeps its workers for 5 minutes). The
ratio is one process's warm time over the mode's (above 1: faster). Values are compared
bit for bit with one process (sha256).

    python bench/parallel.py --rows 300 --repeat 3
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import hashlib
import json
import subprocess
import sys
import time

import numpy as np


def sleepy(Z):
    Z = np.asarray(Z, dtype=float)
    time.sleep(0.002 + 1e-6 * len(Z))
    return np.tanh(Z @ np.arange(1.0, Z.shape[1] + 1) / 10) + Z[:, 0] * Z[:, 1]


def problem(name: str, n: int):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n + 500, 8))
    if name == "sleepy":
        return sleepy, X[:20], X[500:]
    from sklearn.neural_network import MLPRegressor

    y = np.tanh(X[:, 0]) * X[:, 1] + X[:, 2]
    mlp = MLPRegressor(hidden_layer_sizes=(100,), max_iter=200, random_state=0)
    return mlp.fit(X[:500], y[:500]), X[:20], X[500:]


def child(spec: str, repeat: int) -> None:
    import limelight as ll

    name, mode, n = spec.split(":")
    model, bg, rows = problem(name, int(n))
    client = cluster = None
    par: dict = {}
    if mode == "jobs":
        par = {"n_jobs": 2}
    elif mode == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        par = {"client": client}

    def go():
        return ll.attribute_many(
            model, rows, background=bg, method="kernel", max_evals=200, random_state=0, **par
        ).values

    t0 = time.perf_counter()
    values = go()
    first = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        go()
        warm.append(time.perf_counter() - t0)
    out = {
        "first": first,
        "warm": sorted(warm)[len(warm) // 2],
        "all": warm,
        "load": os.getloadavg()[0],
        "sha": hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:12],
    }
    print("RESULT " + json.dumps(out), flush=True)
    if client is not None:
        client.close()
        cluster.close()


def spawn(spec: str, repeat: int) -> dict | None:
    cmd = [sys.executable, __file__, "--child", spec, "--repeat", str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"  {spec} failed:\n{proc.stderr[-2000:]}", flush=True)
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--models", default="sleepy,mlp")
    ap.add_argument("--modes", default="single,jobs,dask")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.repeat)
    print(
        f"kernel SHAP, {args.rows} rows, 8 features, max_evals=200; warm: median of "
        f"{args.repeat}; ratio: one process's warm time / this mode's"
    )
    print(f"  {'model':<8}{'mode':<8}{'first s':>9}{'warm s':>8}{'ratio':>7}{'load':>6}  values")
    for name in args.models.split(","):
        base = None
        for mode in args.modes.split(","):
            r = spawn(f"{name}:{mode}:{args.rows}", args.repeat)
            if r is None:
                continue
            base = r if mode == "single" else base
            ratio = base["warm"] / r["warm"] if base else float("nan")
            same = "" if base is None or base["sha"] == r["sha"] else "  DIFFERENT from one process"
            print(
                f"  {name:<8}{mode:<8}{r['first']:>9.2f}{r['warm']:>8.2f}{ratio:>7.2f}"
                f"{r['load']:>6.1f}  {r['sha']}{same}",
                flush=True,
            )


if __name__ == "__main__":
    main()
