"""Chunks in other processes: joblib's (loky) worker processes on this machine, or a Dask
cluster. The workers are started (and import limelight) while this process plans; the
plan reaches each worker once (a file the loky workers read and keep, a Dask scatter),
not with every chunk; and a cancel reaches the chunks already running there, through a
flag the workers' model-call check reads (a file here, a ``distributed.Event`` on Dask).

    >>> import tempfile, os
    >>> flag = FlagFile(os.path.join(tempfile.mkdtemp(), "cancelled"))
    >>> flag.is_set(), (flag.set(), flag.is_set())[1]
    (False, True)
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Cancelled, ModelError

POLL_SECONDS = 0.2  # how often a Dask worker asks the scheduler whether the run was cancelled


class FlagFile:
    """A cancel event worker processes on this machine share: set once the file exists
    (one ``stat`` per check, a few microseconds)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def is_set(self) -> bool:
        return os.path.exists(self.path)

    def set(self) -> None:
        with open(self.path, "w"):
            pass


class DaskFlag:
    """A cancel event of a Dask cluster (a named ``distributed.Event``), asked at most
    every ``POLL_SECONDS`` and remembered once set."""

    def __init__(self, name: str) -> None:
        self.name, self._set, self._next = name, False, 0.0

    def __getstate__(self) -> dict:
        return {"name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["name"])

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self._set and now >= self._next:
            from distributed import Event

            self._next = now + POLL_SECONDS
            self._set = Event(self.name).is_set()
        return self._set


def warm() -> int:
    """Run once in each fresh worker while the plan is made: the imports a chunk needs."""
    from ..explainers.trees import kernel
    from . import chunk  # noqa: F401

    kernel._kernel()
    return os.getpid()


_PLANS: dict[str, Any] = {}  # in a loky worker: the plan of the run it works for


def _plan(ref: Any) -> Any:
    if not isinstance(ref, str):
        return ref  # a Dask worker: the scattered plan itself
    if ref not in _PLANS:
        _PLANS.clear()  # one run at a time per worker: drop an older run's plan
        with open(ref, "rb") as f:
            _PLANS[ref] = pickle.load(f)
    return _PLANS[ref]


def chunk_task(ref: Any, values: Any, rows: Any, known: Any, stop: Any) -> Any:
    """One chunk in a worker: one thread for numpy's pools (the processes are the
    parallelism), model calls and tree steps checking ``stop``."""
    from threadpoolctl import threadpool_limits

    from .._cancel import cancellable
    from .chunk import explain_chunk

    if stop.is_set():
        raise Cancelled("the run was cancelled", fix="run it again to compute the rest")
    with threadpool_limits(1), cancellable(stop):
        return explain_chunk(_plan(ref), values, rows, known)


class LokyWorkers:
    """``n_jobs`` joblib (loky) processes, reused across runs; started at once."""

    def __init__(self, n_jobs: int) -> None:
        from joblib import effective_n_jobs
        from joblib.externals.loky import get_reusable_executor

        self.n = effective_n_jobs(n_jobs)
        self.executor = get_reusable_executor(max_workers=self.n)
        for _ in range(self.n):
            self.executor.submit(warm)

    def begin(self) -> None:
        """A fresh folder for this run's plan and cancel flag."""
        self.folder = tempfile.mkdtemp(prefix="limelight-run-")
        self.stop = FlagFile(os.path.join(self.folder, "cancelled"))

    def send(self, plan: Any) -> str:
        import cloudpickle  # joblib's own dependency: a notebook's functions go by value

        path = os.path.join(self.folder, "plan.pickle")
        with open(path, "wb") as f:
            cloudpickle.dump(plan, f, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def submit(self, *args: Any) -> Any:
        return self.executor.submit(chunk_task, *args, self.stop)

    def cancel(self) -> None:
        self.stop.set()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class DaskWorkers:
    """The workers of a Dask ``client``: the plan scattered to each once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        addresses = list(client.scheduler_info().get("workers", {}))
        self.n = max(1, len(addresses))
        self._warm = [client.submit(warm, pure=False, workers=[a]) for a in addresses]

    def begin(self) -> None:
        self.stop = DaskFlag(f"limelight-cancel-{uuid.uuid4().hex}")

    def send(self, plan: Any) -> Any:
        # a key of its own (hash=False): a later run's plan of the same content would share
        # the key, and the release of this run's future would drop that run's plan
        return self.client.scatter(plan, broadcast=True, hash=False)

    def submit(self, *args: Any) -> Any:
        return self.client.submit(chunk_task, *args, self.stop, pure=False)

    def cancel(self) -> None:
        from distributed import Event

        Event(self.stop.name, client=self.client).set()

    def close(self) -> None:
        pass


def workers(n_jobs: int | None, client: Any) -> LokyWorkers | DaskWorkers | None:
    """The worker processes a run uses (started now), or None for this process."""
    if client is not None:
        return DaskWorkers(client)
    if n_jobs is not None and n_jobs != 1:
        return LokyWorkers(n_jobs)
    return None


def _relay(event: Any, pool: Any, done: threading.Event) -> None:
    """This process's cancel event, passed on to the workers' flag once set."""
    while not done.wait(0.05):
        if event.is_set():
            pool.cancel()
            return


def map_chunks(
    pool: LokyWorkers | DaskWorkers, plan: Any, todo: list[int], args: Callable
) -> Iterator[tuple[int, Any]]:
    """``(chunk, result)`` in order for the chunks ``todo``, two per worker in flight.
    Cancelled (this thread's cancel event set, or the consumer stops early): the chunks
    running in the workers stop at their next model call or tree step; the ones already
    finished are still given, then :class:`Cancelled` is raised."""
    from .._cancel import _local

    pool.begin()
    event, done = getattr(_local, "event", None), threading.Event()
    if event is not None:
        threading.Thread(target=_relay, args=(event, pool, done), daemon=True).start()
    pending, queue = iter(todo), deque()
    finished = False
    try:
        ref = send_plan(pool, plan)
        for c in pending:
            queue.append((c, pool.submit(ref, *args(c))))
            if len(queue) >= 2 * pool.n:
                break
        while queue:
            c, fut = queue.popleft()
            try:
                result = fut.result()
            except Cancelled:
                yield from _finished(queue)
                raise
            nxt = next(pending, None)
            if nxt is not None:
                queue.append((nxt, pool.submit(ref, *args(nxt))))
            yield c, result
        finished = True
    finally:
        done.set()
        if not finished:  # stop what runs there, then let it see the flag before it goes
            pool.cancel()
            _settle([fut for _, fut in queue])
        pool.close()


def send_plan(pool: LokyWorkers | DaskWorkers, plan: Any) -> Any:
    """The plan sent to the workers; a model that cannot be pickled is named in a short
    message (the plan's own repr holds the background arrays)."""
    try:
        return pool.send(plan)
    except Exception as exc:  # noqa: BLE001 - pickle, cloudpickle and Dask raise many kinds
        root = exc
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__
        reason = f"{type(root).__name__}: {root}"
        if len(reason) > 200:
            reason = reason[:200] + "..."
        where = "Dask" if isinstance(pool, DaskWorkers) else "n_jobs"
        raise ModelError(
            f"the model could not be pickled for {where}: {reason}",
            fix="use n_jobs=1 (this process only), or make the model picklable (defined at "
            "a module's top level, holding no lock, open file or connection)",
        ) from None


def _settle(futures: list, timeout: float = 10.0) -> None:
    """Wait (a little) for cancelled chunks to stop; those not started never will."""
    deadline = time.monotonic() + timeout
    for fut in futures:
        fut.cancel()
    for fut in futures:
        while not fut.done() and time.monotonic() < deadline:
            time.sleep(0.02)


def _finished(queue: deque) -> Iterator[tuple[int, Any]]:
    """The chunks in ``queue`` that finished before the cancel reached them."""
    for c, fut in queue:
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            yield c, fut.result()
