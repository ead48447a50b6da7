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
    calls_quality_record,
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
    write_calls_quality,
)

#: What ``run`` writes at the top of ``--out`` (other entries there are kept).
OUTPUT_FILES = (
    "*.html", "*.csv", "plan_current.json", "plan_recommended.json", "run.json", "demand/",
)  # fmt: skip


@click.command("run")
@scenario_option
@out_option("outputs/durham")
@mirror_option
@click.option(
    "--calls",
    "calls_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Calls export (CSV, GeoJSON, shapefile) instead of the scenario's [calls] dataset.",
)
def run(
    scenario_path: Path | None, out_dir: Path, mirror: Path | None, calls_path: Path | None
) -> None:
    """Data -> demand -> network -> placement and expansion -> shifts -> simulation ->
    maps -> report, writing run.json with the key results."""
    from heart_plan.atomic import write_json
    from heart_plan.commands.simulate import with_calls_file
    from heart_plan.config import load_scenario
    from heart_plan.pipeline import run_pipeline, write_outputs

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[run {time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    scenario = load_scenario(scenario_path)
    if calls_path is not None and not calls_path.is_file():
        raise click.BadParameter(f"{calls_path}: file not found", param_hint="--calls")
    scenario = with_calls_file(scenario, calls_path)
    result = run_pipeline(scenario, mirror=mirror, progress=say)
    calls = result.ctx.inputs.calls
    with staged(out_dir, OUTPUT_FILES) as stage:
        info = write_outputs(result, stage, command=command_line(), progress=say)
        info["calls_quality"] = calls_quality_record(calls)
        write_calls_quality(stage, calls)
        write_json(stage / "run.json", info)
        say("outputs complete; moving them into place")
    key = info["key_results"]
    click.echo(
        f"eligible calls per year: {key['eligible_calls_per_year']:,.0f} "
        f"({key['modeled_share']:.1%} modeled)"
    )
    for name in ("current_plan", "recommended_plan"):
        reached = key[name]["simulated"]["reached_share"]["mean"]
        click.echo(
            f"{name.replace('_', ' ')}: {key[name]['beats']} beats, up to "
            f"{key[name]['max_teams_on_duty']} teams, {key[name]['fte']:.1f} FTE, "
            f"reached {reached:.1%} of citywide eligible calls (simulated)"
        )
    t = key["teams_for_citywide_target"]
    click.echo(
        f"teams on duty for {t['target']:.0%} of citywide calls: covered {t['covered']}, "
        f"expected covered with busy teams (queue-aware) {t['expected_covered_queue_aware']}"
    )
    f = key["fte_24_7"]
    click.echo(
        f"24/7 citywide: {f['full_24_7']['fte']:.1f} FTE vs {f['baseline']['fte']:.1f} for the "
        f"baseline hours (+{f['added_fte']:.1f} FTE, +${f['added_cost_per_year_usd']:,.0f}/yr)"
    )
    click.echo(f"outputs: {out_dir} (report.html, map_citywide.html, map_hours.html, run.json)")
