"""Many rows: ``ll.attribute_many`` throughput and peak memory, in one process, in 2
joblib processes and on a local Dask cluster of 2 worker processes, beside shap on the
same rows where shap finishes in reasonable time.

Tree paths: a gradient-boosting regressor (100 trees, depth 3, 30 features, synthetic
regression with interactions) against 100 background rows; shap:
``TreeExplainer(model, background, feature_perturbation="interventional")``. Every
(rows, mode) runs in a fresh process (``--child``), so its peak memory is its own: RSS of
that process and all its children (joblib workers; Dask scheduler, nannies, workers),
sampled every 50 ms, with the RSS before the call beside it. Timed: the whole call
(planning, starting workers, chunks, collecting). ``cpu`` is the CPU seconds of every
process in it: against ``wall`` it shows how much of the two cores the run got (the
machine is shared), against the single process how much extra work the workers make.
For the worker modes a second call on the same (started) workers is timed too: a
notebook session pays the start-up once (joblib keeps its workers for 5 minutes).
The modes' values are compared bit for bit (sha256 of ``values``).

Kernel family: an MLP (one hidden layer of 100) against 20 background rows; limelight's
``kernel``, ``leverage`` and ``msr`` at several budgets beside shap's ``KernelExplainer``
(default ``nsamples`` = 2*30 + 2048; ``l1_reg`` default and ``False``), all on the same
rows, error = median relative L2 against one reference (the mean of limelight Kernel
SHAP and Leverage SHAP at 40,000 coalitions; their disagreement is printed as the
reference's own noise). Then the throughput at matched error, and the cost beyond the
model's own calls (time outside the model / time inside it).

    python bench/scale.py --only tree --tree-rows 1000,10000,100000 --shap-max 10000
    python bench/scale.py --only kernel --kernel-rows 20
    python bench/scale.py --quick                     # ~2 minutes on 2 shared cores
"""

# ruff: noqa: B023  (every function here is called at once, inside its loop iteration)

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import hashlib
import json
import subprocess
import sys
import threading
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


class Peak:
    """Peak resident memory and CPU seconds of this process and its children."""

    def __enter__(self):
        import psutil

        self.proc, self.peak, self.stop = psutil.Process(), 0, threading.Event()
        self.cpu0, self.cpu = self._cpu(), {}
        self.rss0 = self._sample()

        def loop():
            while not self.stop.is_set():
                self._sample()
                self.stop.wait(0.05)

        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def _procs(self):
        return [self.proc, *self.proc.children(recursive=True)]

    def _cpu(self):
        out = {}
        for p in self._procs():
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except Exception:  # noqa: BLE001 - a process that just ended
                pass
        return out

    def _sample(self):
        total = 0
        for p in self._procs():
            try:
                total += p.memory_info().rss
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system
            except Exception:  # noqa: BLE001
                pass
        self.peak = max(self.peak, total)
        return total

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self._sample()
        self.cpu_s = sum(v - self.cpu0.get(pid, 0.0) for pid, v in self.cpu.items())


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30))
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + X[:, 3:8] @ np.arange(1, 6) / 5
    return X, y


def boosted(n: int):
    from sklearn.ensemble import GradientBoostingRegressor

    X, y = data(n + 2000)
    gb = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0)
    return gb.fit(X[:2000], y[:2000]), X[:100], X[2000:]


# -- tree paths: one (rows, mode) per fresh process ------------------------------------------


def child(spec: str) -> None:
    """``mode:rows``; prints one JSON line."""
    mode, n = spec.split(":")
    n = int(n)
    gb, bg, rows = boosted(n)
    client = cluster = None
    if mode == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    if mode == "shap":
        import shap

        def go():
            te = shap.TreeExplainer(gb, bg, feature_perturbation="interventional")
            return te.shap_values(rows, check_additivity=False)
    else:
        import limelight as ll

        par = {"jobs": {"n_jobs": 2}, "dask": {"client": client}}.get(mode, {})
        if mode == "disk":  # chunks written as they finish, nothing held: memory flat in rows
            import tempfile

            par = {"out": tempfile.mkdtemp(prefix="scale-bench-"), "collect": False}

        def go():
            ex = ll.attribute_many(gb, rows, background=bg, method="tree", chunk_size=5000, **par)
            return np.zeros(0) if ex is None else ex.values[:, 0]  # out=: nothing read back

    load = os.getloadavg()[0]
    with Peak() as mem:
        t0 = time.perf_counter()
        values = go()
        wall = time.perf_counter() - t0
    again = None
    if mode in ("jobs", "dask") and n <= 100_000:  # the same workers, already started
        t0 = time.perf_counter()
        go()
        again = time.perf_counter() - t0
    out = {
        "mode": mode,
        "rows": n,
        "wall": wall,
        "again": again,
        "cpu": mem.cpu_s,
        "peak_mb": mem.peak / 2**20,
        "before_mb": mem.rss0 / 2**20,
        "load": load,
        "sha": hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:12],
        "head": np.asarray(values[:200]).tolist(),
    }
    print("RESULT " + json.dumps(out), flush=True)
    if client is not None:
        client.close()
        cluster.close()


