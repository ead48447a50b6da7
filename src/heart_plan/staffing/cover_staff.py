"""FTE and cost of a unit's weekly cover by the roster convention (issue 15/16).

:func:`staff_cover` rosters named crews for the cover (``staffing.roster`` ``min_cost``:
the least-cost roster whose every hour has at least the required teams or staff on duty;
days off, rest and weekly caps from ``[roster]``), so FTE = crews x crew size x relief
factor and the cost is the roster's pay with differentials (:mod:`heart_plan.staffing.
pay`), the convention of the CRT plan.  When no roster fits the cover (infeasible, or the
deterministic limit ends first) it falls back to position-hours x crew / productive hours
per FTE, priced by :func:`heart_plan.staffing.pay.cost_per_year_usd`, and ``basis``
says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import InfeasibleError, ModelError, SolverLimitError
from heart_plan.staffing.pay import cost_per_year_usd
from heart_plan.staffing.roster import RosterProblem, RosterResult, roster_for_scenario
from heart_plan.staffing.shifts import fte_of_team_hours


@dataclass(frozen=True, eq=False)
class CoverStaffing:
    """A cover's FTE and yearly cost (USD), how they were counted, and the roster."""

    fte: float
    cost_per_year_usd: float
    basis: str
    roster: RosterResult | None

    @property
    def teams_on_duty(self) -> tuple[int, ...] | None:
        """The roster's weekly cover (>= the required in every hour); None without one."""
        return None if self.roster is None else tuple(int(t) for t in self.roster.teams_on_duty)


def staff_cover(scenario: Scenario, name: str, cover: Sequence[int]) -> CoverStaffing:
    """Least-cost roster of unit ``name`` for ``cover`` (168 teams or staff on duty)."""
    required = tuple(int(c) for c in cover)
    if len(required) != HOURS_PER_WEEK or min(required) < 0:
        raise ModelError(f"staff_cover: units.{name} needs 168 values >= 0")
    unit = scenario.units[name]
    if not any(required):
        return CoverStaffing(0.0, 0.0, "nothing on duty", None)
    try:
        roster = roster_for_scenario(
            RosterProblem("min_cost", required_teams_by_how=required), scenario, unit_type=name
        )
    except (InfeasibleError, SolverLimitError) as exc:
        hours = float(sum(required))
        return CoverStaffing(
            fte_of_team_hours(hours, unit), cost_per_year_usd(required, unit, scenario.roster),
            f"no roster fits the cover ({exc}); FTE = position-hours x crew / productive hours",
            None,
        )  # fmt: skip
    return CoverStaffing(
        roster.fte, roster.cost_per_year_usd,
        f"least-cost roster: {len(roster.crews)} crews, FTE = crews x crew x relief "
        f"{scenario.roster.relief_factor:g}", roster,
    )  # fmt: skip
