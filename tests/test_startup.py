"""Start-up: the tree kernels compile in the background from ``import limelight`` and are
cached on disk, so a fresh process's first explanation does not compile; the compiled
kernels give the numpy walk's numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
sklearn = pytest.importorskip("sklearn.ensemble")

SRC = Path(__file__).resolve().parent.parent / "src"

CHILD = r"""
import json
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
import limelight._compiled as C
import limelight
C.wait_for_warm_up()
from limelight.explainers.trees.kernel import _kernel
from limelight.explainers.trees.rows import attribute_rows
rng = np.random.default_rng(1)
X = rng.normal(size=(300, 5))
model = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0)
model.fit(X, X[:, 0] * X[:, 1] + X[:, 2])
walk = _kernel()
r = attribute_rows(model, X[:20], background=X[100:140])
stats = walk.stats
print(json.dumps({"hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()),
                  "values": r.values.tolist()}))
"""


def _child(cache: Path) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(SRC))
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_reads_the_kernels_from_the_cache(tmp_path):
    first = _child(tmp_path)
    assert first["misses"] >= 1 and first["hits"] == 0  # compiled by the warm-up, then cached
    assert list(tmp_path.rglob("*.nbi")), "numba wrote no cache index"
    second = _child(tmp_path)
    assert second["hits"] >= 1 and second["misses"] == 0  # read back, not compiled
    np.testing.assert_allclose(second["values"], first["values"], rtol=0, atol=1e-12)


def test_compiled_and_numpy_walks_give_the_same_values():
    from limelight.explainers.trees.kernel import interventional

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 6))
    model = sklearn.GradientBoostingRegressor(n_estimators=15, max_depth=4, random_state=0)
    model.fit(X, np.sin(X[:, 0]) * X[:, 1] + X[:, 2] ** 2)
    from limelight.api import plan

    p = plan(model, X[0], background=X[100:160], method="tree")
    tree = p.model.trees.ensemble
    rows, B = X[:25], X[100:160]
    fast = interventional(tree, rows, B)
    slow = interventional(tree, rows, B, compiled=False)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    # and both add up to the model's output minus its mean over the background
    gap = model.predict(rows) - model.predict(B).mean()
    np.testing.assert_allclose(fast.sum(axis=1)[:, 0], gap, atol=1e-9)


def test_one_row_takes_the_numpy_walk_while_compiling_and_gets_the_same_values(monkeypatch):
    import limelight._compiled as compiled
    from limelight.api import plan
    from limelight.explainers.trees.kernel import against_rows
    from limelight.inputs._cross import hybrid_rows

    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5))
    model = sklearn.RandomForestRegressor(5, max_depth=5, random_state=0).fit(X, X[:, 0] * X[:, 1])
    tree = plan(model, X[0], background=X[100:140], method="tree").model.trees.ensemble
    masks = rng.random((7, 5)) < 0.5
    compiled.wait_for_warm_up()  # the compiled kernels first
    fast = against_rows(tree, X[0], X[100:140]), hybrid_rows(masks, X[0], X[100:140], compiled=True)
    monkeypatch.setattr(compiled, "_warming", lambda: True)  # as while the warm-up runs
    monkeypatch.setattr(compiled, "wait_for_warm_up", lambda: None)
    slow = against_rows(tree, X[0], X[100:140]), hybrid_rows(masks, X[0], X[100:140])
    np.testing.assert_allclose(slow[0], fast[0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(slow[1], fast[1])
    # and the one row's values add up to its prediction minus the background's mean
    gap = model.predict(X[:1])[0] - model.predict(X[100:140]).mean()
    assert abs(slow[0].mean(axis=0).sum() - gap) < 1e-9


RACE = r"""
import json, sys
import limelight
import limelight._compiled as C
before = set(sys.modules)
C.wait_for_warm_up()
from limelight.explainers.trees.kernel import _kernel
print(json.dumps({"new": sorted(set(sys.modules) - before),
                  "compiled": [len(_kernel(k).signatures) for k in ("walk", "decide", "sum")]}))
"""


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_the_warm_up_thread_imports_nothing_so_it_never_races_the_users_imports(tmp_path, cache):
    # a thread importing scikit-learn's or scipy's modules while the user's thread imports
    # them handed the user "cannot import name 'clone' from partially initialized module
    # 'sklearn.base'" one import in three; the thread may only run compiled code
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(SRC))
    env.pop("LIMELIGHT_WARMUP", None)
    for _ in range(1 if cache == "cold" else 2):  # warm: the second process reads the cache
        out = subprocess.run(
            [sys.executable, "-c", RACE], env=env, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["new"] == []
    assert got["compiled"] == [1, 1, 1]  # and it did compile (or load) the three kernels


def test_scikit_learn_imports_cleanly_right_after_limelight(tmp_path):
    code = "import limelight\nfrom sklearn.linear_model import LogisticRegression\nprint('ok')"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(SRC))
    env.pop("LIMELIGHT_WARMUP", None)
    for _ in range(6):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-1500:]
