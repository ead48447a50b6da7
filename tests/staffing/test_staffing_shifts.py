"""CP-SAT shift planner: toy weeks solved by hand, infeasible budgets, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from heart_plan.config import ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import InfeasibleError
from heart_plan.plan import Shift
from heart_plan.staffing.hours import HourValues, greedy_allocation
from heart_plan.staffing.shifts import (
    ShiftPlanResult,
    ShiftProblem,
    max_team_hours_per_week,
    solver_config_for_shifts,
    teams_on_duty_of,
)
from heart_plan.staffing.workload import WEEKS_PER_YEAR

# Crew of 1 and 52.143 productive hours per FTE: 1 FTE = 1 team-hour per week.
TOY_UNIT = UnitConfig(
    crew_size=1, productive_hours_per_fte=WEEKS_PER_YEAR, cost_per_staff_hour_usd=10.0
)
SOLVER = SolverConfig(seed=0, workers=1, max_deterministic_time=10.0, relative_gap_limit=0.0)
# Busy time such that 1000 calls/year in one hour of the week is a load of exactly 1 erlang.
BUSY_H = WEEKS_PER_YEAR / 1000.0


def toy_week() -> np.ndarray:
    """Mon 08:00 and 09:00: 1000 calls/year each (a = 1); Tue 08:00: 500 calls/year (a = 0.5)."""
    arrivals = np.zeros(168)
    arrivals[8] = arrivals[9] = 1000.0
    arrivals[24 + 8] = 500.0
    return arrivals


@dataclasses.dataclass(frozen=True)
class Rules:
    """A ``[shifts]`` config (no soft penalties unless given) and the problem's window."""

    config: ShiftsConfig
    allowed_hours_of_day: tuple[int, ...] | None = None
    min_teams_by_how: tuple[int, ...] | None = None

    @property
    def max_teams_per_hour(self) -> int:
        return self.config.max_teams_per_hour


def shift_rules(allowed_hours_of_day=None, min_teams_by_how=None, **config) -> Rules:
    penalties = {"unsocial_start_penalty_calls": 0.0, "stability_penalty_calls": 0.0}
    return Rules(ShiftsConfig(**(penalties | config)), allowed_hours_of_day, min_teams_by_how)


def toy_rules(**kw) -> Rules:
    base = {"lengths_h": (2,), "start_hours": (6, 8), "max_teams_per_hour": 3, "min_rest_h": 0}
    return shift_rules(**(base | kw))


def plan_shifts(
    arrivals,
    busy_h,
    *,
    rules: Rules,
    unit,
    solver,
    budget_fte,
    linearization="increments",
    **problem,
) -> ShiftPlanResult:
    """The shift planner on one problem (arrivals, busy time, budget, window)."""
    from heart_plan.staffing.shifts import plan_shifts as planner

    window = {
        "allowed_hours_of_day": rules.allowed_hours_of_day,
        "min_teams_by_how": rules.min_teams_by_how,
    }
    spec = ShiftProblem(tuple(arrivals), busy_h, budget_fte=budget_fte, **window, **problem)
    return planner(
        spec, config=rules.config, unit=unit, solver=solver, linearization=linearization
    )  # fmt: skip


# Hand values.  a = 1: B(1) = 1/2, B(2) = 1/5, B(3) = 1/16, so a 1000-call hour serves
# 500, 800, 937.5 with 1, 2, 3 teams (increments 500, 300, 137.5).  a = 0.5: B(1) = 1/3,
# B(2) = 1/13: 500 calls serve 333.33, 461.54 (increments 333.33, 128.21).
# A Mon 08-10 shift covers both busy Monday hours: teams 1, 2, 3 add 1000, 600, 275.
# A Tue 08-10 shift adds 333.33 (first team) and 128.21 (second).  Starts at 06 serve 0.


def test_toy_budget_two_shifts():
    # 4 team-hours = two 2-h shifts: 2 x Mon (1600) beats Mon + Tue (1333.33).
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=4.0
    )
    assert res.status == "OPTIMAL" and res.gap == 0.0
    assert res.shifts == (Shift(day=0, start_hour=8, length_h=2, teams=2),)
    assert res.expected_served_per_year == pytest.approx(1600.0)
    assert res.team_hours_per_week == 4
    assert res.fte == pytest.approx(4.0)
    assert res.cost_per_year_usd == pytest.approx(4 * WEEKS_PER_YEAR * 10.0)
    assert res.teams_on_duty[8] == res.teams_on_duty[9] == 2 and sum(res.teams_on_duty) == 4
    assert res.expected_served_per_hour[8] == pytest.approx(800.0)


