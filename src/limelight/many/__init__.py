"""Explanations for whole data sets: ``attribute_many`` plans once and explains the rows
of ``X`` chunk by chunk, with model calls that stay large across rows, in this process,
in ``n_jobs`` processes, or on a Dask cluster (``client=``); ``out=`` writes each chunk
as Parquet and ``resume=True`` continues an interrupted run.

    >>> import numpy as np, limelight as ll
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> ex = ll.attribute_many(lambda X: X @ [1.0, 2.0, 3.0], X, background=X[:1])
    >>> ex.values.shape, ex[3].values.round(9).tolist()
    ((4, 1, 3), [[9.0, 18.0, 27.0]])
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..explanations import Explanations
from .plan import ManyPlan, plan_many, row_seed
from .remote import workers
from .run import chunk_bounds, compute_chunks
from .store import ChunkStore, rows_hash

if TYPE_CHECKING:
    from .items import ItemExplanations

__all__ = ["ManyRun", "attribute_many", "row_seed"]

CHUNK_SIZE = 1000
#: the fewest rows a chunk gets when chunks are sized to the workers: the rows of a chunk
#: share the model calls, so smaller chunks mean more (smaller) calls
MIN_WORKER_CHUNK = 16


def auto_chunk_size(n_rows: int, n_workers: int | None) -> int:
    """``CHUNK_SIZE`` in this process; with workers, small enough that each gets two
    chunks (300 rows on 2 workers: 75), so every worker has work from the start.

    >>> auto_chunk_size(300, None), auto_chunk_size(300, 2), auto_chunk_size(10, 2)
    (1000, 75, 16)
    """
    if not n_workers:
        return CHUNK_SIZE
    per = -(-n_rows // (2 * n_workers))
    return int(min(CHUNK_SIZE, max(MIN_WORKER_CHUNK, per)))


class ManyRun:
    """A planned many-row run: iterate it for ``(chunk, Explanations)`` as chunks finish
    (written to ``out`` first when given); chunks done before (``resume``) come first."""

    def __init__(
        self,
        model: Any,
        X: Any,
        *,
        background: Any,
        method: str,
        output: int | str | None,
        random_state: int | None,
        chunk_size: int | None,
        n_jobs: int | None,
        client: Any,
        out: Any,
        resume: bool,
        options: dict[str, Any],
    ) -> None:
        _check_run_options(chunk_size, n_jobs, client, out, resume, collect=True)
        self.n_jobs, self.client = n_jobs, client
        self.workers = workers(n_jobs, client)  # started now: they import while we plan
        self.store = None if out is None else ChunkStore(out)
        old = self.store.manifest() if self.store is not None and resume else None
        if random_state is None and old is not None:
            random_state = old.get("base_seed")  # the unseeded run being resumed: its seed
        self.plan: ManyPlan
        self.plan, self.X = plan_many(
            model,
            X,
            background=background,
            method=method,
            output=output,
            random_state=random_state,
            **options,
        )
        if chunk_size is None:  # a resumed run keeps its chunks; else sized to the workers
            chunk_size = (old or {}).get("chunk_size") or auto_chunk_size(
                self.plan.n_rows, None if self.workers is None else self.workers.n
            )
        self.chunk_size = int(chunk_size)
        self.bounds = chunk_bounds(self.plan.n_rows, self.chunk_size)
        self.n_chunks = len(self.bounds)
        self.done: list[int] = []
        if self.store is not None:
            manifest = {
                "schema": "limelight.explanations.run",
                "n_rows": self.plan.n_rows,
                "chunk_size": self.chunk_size,
                "method": self.plan.method,
                "base_seed": self.plan.base_seed,
                "fingerprint": self.plan.fingerprint(),
            }
            self.done = self.store.start(manifest, self._rows_hash, resume=resume)

    def _rows_hash(self, chunk: int) -> str:
        return rows_hash(self.plan.rows(self.X, *self.bounds[chunk]))

    def chunks(self, *, include_done: bool = True) -> Iterator[tuple[int, Explanations]]:
        if include_done and self.store is not None:
            for c in self.done:
                yield c, self.store.read(c)
        todo = [c for c in range(self.n_chunks) if c not in set(self.done)]
        for c, ex in compute_chunks(self.plan, self.X, todo, self.chunk_size, workers=self.workers):
            if self.store is not None:
                self.store.write(c, ex, self.bounds[c], self._rows_hash(c))
            yield c, ex


def attribute_many(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    client: Any = None,
    out: Any = None,
    resume: bool = False,
    collect: bool = True,
    **options: Any,
) -> Explanations | None:
    """Explain every row of the table ``X`` and return an :class:`Explanations`.

    Arguments as :func:`limelight.attribute` (``method`` ``"auto"``, ``"tree"``,
    ``"exact"``, ``"kernel"``, ``"lime"``; ``background`` summarised once). Row ``i`` is
    explained with ``random_state=row_seed(random_state, i)`` (``ex.seeds``), the same
    numbers whichever process explains it. ``chunk_size`` rows are explained at a time
    (memory is set by it, not by the number of rows; default 1,000, fewer with ``n_jobs``
    or ``client`` so each worker gets two chunks, a resumed run its own); ``n_jobs`` runs
    chunks in joblib processes (-1: every core), ``client`` on a Dask cluster; ``out`` a folder where each
    chunk is written as Parquet as it finishes, and ``resume=True`` continues a run there
    (refused when the model, background or options changed). ``collect=False`` (with
    ``out``) returns None instead of holding every row in memory: ``ll.load(out)`` later.
    A row that fails (the model raises, or returns NaN) has NaN values and its reason in
    ``ex.errors``; the others are unaffected. ``feature_groups=`` (as in
    :func:`limelight.attribute`) makes each group one player in every row (``ex.data``
    then holds one value per player). A list of texts, or a stack or list of
    images, gives an :class:`~limelight.many.items.ItemExplanations` (``many.text``,
    ``many.images``).

        >>> ex = ll.attribute_many(model, X_test, background=X_train)    # doctest: +SKIP
        >>> ex.to_frame(); ex.save("attr.parquet")                        # doctest: +SKIP
    """
    from .items import items_kind, many_input

    X = many_input(X)
    if items_kind(X) is not None:  # texts or images: limelight.many.text / .images
        table_only = {"n_jobs": n_jobs, "client": client, "out": out}
        return attribute_items(
            model, X, background, method, output, random_state, table_only, options
        )
    _check_run_options(chunk_size, n_jobs, client, out, resume, collect)
    run = ManyRun(
        model,
        X,
        background=background,
        method=method,
        output=output,
        random_state=random_state,
        chunk_size=chunk_size,
        n_jobs=n_jobs,
        client=client,
        out=out,
        resume=resume,
        options=options,
    )
    parts = {}
    for c, ex in run.chunks(include_done=collect):
        if collect:
            parts[c] = ex
    if not collect:
        return None
    from ..quality.many import ManySource

    source = ManySource(run.plan, run.X)  # the run's model, for the metrics that call it
    for ex in parts.values():
        ex._source = source
    result = Explanations.concat([parts[c] for c in sorted(parts)])
    for key in ("model_seconds", "model_calls"):
        result.params.pop(key, None)
    return result


def attribute_items(
    model: Any,
    X: Any,
    background: Any,
    method: Any,
    output: Any,
    random_state: int | None,
    unused: dict[str, Any],
    options: dict[str, Any],
) -> ItemExplanations:
    """``attribute_many`` over texts or images (``X`` as :func:`items_kind` reads it);
    ``unused``: the table-only arguments, refused when given."""
    from .images import attribute_images
    from .items import items_kind
    from .text import attribute_texts

    kind = items_kind(X)

    given = [k for k, v in unused.items() if v is not None]
    if given:
        raise InputError(
            f"{given[0]}= is for tables; many {kind}s run in this process",
            fix=f"drop {given[0]}=",
        )
    if background is not None:
        raise InputError(f"{kind} explanations take no background", fix="drop background=")
    if len(X) == 0:
        raise InputError(f"no {kind}s to explain", fix=f"pass at least one {kind}")
    run = attribute_texts if kind == "text" else attribute_images
    items = list(X) if kind == "text" else X
    return run(model, items, method=method, output=output, random_state=random_state, **options)


def _is_count(v: Any) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool)


def _check_run_options(
    chunk_size: Any, n_jobs: Any, client: Any, out: Any, resume: bool, collect: bool
) -> None:
    """Refuse, by name, run options that do not fit together or are not what they say."""
    if chunk_size is not None and (not _is_count(chunk_size) or chunk_size < 1):
        raise InputError(f"chunk_size={chunk_size!r}", fix="use an integer chunk_size >= 1")
    if n_jobs is not None and not _is_count(n_jobs):
        raise InputError(
            f"n_jobs={n_jobs!r} is not a number of processes",
            fix="pass an integer (-1: every core), or None for this process only",
        )
    if n_jobs is not None:
        from joblib import cpu_count

        cores = cpu_count()
        # joblib's rule: -1 every core, -2 all but one, ...; below -cores, or 0, no process
        if n_jobs == 0 or n_jobs < -cores:
            raise InputError(
                f"n_jobs={n_jobs} leaves no process to run on (this machine has {cores} cores)",
                fix=f"pass n_jobs >= 1, -1 for every core, -2 for all but one (down to "
                f"-{cores}), or None for this process only",
            )
    if n_jobs is not None and client is not None:
        raise InputError(
            "give n_jobs or client, not both",
            fix="n_jobs for processes on this machine, client for a Dask cluster",
        )
    if resume and out is None:
        raise InputError(
            "resume=True continues a run written to a folder, and no out= was given",
            fix="pass out='folder/' (the one the interrupted run wrote to)",
        )
    if not collect and out is None:
        raise InputError(
            "collect=False keeps no result without out=",
            fix="pass out='folder/' to write the chunks",
        )
