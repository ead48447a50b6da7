"""``heart-plan expand``: service-area expansion roadmap and the citywide answer."""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    calls_quality_record,
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
    write_calls_quality,
)

OUTPUT_FILES = (
    "roadmap.csv", "citywide_curve.csv", "expansion.json", "plan.json", "run_info.json",
    "calls_quality.csv",
)  # fmt: skip


@click.command("expand")
@scenario_option
@out_option("outputs/durham/expand")
@mirror_option
@click.option(
    "--max-teams",
    type=click.IntRange(min=1, max=40),
    default=None,
    help="Largest team count on the citywide curve (default: [expansion] max_teams).",
)
@click.option(
    "--contiguous/--any-order",
    default=None,
    help="Keep the service area contiguous (default: [expansion] contiguous).",
)
def expand(
    scenario_path: Path | None,
    out_dir: Path,
    mirror: Path | None,
    max_teams: int | None,
    contiguous: bool | None,
) -> None:
    """Write roadmap.csv, citywide_curve.csv, expansion.json and a citywide plan.json."""
    from heart_plan.atomic import write_csv, write_json
    from heart_plan.config import load_scenario
    from heart_plan.plan import write_plan
    from heart_plan.planning.context import build_context
    from heart_plan.planning.expansion import citywide_curve, expansion_roadmap, teams_for_target
    from heart_plan.planning.placement import place, plan_from_placements, predicted_measures
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_scenario(scenario_path)

    def say(msg: str) -> None:
        click.echo(f"[expand] {msg}", err=True)

    ctx = build_context(scenario, mirror, progress=say)
    roadmap = expansion_roadmap(ctx, contiguous=contiguous, progress=say)
    curve = citywide_curve(ctx, max_teams=max_teams, progress=say)
    target = scenario.budget.target_reached_share
    summary = {
        "citywide_calls_per_year": ctx.calls_per_year,
        "target_share": target,
        "teams_for_target_covered": teams_for_target(curve, target, "covered_share"),
        "teams_for_target_expected_covered": teams_for_target(curve, target),
        "roadmap_order": roadmap["beat_added"].iloc[1:].tolist(),
        "teams_citywide_roadmap": int(roadmap["teams"].iloc[-1]),
    }
    teams = summary["teams_for_target_expected_covered"] or int(curve["teams"].max())
    city = ctx.area()
    row = curve.set_index("teams").loc[teams]
    q = float(row["busy_fraction"])
    placement = place(city, teams, solver=scenario.solver, busy_fraction=q)
    plan = plan_from_placements(
        scenario, city.beats, {placement.band: placement},
        hours=(scenario.baseline.hours_start, scenario.baseline.hours_end),
        command=command_line(),
        predicted=predicted_measures(city, placement),
    )  # fmt: skip
    info = run_info(
        scenario,
        command=command_line(),
        data_files=ctx.inputs.paths,
        extra={**summary, "calls_quality": calls_quality_record(ctx.inputs.calls)},
    )
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_csv(stage / "roadmap.csv", roadmap)
        write_csv(stage / "citywide_curve.csv", curve)
        write_json(stage / "expansion.json", summary)
        write_plan(stage / "plan.json", plan)
        write_calls_quality(stage, ctx.inputs.calls)
        write_run_info(stage, info)
    click.echo(roadmap.to_string(index=False, max_cols=8))
    click.echo(curve.round(3).to_string(index=False))
    click.echo(
        f"teams for {target:.0%} of citywide eligible calls: covered "
        f"{summary['teams_for_target_covered']}, expected covered (queue-aware) "
        f"{summary['teams_for_target_expected_covered']}"
    )
    click.echo(f"outputs: {out_dir}")
