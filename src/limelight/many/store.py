"""Chunks on disk: ``out/part-000000.parquet`` per chunk (any Parquet reader opens them)
and ``out/_manifest.json`` with what a resumed run must match (the plan's fingerprint,
the number of rows, the chunk size, the base seed).

    >>> import tempfile
    >>> s = ChunkStore(tempfile.mkdtemp())
    >>> s.done(), s.part(3).name
    ([], 'part-000003.parquet')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._atomic import write_atomic
from ..errors import InputError
from ..explanations import Explanations, read_parquet, write_parquet

MANIFEST = "_manifest.json"


class ChunkStore:
    """A folder of chunk files and their manifest."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InputError(
                f"out={str(self.path)!r} is a file",
                fix="give a folder for the chunks (it is created)",
            )

    def part(self, chunk: int) -> Path:
        return self.path / f"part-{chunk:06d}.parquet"

    def done(self) -> list[int]:
        """The chunks written completely (each file is written whole, then renamed)."""
        if not self.path.is_dir():
            return []
        return sorted(int(p.stem.split("-")[1]) for p in self.path.glob("part-*.parquet"))

    def manifest(self) -> dict[str, Any] | None:
        f = self.path / MANIFEST
        return json.loads(f.read_text()) if f.is_file() else None

    def start(self, manifest: dict[str, Any], *, resume: bool) -> list[int]:
        """Check (``resume``) or write the manifest; the chunks already done."""
        old, done = self.manifest(), self.done()
        if not resume:
            if done or old:
                raise InputError(
                    f"out={str(self.path)!r} already holds chunks of a run",
                    fix="pass resume=True to continue it, or another folder",
                )
            self.path.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1, allow_nan=False))
            return []
        if old is None:
            return self.start(manifest, resume=False) if not done else self._orphans()
        changed = [
            k
            for k in ("fingerprint", "n_rows", "chunk_size", "method")
            if old.get(k) != manifest.get(k)
        ]
        if changed:
            what = (
                "the model, background or options"
                if "fingerprint" in changed
                else " and ".join(changed)
            )
            raise InputError(
                f"cannot resume the run in {str(self.path)!r}: {what} changed "
                "since its chunks were written",
                fix="rerun with the same model, background, data and chunk_size, "
                "or start afresh in another folder (resume=False)",
            )
        return done

    def _orphans(self) -> list[int]:
        raise InputError(
            f"out={str(self.path)!r} holds chunks but no {MANIFEST}",
            fix="give a folder written by attribute_many, or an empty one",
        )

    def write(self, chunk: int, ex: Explanations) -> None:
        write_parquet(ex, self.part(chunk))

    def read(self, chunk: int) -> Explanations:
        return read_parquet([self.part(chunk)])
