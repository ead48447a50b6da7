"""Independent run steps in forked processes: results in task order, identical to the
serial loop; errors raised in the parent; no nested pools."""

from __future__ import annotations

import os
import time
from functools import partial

import numpy as np
import pandas as pd
import pytest

from heart_plan.errors import ModelError
from heart_plan.processes import (
    SharedSlots,
    iter_independent,
    run_chained,
    run_independent,
    usable_cores,
    workers_for,
)


def _draws(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=1000)


def test_results_come_back_in_task_order_and_equal_the_serial_loop() -> None:
    tasks = [partial(_draws, seed) for seed in range(7)]
    serial = run_independent(tasks, 1)
    parallel = run_independent(tasks, 2)
    assert len(parallel) == 7
    for a, b in zip(serial, parallel, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to start a pool")
def test_tasks_run_in_other_processes_and_may_be_closures() -> None:
    offset = 10  # a closure: forked workers see it without pickling the task
    pids = run_independent([lambda i=i: (os.getpid(), offset + i) for i in range(4)], 2)
    assert {v for _pid, v in pids} == {10, 11, 12, 13}
    assert os.getpid() not in {pid for pid, _v in pids}


def test_a_task_error_is_raised_in_the_caller() -> None:
    def bad() -> None:
        raise ModelError("post search: pool_teams = 0; at least one team")

    with pytest.raises(ModelError, match="pool_teams = 0"):
        run_independent([lambda: 1, bad, lambda: 3], 2)


def test_no_nested_pools_and_serial_when_one_process_or_one_task() -> None:
    assert workers_for(1, 5) == 1
    assert workers_for(2, 1) == 1
    # inside a worker a nested call runs serially in that worker
    inner = run_independent([lambda: run_independent([os.getpid, os.getpid], 2)] * 2, 2)
    for pids in inner:
        assert len(set(pids)) == 1


def _lscp_sites(seed: int) -> tuple[str, ...]:
    from heart_plan.config import SolverConfig
    from heart_plan.models import LSCP

    rng = np.random.default_rng(seed)
    times = pd.DataFrame(
        rng.integers(60, 1500, (80, 60)),
        index=[f"d{i}" for i in range(80)],
        columns=[f"s{j}" for j in range(60)],
    )
    weights = pd.Series(1.0, index=times.index)
    model = LSCP.from_cost_matrix(times, weights, radius_s=600)
    return tuple(model.solve(SolverConfig(seed=0, workers=2)).selected_sites)


@pytest.mark.timeout(180)
def test_mip_solves_in_workers_after_solves_in_the_parent_finish() -> None:
    # HiGHS's task scheduler is global: had the parent's solves started its worker
    # threads, a solve in a forked worker would wait for them forever.
    parent = [_lscp_sites(seed) for seed in range(3)]
    assert run_independent([partial(_lscp_sites, seed) for seed in range(3)], 2) == parent


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to start a pool")
def test_iter_independent_stays_within_ahead_of_the_result_taken() -> None:
    import mmap

    ahead, n_tasks = 2, 12
    buf = mmap.mmap(-1, 8 * n_tasks)  # shared with the forked workers
    started = np.ndarray((n_tasks,), dtype=np.int64, buffer=buf)
    started[:] = 0

    def task(i: int) -> int:
        started[i] = 1
        return i * i

    seen = []
    for i, value in enumerate(iter_independent([partial(task, i) for i in range(n_tasks)], 2,
                                               ahead=ahead)):  # fmt: skip
        seen.append(value)
        # submitted (so possibly started) tasks: the one taken and at most `ahead` more
        assert int(started.sum()) <= i + 1 + ahead
    assert seen == [i * i for i in range(n_tasks)]
    assert int(started.sum()) == n_tasks


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to start a pool")
def test_shared_slots_carry_blocks_back_from_workers_as_copies() -> None:
    shape = (2, 5, 3)  # two arrays per task, up to five rows, three columns
    slots = SharedSlots(3, shape, np.int32)

    def block(i: int) -> np.ndarray:
        rows = 5 if i < 4 else 2  # a shorter last chunk
        return np.arange(2 * rows * 3, dtype=np.int32).reshape(2, rows, 3) + 100 * i

    def task(i: int) -> int:
        slots.put(i, block(i))
        return os.getpid()

    taken = []
    for i, pid in enumerate(iter_independent([partial(task, i) for i in range(5)], 2, ahead=2)):
        assert pid != os.getpid()
        taken.append(slots.take(i, block(i).shape[1]))
    slots.close()
    for i, got in enumerate(taken):  # copies: still readable after the memory is released
        assert np.array_equal(got, block(i))


def _slow_end_time(seconds: float) -> float:
    time.sleep(seconds)
    return time.time()


def test_run_chained_equals_the_serial_stages_in_task_order() -> None:
    tasks = [partial(_draws, seed) for seed in range(5)]
    reported: list[int] = []

    def then(i: int, draws: np.ndarray) -> float:
        return float(draws.sum()) + i

    serial = run_chained(tasks, then, 1)
    firsts, thens = run_chained(tasks, then, 2, on_first=lambda i, _r: reported.append(i))
    assert reported == [0, 1, 2, 3, 4]
    assert all(np.array_equal(a, b) for a, b in zip(serial[0], firsts, strict=True))
    assert thens == serial[1] == [float(_draws(s).sum()) + s for s in range(5)]


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to start a pool")
def test_run_chained_starts_a_second_stage_before_a_slow_first_task_ends() -> None:
    tasks = [partial(_slow_end_time, 2.0), partial(_slow_end_time, 0.0)]
    firsts, starts = run_chained(tasks, lambda _i, _r: time.time(), 2)
    assert starts[1] < firsts[0]  # the fast task's then ran while the slow one slept


def test_run_chained_raises_a_second_stage_error() -> None:
    def then(i: int, _r: int) -> None:
        if i == 1:
            raise ModelError("simulate: replications must be >= 1, got 0")

    with pytest.raises(ModelError, match="replications must be"):
        run_chained([lambda: 1, lambda: 2, lambda: 3], then, 2)
