#!/usr/bin/env bash
# Installs what limelight and its tests need on a fresh Debian machine: Debian's Chromium
# (real-browser tests; Playwright cannot download a browser here), the npm packages (the
# JS bundle and its tests), and the package itself, editable, with its test extras.
# Safe to run again: each step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "setup: installing Debian's chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The CPU build of torch these machines carry on disk (a bare `torch` would pull GBs of CUDA).
if ! python -c "import torch" 2>/dev/null; then
  python -m pip install -q "torch==2.13.0" \
    || echo "setup: torch not installed; the PyTorch tests will be skipped"
fi

echo "setup: npm packages (exactly the lockfile's: npm ci never rewrites it) and the JS bundle"
# skipped when node_modules already holds what the lockfile says
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent

echo "setup: limelight with its test and docs extras"
python -m pip install -q -e ".[test,docs]"
