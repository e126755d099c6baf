"""The layers import downwards only. Built with ``ast`` over src/limelight, counting every
import (module level and inside functions; ``if TYPE_CHECKING:`` blocks aside, they never
run): no import cycle passes through ``explanation.py``, the value type imports neither
``widgets`` nor ``export``, and ``api`` and the explorer do not import each other."""

import ast
from pathlib import Path

import limelight

SRC = Path(limelight.__file__).resolve().parent
PKG = "limelight"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (SRC.parent / rel).with_suffix(".py").exists() or (
        SRC.parent / rel / "__init__.py"
    ).exists()


def type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


def imports(path: Path, text: str | None = None) -> set[str]:
    """The limelight modules ``path`` (or ``text`` as if it were that file) imports,
    anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(text if text is not None else path.read_text(encoding="utf-8"))
    skip = {id(n) for t in ast.walk(tree) if type_checking_only(t) for n in ast.walk(t)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import submodule` depends on the submodule, else on pkg itself
            targets = [
                f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base for a in node.names
            ]
        else:
            continue
        out |= {t for t in targets if t == PKG or t.startswith(PKG + ".")}
    out.discard(name)
    return out


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in SRC.rglob("*.py")}


def reaches(g: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A path of imports from ``start`` to ``goal`` (breadth first), or None."""
    seen, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for m in frontier:
            for t in sorted(g.get(m, ())):
                if t not in seen:
                    seen[t] = m
                    nxt.append(t)
        frontier = nxt
    if goal not in seen:
        return None
    path, at = [], goal
    while at is not None:
        path.append(at)
        at = seen[at]
    return path[::-1]


def test_the_checker_sees_function_level_imports_and_finds_the_old_cycle():
    # explanation.py as it was: saving and display imported inside methods
    old = (
        "from .errors import SchemaError\n"
        "class Explanation:\n"
        "    def save(self, path):\n"
        "        from .export import save\n"
        "    def _repr_mimebundle_(self):\n"
        "        from .widgets import ExplanationWidget\n"
        "if TYPE_CHECKING:\n"
        "    from .api import plan\n"
    )
    path = SRC / "explanation.py"
    assert imports(path, old) == {"limelight.errors", "limelight.export", "limelight.widgets"}
    g = {**graph(), "limelight.explanation": imports(path, old)}
    assert reaches(g, "limelight.export", "limelight.explanation") is not None
    assert reaches(g, "limelight.explanation", "limelight.export") is not None  # a cycle


def test_no_import_cycle_passes_through_explanation():
    g = graph()
    exp = "limelight.explanation"
    assert g[exp] <= {"limelight.errors"}, g[exp]  # numpy and its own errors only
    cycles = [(m, reaches(g, exp, m)) for m in sorted(g[exp]) if reaches(g, m, exp)]
    assert cycles == []
    for upper in ("limelight.widgets", "limelight.export", "limelight.api"):
        assert reaches(g, exp, upper) is None


def test_encoders_sit_below_widgets_and_export():
    g = graph()
    for enc in [m for m in g if m.startswith("limelight.encoders")]:
        for upper in ("limelight.widgets", "limelight.export", "limelight.api"):
            assert reaches(g, enc, upper) is None, (enc, reaches(g, enc, upper))
    assert reaches(g, "limelight.export", "limelight.widgets") is None


def test_api_and_the_explorer_do_not_import_each_other():
    g = graph()
    assert reaches(g, "limelight.widgets.explorer", "limelight.api") is None
