"""Workload and the 24/7 answer: best windows, hours curve, greedy vs brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import UnitConfig
from heart_plan.errors import DataError, ModelError
from heart_plan.staffing.erlang import erlang_b_array, teams_needed
from heart_plan.staffing.hours import (
    baseline_to_247,
    best_window,
    compare_best_window,
    fte_curve,
    greedy_allocation,
    hours_answer,
    hours_curve,
    overnight_marginal,
    staff_window,
    window_mask,
)
from heart_plan.staffing.workload import (
    WEEKS_PER_YEAR,
    arrivals_by_how_for_area,
    arrivals_per_hour,
    busy_time_h,
    offered_load_by_hour,
)

UNIT = UnitConfig(crew_size=3, productive_hours_per_fte=1800.0, cost_per_staff_hour_usd=50.0)


def week_profile(total: float = 10000.0) -> np.ndarray:
    hod = np.array(
        [4, 3, 2, 2, 2, 3, 5, 8, 10, 12, 13, 14, 15, 15, 15, 14, 14, 13, 12, 11, 10, 9, 7, 5.0]
    )
    return np.tile(hod, 7) / (7 * hod.sum()) * total


def test_busy_time_and_load():
    # 60 s turnout + 480 s out + 45 min on scene + 480 s back = 3720 s.
    # turnout + drive + on-scene; the drive back is never busy time
    assert busy_time_h(480, 45, 60) == pytest.approx(3240 / 3600)
    arr = np.full(168, WEEKS_PER_YEAR * 2)  # 2 calls per hour in every bin
    np.testing.assert_allclose(arrivals_per_hour(arr), 2.0)
    np.testing.assert_allclose(offered_load_by_hour(arr, 0.75), 1.5)
    with pytest.raises(ModelError, match="168"):
        offered_load_by_hour(np.ones(24), 1.0)


def test_arrivals_for_area():
    shares = pd.DataFrame(np.zeros((3, 168)), index=["111", "112", "113"])
    shares.iloc[0, 0] = shares.iloc[1, 1] = shares.iloc[2, 2] = 1.0
    calls = pd.Series({"111": 10.0, "112": 20.0, "113": 40.0})
    arr = arrivals_by_how_for_area(calls, shares, ["111", "113"])
    assert arr[0] == 10.0 and arr[1] == 0.0 and arr[2] == 40.0 and arr.sum() == 50.0
    with pytest.raises(DataError, match="'999'"):
        arrivals_by_how_for_area(calls, shares, ["999"])


def test_best_window_wraps_midnight():
    arr = np.zeros(168)
    for day in range(7):
        for hour, calls in ((22, 5.0), (23, 5.0), (0, 5.0), (1, 5.0), (12, 9.0)):
            arr[day * 24 + hour] = calls
    win = best_window(arr, 4)
    assert (win.start_hour, win.end_hour) == (22, 2)
    assert win.calls_per_year == pytest.approx(7 * 20.0)
    assert best_window(arr, 1).start_hour == 12
    assert best_window(arr, 24).share_of_calls == 1.0
    assert window_mask(22, 4).sum() == 28 and window_mask(22, 4)[167] and window_mask(22, 4)[1]


def test_hours_curve_is_consistent():
    arr = week_profile()
    busy = 1.0
    curve = hours_curve(arr, busy, windows_h=(8, 12, 16, 24), served_share_target=0.9, unit=UNIT)
    assert list(curve["window_h"]) == [8, 12, 16, 24]
    assert curve["calls_in_window_per_year"].is_monotonic_increasing
    assert curve["fte"].is_monotonic_increasing
    assert curve["share_of_calls_in_window"].iloc[-1] == pytest.approx(1.0)
    # Every open hour serves at least the target share, so 24/7 serves >= 90% of all calls.
    assert curve["served_share_of_all_calls"].iloc[-1] >= 0.9
    st = staff_window(arr, busy, 0, 24, served_share_target=0.9, unit=UNIT)
    load = offered_load_by_hour(arr, busy)
    teams = np.array(st.teams_on_duty)
    assert np.all(1 - erlang_b_array(teams, load) >= 0.9 - 1e-12)
    assert teams[10] == teams_needed(load[10], 0.9)
    assert st.fte == pytest.approx(teams.sum() * WEEKS_PER_YEAR * 3 / 1800.0)


def brute_force_best(arr: np.ndarray, load: np.ndarray, budget: int, k_max: int) -> float:
    best = 0.0
    for alloc in itertools.product(range(k_max + 1), repeat=len(arr)):
        if sum(alloc) <= budget:
            best = max(best, float((arr * (1 - erlang_b_array(np.array(alloc), load))).sum()))
    return best


@pytest.mark.parametrize("budget", [0, 1, 3, 5, 8])
def test_greedy_matches_brute_force(budget):
    rng = np.random.default_rng(budget)
    arr = np.zeros(168)
    busy = [3, 9, 30, 100]
    arr[busy] = rng.uniform(20, 200, size=4)
    teams = greedy_allocation(arr, 0.5, budget, max_teams_per_hour=3)
    assert teams.sum() == min(budget, 12)
    load = offered_load_by_hour(arr, 0.5)
    got = float((arr * (1 - erlang_b_array(teams, load))).sum())
    assert got == pytest.approx(brute_force_best(arr[busy], load[busy], budget, 3), rel=1e-12)


def test_fte_curve_grows_with_budget():
    curve = fte_curve(
        week_profile(), 1.0, budgets_fte=(5.0, 10.0, 20.0), unit=UNIT, max_teams_per_hour=6
    )
    assert curve["expected_served_per_year"].is_monotonic_increasing
    assert (curve["fte_used"] <= curve["budget_fte"] + 1e-9).all()
    # Concave returns: each added FTE serves fewer calls than the one before.
    assert curve["marginal_served_per_fte"].is_monotonic_decreasing


def test_overnight_and_24_7():
    arr = week_profile()
    night = overnight_marginal(arr, 1.0, served_share_target=0.9, unit=UNIT)
    assert list(night["hour_of_day"]) == [0, 1, 2, 3, 4, 5]
    six = staff_window(arr, 1.0, 0, 6, served_share_target=0.9, unit=UNIT)
    assert night["cumulative_fte"].iloc[-1] == pytest.approx(six.fte)
    assert night["cumulative_served_per_year"].iloc[-1] == pytest.approx(
        six.expected_served_per_year
    )
    answer = baseline_to_247(arr, 1.0, served_share_target=0.9, unit=UNIT)
    assert answer.baseline.length_h == 12 and answer.baseline.start_hour == 7
    assert answer.added_fte > 0 and answer.added_served_per_year > 0
    assert min(answer.full.teams_on_duty) >= 1
    assert answer.to_dict()["full_24_7"]["length_h"] == 24


def test_compare_best_window_to_baseline():
    arr = week_profile()
    cmp = compare_best_window(arr, 12, baseline_start=7)
    # Profile peaks 11:00-17:00; best 12-h window is 8:00-20:00 (9 hours over 10 calls).
    assert (cmp.best_start_hour, cmp.best_end_hour) == (8, 20)
    assert cmp.extra_calls_in_best_per_year >= 0
    assert cmp.to_dict()["extra_calls_in_best_per_year"] == cmp.extra_calls_in_best_per_year


def test_hours_answer_keys(scenario):
    answer = hours_answer(week_profile(), 1.0, scenario=scenario)
    assert list(answer.curve["window_h"]) == list(scenario.shifts.daily_windows_h)
    assert answer.to_24_7.full.length_h == 24
    assert answer.best_window.window_h == 12
