"""Writing a file so that a failed or killed save never costs the file that was there: the
new content goes to a temporary file beside the target, is flushed to disk, and replaces
the target in one rename (``os.replace`` is atomic on one file system). On any failure the
temporary file is removed and the old file is untouched; a kill leaves at most a hidden
``.<name>.*.tmp`` beside it, never a half-written target.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomic(p, b"one").read_bytes(), write_atomic(p, "two").read_text()
    (b'one', 'two')
    >>> write_atomic(p, b"three", overwrite=False)
    Traceback (most recent call last):
    ...
    limelight.errors.InputError: a.txt already exists in '...'. Fix: pass overwrite=True ...
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InputError

#: the snapshot formats every view saves, named by the file's suffix
FORMATS = ("html", "png", "svg", "json")

_UMASK = os.umask(0o022)  # read once: a new file gets the mode open() would give it
os.umask(_UMASK)


def check_target(path: str | Path, overwrite: bool = True) -> Path:
    """``path`` as a Path, refused at the call (before any work) when it would replace a
    file and ``overwrite`` is False, or when its folder does not exist."""
    path = Path(path)
    if not isinstance(overwrite, bool):
        raise InputError(f"overwrite={overwrite!r}", fix="pass overwrite=True or False")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder", fix="give a file name to write")
    if not overwrite and path.exists():
        raise InputError(
            f"{path.name} already exists in {str(path.parent)!r}",
            fix="pass overwrite=True to replace it, or choose another file name",
        )
    if not path.parent.is_dir():
        raise InputError(
            f"the folder {str(path.parent)!r} does not exist",
            fix="create it first (Path(folder).mkdir(parents=True)) or save elsewhere",
        )
    return path


def snapshot_target(path: str | Path, overwrite: bool = True) -> tuple[Path, str]:
    """``path`` and the snapshot format its suffix names (:data:`FORMATS`), refused before
    any work when the suffix names none, or when the file exists and ``overwrite`` is False."""
    path = Path(path)
    fmt = {".htm": "html"}.get(path.suffix.lower(), path.suffix.lower()[1:])
    if fmt not in FORMATS:
        raise InputError(
            f"cannot tell the format from {path.name!r}",
            fix="end the file name in .html, .png, .svg or .json",
        )
    return check_target(path, overwrite), fmt


def write_atomic(
    path: str | Path,
    content: bytes | str | Callable[[Path], Any],
    *,
    overwrite: bool = True,
) -> Path:
    """Write ``content`` (bytes, text as UTF-8, or a function that writes the file at the
    path it is given, such as ``lambda p: pq.write_table(table, p)``) to ``path`` whole or
    not at all; ``overwrite=False`` refuses to replace an existing file."""
    path = check_target(path, overwrite)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        if callable(content):
            os.close(fd)
            fd = -1
            content(tmp)
            fd = os.open(tmp, os.O_RDWR)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            view = memoryview(data)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.chmod(tmp, _mode(path))
        if not overwrite and path.exists():  # appeared while we wrote
            check_target(path, overwrite)
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(path.parent)
    return path


def _mode(path: Path) -> int:
    """The replaced file's permissions, or those of a new file (mkstemp's are 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
