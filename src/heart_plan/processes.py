"""Independent steps of one run in forked processes, within the run's core budget.

A run's candidate areas (post search, hours, simulation) and its reported simulations do
not depend on each other.  :func:`run_independent` runs such zero-argument tasks in up to
``processes`` forked worker processes and returns their results in task order, exactly as
calling them one after another would (every task is deterministic and sees the parent's
state as it was when the pool started; nothing a task changes in memory comes back except
its return value, which must pickle).

Serial (in this process) when ``processes`` is 1, when there is one task, on platforms
without ``fork``, inside a daemonic process (a Dask worker: it may not start children) and
inside a task already running in a worker (no nested pools).  The core budget is the run's
``[solver] workers`` (the sweep's ``--solver-threads``), capped by the cores this process
may use.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")

#: The tasks of the pool being run (read by the forked workers; empty otherwise).
_TASKS: Sequence[Callable[[], Any]] = ()
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
    global _TASKS
    n = workers_for(processes, len(tasks))
    results: list[T] = []
    if n == 1:
        for i, task in enumerate(tasks):
            results.append(task())
            if on_result:
                on_result(i, results[-1])
        return results
    _TASKS = tasks
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(n, mp_context=context, initializer=_mark_worker)
    try:
        for i, result in enumerate(pool.map(_call, range(len(tasks)))):
            results.append(result)
            if on_result:
                on_result(i, result)
    except Exception:  # a task's error: the running tasks finish, the others are cancelled
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    except BaseException:  # interrupted (SIGTERM through the CLI, Ctrl-C): stop the workers
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
        _TASKS = ()
    return results


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
