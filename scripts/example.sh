#!/usr/bin/env bash
# Runs the tabular example notebook and leaves two things to look at in example/:
# tabular.ipynb (executed, widget state saved: open it in JupyterLab or Notebook 7 and the
# charts draw) and tabular.html (a static copy for any browser; each chart appears as
# limelight's scriptless fallback once the notebook has run).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p example
jupyter nbconvert --execute --to notebook --ExecutePreprocessor.store_widget_state=True \
  --output-dir example notebooks/tabular.ipynb --log-level=WARN
jupyter nbconvert --to html --output-dir example example/tabular.ipynb --log-level=WARN
echo "example: wrote $(pwd)/example/tabular.html (open it in a browser)"
echo "example: and $(pwd)/example/tabular.ipynb (jupyter lab example/tabular.ipynb)"
