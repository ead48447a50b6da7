"""``heart-plan place``: choose posts for a service area and a number of teams."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from heart_plan.planning.area import AreaDemand
    from heart_plan.planning.context import PlanningContext

OUTPUT_FILES = (
    "posts.csv",
    "plan.json",
    "run_info.json",
    "calls_quality.csv",
    "plan.gpkg",
    "README.txt",
)


@click.command(
    "place",
    epilog="\b\nExamples:\n  heart-plan place                        # pilot beats, baseline teams\n  heart-plan place --beats all --teams 4   # -> outputs/durham/place\n  heart-plan place --beats 111,112,113 --teams 2 --model mexclp\n",
)
@scenario_option
@out_option("place")
@mirror_option
@click.option(
    "--beats",
    default="",
    help="Comma-separated beat ids (default: baseline area; 'all' = citywide).",
)
@click.option(
    "--teams",
    type=click.IntRange(min=1),
    default=None,
    help="Teams on duty (default: baseline teams).",
)
@click.option(
    "--model",
    type=click.Choice(["reached", "mclp", "mexclp"]),
    default="reached",
    show_default=True,
    help="reached: one post set per team count 1..teams maximizing calls reached (busy "
    "teams, loss hypercube); mclp: covered calls per band; mexclp: expected covered per band.",
)
@click.option("--band", default="", help="mclp/mexclp: one time band only (default: every band).")
@click.option("--queue-aware", is_flag=True, help="Same as --model mexclp (kept for scripts).")
@click.option("--fixed-sites", default="", help="mclp/mexclp: comma-separated site ids kept.")
def place(
    scenario_path: Path | None,
    out_dir: Path | None,
    mirror: Path | None,
    beats: str,
    teams: int | None,
    model: str,
    band: str,
    queue_aware: bool,
    fixed_sites: str,
) -> None:
    """Choose posts and write plan.json + posts.csv (every hour of the baseline window)."""
    from heart_plan.atomic import write_csv
    from heart_plan.gpkg import write_plan_gpkg
    from heart_plan.plan import write_plan
    from heart_plan.planning.context import build_context
    from heart_plan.planning.placement import (
        default_busy_fraction,
        place_per_band,
        placement_table,
        plan_from_placements,
        predicted_measures,
    )
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_command_scenario(scenario_path)

    out_dir = output_dir(out_dir, scenario, "place")
    if band and band not in scenario.network.time_bands:
        raise click.BadParameter(
            f"unknown band {band!r}; choose one of {', '.join(scenario.network.time_bands)}",
            param_hint="--band",
        )
    model = "mexclp" if queue_aware else model
    fixed = tuple(s for s in fixed_sites.split(",") if s)
    if model == "reached" and (fixed or band):
        raise click.UsageError(
            "--fixed-sites and --band apply to --model mclp or mexclp; the reached model "
            "chooses one post set for every band"
        )
    ctx = build_context(scenario, mirror, progress=lambda m: click.echo(f"[place] {m}", err=True))
    area = ctx.area(_area(beats, scenario.baseline.service_area_beats, ctx.city_beats))
    teams = teams or scenario.baseline.teams
    if model == "reached":
        _place_reached(ctx, area, teams, out_dir)
        return
    bands = [band] if band else list(scenario.network.time_bands)
    q = default_busy_fraction(area, scenario.crt, teams) if model == "mexclp" else None
    click.echo(
        f"[place] bands {', '.join(bands)}: {teams} teams over {len(area.beats)} beats", err=True
    )
    placements = place_per_band(
        area, teams, solver=scenario.solver, bands=bands, busy_fraction=q, fixed_sites=fixed
    )
    busiest = band or area.busiest_band
    main = placements.get(busiest, next(iter(placements.values())))
    predicted = predicted_measures(area, main)
    hours = (scenario.baseline.hours_start, scenario.baseline.hours_end)
    command = command_line()
    plan = plan_from_placements(
        scenario, area.beats, placements, hours=hours, command=command, predicted=predicted
    )
    table = placement_table(placements)
    info = run_info(
        scenario,
        command=command,
        data_files=ctx.inputs.paths,
        extra={
            "placements": {b: p.result.to_dict() for b, p in placements.items()},
            "calls_quality": calls_quality_record(ctx.inputs.calls),
        },
    )
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_csv(stage / "posts.csv", table)
        write_plan(stage / "plan.json", plan)
        write_plan_gpkg(stage / "plan.gpkg", ctx, {"plan": plan})
        write_calls_quality(stage, ctx.inputs.calls)
        write_run_info(stage, info)
    click.echo(main.result.summary())
    click.echo(f"outputs: {out_dir}")


def _place_reached(ctx: PlanningContext, area: AreaDemand, teams: int, out_dir: Path) -> None:
    """Post sets for 1..teams teams maximizing calls reached; plan.json, posts.csv."""
    from heart_plan.atomic import write_csv
    from heart_plan.gpkg import write_plan_gpkg
    from heart_plan.plan import daily_window_on_duty, write_plan
    from heart_plan.planning.posts import PostSearches, plan_of_sets, post_set_table, set_measures
    from heart_plan.runinfo import run_info, write_run_info

    s = ctx.scenario
    base = s.baseline
    click.echo(f"[place] post sets for 1..{teams} teams over {len(area.beats)} beats", err=True)
    sets = PostSearches(ctx).sets(area, teams)
    command = command_line()
    plan = plan_of_sets(
        s, area, sets, daily_window_on_duty(base.hours_start, base.hours_end, teams),
        command=command, hours={"daily_start": base.hours_start, "daily_end": base.hours_end},
        predicted=set_measures(area, sets[teams]), team_counts=range(1, teams + 1),
    )  # fmt: skip
    info = run_info(
        s,
        command=command,
        data_files=ctx.inputs.paths,
        extra={
            "post_sets": {
                str(k): {"sites": list(ps.sites), "search_reached_share_of_area": ps.reached_share}
                for k, ps in sets.items()
            },
            "calls_quality": calls_quality_record(ctx.inputs.calls),
        },
    )
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_csv(stage / "posts.csv", post_set_table(sets))
        write_plan(stage / "plan.json", plan)
        write_plan_gpkg(stage / "plan.gpkg", ctx, {"plan": plan})
        write_calls_quality(stage, ctx.inputs.calls)
        write_run_info(stage, info)
    best = sets[teams]
    click.echo(
        f"{teams} teams: {len(best.posts)} posts, reached {best.reached_share:.1%} of the area's "
        f"calls at the {best.band} band's mean load (loss hypercube)"
    )
    click.echo(f"outputs: {out_dir}")


def _area(beats: str, baseline: tuple[str, ...], city: tuple[str, ...]) -> list[str]:
    """Parse --beats: empty = baseline area, 'all' = every city beat, else a list."""
    if not beats:
        return list(baseline)
    if beats.strip().lower() == "all":
        return list(city)
    area = [b.strip() for b in beats.split(",") if b.strip()]
    unknown = [b for b in area if b not in city]
    if unknown:
        raise click.BadParameter(
            f"{unknown[0]!r} is not a city beat; use ids such as {', '.join(city[:4])}",
            param_hint="--beats",
        )
    return area
