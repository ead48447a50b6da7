"""Run a sweep's cases into a resumable store: in-process, on a local Dask cluster (the
default) or on an existing Dask scheduler.

* **Resumable**: each finished case is written atomically to ``<out>/cases/<key>.json``
  (``cases.case_key``: resolved scenario + data manifest + code).  A restarted sweep reads
  the store first and submits only the cases without a stored result, so a stopped sweep
  loses at most the cases that were running.
* **Cores**: every case runs its CP-SAT and MIP solves with ``solver_threads`` threads
  (``--solver-threads`` overrides ``[solver] workers`` and ``[shifts] workers`` in every
  case, and so is part of the case key) and numpy's pools capped at one thread; a local
  cluster gets ``workers x solver_threads <= cores`` worker processes of one Dask thread
  each (more is a usage error).  On an existing scheduler the sweep checks each host's
  Dask threads x solver threads against its cores and warns when they oversubscribe.
* **Identical results**: solver threads, seeds and deterministic limits are the same
  wherever a case runs, so a case gives the same row serially and on any worker; a case
  lost with a killed worker is re-run by the scheduler on another one and stored once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heart_plan.atomic import write_json
from heart_plan.config import Scenario
from heart_plan.errors import ConfigError
from heart_plan.overrides import apply_dotted_overrides
from heart_plan.sweep.cases import case_key, run_case
from heart_plan.sweep.grid import SweepCase, SweepGrid

Progress = Callable[[str], None]
STORE_DIR = "cases"


@dataclass(frozen=True)
class CaseRecord:
    """A finished case: the case, its key, its key results and whether it was reused."""

    case: SweepCase
    key: str
    results: dict[str, Any]
    reused: bool


@dataclass(frozen=True)
class SweepRun:
    """Every case of a sweep with its results, in grid order, and how it was executed."""

    grid: SweepGrid
    records: tuple[CaseRecord, ...]
    executor: str
    workers: int
    solver_threads: int
    wall_s: float

    @property
    def computed(self) -> int:
        """Cases computed in this run (the others were read from the store)."""
        return sum(not r.reused for r in self.records)


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def case_scenario(grid: SweepGrid, case: SweepCase, solver_threads: int | None) -> Scenario:
    """The case's scenario, with ``solver_threads`` (if given) as its solver threads."""
    overrides = case.override_dict
    if solver_threads is not None:
        overrides = overrides | {"solver.workers": solver_threads, "shifts.workers": solver_threads}
    return apply_dotted_overrides(grid.base, overrides)


def threads_of(scenario: Scenario) -> int:
    """Solver threads a case's run uses at most."""
    return max(scenario.solver.workers, scenario.shifts.workers)


