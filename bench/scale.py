"""Many rows: ``ll.attribute_many`` throughput and peak memory, in one process, in 2
joblib processes and on a local Dask cluster of 2 worker processes, beside shap on the
same rows where shap finishes in reasonable time.

Models (30 features, synthetic regression with interactions): a gradient-boosting
regressor (100 trees, depth 3) explained by tree paths against 100 background rows
(shap: ``TreeExplainer(model, background, feature_perturbation="interventional")``), and
an MLP (one hidden layer of 100) explained by Kernel SHAP against 20 background rows
(shap: ``KernelExplainer`` with the same 20 rows and ``nsamples`` = limelight's budget,
with its default ``l1_reg`` and with ``l1_reg=False``). Kernel error: relative L2 against
a high-budget reference (limelight Kernel SHAP, 40,000 coalitions, ``tol=0``) on the
first rows.

Reported: rows/s (wall time of the whole call: planning, chunks, collecting), peak memory
(RSS of this process plus its worker processes, sampled every 50 ms; the Dask scheduler
and nanny processes are counted too), and for the single process the per-row cost
beyond the model calls as a ratio of the model calls' own time (time inside the model /
the rest).

    python bench/scale.py --quick                     # ~2 minutes on 2 shared cores
    python bench/scale.py --tree-rows 1000,10000,100000 --kernel-rows 100,400
"""

# ruff: noqa: B023  (every function here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import threading
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


class PeakRSS:
    """Peak resident memory of this process and its children while the block runs."""

    def __enter__(self):
        import psutil

        self.proc, self.peak, self.stop = psutil.Process(), 0, threading.Event()

        def sample():
            while not self.stop.is_set():
                total = 0
                for p in [self.proc, *self.proc.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except Exception:  # noqa: BLE001 - a worker that just ended
                        pass
                self.peak = max(self.peak, total)
                self.stop.wait(0.05)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30))
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + X[:, 3:8] @ np.arange(1, 6) / 5
    return X, y


def run(label, fn, rows):
    import gc

    gc.collect()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
    print(
        f"  {label:<28} {rows:>8,} rows  {dt:8.2f} s  {rows / dt:9.1f} rows/s  "
        f"peak {mem.peak / 2**20:7.0f} MB",
        flush=True,
    )
    return out, dt


def model_share(ll, model, X, **kw):
    """Time inside the model vs the rest, one process, chunk by chunk."""
    from limelight.many.plan import plan_many
    from limelight.many.run import explain_chunk

    mp, XX = plan_many(model, X, **kw)
    t0 = time.perf_counter()
    ex = explain_chunk(mp, mp.rows(XX, 0, len(XX)), np.arange(len(XX)))
    total = time.perf_counter() - t0
    inside = ex.params["model_seconds"]
    print(
        f"  per-row cost beyond the model: {(total - inside) / inside:.2f} x the model calls' "
        f"own time ({inside:.2f} s in {ex.params['model_calls']} calls of {total:.2f} s)"
    )


def modes(ll, model, X, client, kw, label, which):
    out = {}
    if "single" in which:
        out["single"] = run(f"{label} 1 process", lambda: ll.attribute_many(model, X, **kw), len(X))
    if "jobs" in which:
        out["jobs"] = run(
            f"{label} n_jobs=2", lambda: ll.attribute_many(model, X, n_jobs=2, **kw), len(X)
        )
    if "dask" in which and client is not None:
        out["dask"] = run(
            f"{label} Dask 2 workers",
            lambda: ll.attribute_many(model, X, client=client, **kw),
            len(X),
        )
    first = next(iter(out.values()))[0]
    for name, (ex, _) in out.items():
        assert np.array_equal(ex.values, first.values), f"{name} differs from the first mode"
    return first


def tree_bench(ll, sizes, which, client, shap_max):
    from sklearn.ensemble import GradientBoostingRegressor

    from limelight.many.trees import many_rows_entry

    X, y = data(max(sizes) + 2000)
    gb = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0)
    gb.fit(X[:2000], y[:2000])
    bg, rows = X[:100], X[2000:]
    entry = "many-rows tree kernel" if many_rows_entry() else "tree explainer per row"
    print(f"\ngradient boosting, 30 features, tree paths, 100 background rows ({entry})")
    kw = dict(background=bg, method="tree", chunk_size=2000)
    for n in sizes:
        ex = modes(ll, gb, rows[:n], client, kw, "limelight", which)
        if n <= shap_max:
            import shap

            def go():
                te = shap.TreeExplainer(gb, bg, feature_perturbation="interventional")
                return te.shap_values(rows[:n], check_additivity=False)

            sv, _ = run("shap TreeExplainer", go, n)
            print(f"  max |limelight - shap| = {np.abs(ex.values[:, 0] - sv).max():.2e}")
    model_share(ll, gb, rows[: min(200, min(sizes))], background=bg, method="tree")


def kernel_bench(ll, sizes, which, client, shap_max):
    from sklearn.neural_network import MLPRegressor

    X, y = data(max(sizes) + 2000, seed=1)
    mlp = MLPRegressor(hidden_layer_sizes=(100,), max_iter=200, random_state=0)
    mlp.fit(X[:2000], y[:2000])
    bg, rows = X[:20], X[2000:]
    print("\nMLP (100 hidden), 30 features, Kernel SHAP, 20 background rows")
    kw = dict(background=bg, method="kernel", random_state=0, chunk_size=50)
    ref_rows = rows[:5]
    ref = ll.attribute_many(
        mlp, ref_rows, background=bg, method="kernel", max_evals=40_000, tol=0.0, random_state=99
    ).values[:, 0]

    def err(v):
        return float(np.median(np.linalg.norm(v - ref, axis=1) / np.linalg.norm(ref, axis=1)))

    for n in sizes:
        ex = modes(ll, mlp, rows[:n], client, kw, "limelight", which)
        budget = 2 * 30 + 2048
        print(
            f"  limelight error vs reference: {err(ex.values[:5, 0]):.3f} "
            f"(median evals per row {int(np.median(ex.n_evals)) // 20:,} coalitions)"
        )
        if n <= shap_max:
            import shap

            for l1 in ("auto", False):

                def go():
                    ke = shap.KernelExplainer(mlp.predict, bg)
                    return np.asarray(
                        ke.shap_values(rows[:n], nsamples=budget, l1_reg=l1, silent=True)
                    )

                sv, _ = run(f"shap Kernel l1_reg={l1}", go, n)
                print(f"  shap l1_reg={l1} error vs reference: {err(sv[:5]):.3f}")
    model_share(ll, mlp, rows[: min(sizes)], background=bg, method="kernel", random_state=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree-rows", default="1000,10000")
    ap.add_argument("--kernel-rows", default="50,200")
    ap.add_argument("--modes", default="single,jobs,dask")
    ap.add_argument("--shap-max", type=int, default=10_000, help="largest row count for shap")
    ap.add_argument("--only", choices=["tree", "kernel"], help="one of the two models")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.tree_rows, args.kernel_rows, args.shap_max = "1000", "20", 1000
    import limelight as ll

    which = args.modes.split(",")
    client = cluster = None
    if "dask" in which:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        if args.only != "kernel":
            tree_bench(
                ll, [int(s) for s in args.tree_rows.split(",")], which, client, args.shap_max
            )
        if args.only != "tree":
            kernel_bench(
                ll, [int(s) for s in args.kernel_rows.split(",")], which, client, args.shap_max
            )
    finally:
        if client is not None:
            client.close()
            cluster.close()


if __name__ == "__main__":
    main()
