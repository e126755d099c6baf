"""Real-browser fixtures: Debian's Chromium driven by Playwright, every non-local request
aborted, and a JupyterLab 4 server running notebooks the tests write.

``lab_notebook(cells)`` writes a notebook, opens it in JupyterLab, runs all cells and
returns the page once the kernel is idle again. See ``/work/shared/TESTING.md``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lab_server import KERNEL_IDLE, LOCAL, jupyter_server, write_notebook

CHROMIUM = "/usr/bin/chromium"

playwright_api = pytest.importorskip("playwright.sync_api")


def block_network(page, outside: list[str]) -> None:
    """Abort every request that would leave the machine; record it in ``outside``."""

    def route(r):
        if r.request.url.startswith(LOCAL):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)


JS_SRC = Path(__file__).resolve().parents[2] / "js" / "src"
SOURCE_ORIGIN = "http://127.0.0.1:9"


@pytest.fixture()
def source_page(chromium):
    """``open(html) -> page``: a page at a local origin whose ``/`` is ``html`` and whose
    other paths are ``js/src`` files (so a view module imports from the source tree);
    every other request is aborted. ``html`` sets ``window.llReady`` when it is ready.
    Fails on page errors or any request that leaves the machine."""
    pages, errors, outside = [], [], []

    def open_(html: str):
        page = chromium.new_page()
        page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))

        def serve(route):
            url = route.request.url
            if url.startswith(SOURCE_ORIGIN):
                path = url[len(SOURCE_ORIGIN) :].split("?")[0]
                if path == "/":
                    return route.fulfill(body=html, content_type="text/html")
                file = (JS_SRC / path.lstrip("/")).resolve()
                if JS_SRC in file.parents and file.exists():
                    return route.fulfill(body=file.read_text(), content_type="text/javascript")
                return route.fulfill(status=404)
            if url.startswith(("data:", "blob:")):
                return route.continue_()
            outside.append(url)
            return route.abort()

        page.route("**/*", serve)
        page.goto(SOURCE_ORIGIN + "/")
        page.wait_for_function("window.llReady === true")
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()
    assert errors == [] and outside == []


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


def _jupyter_server(tmp_path_factory, app: str):
    """A JupyterLab or Notebook 7 server on 127.0.0.1 with token auth and notebooks in a
    temporary folder; yields ``{url, token, dir}``, stops it after."""
    try:
        with jupyter_server(tmp_path_factory.mktemp(app), app) as server:
            yield server
    except RuntimeError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """A JupyterLab 4 server on 127.0.0.1 (token auth), notebooks in a temporary folder."""
    yield from _jupyter_server(tmp_path_factory, "lab")


@pytest.fixture()
def lab_notebook(chromium, jupyter_lab):
    """``open(cells) -> page``: run the cells in JupyterLab; fails on page errors or any
    request that leaves the machine."""
    pages, outside, errors = [], [], []

    def open_(cells: list[str], *, timeout: float = 120_000, before_run: str | None = None):
        """``before_run``: a script the page runs once the kernel is idle, before the cells
        (``notebook:run-all-cells`` resolves only when every cell has run)."""
        name = f"t{uuid.uuid4().hex[:8]}.ipynb"
        write_notebook(jupyter_lab["dir"] / name, cells)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        pages.append(page)
        block_network(page, outside)
        page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
        # a workspace of its own, so notebooks from earlier tests are not restored beside it
        page.goto(
            f"{jupyter_lab['url']}/lab/workspaces/{name[:-6]}/tree/{name}"
            f"?token={jupyter_lab['token']}&reset"
        )
        page.wait_for_function(KERNEL_IDLE, timeout=timeout)
        if before_run:
            page.evaluate(before_run)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        return page

    yield open_
    for p in pages:
        p.close()
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


def kernel_eval(page, code: str, timeout: float = 30_000) -> str:
    """Run ``code`` in the page's kernel and return what it printed (stdout)."""
    return page.evaluate(
        """async (code) => {
          const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          let out = "";
          const future = kernel.requestExecute({ code, store_history: false });
          future.onIOPub = (msg) => {
            if (msg.header.msg_type === "stream") out += msg.content.text;
            if (msg.header.msg_type === "error") out += "ERROR " + msg.content.ename + ": " + msg.content.evalue;
          };
          await future.done;
          return out;
        }""",
        code,
    )


@pytest.fixture(scope="session")
def jupyter_nb7(tmp_path_factory):
    """A Notebook 7 server on 127.0.0.1 (token auth), notebooks in a temporary folder."""
    yield from _jupyter_server(tmp_path_factory, "nb7")


@pytest.fixture()
def open_notebook(chromium, jupyter_lab, jupyter_nb7):
    """``open(app, name) -> page``: open the notebook ``name`` (already written into the
    app's folder, ``server(app)["dir"]``) in ``"lab"`` (JupyterLab 4) or ``"nb7"``
    (Notebook 7) and run all its cells; fails on page errors or requests leaving the
    machine."""
    servers = {"lab": jupyter_lab, "nb7": jupyter_nb7}
    pages, outside, errors = [], [], []

    def open_(app: str, name: str, *, timeout: float = 120_000):
        server = servers[app]
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        pages.append(page)
        block_network(page, outside)
        page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
        path = (
            f"/lab/workspaces/{name[:-6]}/tree/{name}?reset&"
            if app == "lab"
            else f"/notebooks/{name}?"
        )
        page.goto(f"{server['url']}{path}token={server['token']}")
        page.wait_for_function(KERNEL_IDLE, timeout=timeout)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        return page

    open_.servers = servers
    yield open_
    for p in pages:
        p.close()
    assert outside == [], f"requests left the machine: {outside[:5]}"
    # Notebook 7's shell raises one error of its own while loading its settings ("reading
    # 'schema'", every frame in notebook_core.js, with or without limelight): not ours
    ours = [
        e
        for e in errors
        if not all(
            "/static/notebook/notebook_core." in line
            for line in e.splitlines()[2:]
            if "http" in line
        )
        or "reading 'schema'" not in e
    ]
    assert ours == [], f"page errors: {ours[:5]}"
