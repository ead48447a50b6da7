"""Care Navigators (CN): follow-up workload after field responses, staff, and the deadline.

Model:

* **Workload**: each call served by a field unit in hour-of-week bin ``h`` gets a follow-up
  with probability ``follow_up.rate`` (ASSUMPTION), each taking ``hours_per_follow_up``
  navigator hours (ASSUMPTION).  Work arriving in bin ``h`` per week:
  ``w_h = served_calls_per_year_h / 52.143 x rate x hours_per_follow_up`` navigator-hours.
* **Schedule check** (:func:`deadline_check`): navigators on duty ``c_t`` in each hour ``t``
  (``days`` x ``hours`` of the unit) work first-come-first-served on a *fluid* backlog
  (follow-ups are divisible into navigator-hours; FIFO is earliest-deadline-first since
  every follow-up has the same deadline).  Work arriving in bin ``h`` is counted at the
  start of the bin; a share of it is *on time* when done by ``h + deadline_h``.  The week
  repeats: weeks are simulated from an empty backlog until the backlog at the start of a
  week repeats (periodic steady state, at most ``max_weeks``); if weekly capacity does not
  exceed the weekly work the backlog grows and the deadline is not met (share reported
  from the last simulated week).
* **Staffing** (:func:`navigators_needed`): the fewest navigators on duty in every on-duty
  hour so that every follow-up meets the deadline.  FTE = navigator-hours per week x
  52.143 / productive hours per FTE; cost x cost per staff hour.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from heart_plan.config import HOURS_PER_WEEK, UnitConfig
from heart_plan.errors import ModelError
from heart_plan.staffing.workload import WEEKS_PER_YEAR

#: Scenario keys (ASSUMPTIONS) every CN result depends on (``{u}`` = unit name).
CN_ASSUMPTIONS = (
    "units.{u}.follow_up.rate",
    "units.{u}.follow_up.hours_per_follow_up",
    "units.{u}.hours",
    "units.{u}.days",
)


def follow_up_work_by_how(served_per_year_by_how: ArrayLike, unit: UnitConfig) -> np.ndarray:
    """Navigator-hours of follow-up arriving per week in each hour-of-week bin."""
    served = np.asarray(served_per_year_by_how, dtype=float)
    if served.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(served)) or (served < 0).any():
        raise ModelError(f"follow-up work: need {HOURS_PER_WEEK} served-call values >= 0")
    fu = unit.follow_up
    return served / WEEKS_PER_YEAR * fu.rate * fu.hours_per_follow_up


@dataclass(frozen=True)
class DeadlineCheck:
    """Result of the fluid FIFO schedule check over one steady-state week."""

    on_time_share: float
    worst_completion_h: float
    weeks_simulated: int
    periodic: bool
    work_h_per_week: float
    capacity_h_per_week: float

    @property
    def deadline_met(self) -> bool:
        """Every follow-up done within the deadline (up to round-off)."""
        return self.periodic and self.on_time_share >= 1.0 - 1e-9


def deadline_check(
    work_by_how: ArrayLike,
    navigators_by_how: ArrayLike,
    deadline_h: float,
    *,
    max_weeks: int = 12,
) -> DeadlineCheck:
    """Check the deadline on the fluid FIFO schedule (see module).

    Parameters
    ----------
    work_by_how
        Navigator-hours of follow-up arriving per week in each bin.
    navigators_by_how
        Navigators on duty in each bin (each works 1 navigator-hour per hour).
    deadline_h
        Hours from arrival by which a follow-up must be done.
    """
    work = np.asarray(work_by_how, dtype=float)
    cap = np.asarray(navigators_by_how, dtype=float)
    if work.shape != (HOURS_PER_WEEK,) or cap.shape != (HOURS_PER_WEEK,):
        raise ModelError("deadline_check: work and navigators need 168 values each")
    backlog: deque[list[float]] = deque()  # [arrival time h (absolute), remaining work]
    previous_start: tuple[float, ...] | None = None
    on_time = late = 0.0
    worst = 0.0
    periodic = False
    weeks = 0
    for week in range(max_weeks):
        weeks = week + 1
        start = tuple(round(r, 9) for _, r in backlog)
        if previous_start is not None and start == previous_start:
            periodic = True
        previous_start = start
        on_time = late = 0.0
        worst = 0.0
        for h in range(HOURS_PER_WEEK):
            t0 = week * HOURS_PER_WEEK + h
            if work[h] > 0:
                backlog.append([float(t0), float(work[h])])
            left = float(cap[h])
            while left > 1e-12 and backlog:
                item = backlog[0]
                done = min(left, item[1])
                finish = t0 + (float(cap[h]) - left + done) / float(cap[h])
                age = finish - item[0]
                worst = max(worst, age)
                if age <= deadline_h + 1e-9:
                    on_time += done
                else:
                    late += done
                item[1] -= done
                left -= done
                if item[1] <= 1e-12:
                    backlog.popleft()
        if periodic:
            break
    remaining = sum(r for _, r in backlog)
    total = on_time + late + (0.0 if periodic else remaining)
    return DeadlineCheck(
        on_time_share=on_time / total if total > 0 else 1.0,
        worst_completion_h=worst if periodic else float("inf"),
        weeks_simulated=weeks,
        periodic=periodic,
        work_h_per_week=float(work.sum()),
        capacity_h_per_week=float(cap.sum()),
    )


@dataclass(frozen=True)
class CnAnswer:
    """CN staffing: follow-ups, workload, navigators, FTE, cost and the deadline check."""

    follow_ups_per_year: float
    workload_h_per_week: float
    navigators_on_duty: int
    navigators_by_how: tuple[int, ...]
    work_h_by_how: tuple[float, ...]
    navigator_hours_per_week: float
    fte: float
    cost_per_year_usd: float
    check: DeadlineCheck
    deadline_h: float
    assumptions: tuple[str, ...]

    def by_day(self) -> list[dict[str, float]]:
        """Per day of week (0 = Monday): navigator hours and follow-up work hours."""
        nav = np.asarray(self.navigators_by_how, dtype=float).reshape(7, 24).sum(axis=1)
        work = np.asarray(self.work_h_by_how, dtype=float).reshape(7, 24).sum(axis=1)
        return [
            {"day": d, "navigator_hours": float(nav[d]), "follow_up_work_h": float(work[d])}
            for d in range(7)
        ]


def navigators_needed(
    served_per_year_by_how: ArrayLike,
    unit: UnitConfig,
    on_duty_by_how: ArrayLike,
    *,
    max_navigators: int = 500,
    unit_name: str = "cn",
) -> CnAnswer:
    """Fewest teams of ``crew_size`` navigators on duty per on-duty hour (the same in every
    on-duty hour) that meet the deadline for every follow-up, or exactly ``unit.teams``
    when it is > 0.  ``navigators_on_duty`` counts navigators (teams x crew size).
    """
    work = follow_up_work_by_how(served_per_year_by_how, unit)
    on = np.asarray(on_duty_by_how, dtype=bool)
    if work.sum() > 0 and not on.any():
        raise ModelError(
            f"units.{unit_name}: follow-ups arrive but the unit is never on duty; set its "
            f"hours and days"
        )

    crew = unit.crew_size  # navigators per team (1 in the Durham scenario)

    def check(k: int) -> DeadlineCheck:
        return deadline_check(work, on * k * crew, unit.follow_up.deadline_h)

    if unit.teams > 0:
        k = unit.teams
        result = check(k)
    elif work.sum() == 0:
        k, result = 0, check(0)
    else:
        k = max(1, int(np.ceil(work.sum() / on.sum())))
        result = check(k)
        while not result.deadline_met:
            k += 1
            if k > max_navigators:
                raise ModelError(
                    f"units.{unit_name}: more than {max_navigators} navigators needed to meet "
                    f"the {unit.follow_up.deadline_h:g}-hour deadline; widen hours or days"
                )
            result = check(k)
    nav = tuple(int(x) for x in on * k * crew)
    hours_week = float(sum(nav))
    staff_h_year = hours_week * WEEKS_PER_YEAR
    fu = unit.follow_up
    return CnAnswer(
        follow_ups_per_year=float(np.asarray(served_per_year_by_how, dtype=float).sum() * fu.rate),
        workload_h_per_week=float(work.sum()),
        navigators_on_duty=k * crew,
        navigators_by_how=nav,
        work_h_by_how=tuple(float(x) for x in work),
        navigator_hours_per_week=hours_week,
        fte=staff_h_year / unit.productive_hours_per_fte,
        cost_per_year_usd=staff_h_year * unit.cost_per_staff_hour_usd,
        check=result,
        deadline_h=fu.deadline_h,
        assumptions=tuple(k_.format(u=unit_name) for k_ in CN_ASSUMPTIONS),
    )
