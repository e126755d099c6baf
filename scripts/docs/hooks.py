"""mkdocs hooks that make limelight's site: the API pages (one per public name, written
from ``limelight.__all__`` and ``limelight.explainers.__all__``), the gallery (each
example in ``docs/gallery/`` run at build time, its views embedded), the navigation, and
the checks that fail the build: a public name or a method its page shows without a
docstring, an example that raises (broken links fail through mkdocs' ``--strict``)."""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(Path(__file__).resolve().parent)]
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("LIMELIGHT_STATIC_PICTURES", "1")

import gallery  # noqa: E402  (scripts/docs/gallery.py)
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

GUIDES = [
    ("Which method when", "guides/which-method.md"),
    ("Reading the views", "guides/reading-views.md"),
    ("Coming from shap", "guides/from-shap.md"),
    ("Tabular models", "guides/tabular.md"),
    ("Deep-learning models", "guides/deep-learning.md"),
    ("Whole data sets", "guides/many.md"),
    ("Trust and global views", "guides/trust.md"),
    ("Seeing the model", "guides/model-views.md"),
    ("Explainers, widgets, exports", "guides/explainers-and-exports.md"),
    ("Inputs, outputs and errors", "guides/reliability.md"),
    ("Performance", "guides/performance.md"),
    ("Developing", "guides/developing.md"),
]
#: the gallery's order (file stems of docs/gallery/*.py); a new example must be listed
GALLERY = [
    "tabular_row",
    "text",
    "images",
    "explore",
    "explain_many",
    "compare",
    "interactions",
    "quality",
    "surrogate",
    "dependence",
    "feature_elimination",
    "structure",
    "layers",
    "monitor",
    "exports",
]


# -- the public names ---------------------------------------------------------------------
def public_names() -> list[tuple[str, str, object]]:
    """``(public name, page uri, object)`` for every name the two ``__all__`` list."""
    import limelight
    import limelight.explainers as explainers

    names = [(f"limelight.{n}", f"api/{n}.md", getattr(limelight, n)) for n in limelight.__all__]
    names += [
        (f"limelight.explainers.{n}", f"api/explainers/{n}.md", getattr(explainers, n))
        for n in explainers.__all__
    ]
    return names


def _defined_at(obj: object) -> str:
    """The dotted path where griffe finds ``obj`` (lazy names live in their own modules)."""
    if inspect.ismodule(obj):
        return obj.__name__
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        obj = type(obj)  # an instance (limelight.options): its class documents it
    return f"{obj.__module__}.{obj.__qualname__}"


def _hidden_members(obj: object) -> list[str]:
    """Members documented on a base page instead: each explainer's ``stream``, ``check``
    and ``params`` are the protocol ``Explainer`` describes."""
    from limelight.explainers import Explainer

    if inspect.isclass(obj) and issubclass(obj, Explainer) and obj is not Explainer:
        return ["stream", "check", "params", "explain"]
    return []


def undocumented(names: list[tuple[str, str, object]]) -> list[str]:
    """Public names, and the public methods and properties their pages show, with no
    docstring of their own."""
    missing = []
    for public, _, obj in names:
        doc_of = (
            obj if (inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj)) else type(obj)
        )
        if not (inspect.getdoc(doc_of) or "").strip():
            missing.append(public)
        if not inspect.isclass(obj):
            continue
        for key, member in vars(obj).items():
            if key.startswith("_") or key in _hidden_members(obj):
                continue
            f = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            if (isinstance(member, property) or inspect.isfunction(f)) and not (
                f.__doc__ or ""
            ).strip():
                missing.append(f"{public}.{key}")
    return missing


def api_page(public: str, obj: object) -> str:
    options = [f'        heading: "{public}"', f'        toc_label: "{public.split(".")[-1]}"']
    if inspect.ismodule(obj) and obj.__name__ == "limelight.explainers":
        options.append("        members: false")
    hidden = _hidden_members(obj)
    if hidden:
        options.append(
            f'        filters: ["!^_", {", ".join(f"{chr(34)}!^{h}$" + chr(34) for h in hidden)}]'
        )
    return f"::: {_defined_at(obj)}\n    options:\n" + "\n".join(options) + "\n"


