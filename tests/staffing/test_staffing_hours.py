"""Workload and the 24/7 answer on an hour-of-week table: windows, hours curve, greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import UnitConfig
from heart_plan.errors import DataError, ModelError
from heart_plan.staffing.erlang import erlang_b_array, teams_needed, teams_needed_array
from heart_plan.staffing.hours import (
    HourValues,
    baseline_to_247,
    best_window,
    compare_best_window,
    erlang_b_hour_values,
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


def erlang(arr: np.ndarray, busy: float = 1.0, target: float = 0.9) -> HourValues:
    """The Erlang B fallback table with K large enough for ``target`` in every hour."""
    k = max(8, int(teams_needed_array(offered_load_by_hour(arr, busy), target).max()))
    return HourValues.erlang_b(arr, busy, k)


def hand_table() -> HourValues:
    """A spatial-style table, K = 3, every hour of day the same on each day:

    hour 0: 10 calls, reached 0 / 5 / 8 / 9   (90% target met at k = 3)
    hour 1: 20 calls, reached 0 / 10 / 14 / 15 (never 90%: K and flagged)
    hour 2:  0 calls                          (0 teams needed; 1 when open)
    other hours: 4 calls, reached 0 / 3.6 / 3.8 / 3.9 (k = 1 meets 90%)
    Served is reached + 1 call (capped at the calls) for k >= 1.
    """
    arr = np.full(168, 4.0)
    reached = np.tile([0.0, 3.6, 3.8, 3.9], (168, 1))
    for day in range(7):
        arr[day * 24 + 0], reached[day * 24 + 0] = 10.0, [0, 5, 8, 9]
        arr[day * 24 + 1], reached[day * 24 + 1] = 20.0, [0, 10, 14, 15]
        arr[day * 24 + 2], reached[day * 24 + 2] = 0.0, [0, 0, 0, 0]
    served = np.minimum(reached + 1.0, arr[:, None])
    served[:, 0] = 0.0
    return HourValues(arr, reached, served, "reached")


def test_hour_values_validation():
    good = hand_table()
    assert good.max_teams == 3 and good.measure == "reached" and good.is_concave()
    with pytest.raises(ModelError, match=r"\(168, K\+1\)"):
        HourValues(good.arrivals_per_year, good.reached_per_year[:24], good.served_per_year[:24])
    with pytest.raises(ModelError, match="column 0"):
        HourValues(good.arrivals_per_year, good.reached_per_year + 0.1, good.served_per_year + 0.1)
    with pytest.raises(ModelError, match="exceeds served"):
        HourValues(good.arrivals_per_year, good.served_per_year + 0.0, good.reached_per_year)
    with pytest.raises(ModelError, match="finite"):
        HourValues(good.arrivals_per_year, np.full((168, 4), np.nan), good.served_per_year)
    with pytest.raises(ModelError, match="'reached' or 'served'"):
        HourValues(good.arrivals_per_year, good.reached_per_year, good.served_per_year, "covered")  # type: ignore[arg-type]
    fallback = HourValues.erlang_b(week_profile(), 1.0, 5)
    assert fallback.measure == "served" and np.isnan(fallback.reached_per_year).all()
    assert fallback.values is fallback.served_per_year and fallback.is_concave()
    load = offered_load_by_hour(week_profile(), 1.0)
    np.testing.assert_allclose(
        fallback.served_per_year[:, 3], week_profile() * (1 - erlang_b_array(3, load)), rtol=1e-12
    )
    with pytest.raises(ModelError, match="0..5"):
        fallback.at(np.full(168, 6))


def test_staff_window_by_hand():
    values = hand_table()
    # 00:00-04:00 every day at 90% reached: hours 0, 1, 2, 3 get 3, 3 (short), 1, 1 teams.
    st = staff_window(values, 0, 4, share_target=0.9, unit=UNIT)
    assert st.teams_on_duty[:5] == (3, 3, 1, 1, 0) and st.teams_on_duty[24:28] == (3, 3, 1, 1)
    assert st.team_hours_per_week == 7 * 8 and st.peak_teams == 3
    assert st.hours_target_not_met == 7  # hour 1 on each of the 7 days
    assert st.measure == "reached" and st.share_target == 0.9
    assert st.calls_in_window_per_year == pytest.approx(7 * (10 + 20 + 0 + 4))
    assert st.expected_reached_per_year == pytest.approx(7 * (9 + 15 + 0 + 3.6))
    assert st.expected_served_per_year == pytest.approx(7 * (10 + 16 + 0 + 4))
    assert st.expected_per_year == st.expected_reached_per_year
    assert st.fte == pytest.approx(56 * WEEKS_PER_YEAR * 3 / 1800.0)
    # A 50% target: hour 0 needs 1 (5 >= 5), hour 1 needs 1 (10 >= 10); no hour short.
    half = staff_window(values, 0, 2, share_target=0.5, unit=UNIT)
    assert half.teams_on_duty[:2] == (1, 1) and half.hours_target_not_met == 0
    # No minimum for open hours: the empty hour 2 gets 0 teams.
    assert staff_window(values, 2, 1, share_target=0.9, unit=UNIT, min_teams_open=0).peak_teams == 0
    with pytest.raises(ModelError, match="min_teams_open"):
        staff_window(values, 0, 1, share_target=0.9, unit=UNIT, min_teams_open=4)


def test_reached_and_served_fallback_labels():
    spatial = hours_curve(hand_table(), windows_h=(4, 24), share_target=0.9, unit=UNIT)
    assert (spatial["measure"] == "reached").all()
    assert spatial["expected_reached_per_year"].notna().all()
    assert (spatial["expected_reached_per_year"] <= spatial["expected_served_per_year"]).all()
    assert spatial["hours_target_not_met"].tolist() == [7, 7]
    arr = week_profile()
    fallback = hours_curve(erlang(arr), windows_h=(12, 24), share_target=0.9, unit=UNIT)
    assert (fallback["measure"] == "served").all()
    assert fallback["expected_reached_per_year"].isna().all()
    assert fallback["reached_share_of_all_calls"].isna().all()
    assert fallback["served_share_of_all_calls"].iloc[-1] >= 0.9
    assert (fallback["hours_target_not_met"] == 0).all()
    night = overnight_marginal(erlang(arr), share_target=0.9, unit=UNIT)
    assert night["reached_per_fte"].isna().all() and (night["measure"] == "served").all()
    full = baseline_to_247(erlang(arr), share_target=0.9, unit=UNIT).to_dict()
    assert full["measure"] == "served" and np.isnan(full["added_reached_per_year"])
    assert full["added_served_per_year"] > 0


def test_hours_target_from_scenario(scenario):
    spatial = hours_answer(hand_table(), scenario=scenario)
    assert spatial.measure == "reached"
    assert spatial.share_target == scenario.budget.target_reached_share
    assert spatial.to_24_7.measure == "reached" and spatial.to_24_7.added_reached_per_year > 0
    fallback = hours_answer(erlang_b_hour_values(week_profile(), 1.0, scenario=scenario),
                            scenario=scenario)  # fmt: skip
    assert fallback.measure == "served"
    assert fallback.share_target == scenario.budget.served_share_target
    assert (fallback.fte_curve["measure"] == "served").all()


def test_hours_curve_is_consistent():
    arr = week_profile()
    busy = 1.0
    values = erlang(arr, busy)
    curve = hours_curve(values, windows_h=(8, 12, 16, 24), share_target=0.9, unit=UNIT)
    assert list(curve["window_h"]) == [8, 12, 16, 24]
    assert curve["calls_in_window_per_year"].is_monotonic_increasing
    assert curve["fte"].is_monotonic_increasing
    assert curve["share_of_calls_in_window"].iloc[-1] == pytest.approx(1.0)
    # Every open hour serves at least the target share, so 24/7 serves >= 90% of all calls.
    assert curve["served_share_of_all_calls"].iloc[-1] >= 0.9
    st = staff_window(values, 0, 24, share_target=0.9, unit=UNIT)
    load = offered_load_by_hour(arr, busy)
    teams = np.array(st.teams_on_duty)
    assert np.all(1 - erlang_b_array(teams, load) >= 0.9 - 1e-12)
    assert teams[10] == teams_needed(load[10], 0.9)
    assert st.fte == pytest.approx(teams.sum() * WEEKS_PER_YEAR * 3 / 1800.0)


def brute_force_best(table: np.ndarray, budget: int) -> float:
    """Best sum of ``table[h, k_h]`` over allocations with ``sum k_h <= budget``."""
    best = 0.0
    k_max = table.shape[1] - 1
    for alloc in itertools.product(range(k_max + 1), repeat=len(table)):
        if sum(alloc) <= budget:
            best = max(best, float(table[np.arange(len(table)), alloc].sum()))
    return best


@pytest.mark.parametrize("budget", [0, 1, 3, 5, 8])
def test_greedy_matches_brute_force(budget):
    rng = np.random.default_rng(budget)
    arr = np.zeros(168)
    busy = [3, 9, 30, 100]
    arr[busy] = rng.uniform(20, 200, size=4)
    values = HourValues.erlang_b(arr, 0.5, 3)
    teams = greedy_allocation(values, budget)
    assert teams.sum() == min(budget, 12)
    load = offered_load_by_hour(arr, 0.5)
    got = float((arr * (1 - erlang_b_array(teams, load))).sum())
    table = arr[busy, None] * (1 - erlang_b_array(np.arange(4)[None, :], load[busy, None]))
    assert got == pytest.approx(brute_force_best(table, budget), rel=1e-12)


def concave_toy(seed: int) -> HourValues:
    """Random concave reached table on 4 busy hours (K = 3), zero elsewhere."""
    rng = np.random.default_rng(seed)
    arr = np.zeros(168)
    busy = [5, 40, 77, 150]
    arr[busy] = rng.uniform(50, 100, size=4)
    inc = -np.sort(-rng.uniform(0, 1, size=(4, 3)), axis=1)  # non-increasing per hour
    inc *= (0.95 * arr[busy] / inc.sum(axis=1))[:, None]
    reached = np.zeros((168, 4))
    reached[busy, 1:] = np.cumsum(inc, axis=1)
    served = np.zeros((168, 4))
    served[busy, 1:] = np.minimum(reached[busy, 1:] * 1.04, arr[busy, None])
    return HourValues(arr, reached, served, "reached")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fte_curve_greedy_on_concave_table_equals_brute_force(seed):
    values = concave_toy(seed)
    assert values.is_concave()
    busy = np.flatnonzero(values.arrivals_per_year)
    # 1 FTE = 1800 h / (3 crew x 52.14 weeks) = 11.5 team-hours a week: budgets of 0-11 hours.
    budgets = (0.0, 0.1, 0.3, 0.5, 0.7, 1.0)
    curve = fte_curve(values, budgets_fte=budgets, unit=UNIT)
    assert curve["table_concave"].all() and (curve["measure"] == "reached").all()
    for row in curve.itertuples():
        best = brute_force_best(values.reached_per_year[busy], row.team_hours_per_week)
        assert row.expected_reached_per_year == pytest.approx(best, rel=1e-12)
    assert curve["expected_reached_per_year"].is_monotonic_increasing
    assert (curve["expected_served_per_year"] >= curve["expected_reached_per_year"]).all()


def test_greedy_on_non_concave_table_is_flagged_and_valid():
    values = concave_toy(0)
    reached = values.reached_per_year.copy()
    h = int(np.flatnonzero(values.arrivals_per_year)[0])
    reached[h] = [0.0, 1.0, 2.0, 0.9 * values.arrivals_per_year[h]]  # third team gains most
    bumpy = HourValues(
        values.arrivals_per_year, reached, np.maximum(reached, values.served_per_year)
    )
    assert not bumpy.is_concave()
    curve = fte_curve(bumpy, budgets_fte=(0.5,), unit=UNIT)
    assert not curve["table_concave"].iloc[0]
    teams = greedy_allocation(bumpy, 5)
    assert teams.sum() <= 5 and teams.max() <= 3


def test_fte_curve_grows_with_budget():
    curve = fte_curve(
        erlang(week_profile()), budgets_fte=(5.0, 10.0, 20.0), unit=UNIT, max_teams_per_hour=6
    )
    assert curve["expected_served_per_year"].is_monotonic_increasing
    assert curve["expected_reached_per_year"].isna().all()
    assert (curve["fte_used"] <= curve["budget_fte"] + 1e-9).all()
    # Concave returns: each added FTE serves fewer calls than the one before.
    assert curve["marginal_served_per_fte"].is_monotonic_decreasing


def test_planner_on_reached_stays_within_budget_and_gains(scenario):
    from heart_plan.config import with_overrides
    from heart_plan.staffing.shifts import solver_config_for_shifts

    values = HourValues(
        hand_table().arrivals_per_year,
        np.pad(hand_table().reached_per_year, ((0, 0), (0, 5)), mode="edge"),
        np.pad(hand_table().served_per_year, ((0, 0), (0, 5)), mode="edge"),
    )
    fast = with_overrides(scenario, {"shifts.relative_gap_limit": 0.02})  # many tied schedules
    curve = fte_curve(values, budgets_fte=(5.0, 10.0), unit=UNIT, method="planner",
                      config=fast.shifts, solver=solver_config_for_shifts(fast))  # fmt: skip
    assert (curve["fte_used"] <= curve["budget_fte"] + 1e-9).all()
    assert curve["expected_reached_per_year"].is_monotonic_increasing
    greedy = fte_curve(values, budgets_fte=(5.0, 10.0), unit=UNIT, method="greedy")
    # hour by hour (no shift shapes) is an upper bound on what shifts can reach
    assert (curve["expected_reached_per_year"] <= greedy["expected_reached_per_year"] + 1e-6).all()


def test_overnight_and_24_7():
    arr = week_profile()
    values = erlang(arr)
    night = overnight_marginal(values, share_target=0.9, unit=UNIT)
    assert list(night["hour_of_day"]) == [0, 1, 2, 3, 4, 5]
    six = staff_window(values, 0, 6, share_target=0.9, unit=UNIT)
    assert night["cumulative_fte"].iloc[-1] == pytest.approx(six.fte)
    assert night["cumulative_served_per_year"].iloc[-1] == pytest.approx(
        six.expected_served_per_year
    )
    answer = baseline_to_247(values, share_target=0.9, unit=UNIT)
    assert answer.baseline.length_h == 12 and answer.baseline.start_hour == 7
    assert answer.added_fte > 0 and answer.added_served_per_year > 0
    assert min(answer.full.teams_on_duty) >= 1
    assert answer.to_dict()["full_24_7"]["length_h"] == 24
    # Spatial table: overnight rows add up in calls reached too.
    hand = overnight_marginal(hand_table(), share_target=0.9, unit=UNIT, hours_of_day=(0, 1))
    assert hand["cumulative_reached_per_year"].iloc[-1] == pytest.approx(7 * (9 + 15))
    assert hand["hours_target_not_met"].tolist() == [0, 7]


def test_compare_best_window_to_baseline():
    arr = week_profile()
    cmp = compare_best_window(arr, 12, baseline_start=7)
    # Profile peaks 11:00-17:00; best 12-h window is 8:00-20:00 (9 hours over 10 calls).
    assert (cmp.best_start_hour, cmp.best_end_hour) == (8, 20)
    assert cmp.extra_calls_in_best_per_year >= 0
    assert cmp.to_dict()["extra_calls_in_best_per_year"] == cmp.extra_calls_in_best_per_year


def test_hours_answer_keys(scenario):
    answer = hours_answer(erlang_b_hour_values(week_profile(), 1.0, scenario=scenario),
                          scenario=scenario)  # fmt: skip
    assert list(answer.curve["window_h"]) == list(scenario.shifts.daily_windows_h)
    assert answer.to_24_7.full.length_h == 24
    assert answer.best_window.window_h == 12
