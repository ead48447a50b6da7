"""``heart-plan demand``: calibrated eligible-call demand per beat, hour and place."""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
)

OUTPUT_FILES = (
    "beat_demand.csv",
    "beat_nature_demand.csv",
    "hour_of_week.csv",
    "demand_points.parquet",
    "demand_validation.csv",
    "beat_demand_intervals.csv",
    "beat_mismatches.csv",
    "calibration_check.csv",
    "calls_quality.csv",
    "run_info.json",
)


@click.command("demand")
@scenario_option
@out_option("outputs/durham/demand")
@mirror_option
def demand(scenario_path: Path | None, out_dir: Path, mirror: Path | None) -> None:
    """Build the calibrated demand and write its tables (see OUTPUT_FILES)."""
    from heart_plan.config import load_scenario
    from heart_plan.demand import build_demand
    from heart_plan.demand.outputs import summary_text, write_demand_outputs
    from heart_plan.loaders import load_inputs

    scenario = load_scenario(scenario_path)
    inputs = load_inputs(scenario, mirror)
    result = build_demand(inputs, scenario)
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_demand_outputs(result, inputs, scenario, stage, command=command_line())
    click.echo(summary_text(result, out_dir))
