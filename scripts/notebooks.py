"""Write notebooks/<capability>.ipynb from the gallery's examples (docs/gallery/*.py), so
the notebooks and the docs hold the same material: prose as Markdown cells, code cells
without outputs (none are saved into git). ``python scripts/notebooks.py --check`` fails
when a notebook differs from its example; tests/test_notebooks.py runs every notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
OUT = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts" / "docs"))


def wanted() -> dict[Path, str]:
    """Each notebook's path and the text it should hold."""
    from gallery import notebook

    return {OUT / f"{p.stem}.ipynb": notebook(p.read_text()) for p in sorted(GALLERY.glob("*.py"))}


def _cells(text: str) -> list[tuple[str, str]]:
    """What a notebook says: its cells' kinds and sources (not their random ids)."""
    import nbformat

    return [(c.cell_type, c.source) for c in nbformat.reads(text, as_version=4).cells]


def main(argv: list[str]) -> int:
    stale = [
        p for p, text in wanted().items() if not p.exists() or _cells(p.read_text()) != _cells(text)
    ]
    if "--check" in argv:
        for p in stale:
            print(
                f"{p.relative_to(ROOT)} differs from its gallery example: run scripts/notebooks.py"
            )
        return 1 if stale else 0
    for p, text in wanted().items():
        if p in stale:  # an unchanged notebook keeps its file (and its cell ids)
            p.write_text(text)
    print(f"wrote {len(wanted())} notebooks in {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
