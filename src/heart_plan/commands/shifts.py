"""``heart-plan shifts``: a CP-SAT shift schedule for a plan, and the 24/7 answer.

Reads a ``plan.json``; computes the eligible arrivals per hour of week of the plan's
service area and the busy time per call (mean drive time: ``--mean-drive-s`` > the plan's
``predicted.mean_drive_time_s`` > ``[units.crt] default_mean_drive_s``); plans shifts within
the FTE budget; writes the schedule, curves and a NEW plan file in ``--out``.  The new plan
keeps the input's post sets; a team count the schedule needs that has none is staffed from
the band's largest set by the prefix rule (``Plan.with_post_sets_up_to``).

What the planner maximizes (``--objective``):

* without ``--arrivals``, for a plan with posts: the planning context is built and the
  queue-aware evaluator gives calls *reached* and served per hour of week for every team
  count at the plan's posts (:func:`heart_plan.planning.hour_values.plan_hour_values`);
  the default objective is ``max_reached`` (the headline measure), and the new plan's
  ``predicted`` gets the evaluator's ``reached_share`` / ``served_share`` (citywide) of the
  new schedule (:func:`heart_plan.planning.evaluate.evaluate_plan`);
* with ``--arrivals FILE`` (no spatial data), or a plan without posts: calls *served* by
  Erlang B (``max_served``), labelled so; the input plan's evaluator measures are dropped
  from ``predicted`` (they described the old schedule).

Operating window: when the plan has ``hours = {daily_start, daily_end}``, shifts stay
within those hours of day unless ``--any-hour`` is given (reported in the output and in
``run_info.json``).
"""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    FiniteFloat,
    command_line,
    load_command_scenario,
    mirror_option,
    out_option,
    output_dir,
    scenario_option,
    staged,
)

OUTPUT_FILES = (
    "shifts.csv",
    "teams_on_duty.csv",
    "hours_curve.csv",
    "hours_fte_curve.csv",
    "hours_overnight.csv",
    "hours_answer.json",
    "plan.json",
    "run_info.json",
    "calls_quality.csv",
    "README.txt",
)


ROSTER_FILES = ("roster.csv", "roster.json", "plan.json", "run_info.json")


