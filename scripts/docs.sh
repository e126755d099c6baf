#!/usr/bin/env bash
# Builds the documentation site into site/ with no network: mkdocs-material (its search,
# icons and styles bundled; web fonts off), the API pages from the docstrings
# (mkdocstrings), and the gallery, whose examples run here and embed their views' offline
# pages. Fails on a broken link, a public name without a docstring, or an example that
# raises. Needs the `docs` extra (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# the checkout's own package first (the docs describe this tree)
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
python -m mkdocs build --strict --clean "$@"
echo "docs: site/index.html ($(du -sh site | cut -f1), $(find site -name '*.html' | wc -l) HTML files)"
