"""``heart-plan run``: the whole pipeline on a scenario, with progress, into ``--out``.

Accepts every input its subcommands accept: ``--scenario``, ``--mirror`` and ``--calls FILE``
(a calls export replacing ``[calls] dataset``, as for ``simulate``; a file path in
``[calls] dataset`` works too).  Everything is computed first and written into a staging
folder beside ``--out`` that replaces ``--out`` only when complete: an interrupted run leaves
the previous complete output (subfolders of other commands inside ``--out`` are kept).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from heart_plan.commands._common import (
    calls_option,
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    scenario_with_calls,
    staged,
)

#: What ``run`` writes at the top of ``--out`` (other entries there are kept).
OUTPUT_FILES = (
    "*.html", "*.csv", "plan_pilot_2022.json", "plan_current.json", "plan_recommended.json",
    "run.json", "demand/",
)  # fmt: skip


@click.command("run")
@scenario_option
@out_option("outputs/durham")
@mirror_option
@calls_option
@click.option(
    "--sensitivity",
    "sensitivity_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A heart-plan sweep folder (e.g. of scenarios/sensitivity.toml) for the report's "
    "sensitivity section.",
)
def run(
    scenario_path: Path | None,
    out_dir: Path,
    mirror: Path | None,
    calls_path: Path | None,
    sensitivity_dir: Path | None,
) -> None:
    """Data -> demand -> network -> placement and expansion -> shifts -> simulation ->
    maps -> report, writing run.json with the key results.
    """
    from heart_plan.config import load_scenario
    from heart_plan.planning.run import run_plan
    from heart_plan.writer import write_run

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[run {time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    scenario = scenario_with_calls(load_scenario(scenario_path), calls_path)
    sensitivity = read_sensitivity(sensitivity_dir) if sensitivity_dir else None
    result = run_plan(scenario, mirror=mirror, progress=say)
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_run(result, stage, command=command_line(), progress=say, sensitivity=sensitivity)
        say("outputs complete; moving them into place")
    click.echo(
        f"eligible calls per year: {result.calls_per_year:,.0f} "
        f"({result.modeled_share:.1%} modeled)"
    )
    for outcome in result.plans.values():
        plan = outcome.plan
        click.echo(
            f"{outcome.name} plan: {len(plan.service_area_beats)} beats, up to "
            f"{max(plan.teams_on_duty)} teams, {outcome.fte:.1f} FTE, "
            f"reached {outcome.reached_share:.1%} of citywide eligible calls (simulated)"
        )
    t = result.target
    take = (
        f"{t.around_the_clock.peak_teams} teams every hour ({t.around_the_clock.fte:.1f} FTE)"
        if t.around_the_clock
        else f"not reachable with {t.max_teams} teams per hour (at most {t.max_reached_share:.1%})"
    )
    cheapest = f", cheapest schedule {t.cheapest.fte:.1f} FTE" if t.cheapest else ""
    click.echo(f"{t.target:.0%} of citywide calls reached would take: {take}{cheapest}")
    f = result.hours.to_24_7
    click.echo(
        f"24/7 citywide at {f.share_target:.0%} {f.measure} per hour: {f.full.fte:.1f} FTE vs "
        f"{f.baseline.fte:.1f} for the baseline hours (+{f.added_fte:.1f} FTE, "
        f"+${f.added_cost_per_year_usd:,.0f}/yr)"
    )
    click.echo(f"outputs: {out_dir} (report.html, map_citywide.html, map_hours.html, run.json)")


def read_sensitivity(folder: Path) -> object:
    """The results table of a sweep folder (``results.parquet``), checked for a base case."""
    import pandas as pd

    path = folder / "results.parquet"
    if not path.is_file():
        raise click.BadParameter(
            f"{folder}: no results.parquet; run heart-plan sweep --grid "
            f"src/heart_plan/scenarios/sensitivity.toml --out {folder} first",
            param_hint="--sensitivity",
        )
    table = pd.read_parquet(path)
    if "label" not in table or not (table["label"] == "base").any():
        raise click.BadParameter(
            f"{path}: no 'base' case; sweep with include_base = true", param_hint="--sensitivity"
        )
    return table
