"""Chunks on disk: ``out/part-000000.parquet`` per chunk (any Parquet reader opens them)
and ``out/_manifest.json`` with what a resumed run must match (the plan's fingerprint,
the number of rows, the chunk size, the base seed) and the chunks written. Each chunk
file also carries its run's fingerprint, its row range and a hash of the rows of ``X`` it
explains, so a resumed run uses a chunk only when it was written by the same run for the
same rows, and ``ll.load(out)`` reads the chunks the manifest lists (a stray or copied
file in the folder is never read).

    >>> import tempfile
    >>> s = ChunkStore(tempfile.mkdtemp())
    >>> s.manifest(), s.part(3).name
    (None, 'part-000003.parquet')
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import write_atomic
from .._parquet import read_chunk_info, read_parquet, write_parquet
from ..errors import InputError, SchemaError
from ..explanations import Explanations

MANIFEST = "_manifest.json"
MANIFEST_VERSION = 2  # 2: the chunks written are listed, each with its rows' hash
PART = re.compile(r"part-(\d{6})\.parquet")
#: what a run killed mid-write leaves (``_atomic.write_atomic``'s temporary files)
STALE = re.compile(r"\.(part-\d{6}\.parquet|_manifest\.json)\..+\.tmp")
#: what a resumed run must match, and the words that say what changed
RUN_KEYS = {
    "fingerprint": "the model, background or options",
    "n_rows": "the number of rows",
    "chunk_size": "chunk_size",
    "method": "the method",
}


def rows_hash(values: Any) -> str:
    """A hash of a chunk's rows as the run reads them (``ManyPlan.rows``).

    >>> rows_hash(np.eye(2)) == rows_hash(np.eye(2)) != rows_hash(np.eye(2)[::-1])
    True
    """
    h = hashlib.sha256()
    if isinstance(values, np.ndarray) and values.dtype != object:
        h.update(repr((values.dtype.str, values.shape)).encode())
        h.update(np.ascontiguousarray(values).tobytes())
    else:
        h.update(repr([list(map(repr, v)) for v in values]).encode())
    return h.hexdigest()[:32]


class ChunkStore:
    """A folder of chunk files and their manifest."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InputError(
                f"out={str(self.path)!r} is a file",
                fix="give a folder for the chunks (it is created)",
            )
        self._manifest: dict[str, Any] | None = None

    def part(self, chunk: int) -> Path:
        return self.path / f"part-{chunk:06d}.parquet"

    def parts(self) -> list[int]:
        """The chunk files in the folder (named as this store names them)."""
        if not self.path.is_dir():
            return []
        found = (PART.fullmatch(p.name) for p in self.path.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def manifest(self) -> dict[str, Any] | None:
        return read_manifest(self.path)

    def start(self, manifest: dict[str, Any], hashes: Any, *, resume: bool) -> list[int]:
        """Check (``resume``) or write the manifest; the chunks already done. ``hashes(c)``
        is the hash of the rows chunk ``c`` explains in this run."""
        old = self.manifest()
        if not resume:
            if old or self.parts():
                raise InputError(
                    f"out={str(self.path)!r} already holds chunks of a run",
                    fix="pass resume=True to continue it, or another folder",
                )
            self.path.mkdir(parents=True, exist_ok=True)
            self._save({**manifest, "version": MANIFEST_VERSION, "chunks": {}})
            return []
        if old is None:
            if self.parts():
                raise InputError(
                    f"out={str(self.path)!r} holds chunks but no {MANIFEST}",
                    fix="give a folder written by attribute_many, or an empty one",
                )
            return self.start(manifest, hashes, resume=False)
        changed = [words for k, words in RUN_KEYS.items() if old.get(k) != manifest.get(k)]
        if changed:
            raise InputError(
                f"cannot resume the run in {str(self.path)!r}: {' and '.join(changed)} "
                "changed since its chunks were written",
                fix="rerun with the same model, background, data and chunk_size, "
                "or start afresh in another folder (resume=False)",
            )
        done = [c for c in self._listed(old) if self.part(c).is_file()]
        for c in done:
            self._check_chunk(old, c, hashes(c))
        for p in self.path.iterdir():  # the half-written files of the run that was killed
            if STALE.fullmatch(p.name):
                p.unlink(missing_ok=True)
        self._save({**old, "version": MANIFEST_VERSION, "chunks": _entries(old, done)})
        return done

    def _listed(self, manifest: dict[str, Any]) -> list[int]:
        if "chunks" in manifest:
            return sorted(int(c) for c in manifest["chunks"])
        return self.parts()  # a folder written before the chunks were listed

    def _check_chunk(self, manifest: dict[str, Any], chunk: int, rows: str) -> None:
        """Refuse a chunk file written by another run, or for other rows of ``X``."""
        name = self.part(chunk).name
        entry = manifest.get("chunks", {}).get(str(chunk))
        info = read_chunk_info(self.part(chunk))
        fix = (
            f"delete {name} (resume=True then recomputes it), or start afresh in another "
            "folder (resume=False)"
        )
        if entry is not None and (
            info is None
            or info.get("fingerprint") != manifest.get("fingerprint")
            or info.get("chunk") != chunk
            or info.get("rows_hash") != entry.get("rows_hash")
        ):
            raise InputError(
                f"{name} in {str(self.path)!r} was not written by this run (another model, "
                "background, options or chunk)",
                fix=fix,
            )
        recorded = entry.get("rows_hash") if entry is not None else None
        if recorded is not None and recorded != rows:
            a, b = entry["rows"]
            raise InputError(
                f"rows {a}-{b - 1} of X are not the rows {name} was written for: X changed "
                "since the run was interrupted",
                fix=f"resume with the same X, or {fix}",
            )

    def write(self, chunk: int, ex: Explanations, rows: tuple[int, int], hashed: str) -> None:
        """Write chunk ``chunk`` (rows ``rows`` of X, hashed ``hashed``), then list it."""
        m = self._manifest if self._manifest is not None else self.manifest() or {}
        info = {
            "fingerprint": m.get("fingerprint"),
            "chunk": chunk,
            "rows": list(rows),
            "rows_hash": hashed,
        }
        write_parquet(ex, self.part(chunk), extra={"run": info})
        chunks = {**m.get("chunks", {}), str(chunk): {"rows": list(rows), "rows_hash": hashed}}
        self._save({**m, "chunks": chunks})

    def read(self, chunk: int) -> Explanations:
        return read_parquet([self.part(chunk)])

    def _save(self, manifest: dict[str, Any]) -> None:
        self._manifest = manifest
        write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1, allow_nan=False))


