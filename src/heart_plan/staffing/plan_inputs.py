"""What the shift planner needs from a plan file, and the tables it writes.

``plan_arrivals`` (the plan area's eligible arrivals per hour of week, from the demand or a
CSV; from the planning context: :mod:`heart_plan.planning.shift_inputs`), ``plan_window`` (the plan's daily operating window as allowed hours of day),
``plan_mean_drive`` (the drive time behind the busy time), ``schedule_tables``,
``daily_hours`` (the plan's ``hours`` when every day has one window) and
``without_evaluator_measures`` (drop a plan's stale queue-aware ``predicted`` measures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.demand import build_demand
from heart_plan.errors import DataError, PlanError
from heart_plan.loaders import load_inputs
from heart_plan.plan import Plan, Shift, window_length_h
from heart_plan.staffing.erlang import served_share
from heart_plan.staffing.hours import window_mask
from heart_plan.staffing.shifts import DAY_NAMES, ShiftPlanResult
from heart_plan.staffing.workload import arrivals_by_how_for_area, offered_load_by_hour

#: ``predicted`` keys of the queue-aware evaluator (``WeekEvaluation.predicted``): they
#: describe one ``teams_on_duty`` and are stale once the schedule changes.
EVALUATOR_KEYS = (
    "reached_share",
    "served_share",
    "mean_drive_time_s",
    "reached_calls_per_year",
    "served_calls_per_year",
    "reached_share_of_area",
    "served_share_of_area",
    "reached_share_in_scope",
    "served_share_in_scope",
)


@dataclass(frozen=True)
class PlanWindow:
    """The hours of day shifts may use, and where that came from.

    ``allowed_hours_of_day`` is None for any hour; ``source`` is ``plan``, ``--any-hour``
    or ``none`` (the plan has no daily window, or it is 24 hours).
    """

    allowed_hours_of_day: tuple[int, ...] | None
    source: str
    description: str

    def hours_mask(self) -> tuple[bool, ...]:
        """168 booleans: the hour-of-week bins inside the window."""
        allowed = set(range(24) if self.allowed_hours_of_day is None else self.allowed_hours_of_day)
        return tuple(h % 24 in allowed for h in range(HOURS_PER_WEEK))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record for ``run_info.json``."""
        hours = self.allowed_hours_of_day
        return {
            "allowed_hours_of_day": None if hours is None else list(hours),
            "source": self.source,
            "description": self.description,
        }


def plan_window(plan: Plan, any_hour: bool) -> PlanWindow:
    """The operating window of ``plan`` (``hours = {daily_start, daily_end}``), or any hour.

    ``any_hour`` (``--any-hour``) ignores the plan's window.  A window may cross midnight
    (``19 -> 7``); one of the two keys alone is a ``PlanError``.
    """
    if any_hour:
        return PlanWindow(None, "--any-hour", "any hour of day (--any-hour)")
    hours = plan.hours
    if not hours:
        return PlanWindow(None, "none", "any hour of day (the plan has no daily hours)")
    if set(hours) != {"daily_start", "daily_end"}:
        raise PlanError(
            f"plan hours {dict(hours)} needs both daily_start and daily_end; fix the plan "
            f"or pass --any-hour"
        )
    start, end = int(hours["daily_start"]) % 24, int(hours["daily_end"])
    length = window_length_h(start, end)
    if length == 24:
        return PlanWindow(None, "none", "any hour of day (the plan's hours are 24 h a day)")
    allowed = tuple(sorted((start + i) % 24 for i in range(length)))
    return PlanWindow(
        allowed,
        "plan",
        f"{start:02d}:00-{end % 24:02d}:00 every day (the plan's hours; --any-hour widens it)",
    )


def without_evaluator_measures(predicted: dict[str, Any]) -> dict[str, Any]:
    """``predicted`` without the queue-aware evaluator's measures (:data:`EVALUATOR_KEYS`)."""
    return {k: v for k, v in predicted.items() if k not in EVALUATOR_KEYS}