def test_toy_budget_three_shifts():
    # 6 team-hours: 2 x Mon + 1 x Tue = 1600 + 333.33 = 1933.33 beats 3 x Mon = 1875.
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=6.0
    )
    assert res.status == "OPTIMAL"
    assert res.shifts == (
        Shift(day=0, start_hour=8, length_h=2, teams=2),
        Shift(day=1, start_hour=8, length_h=2, teams=1),
    )
    assert res.expected_served_per_year == pytest.approx(1600.0 + 1000.0 / 3.0)
    budget = {r.name: r for r in res.binding_rules}["budget.crt_fte"]
    assert budget.binds and "6 of 6 team-hours" in budget.detail
    assert "status OPTIMAL" in res.summary()


def test_toy_soft_rule_binds_with_its_penalty():
    # Penalty 300 calls/yr per team starting at 08: Mon 1000-300, 600-300, Tue 333.33-300
    # are still worth it; a third Mon team (275-300) is not.  Optimum as before, penalty 900.
    rules = toy_rules(unsocial_start_hours=(8,), unsocial_start_penalty_calls=300.0)
    res = plan_shifts(toy_week(), BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=8.0)
    assert res.team_hours_per_week == 6
    soft = {r.name: r for r in res.binding_rules}["shifts.unsocial_start"]
    assert soft.binds and soft.kind == "soft"
    assert soft.penalty_calls_per_year == pytest.approx(900.0)
    assert res.objective == pytest.approx(1600.0 + 1000.0 / 3.0 - 900.0, abs=1e-6)


def test_toy_min_fte_for_target():
    # 60% of 2500 = 1500 calls: two Mon teams (4 team-hours, 1600) is the cheapest way.
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
        budget_fte=None, objective="min_fte", served_share_target=0.6,
    )  # fmt: skip
    assert res.team_hours_per_week == 4
    assert res.objective == pytest.approx(4.0)
    assert res.shifts == (Shift(day=0, start_hour=8, length_h=2, teams=2),)


def test_sunday_night_shift_wraps_into_monday():
    arrivals = np.zeros(168)
    arrivals[1] = 800.0  # Monday 01:00
    rules = shift_rules(lengths_h=(8,), start_hours=(20,), max_teams_per_hour=2, min_rest_h=0)
    res = plan_shifts(arrivals, BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=8.0)
    assert res.shifts == (Shift(day=6, start_hour=20, length_h=8, teams=1),)
    on = teams_on_duty_of(res.shifts)
    assert on == res.teams_on_duty
    assert [b for b in range(168) if on[b]] == [0, 1, 2, 3, 164, 165, 166, 167]


def test_infeasible_budget_names_the_rule():
    # At least one team 07:00-19:00 every day needs 7 x 12 = 84 team-hours; 50 are allowed.
    mins = tuple(1 if 7 <= b % 24 < 19 else 0 for b in range(168))
    rules = shift_rules(
        lengths_h=(12,), start_hours=(7,), max_teams_per_hour=2, min_rest_h=0, min_teams_by_how=mins
    )
    with pytest.raises(
        InfeasibleError, match=r"budget\.crt_fte = 50 FTE allows 50 team-hours.*84 team-hours"
    ):
        plan_shifts(toy_week(), BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=50.0)
    res = plan_shifts(
        toy_week(), BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=84.0
    )
    assert all(t >= 1 for t, m in zip(res.teams_on_duty, mins, strict=True) if m)
    assert {r.name: r for r in res.binding_rules}["min_teams_by_how"].binds


def test_infeasible_cap_and_target_name_their_rules():
    mins = (4,) + (0,) * 167
    rules = toy_rules(min_teams_by_how=mins)
    with pytest.raises(InfeasibleError, match="max_teams_per_hour = 3"):
        plan_shifts(toy_week(), BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=10.0)
    with pytest.raises(InfeasibleError, match="served_share_target = 99%"):
        plan_shifts(
            toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
            budget_fte=None, objective="min_fte", served_share_target=0.99,
        )  # fmt: skip
    with pytest.raises(InfeasibleError, match=r"budget\.crt_fte = 2 FTE.*served-share target 60%"):
        plan_shifts(
            toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
            budget_fte=2.0, objective="min_fte", served_share_target=0.6,
        )  # fmt: skip


def test_operating_window_and_rest_rule():
    # Window 09:00-17:00 only: Monday 08:00 calls cannot be served; 12-h shifts would be
    # dropped anyway by a 14-h rest rule (12 + 14 > 24).
    rules = shift_rules(
        lengths_h=(2, 12), start_hours=(8, 9), max_teams_per_hour=3, min_rest_h=14,
        allowed_hours_of_day=tuple(range(9, 17)),
    )  # fmt: skip
    res = plan_shifts(toy_week(), BUSY_H, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=4.0)
    assert all(s.start_hour == 9 and s.length_h == 2 for s in res.shifts)
    assert res.teams_on_duty[8] == 0
    by_name = {r.name: r for r in res.binding_rules}
    assert by_name["operating_window"].binds
    assert by_name["shifts.min_rest_h"].binds and "[12]" in by_name["shifts.min_rest_h"].detail


