"""The citywide answers in calls *reached*: the hypercube table of an area at its post sets,
the curve of citywide share against teams on duty, what the reached target would take and
the 24/7 answer.  Used by ``run`` and ``expand`` alike.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from heart_plan.errors import InfeasibleError
from heart_plan.plan import daily_window_on_duty
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.context import PlanningContext
from heart_plan.planning.hour_values import area_hour_values
from heart_plan.planning.posts import PostSet, set_measures
from heart_plan.planning.results import Staffing, TargetAnswer
from heart_plan.staffing.hour_values import HourValues
from heart_plan.staffing.hours import HoursAnswer, hours_answer
from heart_plan.staffing.pay import pay_of_cover
from heart_plan.staffing.shifts import (
    ShiftProblem,
    fte_of_team_hours,
    plan_shifts,
    solver_config_for_shifts,
)


def area_values(ctx: PlanningContext, area: AreaDemand, sets: dict[int, PostSet]) -> HourValues:
    """Calls reached and served per year in each hour of week with ``k = 0..K`` teams on
    duty, each ``k`` at the area's post set for ``k`` teams (the hypercube,
    :func:`heart_plan.planning.hour_values.area_hour_values`).
    """
    sites = list(dict.fromkeys(site for ps in sets.values() for site in ps.sites))
    column = {site: j for j, site in enumerate(sites)}
    posts = {k: tuple(column[site] for site in ps.sites) for k, ps in sets.items()}
    return area_hour_values(ctx, area.beats, sites, lambda _band, k: posts[k], max(sets))


def reached_curve(
    ctx: PlanningContext, sets: dict[int, PostSet], values: HourValues
) -> pd.DataFrame:
    """Citywide shares against teams on duty, the same ``k`` teams in every hour at the
    citywide post set for ``k``: ``reached_share`` / ``served_share`` (the hypercube, busy
    teams and all; of citywide eligible calls per year), ``covered_share`` (a post within
    the standard, busy teams ignored), ``nearest_post_drive_time_s`` and the search band's
    ``mean_drive_time_s`` of dispatched teams.
    """
    city = ctx.area()
    rows = []
    for k, ps in sets.items():
        spatial = set_measures(city, ps)
        rows.append(
            {
                "teams": k,
                "reached_share": float(values.reached_per_year[:, k].sum()) / ctx.calls_per_year,
                "served_share": float(values.served_per_year[:, k].sum()) / ctx.calls_per_year,
                "covered_share": spatial["covered_share_of_city"],
                "nearest_post_drive_time_s": spatial["nearest_post_drive_time_s"],
                "mean_drive_time_s": ps.mean_drive_time_s,
            }
        )
    return pd.DataFrame(rows)


def _staffing(ctx: PlanningContext, values: HourValues, teams_on_duty) -> Staffing:
    """The size and expected shares of a citywide schedule (cost: the pay of the cover with
    night and weekend differentials and relief, :func:`heart_plan.staffing.pay.pay_of_cover`).
    """
    crt = ctx.scenario.crt
    teams = np.asarray(teams_on_duty, dtype=np.int64)
    reached, served = values.at(teams)
    team_hours = int(teams.sum())
    return Staffing(
        peak_teams=int(teams.max()),
        team_hours_per_week=team_hours,
        fte=fte_of_team_hours(team_hours, crt),
        cost_per_year_usd=pay_of_cover(teams, ctx.scenario.roster, crt).total_usd,
        reached_share=reached / ctx.calls_per_year,
        served_share=served / ctx.calls_per_year,
    )


def target_would_take(ctx: PlanningContext, values: HourValues, target: float) -> TargetAnswer:
    """What ``target`` of citywide calls *reached* would take (:class:`TargetAnswer`).

    The cheapest schedule is the shift planner's ``min_fte`` objective on the citywide
    reached table (no FTE budget); the share is of the citywide calls in the table.
    """
    s = ctx.scenario
    K = values.max_teams
    total = ctx.calls_per_year
    around = None
    for k in range(1, K + 1):
        if values.reached_per_year[:, k].sum() >= target * total:
            around = _staffing(ctx, values, [k] * 168)
            break
    cheapest = None
    try:
        problem = ShiftProblem(
            tuple(values.arrivals_per_year), 1.0, budget_fte=None, objective="min_fte",
            reached_share_target=target, reached_per_year_by_how_teams=values.reached_per_year,
            served_per_year_by_how_teams=values.served_per_year,
        )  # fmt: skip
        config = replace(s.shifts, max_teams_per_hour=K)  # the table's team counts
        shift = plan_shifts(problem, config=config, unit=s.crt, solver=solver_config_for_shifts(s))
        cheapest = _staffing(ctx, values, shift.teams_on_duty)
    except InfeasibleError:
        cheapest = None
    base = s.baseline
    window = np.zeros(168, dtype=np.int64)
    window[np.asarray(daily_window_on_duty(base.hours_start, base.hours_end, 1)) > 0] = K
    return TargetAnswer(
        target=target,
        max_teams=K,
        around_the_clock=around,
        cheapest=cheapest,
        max_reached_share=float(values.reached_per_year[:, K].sum()) / total,
        baseline_window_max_reached_share=values.at(window)[0] / total,
    )


def citywide_hours(ctx: PlanningContext, values: HourValues) -> HoursAnswer:
    """The 24/7 answer over the citywide area (Durham's situation since Oct 2023), in calls
    reached (``values``: the citywide hypercube table).
    """
    return hours_answer(values, scenario=ctx.scenario)
