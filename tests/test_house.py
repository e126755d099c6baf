"""The house: the import graph of src/limelight (``ast``, module- and function-level
imports, relative imports resolved, ``from pkg import submodule`` counted as importing the
submodule; ``if TYPE_CHECKING:`` blocks aside, they never run) has no cycle, and no module
runs past 400 lines. The cycles and long modules not yet broken are listed by name below:
the lists may only shrink, so a new cycle or a new long module fails at once."""

from __future__ import annotations

from test_import_graph import SRC, graph, module_name

MAX_LINES = 400

# Still to break (issue 25, ../shared/LAYOUT.md says how); each entry is one cycle's modules.
KNOWN_CYCLES: set[frozenset[str]] = set()
KNOWN_LONG: set[str] = set()


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of modules that import each other (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(g.get(v, ())):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while group[-1:] != [v]:
                group.append(stack.pop())
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def chain(g: dict[str, set[str]], group: list[str], start: str) -> list[str]:
    """The shortest import chain from ``start`` back to itself inside ``group``."""
    inside = set(group)
    seen, frontier = {start: [start]}, [start]
    while frontier:
        nxt = []
        for m in frontier:
            for t in sorted(g[m] & inside):
                if t == start:
                    return seen[m] + [start]
                if t not in seen:
                    seen[t] = seen[m] + [t]
                    nxt.append(t)
        frontier = nxt
    raise AssertionError(f"{start} is in no cycle")


def short(name: str) -> str:
    return name.removeprefix("limelight.")


def test_the_cycle_finder_reports_a_planted_cycle_as_a_chain():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c"]]
    assert chain(g, ["a", "b", "c"], "b") == ["b", "c", "a", "b"]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_new_import_cycle():
    g = graph()
    found = cycles(g)
    groups = {frozenset(short(m) for m in c) for c in found}
    chains = [" -> ".join(map(short, chain(g, c, m))) for c in found for m in c]
    assert groups <= KNOWN_CYCLES, "new import cycles:\n" + "\n".join(chains)
    # a broken cycle leaves the list, so it cannot come back unnoticed
    assert KNOWN_CYCLES <= groups, KNOWN_CYCLES - groups


def test_no_module_over_400_lines():
    lines = {
        p.relative_to(SRC).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in SRC.rglob("*.py")
    }
    long = {p for p, n in lines.items() if n > MAX_LINES}
    assert long <= KNOWN_LONG, {p: lines[p] for p in long - KNOWN_LONG}
    assert KNOWN_LONG <= long, KNOWN_LONG - long


def test_every_module_is_in_the_graph():
    assert {module_name(p) for p in SRC.rglob("*.py")} == set(graph())
