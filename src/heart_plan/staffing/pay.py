"""FTE and pay from a roster: crews x crew size x relief factor, and pay per staffed hour
with night, weekend and overtime differentials (``[roster]``).

Formulation (USD per year; ``W = 52.143`` weeks per year, ``r`` = relief factor,
``c`` = crew size, ``p`` = ``[units.crt] cost_per_staff_hour_usd``):

* pay factor of hour-of-week bin ``h``: ``f[h] = 1 + night_differential [h mod 24 in
  night_hours] + weekend_differential [h on Saturday or Sunday]``;
* staffed pay of a cover ``n[h]`` (teams on duty): ``W c p sum_h f[h] n[h]``;
* overtime: a crew's hours above ``overtime_after_weekly_h`` in a calendar week are paid
  ``overtime_premium`` x ``p`` more per person (FLSA 1.5x after 40 h);
* relief: leave, sickness and training are paid time covered by relief staff, so every
  component is scaled by ``r`` (the relief component is the ``(r - 1)`` share);
* FTE = crews x ``c`` x ``r`` (CONVENTIONS.md).

Without a roster (a cover only, e.g. the 24/7 answer) overtime is zero: a roster within
``max_average_weekly_hours`` can staff it without overtime when the average is at most
``overtime_after_weekly_h`` (else the roster's cost is the one to quote).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK, RosterConfig, UnitConfig
from heart_plan.staffing.workload import WEEKS_PER_YEAR

WEEKEND_DAYS = (5, 6)


def pay_factor_by_how(roster: RosterConfig) -> NDArray[np.float64]:
    """``f[h]``: pay per staffed hour in bin ``h`` relative to the base rate (168 values)."""
    night = set(roster.night_hours)
    h = np.arange(HOURS_PER_WEEK)
    is_night = np.isin(h % 24, sorted(night))
    is_weekend = np.isin(h // 24, WEEKEND_DAYS)
    return 1.0 + roster.night_differential * is_night + roster.weekend_differential * is_weekend


@dataclass(frozen=True)
class PayBreakdown:
    """Cost per year (USD) by component; ``total_usd`` is their sum.

    ``base_usd`` = staffed hours at the base rate; ``night_usd`` / ``weekend_usd`` the
    differentials; ``overtime_usd`` the premium; ``relief_usd`` the relief factor's share
    of all of them; ``team_hours_per_week`` the staffed team-hours per week.
    """

    base_usd: float
    night_usd: float
    weekend_usd: float
    overtime_usd: float
    relief_usd: float
    team_hours_per_week: float

    @property
    def total_usd(self) -> float:
        """The yearly cost, every component included."""
        return (
            self.base_usd + self.night_usd + self.weekend_usd + self.overtime_usd + self.relief_usd
        )

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict with the total."""
        return asdict(self) | {"total_usd": self.total_usd}


def pay_of_cover(
    teams_on_duty: ArrayLike,
    roster: RosterConfig,
    unit: UnitConfig,
    *,
    overtime_hours_per_week: float = 0.0,
) -> PayBreakdown:
    """Yearly pay of a weekly cover (teams on duty per hour of week), differentials and
    relief included; ``overtime_hours_per_week`` is the crews' total hours above the
    overtime threshold per week (0 without a roster).
    """
    n = np.asarray(teams_on_duty, dtype=float).ravel()
    if n.size != HOURS_PER_WEEK:
        raise ValueError(f"teams_on_duty: need {HOURS_PER_WEEK} values, got {n.size}")
    h = np.arange(HOURS_PER_WEEK)
    per_hour = WEEKS_PER_YEAR * unit.crew_size * unit.cost_per_staff_hour_usd
    base = per_hour * float(n.sum())
    night = (
        per_hour * roster.night_differential * float(n[np.isin(h % 24, roster.night_hours)].sum())
    )
    weekend = (
        per_hour * roster.weekend_differential * float(n[np.isin(h // 24, WEEKEND_DAYS)].sum())
    )
    overtime = per_hour * roster.overtime_premium * float(overtime_hours_per_week)
    relief = (roster.relief_factor - 1.0) * (base + night + weekend + overtime)
    return PayBreakdown(base, night, weekend, overtime, relief, float(n.sum()))


def cost_per_year_usd(
    teams_on_duty: ArrayLike, unit: UnitConfig, roster: RosterConfig | None
) -> float:
    """The yearly cost of a weekly cover: :func:`pay_of_cover` with ``roster``'s
    differentials and relief; ``None`` (a caller without a scenario's ``[roster]``, e.g.
    the bare shift planner) prices staffed hours at the base rate only.  Every cost the
    project prints comes from here or :func:`pay_of_cover`.
    """
    if roster is None:
        n = np.asarray(teams_on_duty, dtype=float).ravel()
        return WEEKS_PER_YEAR * unit.crew_size * unit.cost_per_staff_hour_usd * float(n.sum())
    return pay_of_cover(teams_on_duty, roster, unit).total_usd


def fte_of_crews(crews: int, roster: RosterConfig, unit: UnitConfig) -> float:
    """FTE = crews x crew size x relief factor (CONVENTIONS.md)."""
    return crews * unit.crew_size * roster.relief_factor


def max_crews_within(budget_fte: float, roster: RosterConfig, unit: UnitConfig) -> int:
    """Most crews whose FTE fits ``budget_fte``."""
    return int(np.floor(budget_fte / (unit.crew_size * roster.relief_factor) + 1e-9))