def _method_names(obj: object) -> str:
    """Where an explainer class is what ``method="..."`` names (from the one registry)."""
    from limelight.explainers.registry import METHODS

    rows = [
        f'| {modality} | `method="{m.name}"` | {", ".join(f"`{a}`" for a in m.aliases) or "—"} |'
        for modality, methods in METHODS.items()
        for m in methods
        if m.cls is obj
    ]
    if not rows:
        return ""
    head = ["", "## As `method=`", "", "| input | name | also |", "|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def _used_in(public: str, gallery_sources: dict[str, str]) -> str:
    """Links to the gallery pages that call this name (as scikit-learn's "examples using")."""
    short = public.removeprefix("limelight.")
    calls = (f"ll.{short}(", f"{short.rsplit('.', 1)[-1]}(") if "." in short else (f"ll.{short}(",)
    pages = [stem for stem, src in gallery_sources.items() if any(c in src for c in calls)]
    if not pages:
        return ""
    depth = "../" * public.count(".")
    links = [f"[{gallery_title(gallery_sources[s])}]({depth}gallery/{s}.md)" for s in pages]
    return "\n## Used in the gallery\n\n" + ", ".join(links) + "\n"


def gallery_title(source: str) -> str:
    import ast

    doc = ast.get_docstring(ast.parse(source)) or "# example"
    return doc.splitlines()[0].lstrip("# ").strip()


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj if callable(obj) or inspect.ismodule(obj) else type(obj)) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ").replace("|", "\\|")


def api_index(names: list[tuple[str, str, object]]) -> str:
    rows = [
        "# API reference",
        "",
        "Every public name, with its signature, parameters, what it",
        "returns and an example.",
        "",
    ]
    for title, prefix in (
        ("`limelight`", "limelight."),
        ("`limelight.explainers`", "limelight.explainers."),
    ):
        rows += [f"## {title}", "", "| name | what it does |", "|---|---|"]
        for public, uri, obj in names:
            if public.rsplit(".", 1)[0] + "." == prefix:
                rows.append(f"| [`{public}`]({uri.removeprefix('api/')}) | {_summary(obj)} |")
        rows.append("")
    return "\n".join(rows)


# -- mkdocs events ------------------------------------------------------------------------
def on_config(config, **kwargs):
    names = public_names()
    missing = undocumented(names)
    if missing:
        raise PluginError(
            "these public names have no docstring: "
            + ", ".join(missing)
            + " (write one: a line of what it does, its parameters, an example)"
        )
    top = [{p.removeprefix("limelight."): u} for p, u, _ in names if u.count("/") == 1]
    explainers = [{p.rsplit(".", 1)[1]: u} for p, u, _ in names if u.count("/") == 2]
    config["nav"] = [
        {"Home": "index.md"},
        {"Guides": [{t: u} for t, u in GUIDES]},
        {"Gallery": ["gallery/index.md"] + [f"gallery/{g}.md" for g in GALLERY]},
        {"API reference": ["api/index.md", *top, {"explainers": explainers}]},
    ]
    return config


def on_files(files, config, **kwargs):
    names = public_names()
    src = Path(config["docs_dir"]) / "gallery"
    found = sorted(p.stem for p in src.glob("*.py"))
    if sorted(GALLERY) != found:
        raise PluginError(f"docs/gallery/*.py {found} and hooks.GALLERY {GALLERY} differ")
    sources = {stem: (src / f"{stem}.py").read_text(encoding="utf-8") for stem in GALLERY}
    for public, uri, obj in names:
        page = api_page(public, obj) + _method_names(obj) + _used_in(public, sources)
        files.append(File.generated(config, uri, content=page))
    files.append(File.generated(config, "api/index.md", content=api_index(names)))

    views = ROOT / "build" / "docs-views"
    views.mkdir(parents=True, exist_ok=True)
    for old in views.iterdir():
        old.unlink()
    for stem in GALLERY:
        t0 = time.perf_counter()
        try:
            page = gallery.run(src / f"{stem}.py", views)
        except gallery.ExampleError as exc:
            raise PluginError(str(exc)) from None
        files.append(File.generated(config, f"gallery/{stem}.md", content=page))
        notebook = gallery.notebook(sources[stem])
        files.append(File.generated(config, f"gallery/{stem}.ipynb", content=notebook))
        print(f"docs: gallery/{stem} ran in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    for name in ("widget", "vega"):
        content = gallery.bundle_script(name)
        files.append(File.generated(config, f"assets/limelight/{name}.js", content=content))
    for view in sorted(views.iterdir()):
        files.append(File.generated(config, f"gallery/views/{view.name}", abs_src_path=str(view)))
    return files
