"""A JupyterLab 4 or Notebook 7 server on 127.0.0.1 for the browser tests and the
browser benches (one launcher for both; no pytest here).

    with jupyter_server(Path(tmp), "lab") as server:
        write_notebook(server["dir"] / "a.ipynb", ["print(1)"])
        page = run_lab_notebook(browser, server, "a.ipynb")
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "file:", "about:")

APPS = {
    "lab": (
        "JupyterLab",
        "lab",
        [
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
    ),
    "nb7": ("Notebook 7", "notebook", ["--JupyterNotebookApp.expose_app_in_browser=True"]),
}

KERNEL_IDLE = (
    "window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells: list[str]) -> None:
    """Write a notebook of code cells, Python 3 kernel."""
    code = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c}
        for c in cells
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"cells": code, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _environment(root: Path) -> dict:
    return dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / "cfg"),
        JUPYTER_RUNTIME_DIR=str(root / "rt"),
        JUPYTER_PLATFORM_DIRS="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )


@contextmanager
def jupyter_server(root: Path, app: str = "lab", *, timeout: float = 90) -> Iterator[dict]:
    """Start ``app`` (a key of ``APPS``) with token auth, notebooks in ``root/notebooks``;
    yield ``{url, token, dir}``; stop it after. Raises ``RuntimeError`` with the server's
    log if it does not answer within ``timeout`` seconds."""
    title, command, flags = APPS[app]
    nbdir = root / "notebooks"
    nbdir.mkdir(parents=True, exist_ok=True)
    env = _environment(root)
    announcements = "@jupyterlab/apputils-extension:announcements"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "disable", announcements],
        env=env,
        capture_output=True,
        check=False,
    )
    port, token = free_port(), uuid.uuid4().hex
    log_path = root / f"{app}.log"
    args = [sys.executable, "-m", "jupyter", command, "--no-browser", "--ip=127.0.0.1"]
    args += [f"--port={port}", "--allow-root", f"--IdentityProvider.token={token}"]
    args += [f"--ServerApp.root_dir={nbdir}", *flags]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(proc, f"http://127.0.0.1:{port}", token, time.time() + timeout)
        except RuntimeError as err:
            proc.kill()
            tail = log_path.read_text()[-3000:]
            raise RuntimeError(f"{title} did not start ({err}):\n{tail}") from None
        try:
            yield {"url": f"http://127.0.0.1:{port}", "token": token, "dir": nbdir}
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(proc, url: str, token: str, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server exited") from None
            if time.time() > deadline:
                raise RuntimeError("no answer in time") from None
            time.sleep(0.5)


def run_lab_notebook(browser, server: dict, name: str, *, timeout: float = 120_000):
    """Open ``name`` in JupyterLab in a new page (every non-local request aborted), wait
    for the kernel, run all cells; return the page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
    url, token = server["url"], server["token"]
    page.goto(f"{url}/lab/workspaces/bench/tree/{name}?token={token}&reset")
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page
