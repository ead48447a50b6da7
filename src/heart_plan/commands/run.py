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
from typing import TYPE_CHECKING

import click

from heart_plan.commands._common import (
    FiniteFloat,
    calls_option,
    command_line,
    load_command_scenario,
    mirror_option,
    out_option,
    output_dir,
    scenario_option,
    scenario_with_calls,
    staged,
)

if TYPE_CHECKING:
    from heart_plan.planning.results import UnitsOutcome

#: What ``run`` writes at the top of ``--out`` (other entries there are kept).
OUTPUT_FILES = (
    "*.html", "*.csv", "plan_pilot_2022.json", "plan_current.json", "plan_recommended.json",
    "run.json", "demand/", "plan.gpkg", "README.txt",
)  # fmt: skip


RUN_EXAMPLES = """\b
Examples:
  heart-plan run                                  # the Durham default -> outputs/durham
  heart-plan run --fte-budget 40                  # what 40 FTE would buy
  heart-plan run --beats 111,112,113 --hours 07-19 --set name=three_beats
  heart-plan run --hours 24/7 --fte-budget 60 --out outputs/around_the_clock
  heart-plan run --scenario my.toml               # `heart-plan init my.toml` writes one
"""


@click.command("run", epilog=RUN_EXAMPLES)
@scenario_option
@out_option()
@mirror_option
@calls_option
@click.option(
    "--fte-budget",
    type=FiniteFloat(min=0),
    default=None,
    help="CRT FTE budget of the recommended plan (sets budget.crt_fte).",
)
@click.option(
    "--beats",
    default="",
    help="Comma-separated beat ids: the recommended plan's service area (sets "
    "expansion.recommend_beats; default: the best of the roadmap's candidate areas).",
)
@click.option(
    "--hours",
    default="",
    metavar="HH-HH|24/7",
    help="The recommended plan's daily window, the same every day, e.g. 07-19 or 24/7 (sets "
    "expansion.recommend_hours; default: the shift planner chooses the hours).",
)
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
    out_dir: Path | None,
    mirror: Path | None,
    calls_path: Path | None,
    fte_budget: float | None,
    beats: str,
    hours: str,
    sensitivity_dir: Path | None,
) -> None:
    """The whole plan: data, demand, road network, posts and expansion, shifts,
    simulation, maps and report, into --out (default outputs/<scenario name>) with run.json,
    plan.gpkg and a README.txt describing every file.
    """
    from heart_plan.config import daily_window_hours
    from heart_plan.errors import ConfigError
    from heart_plan.planning.run import run_plan
    from heart_plan.writer import write_run

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[run {time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    extra: dict[str, object] = {}
    if fte_budget is not None:
        extra["budget.crt_fte"] = fte_budget
    if beats.strip():
        extra["expansion.recommend_beats"] = [b.strip() for b in beats.split(",") if b.strip()]
    if hours.strip():
        try:
            daily_window_hours(hours)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint="--hours") from None
        extra["expansion.recommend_hours"] = hours.strip()
    scenario = scenario_with_calls(load_command_scenario(scenario_path, extra), calls_path)
    out_dir = output_dir(out_dir, scenario)
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
        plan, est = outcome.plan, outcome.simulated("reached_share")
        click.echo(
            f"{outcome.name} plan: {len(plan.service_area_beats)} beats, up to "
            f"{max(plan.teams_on_duty)} teams, {outcome.fte:.1f} FTE, "
            f"reached {outcome.reached_share:.1%} of citywide eligible calls (simulated; "
            f"95% CI {est.ci_low:.1%}-{est.ci_high:.1%}, {result.ctx.scenario.simulation.variation})"
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
    if result.units is not None:
        for line in units_lines(result.units):
            click.echo(line)
    click.echo(
        f"outputs: {out_dir} (report.html, map_citywide.html, map_hours.html, plan.gpkg, "
        "run.json; README.txt describes every file)"
    )


def units_lines(units: UnitsOutcome) -> list[str]:
    """The CLI summary of all four HEART units (one line each, the budget view, the
    CRT + CoR reached share).
    """
    lines = []
    for r in units.units:
        sim = r.reached_share_of_unit_eligible_simulated
        own = f"reached {r.reached_share_of_unit_eligible_predicted:.1%} of its eligible calls"
        own += " predicted" + (f", {sim.mean:.1%} simulated" if sim is not None else "")
        if r.role == "phone":
            own = (
                f"answers {r.reached_share_of_unit_eligible_predicted:.1%} of its eligible calls,"
                f" resolved_by_phone_share {r.resolved_by_phone_share:.1%} (never reached)"
            )
        elif r.role == "follow_up":
            own = f"deadline {'met' if r.deadline_met else 'NOT met'}"
        lines.append(
            f"unit {r.unit}: {r.hours}, {r.teams_or_staff} on duty, {r.fte:.1f} FTE, "
            f"${r.cost_per_year_usd:,.0f}/yr; {own}"
        )
    sim = units.reached_share_simulated
    lines.append(
        f"all four units (budget view): {units.total_fte:.1f} FTE, "
        f"${units.total_cost_per_year_usd:,.0f}/yr; CRT + CoR reached "
        f"{units.reached_share_predicted:.1%} predicted, {sim.mean:.1%} simulated"
    )
    return lines


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
