"""Explaining chunks of rows: in this process, in joblib's processes or on a Dask cluster,
each chunk the same numbers wherever it runs (every row has its own seed; one chunk is
:func:`~limelight.many.chunk.explain_chunk`).

    >>> import numpy as np
    >>> from limelight.many.plan import plan_many
    >>> mp, X = plan_many(lambda X: X @ [2.0, 1.0], np.eye(2), background=np.zeros((1, 2)))
    >>> [c for c, ex in compute_chunks(mp, X, [0, 1], 1)]
    [0, 1]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..explanations import Explanations
from . import trees
from .chunk import _pool, explain_chunk
from .plan import ManyPlan


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + chunk_size)) for a in range(0, n, chunk_size)]


def compute_chunks(
    mp: ManyPlan,
    X: Any,
    todo: list[int],
    chunk_size: int,
    *,
    n_jobs: int | None = None,
    client: Any = None,
    workers: Any = None,
) -> Iterator[tuple[int, Explanations]]:
    """``(chunk index, explanations)`` for the chunks ``todo`` as each is done: here, or
    in ``workers`` (:func:`.remote.workers`, made from ``n_jobs``/``client`` when not
    given); at most two chunks of ``X`` per worker are in flight (memory stays bounded)."""
    from . import remote

    bounds = chunk_bounds(mp.n_rows, chunk_size)

    def args(c: int) -> tuple[list[np.ndarray], np.ndarray]:
        a, b = bounds[c]
        return mp.rows(X, a, b), np.arange(a, b)

    pool = workers if workers is not None else remote.workers(n_jobs, client)
    if pool is not None:
        shipped = trees.without_model(mp)
        here = _pool(mp) if shipped is not mp else None

        def shipped_args(c: int) -> tuple:
            values, rows = args(c)
            return values, rows, (None if here is None else trees.outputs(mp, values, here))

        yield from remote.map_chunks(pool, shipped, todo, shipped_args)
    else:
        for c in todo:
            yield c, explain_chunk(mp, *args(c))
