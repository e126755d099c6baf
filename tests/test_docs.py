"""The documentation site: `bash scripts/docs.sh` builds it offline with a page per public
name and an executed gallery, and fails on what a reader would trip over (a broken link,
a public name without a docstring, an example that raises). The README's example runs."""

from __future__ import annotations

import html.parser
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

import limelight as ll
import limelight.explainers

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("mkdocstrings_handlers.python")


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Refs(html.parser.HTMLParser):
    """Every href/src of a page, with the tag it sits on."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.refs.append((tag, value))


def _refs(page: Path) -> list[tuple[str, str]]:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.refs


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        ["bash", "scripts/docs.sh", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    return out


@pytest.mark.slow
def test_every_public_name_has_its_api_page(site):
    for name in ll.__all__:
        page = site / "api" / f"{name}.html"
        assert page.is_file(), f"no API page for limelight.{name}"
        assert f"limelight.{name}" in page.read_text(encoding="utf-8")
    for name in limelight.explainers.__all__:
        page = site / "api" / "explainers" / f"{name}.html"
        assert page.is_file(), f"no API page for limelight.explainers.{name}"
        assert f"limelight.explainers.{name}" in page.read_text(encoding="utf-8")
    # a function's page carries its signature and its example from the docstring
    attribute = (site / "api" / "attribute.html").read_text(encoding="utf-8")
    assert "random_state" in attribute and "LinearRegression" in attribute


@pytest.mark.slow
def test_gallery_pages_embed_views_that_open_offline(site):
    pages = sorted((site / "gallery").glob("*.html"))
    examples = {p.stem for p in (ROOT / "docs" / "gallery").glob("*.py")}
    assert {p.stem for p in pages} == examples | {"index"}
    assert len(examples) >= 10
    for page in pages:
        if page.stem == "index":
            continue
        views = [r for _, r in _refs(page) if r.startswith("views/") and r.endswith(".html")]
        assert views, f"{page.name} embeds no view"
        # each view is also drawn live in the page: its state script beside its place
        text = page.read_text(encoding="utf-8")
        keys = re.findall(r'class="ll-live" data-ll-key="([^"]+)"', text)
        widgets = [v for v in views if "ll-state" in (page.parent / v).read_text(encoding="utf-8")]
        assert len(keys) == len(widgets)
        for key in keys:
            assert f'src="views/{key}.state.js"' in text
            assert (page.parent / "views" / f"{key}.state.js").is_file()
        for ref in views:
            view = (page.parent / ref).read_text(encoding="utf-8")
            # self-contained: the bundle and the state inline (or a scriptless drawing,
            # as the interactions heatmap), nothing fetched
            assert ("ll-root" in view and "<script" in view) or "<svg" in view
            assert not [
                r
                for t, r in _refs(page.parent / ref)
                if t in ("script", "link", "img") and urlparse(r).scheme in ("http", "https")
            ]


@pytest.mark.slow
def test_no_missing_links_and_nothing_fetched_from_the_network(site):
    pages = list(site.rglob("*.html"))
    missing, remote = [], []
    for page in pages:
        if page.parent.name == "views":  # the views' own pages: checked above
            continue
        for tag, ref in _refs(page):
            url = urlparse(ref)
            if url.scheme in ("http", "https"):
                # a link a reader may follow is fine; a stylesheet, script, font or
                # picture from the network is not (the site must draw offline)
                if tag in ("script", "link", "img", "iframe", "source"):
                    remote.append((page.name, ref))
                continue
            if url.scheme or not url.path:
                continue
            base = site if url.path.startswith("/") else page.parent  # 404.html: from the root
            target = (base / unquote(url.path).lstrip("/")).resolve()
            if not target.exists():
                missing.append((str(page.relative_to(site)), ref))
    assert not missing
    assert not remote
    css = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_readme_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh && python scripts/example.py" in readme
    assert "bash scripts/test.sh" in readme
    code = re.search(r"## Ten lines\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) <= 12
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - the README's own example
    assert (tmp_path / "row0.html").stat().st_size > 10_000
    # against the model itself: Shapley values add up to f(x) − mean f(background)
    model, X, e = ns["model"], ns["X"], ns["e"]
    gap = model.predict(X.iloc[[0]])[0] - model.predict(X.iloc[:100]).mean()
    np.testing.assert_allclose(e.values.sum(), gap, rtol=1e-6)


def test_a_public_name_without_a_docstring_is_named():
    hooks = _module("limelight_docs_hooks", ROOT / "scripts" / "docs" / "hooks.py")

    def documented():
        """Has one."""

    def bare():
        pass

    class Widget:
        """A class with one documented method and one bare one."""

        def shown(self):
            """Documented."""

        def hidden(self):
            pass

        @property
        def size(self):
            return 1

    names = [
        ("limelight.documented", "", documented),
        ("limelight.bare", "", bare),
        ("limelight.Widget", "", Widget),
    ]
    assert hooks.undocumented(names) == [
        "limelight.bare",
        "limelight.Widget.hidden",
        "limelight.Widget.size",
    ]
    # and the package as it is has none missing (the build checks the same list)
    assert hooks.undocumented(hooks.public_names()) == []


def test_an_example_that_raises_names_its_cell(tmp_path):
    gallery = _module("limelight_docs_gallery", ROOT / "scripts" / "docs" / "gallery.py")
    script = tmp_path / "broken.py"
    script.write_text('"""# Broken"""\n\n# %%\nx = 1\n\n# %%\n# prose\n1 / 0\n')
    with pytest.raises(
        gallery.ExampleError, match=r"(?s)broken.py, cell 2 raised.*ZeroDivisionError"
    ):
        gallery.run(script, tmp_path)


def test_a_cell_ending_in_a_view_embeds_its_offline_page(tmp_path):
    gallery = _module("limelight_docs_gallery", ROOT / "scripts" / "docs" / "gallery.py")
    script = tmp_path / "one.py"
    script.write_text(
        '"""# One\n\nIntro."""\n\n# %%\n# A linear model.\nimport numpy as np\n'
        "import limelight as ll\n\nX = np.eye(3)\n"
        "e = ll.attribute(lambda B: B @ [1.0, 2.0, 3.0], X[0], background=X)\n"
        "print(np.round(e.values, 3))\ne\n"
    )
    page = gallery.run(script, tmp_path)
    assert page.startswith("# One\n\nIntro.")
    assert "A linear model." in page and "```python\nimport numpy" in page
    # the printed values: w * (x - mean(background)) = [1, 2, 3] * [2/3, -1/3, -1/3]
    assert "[[ 0.667 -0.667 -1.   ]]" in page
    assert "views/one-1.html" in page and (tmp_path / "one-1.html").is_file()
    # drawn live in the page: its place, its state, and the loader
    assert '<div class="ll-live" data-ll-key="one-1">' in page
    assert (tmp_path / "one-1.state.js").read_text().startswith("(window.llStates")
    assert page.rstrip().endswith('<script src="../assets/limelight-live.js"></script>')
    assert (tmp_path / "one-1.svg").read_text().startswith("<svg")


def test_a_broken_link_fails_the_build(tmp_path):
    """The site's own link rules (mkdocs.yml's validation, --strict) on a two-page site."""
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [the guide](guide.md) and [gone](gone.md).\n")
    (docs / "guide.md").write_text("# Guide\n")
    small = {k: config[k] for k in ("site_name", "strict", "validation", "use_directory_urls")}
    small |= {"docs_dir": str(docs), "site_dir": str(tmp_path / "site"), "theme": "mkdocs"}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(small))
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(tmp_path / "mkdocs.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "gone.md" in run.stderr
