"""``heart-plan expand``: service-area expansion roadmap and the citywide answer in calls
reached (the curve of citywide share against teams on duty, what the target would take).
"""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    calls_quality_record,
    command_line,
    load_command_scenario,
    mirror_option,
    out_option,
    output_dir,
    scenario_option,
    staged,
    write_calls_quality,
)

OUTPUT_FILES = (
    "roadmap.csv", "citywide_curve.csv", "expansion.json", "plan.json", "run_info.json",
    "calls_quality.csv", "plan.gpkg", "README.txt",
)  # fmt: skip


@click.command(
    "expand",
    epilog="\b\nExamples:\n  heart-plan expand                       # -> outputs/durham/expand\n  heart-plan expand --max-teams 6 --set budget.target_reached_share=0.8\n",
)
@scenario_option
@out_option("expand")
@mirror_option
@click.option(
    "--max-teams",
    type=click.IntRange(min=1, max=40),
    default=None,
    help="Largest team count on the citywide curve (default: [shifts] max_teams_per_hour).",
)
@click.option(
    "--contiguous/--any-order",
    default=None,
    help="Keep the service area contiguous (default: [expansion] contiguous).",
)
def expand(
    scenario_path: Path | None,
    out_dir: Path | None,
    mirror: Path | None,
    max_teams: int | None,
    contiguous: bool | None,
) -> None:
    """Write roadmap.csv, citywide_curve.csv, expansion.json and a citywide plan.json."""
    from heart_plan.atomic import write_csv, write_json
    from heart_plan.gpkg import write_plan_gpkg
    from heart_plan.plan import daily_window_on_duty, write_plan
    from heart_plan.planning.citywide import area_values, reached_curve, target_would_take
    from heart_plan.planning.context import build_context
    from heart_plan.planning.expansion import expansion_roadmap
    from heart_plan.planning.posts import PostSearches, plan_of_sets, set_measures
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_command_scenario(scenario_path)

    out_dir = output_dir(out_dir, scenario, "expand")

    def say(msg: str) -> None:
        click.echo(f"[expand] {msg}", err=True)

    ctx = build_context(scenario, mirror, progress=say)
    roadmap = expansion_roadmap(ctx, contiguous=contiguous, progress=say)
    k_max = max_teams or scenario.shifts.max_teams_per_hour
    city = ctx.area()
    say(f"citywide post sets for 1..{k_max} teams and calls reached by hour of week")
    sets = PostSearches(ctx).sets(city, k_max)
    values = area_values(ctx, city, sets)
    curve = reached_curve(ctx, sets, values)
    target = scenario.budget.target_reached_share
    take = target_would_take(ctx, values, target)
    teams = take.around_the_clock.peak_teams if take.around_the_clock else k_max
    summary = {
        "citywide_calls_per_year": ctx.calls_per_year,
        "measure": "reached",
        "target_share": target,
        "teams_every_hour_for_target": take.around_the_clock and take.around_the_clock.peak_teams,
        "cheapest_schedule_fte_for_target": take.cheapest and take.cheapest.fte,
        "max_reached_share": take.max_reached_share,
        "roadmap_order": roadmap["beat_added"].iloc[1:].tolist(),
        "teams_citywide_roadmap": int(roadmap["teams"].iloc[-1]),
    }
    base = scenario.baseline
    plan = plan_of_sets(
        scenario, city, sets, daily_window_on_duty(base.hours_start, base.hours_end, teams),
        command=command_line(), hours={"daily_start": base.hours_start, "daily_end": base.hours_end},
        predicted=set_measures(city, sets[teams]), team_counts=range(1, teams + 1),
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
        write_plan_gpkg(stage / "plan.gpkg", ctx, {"plan": plan}, roadmap)
        write_calls_quality(stage, ctx.inputs.calls)
        write_run_info(stage, info)
    click.echo(roadmap.to_string(index=False, max_cols=8))
    click.echo(curve.round(3).to_string(index=False))
    click.echo(
        f"{target:.0%} of citywide eligible calls reached: "
        + (
            f"{teams} teams on duty every hour"
            if take.around_the_clock
            else f"not with {k_max} teams per hour (at most {take.max_reached_share:.1%})"
        )
    )
    click.echo(f"outputs: {out_dir}")
