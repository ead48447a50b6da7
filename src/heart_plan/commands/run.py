"""``heart-plan run``: the whole pipeline on a scenario, with progress, into ``--out``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from heart_plan.commands._common import command_line, mirror_option, out_option, scenario_option


@click.command("run")
@scenario_option
@out_option("outputs/durham")
@mirror_option
def run(scenario_path: Path | None, out_dir: Path, mirror: Path | None) -> None:
    """Data -> demand -> network -> placement and expansion -> shifts -> simulation ->
    maps -> report, writing run.json with the key results."""
    from heart_plan.config import load_scenario
    from heart_plan.pipeline import run_pipeline, write_outputs

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[run {time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    scenario = load_scenario(scenario_path)
    result = run_pipeline(scenario, mirror=mirror, progress=say)
    info = write_outputs(result, out_dir, command=command_line(), progress=say)
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