def spawn(spec: str) -> dict | None:
    cmd = ["nice", sys.executable, __file__, "--child", spec]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"  {spec} failed:\n{proc.stderr[-2000:]}", flush=True)
    return None


def tree_bench(sizes, which, shap_max):
    print(
        "\ngradient boosting (100 trees, depth 3), 30 features, tree paths, 100 background "
        "rows; chunk_size 5000; one fresh process per line"
    )
    print(
        f"  {'mode':<22}{'rows':>9}{'wall s':>9}{'rows/s':>9}{'cpu s':>8}{'peak MB':>9}"
        f"{'before':>8}{'load':>6}  values        again (workers up)"
    )
    for n in sizes:
        got = {}
        for mode in [*which, "shap"]:
            if mode == "shap" and n > shap_max:
                continue
            r = spawn(f"{mode}:{n}")
            if r is None:
                continue
            got[mode] = r
            label = {
                "single": "limelight 1 process",
                "jobs": "limelight n_jobs=2",
                "dask": "limelight Dask 2 workers",
                "shap": "shap TreeExplainer",
                "disk": "limelight out=, no collect",
            }[mode]
            print(
                f"  {label:<22}{n:>9,}{r['wall']:>9.2f}{n / r['wall']:>9.0f}{r['cpu']:>8.1f}"
                f"{r['peak_mb']:>9.0f}{r['before_mb']:>8.0f}{r['load']:>6.1f}  {r['sha']}"
                + (f"  {r['again']:.2f} s = {n / r['again']:.0f} rows/s" if r["again"] else ""),
                flush=True,
            )
        ours = [r["sha"] for m, r in got.items() if m not in ("shap", "disk")]
        if ours:
            print(f"  modes bit-identical: {len(set(ours)) == 1}")
        if "shap" in got and ours:
            first = next(r for m, r in got.items() if m not in ("shap", "disk"))
            gap = np.abs(np.asarray(first["head"]) - np.asarray(got["shap"]["head"])).max()
            print(f"  max |limelight - shap| on the first 200 rows: {gap:.2e}")
    tree_model_time()


def tree_model_time():
    """Tree paths call the model once per chunk (the rows' own outputs, to check the trees
    reproduce them); the rest is the walk, so 'cost beyond the model' is not its measure."""
    from limelight.many.chunk import explain_chunk
    from limelight.many.plan import plan_many

    gb, bg, rows = boosted(2000)
    mp, XX = plan_many(gb, rows, background=bg, method="tree")
    explain_chunk(mp, mp.rows(XX, 0, 10), np.arange(10))  # compiled walk loaded
    t0 = time.perf_counter()
    ex = explain_chunk(mp, mp.rows(XX, 0, len(XX)), np.arange(len(XX)))
    total = time.perf_counter() - t0
    print(
        f"  tree paths, 2,000 rows: {total:.2f} s, of which {ex.params['model_seconds']:.3f} s "
        f"in {ex.params['model_calls']} model call(s) (the rows' own outputs): the walk is "
        "the work, compared with shap's above"
    )


# -- kernel family: one process ---------------------------------------------------------------


