"""CP-SAT shift planner: toy weeks solved by hand, infeasible budgets, determinism."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from heart_plan.config import ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import ConfigError, InfeasibleError
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


# ----------------------------------------------------------------------------- value tables
# Tables V[h, n] of calls per year with n = 0..K teams on duty (the queue-aware evaluator's
# reached / served tables), any shape: the ordered booleans are exact for all of them.


def table(values_by_bin: dict[int, list[float]], max_teams: int = 3) -> np.ndarray:
    """A (168, K+1) table: zero everywhere but the given bins (values for n = 1..K)."""
    out = np.zeros((168, max_teams + 1))
    for h, values in values_by_bin.items():
        out[h, 1:] = values
    return out


def brute_force_best(values: np.ndarray, rules: Rules, team_hours: int) -> float:
    """Best sum_h V[h, n_h] over every schedule of at most ``team_hours`` team-hours."""
    import itertools

    from heart_plan.staffing.shifts import _templates

    templates, _ = _templates(rules.config, rules.allowed_hours_of_day)
    starts = [(d, s, length) for d in range(7) for s, length in templates]
    K = rules.max_teams_per_hour
    best = 0.0
    for size in range(team_hours // min(length for _, length in templates) + 1):
        for combo in itertools.combinations_with_replacement(starts, size):
            if sum(length for *_, length in combo) > team_hours:
                continue
            shifts = tuple(Shift(d, s, length, 1) for d, s, length in combo)
            on = np.array(teams_on_duty_of(shifts))
            if on.max(initial=0) > K:
                continue
            best = max(best, float(values[np.arange(168), on].sum()))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_non_concave_table_with_negative_increments_is_solved_exactly(seed):
    # Random integer increments in [-60, 100] in the bins the templates cover (06-10 every
    # day): non-concave and partly negative.  8 team-hours = at most four 2-h shifts, so
    # the 3,060 schedules can be enumerated.
    rng = np.random.default_rng(seed)
    bins = [24 * d + h for d in range(7) for h in (6, 7, 8, 9)]
    values = table({h: list(np.cumsum(rng.integers(-60, 101, 3))) for h in bins})
    inc = np.diff(values, axis=1)[bins]
    assert (inc < 0).any() and (np.diff(inc, axis=1) > 0).any()  # negative and non-concave
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=8.0,
        objective="max_reached", reached_per_year_by_how_teams=values,
    )  # fmt: skip
    best = brute_force_best(values, toy_rules(), 8)
    assert res.status == "OPTIMAL"
    assert res.expected_reached_per_year == pytest.approx(best, abs=1e-9)
    assert res.objective == pytest.approx(best, abs=1e-9)
    on = np.array(res.teams_on_duty)
    assert res.expected_reached_per_hour == tuple(values[np.arange(168), on])


def test_negative_increment_keeps_the_second_team_off():
    # Mon 08-10: 1 team reaches 100 per hour, 2 teams 50, 3 teams 200 (non-concave, with a
    # negative second increment).  Two shifts: one team (200) beats two (100); three
    # shifts: three teams (400).
    values = table({8: [100, 50, 200], 9: [100, 50, 200]})
    kw = {"objective": "max_reached", "reached_per_year_by_how_teams": values}
    two = plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                      budget_fte=4.0, **kw)  # fmt: skip
    assert two.teams_on_duty[8] == 1 and two.expected_reached_per_year == pytest.approx(200.0)
    three = plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                        budget_fte=6.0, **kw)  # fmt: skip
    assert three.teams_on_duty[8] == 3 and three.expected_reached_per_year == pytest.approx(400.0)
    with pytest.raises(ConfigError, match=r"tangents.*concave reached table.*mon 08:00"):
        plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                    budget_fte=4.0, linearization="tangents", **kw)  # fmt: skip


# Reached table for toy_week: Monday's calls are far from the posts (few reached), Tuesday
# 08:00's are near.  Mon 08-10 shift: 1, 2, 3 teams reach 200, 300, 360; Tue: 400, 450, 480.
FAR_MONDAY = table({8: [100, 150, 180], 9: [100, 150, 180], 32: [400, 450, 480]})


def test_max_reached_and_max_served_choose_differently():
    common = {"rules": toy_rules(), "unit": TOY_UNIT, "solver": SOLVER, "budget_fte": 4.0,
              "reached_per_year_by_how_teams": FAR_MONDAY}  # fmt: skip
    served = plan_shifts(toy_week(), BUSY_H, objective="max_served", **common)
    reached = plan_shifts(toy_week(), BUSY_H, objective="max_reached", **common)
    # Erlang B: two Monday teams serve 1600 (test_toy_budget_two_shifts); they reach 300.
    assert served.shifts == (Shift(day=0, start_hour=8, length_h=2, teams=2),)
    assert served.expected_served_per_year == pytest.approx(1600.0)
    assert served.expected_reached_per_year == pytest.approx(300.0)
    assert served.served_source == "erlang_b"
    # Calls reached: Monday + Tuesday reach 200 + 400 = 600 (and serve 1000 + 333.33).
    assert reached.shifts == (
        Shift(day=0, start_hour=8, length_h=2, teams=1),
        Shift(day=1, start_hour=8, length_h=2, teams=1),
    )
    assert reached.expected_reached_per_year == pytest.approx(600.0)
    assert reached.reached_share == pytest.approx(600.0 / 2500.0)
    assert reached.expected_served_per_year == pytest.approx(1000.0 + 1000.0 / 3.0)
    assert "expected reached 600 of 2,500" in reached.summary()
    assert reached.solver_params["value_measure"] == "reached"


def test_min_fte_targets_the_reached_share_with_a_reached_table():
    # 20% of 2500 = 500 reached: Mon + Tue (600) at 4 team-hours is the cheapest.
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=None,
        objective="min_fte", reached_share_target=0.2, reached_per_year_by_how_teams=FAR_MONDAY,
    )  # fmt: skip
    assert res.team_hours_per_week == 4 and res.expected_reached_per_year == pytest.approx(600.0)
    rule = {r.name: r for r in res.binding_rules}["budget.target_reached_share"]
    assert rule.binds and "reached share 24.0% vs target 20%" in rule.detail
    with pytest.raises(InfeasibleError, match=r"target_reached_share = 50% is unreachable"):
        plan_shifts(
            toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
            budget_fte=None, objective="min_fte", reached_share_target=0.5,
            reached_per_year_by_how_teams=FAR_MONDAY,
        )  # fmt: skip


def test_served_table_replaces_erlang_b_and_results_are_json_ready():
    import json

    served_table = FAR_MONDAY * 2
    res = plan_shifts(
        toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER, budget_fte=4.0,
        served_per_year_by_how_teams=served_table,
    )  # fmt: skip
    assert res.served_source == "table"
    assert res.expected_served_per_year == pytest.approx(1200.0)  # Mon + Tue from the table
    assert math.isnan(res.expected_reached_per_year) and math.isnan(res.reached_share)
    assert res.expected_reached_per_hour is None
    record = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert record["reached_share"] is None and record["expected_reached_per_year"] is None
    assert "expected reached" not in res.summary()


def test_tangents_match_increments_on_a_concave_table():
    for objective in ("max_reached", "max_served"):
        kw = {"objective": objective, "reached_per_year_by_how_teams": FAR_MONDAY}
        ref = plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                          budget_fte=6.0, **kw)  # fmt: skip
        tan = plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                          budget_fte=6.0, linearization="tangents", **kw)  # fmt: skip
        assert tan.objective == pytest.approx(ref.objective)


@pytest.mark.parametrize(
    ("problem", "match"),
    [
        ({"reached_per_year_by_how_teams": np.zeros((167, 4))}, r"need shape \(168, K\+1\)"),
        ({"reached_per_year_by_how_teams": np.zeros(168)}, r"need shape"),
        ({"served_per_year_by_how_teams": np.full((168, 4), np.nan)}, "finite"),
        ({"reached_per_year_by_how_teams": np.ones((168, 4))}, "column 0"),
        ({"objective": "max_reached"}, "needs reached_per_year_by_how_teams"),
        (
            {
                "objective": "max_reached",
                "budget_fte": None,
                "reached_per_year_by_how_teams": FAR_MONDAY,
            },
            "needs an FTE budget",
        ),  # fmt: skip
        ({"objective": "most_calls"}, "objective must be one of max_reached, max_served"),
    ],
)
def test_bad_problems_are_one_line_config_errors(problem, match):
    args = {"budget_fte": 4.0} | problem
    with pytest.raises(ConfigError, match=match) as info:
        ShiftProblem(tuple(toy_week()), BUSY_H, **args)
    assert "\n" not in str(info.value)


def test_table_width_must_match_max_teams_per_hour():
    wide = np.zeros((168, 6))
    with pytest.raises(ConfigError, match=r"has 6 team columns.*max_teams_per_hour = 3 needs 4"):
        plan_shifts(toy_week(), BUSY_H, rules=toy_rules(), unit=TOY_UNIT, solver=SOLVER,
                    budget_fte=4.0, reached_per_year_by_how_teams=wide)  # fmt: skip