def week_profile(total: float = 5000.0) -> np.ndarray:
    hod = np.array(
        [4, 3, 2, 2, 2, 3, 5, 8, 10, 12, 13, 14, 15, 15, 15, 14, 14, 13, 12, 11, 10, 9, 7, 5.0]
    )
    day = np.array([1.0, 0.9, 0.95, 1.0, 1.1, 1.3, 1.2])
    arr = (day[:, None] * hod[None, :]).ravel()
    return arr / arr.sum() * total


def test_planner_agrees_with_greedy_when_no_shift_rule_binds():
    # 1-hour shifts at every hour: any hourly pattern is a schedule, so the planner's optimum
    # equals the greedy allocation (exact for concave per-hour returns under a team-hour cap).
    arrivals = week_profile()
    rules = shift_rules(
        lengths_h=(1,), start_hours=tuple(range(24)), max_teams_per_hour=4, min_rest_h=0
    )
    res = plan_shifts(arrivals, 1.0, rules=rules, unit=TOY_UNIT, solver=SOLVER, budget_fte=150.0)
    cap = max_team_hours_per_week(150.0, TOY_UNIT)
    teams = greedy_allocation(HourValues.erlang_b(arrivals, 1.0, 4), cap)
    from heart_plan.staffing.erlang import erlang_b_array
    from heart_plan.staffing.workload import offered_load_by_hour

    greedy_served = float(
        (arrivals * (1 - erlang_b_array(teams, offered_load_by_hour(arrivals, 1.0)))).sum()
    )
    assert res.status == "OPTIMAL"
    # Integer-scaled increments (1/1000 call) bound the difference.
    assert res.expected_served_per_year == pytest.approx(greedy_served, abs=0.2)
    assert res.team_hours_per_week == int(teams.sum()) == cap


def test_default_templates_are_deterministic_and_report_gap(scenario):
    arrivals = week_profile(8000.0)
    rules = Rules(scenario.shifts)
    solver = dataclasses.replace(solver_config_for_shifts(scenario), max_deterministic_time=5.0)
    runs = [
        plan_shifts(arrivals, 1.2, rules=rules, unit=scenario.crt, solver=solver, budget_fte=20.0)
        for _ in range(2)
    ]
    assert runs[0].to_dict() == runs[1].to_dict()
    res = runs[0]
    assert res.status in ("OPTIMAL", "FEASIBLE")
    assert 0.0 <= res.gap <= max(solver.relative_gap_limit, 0.05)
    assert res.fte <= 20.0 + 1e-9
    assert len(res.teams_on_duty) == 168 and max(res.teams_on_duty) <= rules.max_teams_per_hour
    assert teams_on_duty_of(res.shifts) == res.teams_on_duty
    assert res.solver_params["random_seed"] == 0 and res.solver_params["num_workers"] == 1
    # Shift shapes cost something: never more than the shape-free greedy optimum.
    cap = max_team_hours_per_week(20.0, scenario.crt)
    teams = greedy_allocation(HourValues.erlang_b(arrivals, 1.2, rules.max_teams_per_hour), cap)
    from heart_plan.staffing.erlang import erlang_b_array
    from heart_plan.staffing.workload import offered_load_by_hour

    bound = float(
        (arrivals * (1 - erlang_b_array(teams, offered_load_by_hour(arrivals, 1.2)))).sum()
    )
    assert res.expected_served_per_year <= bound + 1e-6
    assert res.expected_served_per_year >= 0.9 * bound


def test_two_workers_interleaved_are_deterministic():
    solver = dataclasses.replace(SOLVER, workers=2)
    runs = [
        plan_shifts(week_profile(), 1.0, rules=toy_rules(lengths_h=(8,), start_hours=(0, 8, 16)),
                    unit=TOY_UNIT, solver=solver, budget_fte=60.0).to_dict()
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] == runs[1]
    assert runs[0]["solver_params"]["interleave_search"] is True


def test_tangent_linearization_gives_the_same_optimum():
    for budget in (4.0, 6.0):
        res = plan_shifts(
            toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
            budget_fte=budget, linearization="tangents",
        )  # fmt: skip
        ref = plan_shifts(
            toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=budget
        )
        assert res.shifts == ref.shifts
        assert res.expected_served_per_year == pytest.approx(ref.expected_served_per_year)