def local_workers(requested: int | None, solver_threads: int, cores: int) -> int:
    """Worker processes of a local cluster: ``requested`` or cores // solver threads."""
    if requested is None:
        return max(1, cores // solver_threads)
    if requested < 1:
        raise ConfigError(f"--workers {requested}: use at least 1 worker")
    if requested * solver_threads > cores:
        raise ConfigError(
            f"--workers {requested} x {solver_threads} solver threads per case exceeds the "
            f"{cores} cores here; use --workers {max(1, cores // solver_threads)} or "
            f"--solver-threads {max(1, cores // requested)}"
        )
    return requested


def read_store(out_dir: Path, key: str) -> dict[str, Any] | None:
    """The stored results of a case key, or None (missing or unreadable: recomputed)."""
    path = out_dir / STORE_DIR / f"{key}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    results = record.get("results")
    return results if isinstance(results, dict) else None


def write_store(out_dir: Path, key: str, case: SweepCase, results: dict[str, Any]) -> None:
    """Store a finished case atomically (JSON: key, label, overrides, results)."""
    write_json(
        out_dir / STORE_DIR / f"{key}.json",
        {"key": key, "label": case.label, "overrides": dict(case.overrides), "results": results},
    )


def run_sweep(
    grid: SweepGrid,
    out_dir: str | Path,
    *,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    solver_threads: int | None = None,
    mirror: str | Path | None = None,
    progress: Progress | None = None,
) -> SweepRun:
    """Run every case of ``grid`` not yet in ``<out_dir>/cases`` and return all of them.

    ``executor``: ``"serial"`` (in this process), ``"local"`` (a Dask ``LocalCluster``
    of ``workers`` processes) or ``"scheduler"`` (the Dask scheduler at ``scheduler``).
    """
    from heart_plan.paths import cache_root, resolve_mirror

    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    out = Path(out_dir)
    (out / STORE_DIR).mkdir(parents=True, exist_ok=True)
    scenarios = {c.case_id: case_scenario(grid, c, solver_threads) for c in grid.cases}
    keys = {cid: case_key(s) for cid, s in scenarios.items()}
    threads = max(threads_of(s) for s in scenarios.values())
    results: dict[str, dict[str, Any]] = {}  # by key: cases with the same inputs run once
    for key in dict.fromkeys(keys.values()):
        stored = read_store(out, key)
        if stored is not None:
            results[key] = stored
    reused = set(results)
    pending: list[SweepCase] = []
    for case in grid.cases:
        if keys[case.case_id] not in results and all(
            keys[p.case_id] != keys[case.case_id] for p in pending
        ):
            pending.append(case)
    say(
        f"{len(grid.cases)} scenarios: {len(grid.cases) - len(pending)} already finished in "
        f"{out / STORE_DIR}, {len(pending)} to run"
    )
    mirror_path = str(resolve_mirror(mirror))
    cache = str(cache_root())
    n_workers = 1
    done = 0

    def finished(case: SweepCase, row: dict[str, Any]) -> None:
        nonlocal done
        key = keys[case.case_id]
        write_store(out, key, case, row)
        results[key] = read_store(out, key) or row
        done += 1
        say(
            f"{done}/{len(pending)} computed: {case.case_id} ({case.label}): recommended "
            f"{row['recommended_beats']} beats, reached {row['reached_share']:.1%}, "
            f"{row['runtime_s']:.0f} s"
        )

    if pending and executor == "serial":
        for case in pending:
            say(f"running {case.case_id} ({case.label})")
            row = run_case(scenarios[case.case_id].to_dict(), mirror=mirror_path, cache_dir=cache)
            finished(case, row)
    elif pending:
        n_workers = _run_on_dask(
            pending, scenarios, keys, finished, executor=executor, scheduler=scheduler,
            workers=workers, threads=threads, mirror=mirror_path, cache=cache, say=say,
        )  # fmt: skip
    records = tuple(
        CaseRecord(c, keys[c.case_id], results[keys[c.case_id]], keys[c.case_id] in reused)
        for c in grid.cases
    )
    return SweepRun(
        grid=grid,
        records=records,
        executor=executor,
        workers=n_workers,
        solver_threads=threads,
        wall_s=round(time.perf_counter() - t0, 2),
    )


def _run_on_dask(
    pending: Iterable[SweepCase],
    scenarios: dict[str, Scenario],
    keys: dict[str, str],
    finished: Callable[[SweepCase, dict[str, Any]], None],
    *,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    threads: int,
    mirror: str,
    cache: str,
    say: Progress,
) -> int:
    """Submit ``pending`` to a Dask cluster, storing each result as it arrives."""
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if executor == "scheduler":
        if not scheduler:
            raise ConfigError("--scheduler: give the address, e.g. tcp://127.0.0.1:8786")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(
                f"--scheduler {scheduler}: cannot connect ({exc}); start `dask scheduler` "
                f"and `dask worker {scheduler} --nthreads 1` first, or omit --scheduler"
            ) from None
        n_workers = _check_remote_cores(client, threads, say)
    else:
        n_workers = local_workers(workers, threads, available_cores())
        say(
            f"starting a local Dask cluster: {n_workers} workers x 1 thread, {threads} solver threads per case"
        )
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, memory_limit=0,
            dashboard_address=None, silence_logs=logging.WARNING,
        )  # fmt: skip
        client = Client(cluster)
    try:
        by_key = {}
        futures = []
        for case in pending:
            fut = client.submit(
                run_case, scenarios[case.case_id].to_dict(), mirror=mirror, cache_dir=cache,
                key=f"heart-plan-case-{keys[case.case_id]}", pure=False, retries=2,
            )  # fmt: skip
            by_key[fut.key] = case
            futures.append(fut)
        for fut in as_completed(futures):
            finished(by_key[fut.key], fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return n_workers


def _check_remote_cores(client: Any, threads: int, say: Progress) -> int:
    """Workers of an existing cluster; warns per host where Dask threads x solver threads
    exceed the host's cores.
    """
    client.wait_for_workers(1, timeout=60)
    info = client.scheduler_info()["workers"]
    cores = client.run(available_cores)
    by_host: dict[str, list[int]] = {}
    for addr, w in info.items():
        host = str(w.get("host", addr))
        used, have = by_host.setdefault(host, [0, int(cores.get(addr, 1))])
        by_host[host] = [used + int(w.get("nthreads", 1)) * threads, have]
    for host, (used, have) in sorted(by_host.items()):
        if used > have:
            say(
                f"warning: {host}: Dask threads x {threads} solver threads = {used} > {have} "
                f"cores; start its workers with --nthreads 1 and fewer --nworkers"
            )
    say(f"connected to the Dask scheduler: {len(info)} workers on {len(by_host)} hosts")
    return len(info)
