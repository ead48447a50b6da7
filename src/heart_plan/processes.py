"""Independent steps of one run in forked processes, within the run's core budget.

A run's candidate areas (post search, hours, simulation) and its reported simulations do
not depend on each other.  :func:`run_independent` runs such zero-argument tasks in up to
``processes`` forked worker processes and returns their results in task order, exactly as
calling them one after another would (every task is deterministic and sees the parent's
state as it was when the pool started; nothing a task changes in memory comes back except
its return value, which must pickle).

Serial (in this process) when ``processes`` is 1, when there is one task, on platforms
without ``fork``, inside a daemonic process (a Dask worker: it may not start children) and
inside a task already running in a worker, or while a pool of this process is running
(no nested pools).  The core budget is the run's
``[solver] workers`` (the sweep's ``--solver-threads``), capped by the cores this process
may use.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

T = TypeVar("T")
U = TypeVar("U")

#: The tasks of the pool being run (read by the forked workers; empty otherwise).
_TASKS: Sequence[Callable[[], Any]] = ()
#: The second stage of :func:`run_chained`'s pool (read by the forked workers).
_THEN: Callable[[int, Any], Any] | None = None
#: True inside a pool's worker process.
_IN_WORKER = False


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity; ``os.cpu_count()`` elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def workers_for(processes: int, n_tasks: int) -> int:
    """Worker processes :func:`run_independent` would start (1: it runs serially)."""
    n = min(int(processes), n_tasks, usable_cores())
    if (
        n <= 1
        or _IN_WORKER
        or bool(_TASKS)  # a pool of this process is running (its tasks are in _TASKS)
        or multiprocessing.current_process().daemon
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 1
    return n


def run_independent(
    tasks: Sequence[Callable[[], T]],
    processes: int,
    *,
    on_result: Callable[[int, T], None] | None = None,
) -> list[T]:
    """``[task() for task in tasks]``, in up to ``processes`` forked processes (module
    docstring); a task's exception is raised here, as in the serial loop.

    ``on_result(i, result)`` runs in this process as each result arrives, in task order
    (progress lines: a worker's own writes to a captured stream would be lost).  On a
    task's error the running tasks finish and the rest are cancelled; if this process is
    interrupted (SIGTERM turned into an exception by the CLI, Ctrl-C) the workers are
    terminated and waited for, so none writes after the caller has cleaned up.
    """
    results: list[T] = []
    for i, result in enumerate(iter_independent(tasks, processes)):
        results.append(result)
        if on_result:
            on_result(i, result)
    return results


def iter_independent(
    tasks: Sequence[Callable[[], T]], processes: int, *, ahead: int | None = None
) -> Iterator[T]:
    """``task()`` of each task, yielded in task order as the results arrive, in up to
    ``processes`` forked processes (as :func:`run_independent`, which collects them).

    At most ``ahead`` tasks (default: twice the workers) are submitted beyond the result
    being waited for, so results the caller has not taken yet never pile up (a stream of
    large arrays stays within ``ahead`` of them in memory).
    """
    n = workers_for(processes, len(tasks))
    if n == 1:
        for task in tasks:
            yield task()
        return
    window = max(1, 2 * n if ahead is None else int(ahead))
    with _forked_pool(n, tasks) as pool:
        pending: deque[Future[Any]] = deque()
        for i in range(len(tasks)):
            while len(pending) <= window and i + len(pending) < len(tasks):
                pending.append(pool.submit(_call, i + len(pending)))
            yield pending.popleft().result()


def run_chained(
    tasks: Sequence[Callable[[], T]],
    then: Callable[[int, T], U],
    processes: int,
    *,
    on_first: Callable[[int, T], None] | None = None,
) -> tuple[list[T], list[U]]:
    """``[task() for task in tasks]`` and ``[then(i, result_i) ...]``, in up to
    ``processes`` forked processes: each ``then`` is queued as soon as its task's result
    is in (behind the tasks not yet started), so no worker waits for the slowest task
    before the second stage starts.  ``then`` runs in a worker with that result (pickled);
    ``on_first(i, result)`` runs here as each task's result arrives, in task order.  The
    results, errors and interrupts are as with :func:`run_independent`.
    """
    n = workers_for(processes, len(tasks))
    firsts: list[T] = []
    if n == 1:
        for i, task in enumerate(tasks):
            firsts.append(task())
            if on_first:
                on_first(i, firsts[-1])
        return firsts, [then(i, result) for i, result in enumerate(firsts)]
    with _forked_pool(n, tasks, then) as pool:
        started = {pool.submit(_call, i): i for i in range(len(tasks))}  # queued first (FIFO)
        done: dict[int, T] = {}
        chained: dict[int, Future[Any]] = {}
        for future in as_completed(started):  # each ``then`` as soon as its task is done
            i = started[future]
            done[i] = future.result()
            chained[i] = pool.submit(_call_then, i, done[i])
            while len(firsts) in done:  # reported in task order
                firsts.append(done[len(firsts)])
                if on_first:
                    on_first(len(firsts) - 1, firsts[-1])
        return firsts, [chained[i].result() for i in range(len(tasks))]


@contextmanager
def _forked_pool(
    n: int, tasks: Sequence[Callable[[], Any]], then: Callable[[int, Any], Any] | None = None
) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``n`` forked workers that see ``tasks`` (and ``then``).  On a task's error
    the running tasks finish and the others are cancelled; on an interrupt (SIGTERM through
    the CLI, Ctrl-C, a generator closed early) the workers are terminated and waited for.
    """
    global _TASKS, _THEN
    _TASKS, _THEN = tasks, then
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(n, mp_context=context, initializer=_mark_worker)
    try:
        yield pool
    except Exception:  # a task's error: the running tasks finish, the others are cancelled
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    except BaseException:  # interrupted: stop the workers
        workers = list((getattr(pool, "_processes", None) or {}).values())
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.join(timeout=30)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _TASKS, _THEN = (), None


class SharedSlots:
    """``n_slots`` arrays of one ``shape`` and ``dtype`` in memory shared with forked workers.

    A worker's task ``put``s its result in slot ``i % n_slots`` instead of pickling it
    back (a pipe carries about 0.2 GB/s; shared memory costs one copy); the parent
    ``take``s a copy.  With :func:`iter_independent` and ``ahead = n_slots - 1`` a slot is
    never overwritten before the parent has taken it (at most ``n_slots`` tasks are in
    flight, in order).  Create it before the pool forks; ``close`` it after the pass.
    """

    def __init__(self, n_slots: int, shape: tuple[int, ...], dtype: type[np.generic]) -> None:
        self.n_slots = int(n_slots)
        full = (self.n_slots, *shape)
        nbytes = int(np.prod(full)) * np.dtype(dtype).itemsize
        self._map = mmap.mmap(-1, max(8, nbytes))  # anonymous and MAP_SHARED
        self._slots = np.ndarray(full, dtype=dtype, buffer=self._map)

    def put(self, i: int, array: np.ndarray) -> None:
        """Store ``array`` in slot ``i % n_slots``: ``array.shape`` is the slot's ``shape``
        except that its second axis may be shorter (the rows of a smaller last chunk).
        """
        self._slots[i % self.n_slots][:, : array.shape[1]] = array

    def take(self, i: int, n_rows: int) -> np.ndarray:
        """A copy of slot ``i % n_slots``, its second axis cut to the first ``n_rows``."""
        return self._slots[i % self.n_slots][:, :n_rows].copy()

    def close(self) -> None:
        """Release the shared memory (no view of it may outlive this)."""
        del self._slots
        self._map.close()


def _mark_worker() -> None:
    """Worker start: no nested pools, one BLAS thread (``processes`` workers already use
    the cores; spinning BLAS threads beside them would oversubscribe), default signals.
    """
    global _IN_WORKER
    _IN_WORKER = True
    threadpool_limits(limits=1, user_api="blas")
    # The caller handles interrupts and terminates the workers: no handler of its own here
    # (the CLI's SIGTERM handler would print a worker traceback on the way out).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(i: int) -> Any:
    return _TASKS[i]()


def _call_then(i: int, result: Any) -> Any:
    assert _THEN is not None
    return _THEN(i, result)
