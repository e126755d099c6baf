"""Shared test setup: build the JS bundle once if it is missing (it is gitignored), and keep
BLAS to one thread so small model calls are not slowed by idle thread pools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "limelight" / "static"

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pytest_sessionstart(session):
    sources = list((ROOT / "js" / "src").rglob("*.js"))
    bundle = STATIC / "widget.js"
    stale = not bundle.exists() or any(s.stat().st_mtime > bundle.stat().st_mtime for s in sources)
    if stale and shutil.which("npm") and (ROOT / "node_modules").exists():
        subprocess.run(["npm", "run", "build", "--silent"], cwd=ROOT, check=True)
