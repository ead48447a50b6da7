"""What ``heart-plan shifts`` plans against when it has the planning context: the plan
area's arrivals from the context, the queue-aware reached / served tables at the plan's
posts (:func:`heart_plan.planning.hour_values.plan_hour_values`), and the new plan with the
evaluator's measures of its schedule.  The file-only helpers (arrivals CSV, window,
tables) are in :mod:`heart_plan.staffing.plan_inputs`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.errors import DataError, PlanError
from heart_plan.plan import Plan
from heart_plan.planning.context import PlanningContext, build_context
from heart_plan.planning.evaluate import evaluate_plan
from heart_plan.planning.hour_values import plan_hour_values
from heart_plan.staffing.hour_values import HourValues
from heart_plan.staffing.plan_inputs import (
    PlanWindow,
    daily_hours,
    plan_arrivals,
    without_evaluator_measures,
)
from heart_plan.staffing.shifts import ShiftPlanResult


def context_arrivals(
    plan: Plan, ctx: PlanningContext, plan_path: Path
) -> tuple[np.ndarray, dict[str, Path], str, pd.DataFrame]:
    """Annual eligible calls per hour-of-week bin for the plan's area from the planning
    context (the same demand as :func:`plan_arrivals`), the data files, source and calls.
    """
    if not plan.service_area_beats:
        raise DataError("plan has no service_area_beats; the shift plan needs a service area")
    plan.check_against(source=str(plan_path), city_beats=list(ctx.city_beats))
    arr = ctx.arrivals_by_hour(plan.service_area_beats)
    source = f"demand of {len(plan.service_area_beats)} beats"
    return np.asarray(arr, dtype=float), dict(ctx.inputs.paths), source, ctx.inputs.calls


@dataclass(frozen=True, eq=False)
class ShiftDemand:
    """What ``heart-plan shifts`` plans against: arrivals, the optional queue-aware tables,
    the objective and where each came from.

    ``ctx`` is the planning context when it was built (plans with posts, no
    ``--arrivals``), else None; ``hour_values`` the reached / served tables
    (:class:`heart_plan.staffing.hour_values.HourValues`) or None (Erlang B).
    """

    arrivals: np.ndarray
    data_files: dict[str, Path]
    arrivals_source: str
    calls: pd.DataFrame | None
    objective: str
    objective_source: str
    ctx: PlanningContext | None = None
    hour_values: HourValues | None = None
    hour_values_record: dict[str, Any] | None = None


def shift_demand(
    plan: Plan,
    scenario: Scenario,
    mirror: Path | None,
    arrivals_path: Path | None,
    plan_path: Path,
    objective: str | None,
    window: PlanWindow,
) -> ShiftDemand:
    """Arrivals, tables and objective for the shift planner (module ``commands.shifts``).

    * ``--arrivals FILE``: Erlang B, default ``max_served`` (``max_reached`` is refused by
      the command before this is called);
    * a plan without posts: the demand from the mirror, Erlang B, default ``max_served``
      (``max_reached`` is a ``PlanError``);
    * otherwise: the planning context and the queue-aware tables at the plan's posts for
      the hours of ``window`` (:func:`heart_plan.planning.hour_values.plan_hour_values`,
      ``K = [shifts] max_teams_per_hour``), default ``max_reached``.
    """
    if arrivals_path is not None or not plan.posts:
        why = (
            "--arrivals: no spatial data" if arrivals_path is not None else "the plan has no posts"
        )
        if objective == "max_reached":
            raise PlanError(
                "plan has no posts, so --objective max_reached cannot predict calls reached; "
                "place posts first (heart-plan place) or use --objective max_served"
            )
        chosen = objective or "max_served"
        arr, files, source, calls = plan_arrivals(plan, scenario, mirror, arrivals_path, plan_path)
        what = "fewest FTE for the served-share target" if chosen == "min_fte" else "calls served"
        return ShiftDemand(
            arr, files, source, calls, chosen,
            f"{what}, Erlang B ({why}; calls reached are not predicted)",
        )  # fmt: skip
    ctx = build_context(scenario, mirror)
    arr, files, source, calls = context_arrivals(plan, ctx, plan_path)
    t0 = time.perf_counter()
    hv = plan_hour_values(ctx, plan, scenario.shifts.max_teams_per_hour, hours=window.hours_mask())
    record = hv.summary() | {"seconds": round(time.perf_counter() - t0, 2)}
    chosen = objective or "max_reached"
    what = {
        "max_reached": "calls reached within the standard",
        "max_served": "calls served",
        "min_fte": (
            f"fewest FTE for {scenario.budget.target_reached_share:.0%} of the area's calls reached"
        ),
    }[chosen]
    levels = f", {hv.levels} load levels per band" if hv.levels else ""
    return ShiftDemand(
        arr, files, source, calls, chosen,
        f"{what}, queue-aware evaluator at the plan's {len(plan.posts)} posts "
        f"({hv.method}{levels})",
        ctx=ctx, hour_values=hv, hour_values_record=record,
    )  # fmt: skip


def shifted_plan(
    plan: Plan, result: ShiftPlanResult, demand: ShiftDemand, *, busy_h: float, command: str
) -> Plan:
    """The NEW plan: ``plan`` with the solved shifts, teams on duty and daily hours.

    ``predicted`` keeps the input plan's measures except the evaluator's (stale for a new
    schedule: :data:`EVALUATOR_KEYS`), adds the shift planner's (``expected_served_*``,
    ``expected_reached_*`` with a reached table, FTE, cost, gap, busy time) and, when the
    planning context was built, the evaluator's measures of the new schedule
    (:func:`heart_plan.planning.evaluate.evaluate_plan`: ``reached_share``,
    ``served_share`` of citywide calls, ``mean_drive_time_s``, ...).
    """
    staffing: dict[str, Any] = {
        "expected_served_per_year": result.expected_served_per_year,
        "expected_served_share_of_area": result.served_share,
        "area_calls_per_year": result.arrivals_per_year,
        "fte": result.fte,
        "team_hours_per_week": float(result.team_hours_per_week),
        "cost_per_year_usd": result.cost_per_year_usd,
        "shift_plan_gap": result.gap,
        "busy_time_h": busy_h,
    }
    if demand.hour_values is not None:
        staffing |= {
            "expected_reached_per_year": result.expected_reached_per_year,
            "expected_reached_share_of_area": result.reached_share,
        }
    new_plan = plan.with_changes(
        command=command,
        shifts=result.shifts,
        teams_on_duty=result.teams_on_duty,
        hours=daily_hours(result.teams_on_duty),
        predicted=without_evaluator_measures(dict(plan.predicted)) | staffing,
    ).with_post_sets_up_to()  # a post set for every new team count (prefix of the largest)
    if demand.ctx is None or demand.hour_values is None:
        return new_plan
    _week, evaluated = evaluate_plan(demand.ctx, new_plan)
    return new_plan.with_changes(predicted=dict(new_plan.predicted) | evaluated)
