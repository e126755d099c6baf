"""Run the tabular example notebook and leave things to look at in ``example/``:

- ``tabular.ipynb``: the notebook executed, widget state saved (``jupyter lab
  example/tabular.ipynb``, run it, and the charts draw);
- ``w.html``, ``w2.html``, ``w3.html``, ``imp.html``: each chart of the notebook as
  limelight's self-contained page (interactive, offline: open it in any browser);
- ``tabular.html``: a static copy of the notebook's text and tables (nbconvert).

    python scripts/example.py
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbconvert
import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "example"
WIDGETS = ("w", "w2", "w3", "imp")  # the notebook's chart widgets
SAVE = (
    f"for _name in {WIDGETS!r}:\n"
    "    if _name in globals():\n"
    "        globals()[_name].save(f'{_name}.html')"
)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    nb = nbformat.read(ROOT / "notebooks" / "tabular.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(OUT)}},
    )
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        # in the same kernel, each chart as its own page; the cell is not kept
        extra = nbformat.v4.new_code_cell(SAVE)
        nb.cells.append(extra)
        client.execute_cell(extra, len(nb.cells) - 1)
        nb.cells.pop()
        client.set_widgets_metadata()
    nbformat.write(nb, OUT / "tabular.ipynb")
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    (OUT / "tabular.html").write_text(body, encoding="utf-8")
    pages = [OUT / f"{name}.html" for name in WIDGETS if (OUT / f"{name}.html").exists()]
    print(
        f"example: the executed notebook: {OUT / 'tabular.ipynb'} "
        f"(jupyter lab {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}"
        "/tabular.ipynb)"
    )
    print(f"example: a static copy of it: {OUT / 'tabular.html'}")
    for page in pages:
        print(f"example: open in a browser (interactive, offline): {page}")


if __name__ == "__main__":
    main()
