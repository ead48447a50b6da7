"""``heart-plan shifts``: a CP-SAT shift schedule for a plan, and the 24/7 answer.

Reads a ``plan.json``; computes the eligible arrivals per hour of week of the plan's
service area (``loaders.load_inputs`` + ``demand.build_demand``, or ``--arrivals FILE``) and
the busy time per call (mean drive time: ``--mean-drive-s`` > the plan's
``predicted.mean_drive_time_s`` > ``[units.crt] default_mean_drive_s``); plans shifts within
the FTE budget; writes the schedule, curves and a NEW plan file in ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    FiniteFloat,
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
)

OUTPUT_FILES = (
    "schedule.csv",
    "teams_on_duty.csv",
    "hours_curve.csv",
    "fte_curve.csv",
    "overnight_marginal.csv",
    "hours_answer.json",
    "plan.json",
    "run_info.json",
    "calls_quality.csv",
)


@click.command("shifts")
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="Input plan.json (never modified).",
)
@scenario_option
@out_option("outputs/durham/shifts")
@mirror_option
@click.option(
    "--fte-budget",
    type=FiniteFloat(min=0),
    default=None,
    help="CRT FTE budget, >= 0 (default: [budget] crt_fte).",
)
@click.option(
    "--objective",
    type=click.Choice(["max_served", "min_fte"]),
    default="max_served",
    show_default=True,
    help="Maximize calls served within the budget, or minimize FTE for the served-share target.",
)
@click.option(
    "--arrivals",
    "arrivals_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="CSV with hour_of_week, calls_per_year (168 rows) instead of building the demand.",
)
@click.option(
    "--mean-drive-s",
    type=FiniteFloat(min=0),
    default=None,
    help="Mean drive time per call (s, >= 0).",
)
@click.option(
    "--fte-curve",
    "fte_curve_method",
    type=click.Choice(["greedy", "planner", "both"]),
    default="greedy",
    show_default=True,
    help="How fte_curve.csv is computed (planner: one CP-SAT solve per budget, slower).",
)
def shifts(
    plan_path: Path,
    scenario_path: Path | None,
    out_dir: Path,
    mirror: Path | None,
    fte_budget: float | None,
    objective: str,
    arrivals_path: Path | None,
    mean_drive_s: float | None,
    fte_curve_method: str,
) -> None:
    """Plan shifts for a plan and write the schedule, curves and a new plan.json."""
    from heart_plan.atomic import write_csv, write_json
    from heart_plan.commands._common import calls_quality_record, write_calls_quality
    from heart_plan.config import load_scenario
    from heart_plan.plan import read_plan, write_plan
    from heart_plan.runinfo import run_info, write_run_info
    from heart_plan.staffing.hours import erlang_b_hour_values, hours_answer
    from heart_plan.staffing.plan_inputs import (
        daily_hours,
        plan_arrivals,
        plan_mean_drive,
        schedule_tables,
    )
    from heart_plan.staffing.shifts import ShiftProblem, plan_shifts, solver_config_for_shifts
    from heart_plan.staffing.workload import unit_busy_time_h

    out_plan = Path(out_dir) / "plan.json"
    if out_plan.resolve() == plan_path.resolve():
        raise click.UsageError(
            f"--out {out_dir} would overwrite the input plan {plan_path}; choose another --out"
        )
    scenario = load_scenario(scenario_path)
    plan = read_plan(plan_path)
    plan.check_against(source=str(plan_path), unit_types=scenario.units)
    if fte_budget is not None and fte_budget < 0:
        raise click.BadParameter("must be >= 0", param_hint="--fte-budget")
    if mean_drive_s is not None and mean_drive_s < 0:
        raise click.BadParameter("must be >= 0 seconds", param_hint="--mean-drive-s")
    arrivals, data_files, arrivals_source, calls = plan_arrivals(
        plan, scenario, mirror, arrivals_path, plan_path
    )
    drive_s, drive_source = plan_mean_drive(plan, scenario, mean_drive_s)
    crt = scenario.crt
    busy_h = unit_busy_time_h(crt, drive_s)
    budget = scenario.budget.crt_fte if fte_budget is None else fte_budget
    problem = ShiftProblem(
        tuple(arrivals), busy_h, budget_fte=budget, objective=objective,  # type: ignore[arg-type]
        served_share_target=scenario.budget.served_share_target,
    )  # fmt: skip
    result = plan_shifts(
        problem, config=scenario.shifts, unit=crt, solver=solver_config_for_shifts(scenario)
    )
    # Calls served (Erlang B) until the spatial reached-per-hour table is wired in here.
    values = erlang_b_hour_values(arrivals, busy_h, scenario=scenario)
    answer = hours_answer(values, scenario=scenario, fte_curve_method=fte_curve_method)
    tables = schedule_tables(result, arrivals, busy_h)
    command = command_line()
    new_plan = plan.with_changes(
        command=command,
        shifts=result.shifts,
        teams_on_duty=result.teams_on_duty,
        hours=daily_hours(result.teams_on_duty),
        predicted=dict(plan.predicted)
        | {
            "expected_served_per_year": result.expected_served_per_year,
            "expected_served_share_of_area": result.served_share,
            "area_calls_per_year": result.arrivals_per_year,
            "fte": result.fte,
            "team_hours_per_week": float(result.team_hours_per_week),
            "cost_per_year_usd": result.cost_per_year_usd,
            "shift_plan_gap": result.gap,
            "busy_time_h": busy_h,
        },
    )
    info = run_info(
        scenario,
        command=command,
        data_files=data_files,
        extra={
            "input_plan": str(plan_path),
            "arrivals_source": arrivals_source,
            "mean_drive_s": drive_s,
            "mean_drive_source": drive_source,
            "busy_time_h": busy_h,
            "fte_budget": budget,
            "shift_plan": result.to_dict() | {"expected_served_per_hour": None},
            "calls_quality": None if calls is None else calls_quality_record(calls),
        },
    )
    with staged(Path(out_dir), OUTPUT_FILES) as stage:
        write_csv(stage / "schedule.csv", tables["schedule"])
        write_csv(stage / "teams_on_duty.csv", tables["teams_on_duty"])
        write_csv(stage / "hours_curve.csv", answer.curve)
        write_csv(stage / "fte_curve.csv", answer.fte_curve)
        write_csv(stage / "overnight_marginal.csv", answer.overnight)
        write_json(
            stage / "hours_answer.json",
            {
                "fte_24_7": answer.to_24_7.to_dict(),
                "best_12h": answer.best_window.to_dict(),
                "busy_time_h": busy_h,
            },
        )
        write_plan(stage / "plan.json", new_plan)
        if calls is not None:
            write_calls_quality(stage, calls)
        write_run_info(stage, info)
    click.echo(result.summary())
    full = answer.to_24_7
    click.echo(
        f"24/7 at {full.share_target:.0%} {full.measure} per hour: "
        f"{full.full.fte:.1f} FTE vs {full.baseline.fte:.1f} FTE for the "
        f"baseline window (+{full.added_fte:.1f} FTE, +${full.added_cost_per_year_usd:,.0f}/yr)"
    )
    best = answer.best_window
    click.echo(
        f"best {best.window_h}-h window {best.best_start_hour:02d}:00-"
        f"{best.best_end_hour:02d}:00: {best.best_calls_per_year:,.0f} calls/yr vs "
        f"{best.baseline_calls_per_year:,.0f} for {best.baseline_start_hour:02d}:00-"
        f"{best.baseline_end_hour:02d}:00"
    )
    click.echo(f"outputs: {out_dir}")
