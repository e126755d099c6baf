"""marimo and Voilà servers on 127.0.0.1 for the browser tests (no pytest here), beside
``lab_server.py``'s JupyterLab and Notebook 7.

    with marimo_server(Path(tmp), app_file, "run") as url:
        page.goto(url)
    with voila_server(Path(tmp), notebook_folder) as url:
        page.goto(url + "voila/render/a.ipynb?theme=dark")

Each server runs in a process group of its own, ended with everything it started (a
marimo session's kernel, Voilà's kernels) when the block ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lab_server import _environment, free_port


@contextmanager
def _serve(args: list[str], cwd: Path, env: dict, url: str, ready: str, log: Path, timeout: float):
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_answer(proc, url + ready, time.time() + timeout)
        except RuntimeError as err:
            _stop(proc)
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"{args[2]} did not start ({err}):\n{tail}") from None
        try:
            yield url
        finally:
            _stop(proc)


def _wait_answer(proc, url: str, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server exited") from None
            if time.time() > deadline:
                raise RuntimeError("no answer in time") from None
            time.sleep(0.3)


def _stop(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


@contextmanager
def marimo_server(
    root: Path, app: Path, mode: str = "run", *, timeout: float = 90
) -> Iterator[str]:
    """``marimo run`` or ``marimo edit`` of ``app``, headless, no token; yields its URL.
    Its user config (``root/xdg``) runs every cell when the editor opens, as ``run`` does,
    and no update check is made."""
    config = root / "xdg" / "marimo"
    config.mkdir(parents=True, exist_ok=True)
    (config / "marimo.toml").write_text("[runtime]\nauto_instantiate = true\n")
    env = dict(_environment(root), XDG_CONFIG_HOME=str(root / "xdg"), MARIMO_SKIP_UPDATE_CHECK="1")
    port = free_port()
    args = [sys.executable, "-m", "marimo", mode, str(app), "--headless", "--no-token"]
    args += [f"--port={port}", "--host=127.0.0.1"]
    url = f"http://127.0.0.1:{port}/"
    with _serve(args, root, env, url, "", root / f"marimo-{mode}.log", timeout) as served:
        yield served


@contextmanager
def voila_server(root: Path, notebooks: Path, *, timeout: float = 90) -> Iterator[str]:
    """Voilà serving the notebooks in the folder ``notebooks`` at
    ``URL/voila/render/NAME.ipynb`` (each page load runs its notebook in a new kernel);
    ``?theme=dark`` on a page's URL picks JupyterLab's dark theme. Yields the URL."""
    port = free_port()
    args = [sys.executable, "-m", "voila", str(notebooks), "--no-browser", f"--port={port}"]
    args += ["--Voila.ip=127.0.0.1", "--VoilaConfiguration.allow_theme_override=YES"]
    url = f"http://127.0.0.1:{port}/"
    # (a notebook's page would run it: ask for a static file instead)
    ready = "voila/static/voila.js"
    with _serve(args, notebooks, _environment(root), url, ready, root / "voila.log", timeout) as u:
        yield u