def _entries(manifest: dict[str, Any], done: list[int]) -> dict[str, Any]:
    listed = manifest.get("chunks", {})
    return {str(c): listed.get(str(c), {}) for c in done}


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The run's manifest in ``folder`` (None without one); a damaged one is named."""
    f = Path(folder) / MANIFEST
    if not f.is_file():
        return None
    try:
        manifest = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("schema") != "limelight.explanations.run":
        raise SchemaError(
            f"{MANIFEST} in {str(folder)!r} is damaged (truncated, or not a limelight run's)",
            fix="load the chunk files one by one (ll.load('.../part-000000.parquet')), "
            "or rerun into an empty folder",
        )
    return manifest


def load_folder(folder: Path) -> Explanations:
    """The chunks of the run in ``folder``, as its manifest lists them, in row order."""
    manifest = read_manifest(folder)
    store = ChunkStore(folder)
    chunks = store.parts() if manifest is None else store._listed(manifest)
    chunks = [c for c in chunks if store.part(c).is_file()]
    if not chunks:
        raise InputError(
            f"no chunks (part-*.parquet) in {str(folder)!r}",
            fix="point at the folder given to attribute_many(out=...)",
        )
    if manifest is not None and "chunks" in manifest:
        for c in chunks:
            info = read_chunk_info(store.part(c))
            if info is None or info.get("fingerprint") != manifest.get("fingerprint"):
                raise SchemaError(
                    f"{store.part(c).name} in {str(folder)!r} was not written by the run "
                    f"its {MANIFEST} describes",
                    fix="put back that run's file, or delete it and resume the run",
                )
    ex = read_parquet([store.part(c) for c in chunks])
    if len(np.unique(ex.row)) != len(ex):
        raise SchemaError(
            f"the chunks in {str(folder)!r} explain some rows twice",
            fix="remove the copied chunk files (keep one part-NNNNNN.parquet per chunk)",
        )
    n_rows = (manifest or {}).get("n_rows")
    if isinstance(n_rows, int) and len(ex) < n_rows:
        warnings.warn(  # ll.load -> load_many -> here: the user's line
            f"the run in {str(folder)!r} is incomplete: {len(ex)} of its {n_rows} rows are "
            "written (ex.row says which); attribute_many(..., resume=True) computes the rest",
            UserWarning,
            stacklevel=4,
        )
    return ex