@click.command(
    "shifts",
    epilog="\b\nExamples:\n  heart-plan shifts --plan outputs/durham/place/plan.json\n  heart-plan shifts --plan outputs/durham/plan_recommended.json --fte-budget 40\n  heart-plan shifts --plan plan.json --objective min_fte --any-hour\n",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Input plan.json (never modified); required unless --cover-from-plan.",
)
@click.option(
    "--cover-from-plan",
    "cover_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Least-cost roster (named crews, [roster] patterns, pay differentials) for the "
    "teams on duty of this plan.json; writes roster.csv, roster.json and a new plan.json.",
)
@scenario_option
@out_option("shifts")
@mirror_option
@click.option(
    "--fte-budget",
    type=FiniteFloat(min=0),
    default=None,
    help="CRT FTE budget, >= 0 (default: [budget] crt_fte).",
)
@click.option(
    "--objective",
    type=click.Choice(["max_reached", "max_served", "min_fte"]),
    default=None,
    help="max_reached: calls reached within the standard (queue-aware evaluator at the "
    "plan's posts; the default when the plan has posts and there is no --arrivals); "
    "max_served: calls served (Erlang B; the default with --arrivals or without posts); "
    "min_fte: fewest FTE for the reached-share target (served-share without posts).",
)
@click.option(
    "--any-hour",
    is_flag=True,
    default=False,
    help="Let shifts use any hour of day; by default they stay within the plan's daily "
    "hours (hours.daily_start-daily_end) when the plan has them.",
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
    help="How hours_fte_curve.csv is computed (planner: one CP-SAT solve per budget, slower).",
)
def shifts(
    plan_path: Path | None,
    cover_path: Path | None,
    scenario_path: Path | None,
    out_dir: Path | None,
    mirror: Path | None,
    fte_budget: float | None,
    objective: str | None,
    arrivals_path: Path | None,
    mean_drive_s: float | None,
    fte_curve_method: str,
    any_hour: bool,
) -> None:
    """Plan shifts for a plan and write the schedule, curves and a new plan.json.

    Shifts stay within the plan's daily hours unless --any-hour.  Without --arrivals the
    default objective is max_reached (calls reached, queue-aware, at the plan's posts).
    """
    from heart_plan.atomic import write_csv, write_json
    from heart_plan.commands._common import calls_quality_record, write_calls_quality
    from heart_plan.plan import read_plan, write_plan
    from heart_plan.planning.shift_inputs import shift_demand, shifted_plan
    from heart_plan.runinfo import run_info, write_run_info
    from heart_plan.staffing.hours import erlang_b_hour_values, hours_answer
    from heart_plan.staffing.plan_inputs import plan_mean_drive, plan_window, schedule_tables
    from heart_plan.staffing.shifts import ShiftProblem, plan_shifts, solver_config_for_shifts
    from heart_plan.staffing.workload import unit_busy_time_h

    if cover_path is not None:
        if plan_path is not None:
            raise click.UsageError("give --plan or --cover-from-plan, not both")
        _roster_for_cover(cover_path, scenario_path, out_dir)
        return
    if plan_path is None:
        raise click.UsageError("missing option --plan (or --cover-from-plan PLAN)")
    if objective == "max_reached" and arrivals_path is not None:
        from heart_plan.errors import ConfigError

        raise ConfigError(
            "--objective max_reached needs the spatial demand and the plan's posts; drop "
            "--arrivals, or use --objective max_served (Erlang B) with it"
        )
    scenario = load_command_scenario(scenario_path)
    out_dir = output_dir(out_dir, scenario, "shifts")
    out_plan = Path(out_dir) / "plan.json"
    if out_plan.resolve() == plan_path.resolve():
        raise click.UsageError(
            f"--out {out_dir} would overwrite the input plan {plan_path}; choose another --out"
        )
    plan = read_plan(plan_path)
    plan.check_against(
        source=str(plan_path), unit_types=scenario.units, bands=scenario.network.time_bands
    )
    if fte_budget is not None and fte_budget < 0:
        raise click.BadParameter("must be >= 0", param_hint="--fte-budget")
    if mean_drive_s is not None and mean_drive_s < 0:
        raise click.BadParameter("must be >= 0 seconds", param_hint="--mean-drive-s")
    window = plan_window(plan, any_hour)
    demand = shift_demand(plan, scenario, mirror, arrivals_path, plan_path, objective, window)
    arrivals = demand.arrivals
    drive_s, drive_source = plan_mean_drive(plan, scenario, mean_drive_s)
    crt = scenario.crt
    busy_h = unit_busy_time_h(crt, drive_s)
    budget = scenario.budget.crt_fte if fte_budget is None else fte_budget
    hv = demand.hour_values
    problem = ShiftProblem(
        tuple(arrivals), busy_h, budget_fte=budget, objective=demand.objective,  # type: ignore[arg-type]
        served_share_target=scenario.budget.served_share_target,
        reached_share_target=scenario.budget.target_reached_share,
        allowed_hours_of_day=window.allowed_hours_of_day,
        reached_per_year_by_how_teams=None if hv is None else hv.reached_per_year,
        served_per_year_by_how_teams=None if hv is None else hv.served_per_year,
    )  # fmt: skip
    result = plan_shifts(
        problem, config=scenario.shifts, unit=crt, solver=solver_config_for_shifts(scenario)
    )
    # The 24/7 answer in calls reached over the whole week at the plan's post sets (the
    # planner's table covers the allowed hours only); Erlang B served without spatial data.
    if demand.ctx is not None and hv is not None:
        from heart_plan.planning.hour_values import plan_hour_values

        values = plan_hour_values(demand.ctx, plan, scenario.shifts.max_teams_per_hour)
    else:
        values = erlang_b_hour_values(arrivals, busy_h, scenario=scenario)
    answer = hours_answer(values, scenario=scenario, fte_curve_method=fte_curve_method)
    tables = schedule_tables(result, arrivals, busy_h)
    command = command_line()
    new_plan = shifted_plan(plan, result, demand, busy_h=busy_h, command=command)
    info = run_info(
        scenario,
        command=command,
        data_files=demand.data_files,
        extra={
            "input_plan": str(plan_path),
            "arrivals_source": demand.arrivals_source,
            "objective": demand.objective,
            "objective_source": demand.objective_source,
            "hour_values": demand.hour_values_record,
            "operating_window": window.to_dict(),
            "mean_drive_s": drive_s,
            "mean_drive_source": drive_source,
            "busy_time_h": busy_h,
            "fte_budget": budget,
            "shift_plan": result.to_dict()
            | {"expected_served_per_hour": None, "expected_reached_per_hour": None},
            "calls_quality": None if demand.calls is None else calls_quality_record(demand.calls),
        },
    )
    with staged(Path(out_dir), OUTPUT_FILES) as stage:
        write_csv(stage / "shifts.csv", tables["schedule"])
        write_csv(stage / "teams_on_duty.csv", tables["teams_on_duty"])
        write_csv(stage / "hours_curve.csv", answer.curve)
        write_csv(stage / "hours_fte_curve.csv", answer.fte_curve)
        write_csv(stage / "hours_overnight.csv", answer.overnight)
        write_json(
            stage / "hours_answer.json",
            {
                "fte_24_7": answer.to_24_7.to_dict(),
                "best_12h": answer.best_window.to_dict(),
                "busy_time_h": busy_h,
            },
        )
        write_plan(stage / "plan.json", new_plan)
        if demand.calls is not None:
            write_calls_quality(stage, demand.calls)
        write_run_info(stage, info)
    click.echo(f"objective {demand.objective}: {demand.objective_source}")
    click.echo(f"operating window: {window.description}")
    click.echo(result.summary())
    if "reached_share" in new_plan.predicted:
        pred = new_plan.predicted
        click.echo(
            f"predicted (queue-aware evaluator, citywide): reached_share "
            f"{pred['reached_share']:.1%}, served_share {pred['served_share']:.1%}"
        )
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


