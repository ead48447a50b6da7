"""The recommended plan's hours from the roster: named crews on a repeating pattern
(:mod:`heart_plan.staffing.roster`) maximize calls reached within the FTE budget, and the
roster's weekly cover becomes the plan's ``teams_on_duty`` (each hour staffs the area's
post set for its team count).
"""

from __future__ import annotations

from dataclasses import dataclass

from heart_plan.plan import Plan
from heart_plan.planning.context import PlanningContext
from heart_plan.planning.hour_values import HourValues
from heart_plan.planning.posts import PostSearches, PostSet, plan_of_sets, set_measures
from heart_plan.staffing.roster import RosterProblem, RosterResult, roster_for_scenario, week_shifts


@dataclass(frozen=True, eq=False)
class RosteredPlan:
    """A plan whose hours come from a roster, its post sets in use and the roster."""

    plan: Plan
    post_sets: dict[int, PostSet]
    roster: RosterResult


def rostered_plan(
    ctx: PlanningContext, searches: PostSearches, plan: Plan, values: HourValues, *, command: str
) -> RosteredPlan:
    """Re-choose ``plan``'s hours with the roster (``max_reached`` within ``[budget]
    crt_fte``, FTE = crews x crew x relief) at its area's post sets; ``values``: the calls
    reached by hour and team count at those sets (``area_values``, as computed for the
    candidate area's shift plan).
    """
    s = ctx.scenario
    K = s.shifts.max_teams_per_hour
    area = ctx.area(plan.service_area_beats)
    sets = searches.sets(area, K)
    problem = RosterProblem(
        "max_reached", reached_per_year_by_how_teams=values.reached_per_year,
        budget_fte=s.budget.crt_fte, max_teams_per_hour=K,
    )  # fmt: skip
    roster = roster_for_scenario(problem, s)
    teams = max(roster.teams_on_duty)
    predicted = set_measures(area, sets[teams]) | {"fte": roster.fte}
    new = plan_of_sets(
        s, area, sets, roster.teams_on_duty, command=command, shifts=week_shifts(roster),
        predicted=predicted,
    )  # fmt: skip
    used = {int(t) for t in roster.teams_on_duty if t > 0}
    return RosteredPlan(new, {k: v for k, v in sets.items() if k in used}, roster)