def plan_arrivals(
    plan: Plan,
    scenario: Scenario,
    mirror: Path | None,
    arrivals_path: Path | None,
    plan_path: Path,
) -> tuple[np.ndarray, dict[str, Path], str, pd.DataFrame | None]:
    """Annual eligible calls per hour-of-week bin for the plan's area (or the CSV of
    ``--arrivals``), the data files used, and the source.
    """
    if arrivals_path is not None:
        try:
            frame = pd.read_csv(arrivals_path)
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataError(f"{arrivals_path}: not a readable CSV ({exc})") from None
        if not {"hour_of_week", "calls_per_year"} <= set(frame.columns) or len(frame) != 168:
            raise DataError(
                f"{arrivals_path}: expected 168 rows with columns hour_of_week, calls_per_year "
                f"(e.g. hour_of_week.csv of heart-plan demand)"
            )
        frame = frame.sort_values("hour_of_week")
        if list(frame["hour_of_week"]) != list(range(168)):
            raise DataError(f"{arrivals_path}: hour_of_week must be 0..167, each once")
        arr = pd.to_numeric(frame["calls_per_year"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise DataError(f"{arrivals_path}: calls_per_year must be numbers >= 0 in every row")
        return arr, {"arrivals": arrivals_path}, f"file {arrivals_path}", None
    if not plan.service_area_beats:
        raise DataError("plan has no service_area_beats; the shift plan needs a service area")
    inputs = load_inputs(scenario, mirror)
    demand = build_demand(inputs, scenario)
    plan.check_against(source=str(plan_path), city_beats=demand.beats["beat_id"].astype(str))
    calls = demand.beats.set_index("beat_id")["eligible_calls_per_year"]
    arr = arrivals_by_how_for_area(calls, demand.beat_hour_share, plan.service_area_beats)
    source = f"demand of {len(plan.service_area_beats)} beats"
    return np.asarray(arr), dict(inputs.paths), source, inputs.calls


def plan_mean_drive(
    plan: Plan, scenario: Scenario, mean_drive_s: float | None
) -> tuple[float, str]:
    """Mean drive per call (s) for busy times, and its source: ``--mean-drive-s`` > the
    plan's ``predicted.mean_drive_time_s`` > ``[units.crt] default_mean_drive_s``.
    """
    if mean_drive_s is not None:
        return float(mean_drive_s), "--mean-drive-s"
    value = plan.predicted.get("mean_drive_time_s")
    if value is not None:
        return float(value), "plan predicted.mean_drive_time_s"
    return float(scenario.crt.default_mean_drive_s), "[units.crt] default_mean_drive_s"


def shift_table(shifts: Sequence[Shift]) -> pd.DataFrame:
    """One row per shift start: ``day`` (0 = Monday), ``day_name``, ``start_hour``,
    ``end_hour``, ``length_h``, ``teams``, ``crosses_midnight`` (``shifts.csv``).
    """
    return pd.DataFrame(
        [
            {
                "day": s.day,
                "day_name": DAY_NAMES[s.day],
                "start_hour": s.start_hour,
                "end_hour": (s.start_hour + s.length_h) % 24,
                "length_h": s.length_h,
                "teams": s.teams,
                "crosses_midnight": s.start_hour + s.length_h > 24,
            }
            for s in shifts
        ],
        columns=[
            "day",
            "day_name",
            "start_hour",
            "end_hour",
            "length_h",
            "teams",
            "crosses_midnight",
        ],
    )


def schedule_tables(
    result: ShiftPlanResult, arrivals: np.ndarray, busy_h: float
) -> dict[str, pd.DataFrame]:
    """``schedule`` (one row per shift start) and ``teams_on_duty`` (one row per hour of
    week with arrivals, offered load, served share and expected served, from the served
    table when the result used one, else Erlang B, and expected reached: empty without a
    reached table).
    """
    schedule = shift_table(result.shifts)
    load = offered_load_by_hour(arrivals, busy_h)
    teams = np.asarray(result.teams_on_duty)
    served = np.asarray(result.expected_served_per_hour)
    share = served_share(teams, load)
    if result.served_source == "table":
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(arrivals > 0, served / arrivals, share)
    reached = result.expected_reached_per_hour
    how = np.arange(168)
    on_duty = pd.DataFrame(
        {
            "hour_of_week": how,
            "day": how // 24,
            "hour": how % 24,
            "teams": teams,
            "arrivals_per_year": arrivals,
            "offered_load_erlangs": load,
            "served_share": share,
            "expected_served_per_year": served,
            "expected_reached_per_year": (
                np.full(168, np.nan) if reached is None else np.asarray(reached)
            ),
        }
    )
    return {"schedule": schedule, "teams_on_duty": on_duty}


def daily_hours(teams_on_duty: tuple[int, ...]) -> dict[str, int]:
    """``{"daily_start", "daily_end"}`` when every day is staffed in the same single window."""
    on = [t > 0 for t in teams_on_duty]
    if all(on):
        return {"daily_start": 0, "daily_end": 24}
    day0 = {h for h in range(24) if on[h]}
    if not day0:
        return {}
    for start in range(24):
        for length in range(1, 24):
            mask = window_mask(start, length)
            if list(mask) == on:
                return {"daily_start": start, "daily_end": (start + length) % 24 or 24}
    return {}