def kernel_bench(n_rows: int, budgets: list[int], shap_on: bool):
    from sklearn.neural_network import MLPRegressor

    import limelight as ll

    X, y = data(2000 + n_rows, seed=1)
    mlp = MLPRegressor(hidden_layer_sizes=(100,), max_iter=200, random_state=0)
    mlp.fit(X[:2000], y[:2000])
    bg, rows = X[:20], X[2000:]
    print(f"\nMLP (100 hidden), 30 features, 20 background rows, {n_rows} rows")
    ref_kw = dict(background=bg, max_evals=40_000, tol=0.0, random_state=99)
    ref_k = ll.attribute_many(mlp, rows, method="kernel", **ref_kw).values[:, 0]
    ref_l = ll.attribute_many(mlp, rows, method="leverage", **ref_kw).values[:, 0]
    ref = (ref_k + ref_l) / 2

    def err(v):
        return float(np.median(np.linalg.norm(v - ref, axis=1) / np.linalg.norm(ref, axis=1)))

    print(f"  reference noise (kernel-40k vs leverage-40k, half of it): {err(ref_k):.4f}")
    print(f"  {'estimator':<34}{'budget':>7}{'s':>8}{'rows/s':>8}{'error':>8}")
    table = []

    def line(name, budget, fn):
        t0 = time.perf_counter()
        v = fn()
        dt = time.perf_counter() - t0
        table.append((name, budget, n_rows / dt, err(v)))
        print(f"  {name:<34}{budget:>7}{dt:>8.2f}{n_rows / dt:>8.2f}{err(v):>8.4f}", flush=True)

    shap_budget = 2 * 30 + 2048
    if shap_on:
        import shap

        for l1 in ("auto", False):

            def go():
                ke = shap.KernelExplainer(mlp.predict, bg)
                return np.asarray(
                    ke.shap_values(rows, nsamples=shap_budget, l1_reg=l1, silent=True)
                )

            line(f"shap Kernel l1_reg={l1}", shap_budget, go)
    for method in ("kernel", "leverage", "msr"):
        for b in budgets:
            line(
                f"limelight {method}",
                b,
                lambda: ll.attribute_many(
                    mlp, rows, background=bg, method=method, max_evals=b, tol=0.0, random_state=0
                ).values[:, 0],
            )
    matched(table)
    for method in ("kernel", "leverage", "msr"):
        model_share(mlp, rows, bg, method, budgets[-1])
    linear(ll, mlp, bg, X[2000:], budgets[-1], n_rows)


def linear(ll, model, bg, rows, budget, n):
    """Cost linear in rows: Kernel SHAP on n/4 and on n rows, rows/s side by side."""
    out = []
    for m in (max(1, n // 4), n):
        t0 = time.perf_counter()
        ll.attribute_many(
            model, rows[:m], background=bg, method="kernel", max_evals=budget, tol=0.0
        )
        out.append((m, m / (time.perf_counter() - t0)))
    (a, ra), (b, rb) = out
    print(f"  kernel {a} rows: {ra:.2f} rows/s, {b} rows: {rb:.2f} rows/s (ratio {rb / ra:.2f})")


def matched(table):
    """Per limelight estimator: the cheapest budget whose error is at most shap's best."""
    shaps = [r for r in table if r[0].startswith("shap")]
    if not shaps:
        return
    best = min(shaps, key=lambda r: r[3])
    print(f"  matched to {best[0]} (error {best[3]:.4f}, {best[2]:.2f} rows/s):")
    for method in ("kernel", "leverage", "msr"):
        ok = [r for r in table if r[0] == f"limelight {method}" and r[3] <= best[3]]
        if not ok:
            print(f"    {method}: no budget tried reaches that error")
            continue
        r = max(ok, key=lambda r: r[2])
        print(
            f"    {method} at {r[1]} coalitions: error {r[3]:.4f}, {r[2]:.2f} rows/s = "
            f"{r[2] / best[2]:.2f}x shap"
        )


def model_share(model, rows, bg, method, budget):
    """Time inside the model's own calls vs the rest, one chunk in this process."""
    from limelight.many.chunk import explain_chunk
    from limelight.many.plan import plan_many

    mp, XX = plan_many(
        model, rows, background=bg, method=method, max_evals=budget, tol=0.0, random_state=0
    )
    t0 = time.perf_counter()
    ex = explain_chunk(mp, mp.rows(XX, 0, len(XX)), np.arange(len(XX)))
    total = time.perf_counter() - t0
    inside = ex.params["model_seconds"]
    print(
        f"  {method} at {budget}: cost beyond the model {(total - inside) / inside:.2f}x the "
        f"model calls' own time ({inside:.2f} s in {ex.params['model_calls']} calls of "
        f"{total:.2f} s)"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree-rows", default="1000,10000")
    ap.add_argument("--kernel-rows", type=int, default=20)
    ap.add_argument("--budgets", default="256,512,1024,2108")
    ap.add_argument("--modes", default="single,jobs,dask")
    ap.add_argument("--shap-max", type=int, default=10_000, help="largest row count for shap")
    ap.add_argument("--only", choices=["tree", "kernel"], help="one of the two models")
    ap.add_argument("--no-shap", action="store_true", help="kernel: skip shap")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child)
    if args.quick:
        args.tree_rows, args.kernel_rows, args.shap_max = "1000", 10, 1000
        args.budgets = "512,2108"
    if args.only != "kernel":
        tree_bench(
            [int(s) for s in args.tree_rows.split(",")], args.modes.split(","), args.shap_max
        )
    if args.only != "tree":
        kernel_bench(args.kernel_rows, [int(b) for b in args.budgets.split(",")], not args.no_shap)


if __name__ == "__main__":
    main()