def _roster_for_cover(
    cover_path: Path, scenario_path: Path | None, out_option_dir: Path | None
) -> None:
    """``--cover-from-plan``: the least-cost roster whose weekly cover is at least the
    plan's teams on duty in every hour (:func:`heart_plan.staffing.roster.plan_roster`,
    ``min_cost``), and a new plan with the roster's cover and shifts.
    """
    from heart_plan.atomic import write_csv, write_json
    from heart_plan.plan import read_plan, write_plan
    from heart_plan.runinfo import run_info, write_run_info
    from heart_plan.staffing.pay import pay_of_cover
    from heart_plan.staffing.plan_inputs import daily_hours, without_evaluator_measures
    from heart_plan.staffing.roster import RosterProblem, roster_for_scenario, week_shifts
    from heart_plan.staffing.shifts import fte_of_team_hours

    scenario = load_command_scenario(scenario_path)
    out_dir = output_dir(out_option_dir, scenario, "shifts")
    if (out_dir / "plan.json").resolve() == cover_path.resolve():
        raise click.UsageError(
            f"--out {out_dir} would overwrite the input plan {cover_path}; choose another --out"
        )
    plan = read_plan(cover_path)
    plan.check_against(
        source=str(cover_path), unit_types=scenario.units, bands=scenario.network.time_bands
    )
    K = max(scenario.shifts.max_teams_per_hour, max(plan.teams_on_duty))
    problem = RosterProblem(
        "min_cost", required_teams_by_how=plan.teams_on_duty, max_teams_per_hour=K
    )
    roster = roster_for_scenario(problem, scenario)
    crt = scenario.crt
    before = {
        "fte": fte_of_team_hours(plan.team_hours_per_week, crt),
        "cost_per_year_usd": pay_of_cover(plan.teams_on_duty, scenario.roster, crt).total_usd,
        "team_hours_per_week": plan.team_hours_per_week,
    }
    predicted = without_evaluator_measures(dict(plan.predicted)) | {
        "fte": roster.fte,
        "cost_per_year_usd": roster.cost_per_year_usd,
        "team_hours_per_week": float(roster.team_hours_per_week),
    }
    command = command_line()
    new_plan = plan.with_changes(
        command=command, shifts=week_shifts(roster), teams_on_duty=roster.teams_on_duty,
        hours=daily_hours(roster.teams_on_duty), predicted=predicted,
    ).with_post_sets_up_to()  # fmt: skip
    record = roster.to_dict() | {"input_plan": str(cover_path), "input_cover": before}
    info = run_info(scenario, command=command, data_files={}, extra={"roster": record})
    with staged(out_dir, ROSTER_FILES) as stage:
        write_csv(stage / "roster.csv", roster.rows())
        write_json(stage / "roster.json", record)
        write_plan(stage / "plan.json", new_plan)
        write_run_info(stage, info)
    click.echo(roster.summary())
    click.echo(
        f"input cover: {before['team_hours_per_week']} team-hours/week = {before['fte']:.1f} FTE "
        f"at {crt.productive_hours_per_fte:,.0f} h per FTE, ${before['cost_per_year_usd']:,.0f}"
        f"/year with differentials and relief"
    )
    click.echo(f"outputs: {out_dir}")
