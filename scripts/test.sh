#!/usr/bin/env bash
# Every check limelight has: lint (ruff, biome), JS unit tests in Chromium (vitest), and
# the Python suite with its real-browser tests (Playwright + JupyterLab, network blocked).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== lint"
ruff check src tests bench scripts
ruff format --check src tests bench scripts
npx biome lint js vitest.config.js

echo "== JS unit tests (Chromium)"
npx vitest run

echo "== Python tests"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
python -m pytest -q -p no:cacheprovider "$@"
