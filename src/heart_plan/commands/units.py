"""``heart-plan units``: all four HEART units (CRT, CoR, CCD, CN) for one week, citywide.

Per unit: hours, teams or staff, FTE, cost, eligible and handled calls (``units.csv``,
with an ``all`` row: the budget view); the CCD staffing curve (clinicians vs service
level), the 911 answer-time effect of CCD's added call-taker time, the CN workload and
navigators; and every ASSUMPTION each output depends on (``assumptions.csv``).  Field
units are counted as *served* (loss models with overflow, no drive times): reached needs
the queue-aware evaluator / simulator, not wired to CoR yet (see
:mod:`heart_plan.staffing.units_view`).

The eligible calls per nature and hour of week come from the calibrated demand (the
mirror), or from ``--arrivals FILE`` (the ``arrivals_by_nature.csv`` this command writes).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from heart_plan.commands._common import (
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
)

if TYPE_CHECKING:
    import numpy as np

    from heart_plan.config import Scenario
    from heart_plan.staffing.units_view import UnitsView

OUTPUT_FILES = (
    "units.csv",
    "units_field_hours.csv",
    "ccd_staffing_curve.csv",
    "ccd_hours.csv",
    "ccd_911_effect.csv",
    "ccd_911_hours.csv",
    "cn_staff.csv",
    "cn_by_day.csv",
    "assumptions.csv",
    "arrivals_by_nature.csv",
    "units_summary.json",
    "run_info.json",
)
#: Added call-taker seconds per CCD call compared in ``ccd_911_effect.csv`` (sensitivity).
ADDED_CALLTAKER_S = (0.0, 15.0, 30.0, 60.0, 120.0, 180.0)
#: Call-takers per hour added to ``[call_center] calltakers_by_hour`` in that sensitivity
#: (at least 1 on duty): how the effect grows when the center is short-staffed.
CALLTAKER_OFFSETS = (0, -1, -2)


@click.command(
    "units",
    epilog="\b\nExamples:\n  heart-plan units                       # -> outputs/durham/units\n"
    "  heart-plan units --set units.cor.teams=3 --out outputs/cor3\n",
)
@scenario_option
@out_option("outputs/durham/units")
@mirror_option
@click.option(
    "--arrivals",
    "arrivals_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="CSV with hour_of_week and calls_per_year__<NATURE> columns (168 rows; e.g. the "
    "arrivals_by_nature.csv of an earlier run) instead of building the demand.",
)
def units(
    scenario_path: Path | None, out_dir: Path, mirror: Path | None, arrivals_path: Path | None
) -> None:
    """Per-unit hours, staff, FTE, cost; CCD staffing curve and 911 effect; CN staff."""
    import dataclasses

    import pandas as pd

    from heart_plan.atomic import write_csv, write_json
    from heart_plan.config import load_scenario
    from heart_plan.runinfo import run_info, write_run_info
    from heart_plan.staffing.ccd import calltaker_effect
    from heart_plan.staffing.units_view import arrivals_table, units_view

    scenario = load_scenario(scenario_path)
    if arrivals_path is not None:
        arrivals = _read_arrivals(arrivals_path, scenario.eligibility.natures)
        data_files: dict[str, Path] = {"arrivals": arrivals_path}
        source = f"file {arrivals_path}"
    else:
        arrivals, data_files = _demand_arrivals(scenario, mirror)
        source = "calibrated demand (citywide)"
    click.echo(f"eligible calls by nature and hour of week: {source}")
    view = units_view(arrivals, scenario)
    tables: dict[str, pd.DataFrame] = {
        "units.csv": view.table(),
        "units_field_hours.csv": view.field_hours,
        "assumptions.csv": view.assumptions(),
        "arrivals_by_nature.csv": arrivals_table(arrivals),
    }
    if view.ccd is not None and view.calltaker is not None and view.ccd_curve is not None:
        unit = scenario.units[view.ccd_unit]
        tables["ccd_staffing_curve.csv"] = view.ccd_curve
        tables["ccd_hours.csv"] = view.ccd.hours
        tables["ccd_911_hours.csv"] = view.calltaker.hours
        routed = view.ccd.hours["eligible_calls_per_year"].to_numpy() * view.ccd.hours[
            "on_duty"
        ].to_numpy(dtype=float)
        profile = sum(arrivals.values())
        rows = []
        center = scenario.call_center
        for offset in CALLTAKER_OFFSETS:
            takers = tuple(max(1, n + offset) for n in center.calltakers_by_hour)
            alt_center = dataclasses.replace(center, calltakers_by_hour=takers)
            for added in sorted({*ADDED_CALLTAKER_S, unit.phone.calltaker_added_s}):
                alt = dataclasses.replace(
                    unit, phone=dataclasses.replace(unit.phone, calltaker_added_s=added)
                )
                eff = calltaker_effect(alt_center, routed, profile, alt, unit_name=view.ccd_unit)
                for _, r in eff.summary_rows().iterrows():
                    rows.append(
                        {
                            "calltakers_offset": offset,
                            "calltaker_added_s_per_ccd_call": added,
                            "scenario_value": offset == 0 and added == unit.phone.calltaker_added_s,
                            "added_calltaker_s_per_911_call": eff.added_calltaker_s_per_911_call,
                            **r.to_dict(),
                        }
                    )
        tables["ccd_911_effect.csv"] = pd.DataFrame(rows)
    if view.cn is not None:
        cn = view.cn
        cn_row = next(r for r in view.rows if r.unit == view.cn_unit)
        tables["cn_staff.csv"] = pd.DataFrame(
            [
                {
                    "unit": view.cn_unit,
                    "follow_ups_per_year": cn.follow_ups_per_year,
                    "workload_h_per_week": cn.workload_h_per_week,
                    "navigators_on_duty": cn.navigators_on_duty,
                    "navigator_hours_per_week": cn.navigator_hours_per_week,
                    "fte": cn_row.fte,
                    "cost_per_year_usd": cn_row.cost_per_year_usd,
                    "fte_basis": cn_row.fte_basis,
                    "deadline_h": cn.deadline_h,
                    "deadline_met": cn.check.deadline_met,
                    "on_time_share": cn.check.on_time_share,
                    "worst_completion_h": cn.check.worst_completion_h,
                }
            ]
        )
        tables["cn_by_day.csv"] = pd.DataFrame(cn.by_day())
    summary = _summary(view)
    info = run_info(
        scenario,
        command=command_line(),
        data_files=data_files,
        extra={"arrivals_source": source, "units_summary": summary},
    )
    with staged(Path(out_dir), OUTPUT_FILES) as stage:
        for name, frame in tables.items():
            write_csv(stage / name, frame.round(6 if name.startswith("ccd_911") else 4))
        write_json(stage / "units_summary.json", summary)
        write_run_info(stage, info)
    for line in _summary_lines(view):
        click.echo(line)
    click.echo(f"outputs: {out_dir}")


def _summary(view: UnitsView) -> dict[str, Any]:
    from heart_plan.staffing.unit_reference import PUBLISHED

    out: dict[str, Any] = {
        "eligible_calls_per_year": view.eligible_calls_per_year,
        "served_share": view.served_share,
        "served_share_basis": "field units CRT + CoR, loss models with overflow (no drive "
        "times: not reached)",
        "resolved_by_phone_share": view.resolved_by_phone_share,
        "units": {
            r.unit: {
                "fte": r.fte,
                "cost_per_year_usd": r.cost_per_year_usd,
                "teams_or_staff": r.teams_or_staff,
                "hours": r.hours,
                "served_share_of_unit_eligible": r.served_share_of_unit_eligible,
                "reached_share_of_unit_eligible": r.reached_share_of_unit_eligible,
            }
            for r in view.rows
        },
        "total_fte": sum(r.fte for r in view.rows),
        "total_cost_per_year_usd": sum(r.cost_per_year_usd for r in view.rows),
    }
    if view.calltaker is not None:
        out["calltaker_effect"] = {
            "added_calltaker_s_per_911_call": view.calltaker.added_calltaker_s_per_911_call,
            "answered_within_s_before": {
                f"{t:g}": v for t, v in view.calltaker.within_share_before.items()
            },
            "answered_within_s_after": {
                f"{t:g}": v for t, v in view.calltaker.within_share_after.items()
            },
        }
    if view.cn is not None:
        out["cn_deadline_met"] = view.cn.check.deadline_met
    out["published_references"] = [
        {"unit": f.unit, "measure": f.measure, "text": f.text, "source": f.source}
        for f in PUBLISHED
    ]
    return out


def _summary_lines(view: UnitsView) -> list[str]:
    lines = [
        f"{r.unit:4s} {r.hours} {r.days}: {r.teams_or_staff} on duty ({r.teams_basis}), "
        f"{r.fte:.1f} FTE, ${r.cost_per_year_usd:,.0f}/yr"
        for r in view.rows
    ]
    lines.append(
        f"all units: {sum(r.fte for r in view.rows):.1f} FTE, "
        f"${sum(r.cost_per_year_usd for r in view.rows):,.0f}/yr; served_share (CRT+CoR, "
        f"no drive times) {view.served_share:.1%}, resolved_by_phone_share "
        f"{view.resolved_by_phone_share:.1%} (never added)"
    )
    if view.calltaker is not None:
        c = view.calltaker
        lines.append(
            f"911: +{c.added_calltaker_s_per_911_call:.2f} call-taker s per 911 call; answered "
            f"within 10 s {c.within_share_before[10.0]:.1%} -> {c.within_share_after[10.0]:.1%}, "
            f"within 15 s {c.within_share_before[15.0]:.1%} -> {c.within_share_after[15.0]:.1%}"
        )
        lines.append(
            "   Durham reference (published; a sanity check, not tuned to): 82% answered "
            "within 10 s against the standard of 90% within 15 s"
        )
    if view.cn is not None:
        met = "met" if view.cn.check.deadline_met else "NOT met"
        lines.append(
            f"CN: {view.cn.follow_ups_per_year:,.0f} follow-ups/yr, {view.cn.navigators_on_duty} "
            f"navigators on duty, {view.cn.deadline_h:g}-hour deadline {met}"
        )
    return lines


def _read_arrivals(path: Path, natures: tuple[str, ...]) -> dict[str, np.ndarray]:
    import numpy as np
    import pandas as pd

    from heart_plan.errors import DataError

    try:
        frame = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None
    prefix = "calls_per_year__"
    cols = [c for c in frame.columns if str(c).startswith(prefix)]
    if "hour_of_week" not in frame.columns or not cols or len(frame) != 168:
        raise DataError(
            f"{path}: expected 168 rows with hour_of_week and calls_per_year__<NATURE> columns "
            f"(e.g. arrivals_by_nature.csv of heart-plan units)"
        )
    frame = frame.sort_values("hour_of_week")
    if list(frame["hour_of_week"]) != list(range(168)):
        raise DataError(f"{path}: hour_of_week must be 0..167, each once")
    out = {}
    for c in cols:
        nature = str(c)[len(prefix) :]
        if nature not in natures:
            raise DataError(
                f"{path}: column {c!r}: {nature!r} is not in the scenario's eligibility.natures"
            )
        values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all() or (values < 0).any():
            raise DataError(f"{path}: column {c!r} must hold numbers >= 0 in every row")
        out[nature] = values
    return out


def _demand_arrivals(
    scenario: Scenario, mirror: Path | None
) -> tuple[dict[str, np.ndarray], dict[str, Path]]:
    from heart_plan.demand import build_demand
    from heart_plan.loaders import load_inputs
    from heart_plan.staffing.units_view import arrivals_by_nature_from_demand

    inputs = load_inputs(scenario, mirror)
    demand = build_demand(inputs, scenario)
    arrivals = arrivals_by_nature_from_demand(demand.beat_nature, demand.shapes)
    return arrivals, dict(inputs.paths)
