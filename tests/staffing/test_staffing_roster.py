"""The CP-SAT roster on toy instances whose optima an independent solver (scipy ``milp``)
derives in the test, and its hard rules checked on the roster it returns.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from heart_plan.config import RosterConfig, RosterPattern, SolverConfig, UnitConfig
from heart_plan.errors import ConfigError, InfeasibleError
from heart_plan.staffing.pay import pay_factor_by_how, pay_of_cover
from heart_plan.staffing.roster import (
    RosterProblem,
    cyclic_ok,
    day_sequences,
    plan_roster,
)
from heart_plan.staffing.workload import WEEKS_PER_YEAR

SOLVER = SolverConfig(seed=0, workers=1, max_deterministic_time=30.0)
UNIT = UnitConfig(crew_size=1, cost_per_staff_hour_usd=10.0)


def _roster(**kw: object) -> RosterConfig:
    base: dict[str, object] = {
        "weeks": 1, "max_crews": 30, "relief_factor": 1.0, "night_differential": 0.0,
        "weekend_differential": 0.0, "overtime_premium": 0.0, "weekend_work_penalty_calls": 0.0,
        "unsocial_start_penalty_calls": 0.0, "overtime_penalty_calls": 0.0,
        "max_deterministic_time": 30.0, "relative_gap_limit": 0.0,
    }  # fmt: skip
    return RosterConfig(**(base | kw))  # type: ignore[arg-type]


def test_days_off_covering_reaches_the_milp_minimum_staff() -> None:
    """Staff required per day, each worker five consecutive days on and two off: the
    roster's crews equal the integer optimum of the classic days-off covering problem.
    """
    required = [17, 13, 15, 19, 14, 16, 11]  # Mon..Sun
    five_two = RosterPattern(8, 5, 5, 5, 5, 2)
    roster = _roster(patterns={"5on2off": five_two}, start_hours=(8,))
    seqs = day_sequences(roster, "5on2off")
    assert len(seqs) == 7  # the seven rotations of 1111100
    # Independent model: x_i workers starting their five days on day i.
    A = np.array([[1 if (d - i) % 7 < 5 else 0 for i in range(7)] for d in range(7)])
    ref = milp(
        np.ones(7), constraints=LinearConstraint(A, lb=required), integrality=np.ones(7),
        bounds=Bounds(0, np.inf),
    )  # fmt: skip
    assert ref.success
    need = [0] * 168
    for d, r in enumerate(required):
        for h in range(8, 16):
            need[24 * d + h] = r
    res = plan_roster(
        RosterProblem("min_cost", required_teams_by_how=tuple(need), max_teams_per_hour=30),
        roster=roster, unit=UNIT, solver=SOLVER,
    )  # fmt: skip
    assert res.status == "OPTIMAL"
    assert len(res.crews) == round(ref.fun)
    on = np.asarray(res.teams_on_duty).reshape(7, 24)
    assert all(on[d, 8] >= required[d] for d in range(7))
    for crew in res.crews:
        assert cyclic_ok(
            tuple(1 if j in crew.work_days else 0 for j in range(7)), roster, "5on2off"
        )
        assert len(crew.work_days) == 5


def test_shift_cover_with_costs_per_shift_reaches_the_milp_least_cost() -> None:
    """Six 8-hour starts with a 50% night differential: the least-cost cover of hourly
    requirements equals the MILP optimum over the same shift costs.
    """
    starts = (0, 4, 8, 12, 16, 20)
    every_day = RosterPattern(8, 7, 7, 1, 7, 7)
    roster = _roster(
        patterns={"daily8": every_day}, start_hours=starts, night_differential=0.5,
        max_weekly_hours=60.0, max_average_weekly_hours=60.0,
    )  # fmt: skip
    by_hour = [1, 1, 1, 1, 1, 2, 2, 3, 4, 4, 3, 3, 4, 4, 3, 3, 4, 5, 5, 4, 3, 2, 2, 1]
    night = set(roster.night_hours)
    cost = np.array(
        [
            WEEKS_PER_YEAR * 10.0 * 7 * sum(1.5 if (s + i) % 24 in night else 1.0 for i in range(8))
            for s in starts
        ]
    )
    A = np.array([[1 if (h - s) % 24 < 8 else 0 for s in starts] for h in range(24)])
    ref = milp(
        cost, constraints=LinearConstraint(A, lb=by_hour), integrality=np.ones(6),
        bounds=Bounds(0, np.inf),
    )  # fmt: skip
    assert ref.success
    res = plan_roster(
        RosterProblem("min_cost", required_teams_by_how=tuple(by_hour * 7), max_teams_per_hour=10),
        roster=roster, unit=UNIT, solver=SOLVER,
    )  # fmt: skip
    assert res.status == "OPTIMAL"
    assert res.cost_per_year_usd == pytest.approx(ref.fun, rel=1e-6)
    assert res.pay.night_usd > 0
    # The roster's cost is the pay of its cover (no overtime premium here).
    assert res.cost_per_year_usd == pytest.approx(
        pay_of_cover(res.teams_on_duty, roster, UNIT).total_usd, rel=1e-9
    )


def test_rest_is_enforced_and_max_reached_respects_the_budget() -> None:
    """16-hour shifts with 10 h rest cannot fall on consecutive days; the budget caps the
    crews; weekly hours stay within the cap; reached matches the table at the cover.
    """
    roster = _roster(
        weeks=2, max_crews=10, relief_factor=1.25, min_rest_h=10,
        patterns={"long16": RosterPattern(16, 2, 3, 1, 1, 4), "4x10": RosterPattern(10, 4, 4, 1, 4, 7)},
        start_hours=(6, 8), max_weekly_hours=48.0, max_average_weekly_hours=40.0,
    )  # fmt: skip
    K = 3
    arrivals = np.zeros(168)
    arrivals[[24 * d + h for d in range(7) for h in range(6, 22)]] = 100.0
    gains = np.array([0.6, 0.25, 0.1])
    table = np.zeros((168, K + 1))
    table[:, 1:] = np.cumsum(arrivals[:, None] * gains[None, :], axis=1)
    unit = UnitConfig(crew_size=2, cost_per_staff_hour_usd=10.0)
    res = plan_roster(
        RosterProblem("max_reached", reached_per_year_by_how_teams=table, budget_fte=12.0),
        roster=roster, unit=unit, solver=SOLVER,
    )  # fmt: skip
    assert len(res.crews) <= 4  # 12 FTE / (2 x 1.25) = 4.8 crews
    assert res.fte == pytest.approx(len(res.crews) * 2 * 1.25)
    assert res.expected_reached_per_year == pytest.approx(
        table[np.arange(168), np.asarray(res.teams_on_duty)].sum()
    )
    on = np.zeros(168, dtype=int)
    for crew in res.crews:
        assert min(crew.rest_between_shifts_h(2)) >= 10
        assert max(crew.weekly_hours(2)) <= 48
        assert sum(crew.weekly_hours(2)) / 2 <= 40
        if crew.template.length_h == 16:
            days = set(crew.work_days)
            assert not any((j + 1) % 14 in days for j in days)
        for j in crew.work_days:
            for i in range(crew.template.length_h):
                b = 24 * j + crew.template.start_hour + i
                if (b // 168) % 2 == 0:  # week 1 of the cycle (both weeks are equal)
                    on[b % 168] += 1
    assert tuple(on) == res.teams_on_duty
    rows = res.rows()
    assert list(rows.columns) == [
        "unit_type", "crew", "week", "day", "start_local", "end_local", "duration_h",
    ]  # fmt: skip
    assert len(rows) == sum(len(c.work_days) for c in res.crews)
    assert res.rules[0].name == "budget.crt_fte"


def test_infeasible_cover_and_bad_pattern_say_what_to_change() -> None:
    roster = _roster(patterns={"4x10": RosterPattern(10, 4, 4, 1, 4, 7)}, max_crews=2)
    need = tuple([5] * 168)
    with pytest.raises(InfeasibleError, match="max_crews"):
        plan_roster(
            RosterProblem("min_cost", required_teams_by_how=need, max_teams_per_hour=6),
            roster=roster, unit=UNIT, solver=SOLVER,
        )  # fmt: skip
    with pytest.raises(ConfigError, match="relief_factor"):
        _roster(relief_factor=0.5)
    with pytest.raises(ConfigError, match="min_days_per_week"):
        RosterPattern(8, 6, 5)


def test_pay_factor_counts_night_and_weekend() -> None:
    roster = _roster(night_differential=0.1, weekend_differential=0.05)
    f = pay_factor_by_how(roster)
    assert f[24 * 0 + 12] == pytest.approx(1.0)  # Monday noon
    assert f[24 * 0 + 23] == pytest.approx(1.1)  # Monday 23:00
    assert f[24 * 6 + 2] == pytest.approx(1.15)  # Sunday 02:00
    pay = pay_of_cover(np.ones(168), roster, UNIT, overtime_hours_per_week=0.0)
    assert pay.total_usd == pytest.approx(WEEKS_PER_YEAR * 10.0 * f.sum())


def test_roster_is_deterministic_with_two_workers_and_a_deterministic_limit() -> None:
    """Two workers, fixed seed, a deterministic limit short of proving: the same roster."""
    roster = _roster(
        max_deterministic_time=0.5,
        relative_gap_limit=0.0,
        start_hours=(6, 7, 8, 12, 14),
        workers=2,
    )
    need = tuple(([0] * 7 + [2] * 12 + [1] * 5) * 7)
    solver = SolverConfig(seed=3, workers=2)
    a, b = (
        plan_roster(
            RosterProblem("min_cost", required_teams_by_how=need, max_teams_per_hour=4),
            roster=roster,
            unit=UNIT,
            solver=solver,
        )  # fmt: skip
        for _ in range(2)
    )
    assert a.crews == b.crews and a.teams_on_duty == b.teams_on_duty
    assert all(n >= r for n, r in zip(a.teams_on_duty, need, strict=True))
