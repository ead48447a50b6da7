"""``heart-plan sweep --grid FILE --out DIR``: run a grid of scenario overrides, on a local
Dask cluster by default or on ``--scheduler tcp://HOST:PORT``, resumable.

``DIR/cases/<key>.json`` holds each finished scenario (the key is built from its inputs), so
a stopped sweep restarted with the same command skips finished work; ``results.parquet``,
``results.csv``, ``sweep.html`` and ``run_info.json`` are (re)written, each atomically, once
every scenario is finished.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from heart_plan.commands._common import command_line, mirror_option, out_option


@click.command("sweep")
@click.option(
    "--grid",
    "grid_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Grid file: base = <scenario file>, [grid] dotted keys -> lists, [[case]] tables.",
)
@out_option("outputs/sweep")
@mirror_option
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="An existing Dask scheduler (default: a local cluster on this machine).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Local cluster worker processes (default: cores // solver threads).",
)
@click.option(
    "--solver-threads",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Solver threads per scenario, overriding [solver] and [shifts] workers (part of each key).",
)
@click.option("--serial", is_flag=True, help="Run the scenarios one by one in this process.")
def sweep(
    grid_path: Path,
    out_dir: Path,
    mirror: Path | None,
    scheduler: str | None,
    workers: int | None,
    solver_threads: int | None,
    serial: bool,
) -> None:
    """Expand a grid of overrides into scenarios, run them (resumable) and compare them."""
    from heart_plan.errors import OutputError
    from heart_plan.sweep.execute import run_sweep
    from heart_plan.sweep.grid import load_grid
    from heart_plan.sweep.outputs import write_sweep_outputs

    if serial and scheduler:
        raise click.UsageError("--serial and --scheduler exclude each other; choose one")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: --out is a file, not a folder; pass a folder path")
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[sweep {time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    grid = load_grid(grid_path)
    executor = "serial" if serial else "scheduler" if scheduler else "local"
    run = run_sweep(
        grid, out_dir, executor=executor, scheduler=scheduler, workers=workers,
        solver_threads=solver_threads, mirror=mirror, progress=say,
    )  # fmt: skip
    table = write_sweep_outputs(run, out_dir, command=command_line())
    click.echo(
        f"{len(table)} scenarios ({run.computed} computed, {len(table) - run.computed} reused) "
        f"in {run.wall_s:.0f} s"
    )
    for row in table.itertuples():
        click.echo(
            f"{row.case_id} {row.label}: recommended {row.recommended_beats} beats, reached "
            f"{row.reached_share:.1%}, 24/7 {row.fte_24_7:.1f} FTE"
        )
    click.echo(f"outputs: {out_dir} (results.parquet, results.csv, sweep.html)")
