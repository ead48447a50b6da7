"""The "why not 24/7?" answer: pure functions on the 168 hour-of-week arrivals.

Inputs are annual eligible calls per hour-of-week bin for a service area (bin 0 = Monday
00:00 local) and the mean busy time per call; the loss-system model of
:mod:`heart_plan.staffing.workload` turns them into offered loads.  Hours of the week
are independent loss systems, so the staffing of one hour never changes another hour's
served calls: marginal values per hour add up.

A **daily window** ``(start_hour, length_h)`` is open the same hours every day and may
cross midnight (``start 19, length 12`` = 19:00-07:00).  Inside an open window each hour
gets the fewest teams that serve ``served_share_target`` of its calls (Erlang B), and at
least ``min_teams_open`` (default 1) so an open hour is staffed; closed hours get 0.

Measures: *served* (handled by HEART at all; CONVENTIONS.md), per year, in the area.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK, Scenario, ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import ModelError
from heart_plan.plan import window_length_h
from heart_plan.staffing.erlang import erlang_b_array, served_increments, teams_needed_array
from heart_plan.staffing.shifts import (
    ShiftProblem,
    cost_of_team_hours,
    fte_of_team_hours,
    max_team_hours_per_week,
    plan_shifts,
    solver_config_for_shifts,
)
from heart_plan.staffing.workload import offered_load_by_hour

_HOUR_OF_DAY = np.arange(HOURS_PER_WEEK) % 24


@dataclass(frozen=True)
class Window:
    """A daily window and the eligible calls per year inside it."""

    start_hour: int
    length_h: int
    calls_per_year: float
    share_of_calls: float

    @property
    def end_hour(self) -> int:
        """End hour of day (exclusive; 24 h windows end where they start)."""
        return (self.start_hour + self.length_h) % 24


@dataclass(frozen=True)
class WindowStaffing:
    """Teams, FTE, cost and expected calls served for one daily window."""

    start_hour: int
    length_h: int
    calls_in_window_per_year: float
    teams_on_duty: tuple[int, ...]
    team_hours_per_week: int
    peak_teams: int
    fte: float
    cost_per_year_usd: float
    expected_served_per_year: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def window_mask(start_hour: int, length_h: int) -> NDArray[np.bool_]:
    """Which of the 168 bins a daily window ``[start, start + length)`` covers."""
    if not 0 <= start_hour < 24 or not 0 <= length_h <= 24:
        raise ModelError(
            f"window start must be 0-23 and length 0-24 h, got {start_hour}, {length_h}"
        )
    hours = {(start_hour + i) % 24 for i in range(length_h)}
    return np.isin(_HOUR_OF_DAY, sorted(hours))


def _arrivals(arrivals_by_how: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(arrivals_by_how, dtype=float)
    if arr.shape != (HOURS_PER_WEEK,) or np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise ModelError(f"arrivals_by_how must be {HOURS_PER_WEEK} finite values >= 0")
    return arr


def best_window(arrivals_by_how: ArrayLike, window_h: int) -> Window:
    """The daily window of ``window_h`` hours (same start every day) with the most calls.

    Ties go to the earliest start hour.
    """
    arr = _arrivals(arrivals_by_how)
    by_hour = arr.reshape(7, 24).sum(axis=0)
    total = float(arr.sum())
    if window_h >= 24:
        return Window(0, 24, total, 1.0 if total else 0.0)
    if window_h <= 0:
        raise ModelError(f"window length must be 1-24 hours, got {window_h}")
    sums = [sum(by_hour[(s + i) % 24] for i in range(window_h)) for s in range(24)]
    best = int(np.argmax(np.round(sums, 9)))
    calls = float(sums[best])
    return Window(best, int(window_h), calls, calls / total if total else 0.0)


def window_calls(arrivals_by_how: ArrayLike, start_hour: int, length_h: int) -> Window:
    """Calls per year inside a given daily window."""
    arr = _arrivals(arrivals_by_how)
    calls = float(arr[window_mask(start_hour, length_h)].sum())
    total = float(arr.sum())
    return Window(start_hour, length_h, calls, calls / total if total else 0.0)


def staff_window(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    start_hour: int,
    length_h: int,
    *,
    served_share_target: float,
    unit: UnitConfig,
    min_teams_open: int = 1,
) -> WindowStaffing:
    """Teams per hour for a daily window at the served-share target, and what it costs."""
    arr = _arrivals(arrivals_by_how)
    load = offered_load_by_hour(arr, busy_time_h)
    mask = window_mask(start_hour, length_h)
    needed = teams_needed_array(load, served_share_target)
    teams = np.where(mask, np.maximum(needed, min_teams_open), 0).astype(np.int64)
    served = arr * (1.0 - erlang_b_array(teams, load))
    team_hours = int(teams.sum())
    return WindowStaffing(
        start_hour=int(start_hour),
        length_h=int(length_h),
        calls_in_window_per_year=float(arr[mask].sum()),
        teams_on_duty=tuple(int(t) for t in teams),
        team_hours_per_week=team_hours,
        peak_teams=int(teams.max()) if teams.size else 0,
        fte=fte_of_team_hours(team_hours, unit),
        cost_per_year_usd=cost_of_team_hours(team_hours, unit),
        expected_served_per_year=float(served.sum()),
    )


def hours_curve(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    *,
    windows_h: tuple[int, ...],
    served_share_target: float,
    unit: UnitConfig,
    min_teams_open: int = 1,
) -> pd.DataFrame:
    """Calls in window, teams, FTE, cost and calls served per year for each best window.

    One row per window length (its best daily window by :func:`best_window`).
    """
    arr = _arrivals(arrivals_by_how)
    total = float(arr.sum())
    rows = []
    for length in windows_h:
        win = best_window(arr, length)
        st = staff_window(
            arr, busy_time_h, win.start_hour, win.length_h,
            served_share_target=served_share_target, unit=unit, min_teams_open=min_teams_open,
        )  # fmt: skip
        rows.append(
            {
                "window_h": int(length),
                "start_hour": win.start_hour,
                "end_hour": win.end_hour,
                "calls_in_window_per_year": win.calls_per_year,
                "share_of_calls_in_window": win.share_of_calls,
                "team_hours_per_week": st.team_hours_per_week,
                "peak_teams": st.peak_teams,
                "fte": st.fte,
                "cost_per_year_usd": st.cost_per_year_usd,
                "expected_served_per_year": st.expected_served_per_year,
                "served_share_of_all_calls": st.expected_served_per_year / total if total else 0.0,
            }
        )
    return pd.DataFrame(rows)


def greedy_allocation(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    team_hours_per_week: int,
    *,
    max_teams_per_hour: int,
) -> NDArray[np.int64]:
    """Teams per hour maximizing expected calls served for a pure team-hour budget.

    Takes the ``team_hours_per_week`` largest Erlang-B increments over all (hour, k-th
    team) pairs.  Each hour's increments are non-increasing in k (served share is concave
    in teams), so the chosen set is a prefix per hour and the allocation is optimal for a
    budget on team-hours alone (no shift shapes).  Ties: lower hour, then lower k.
    Zero-gain increments are never taken.
    """
    arr = _arrivals(arrivals_by_how)
    load = offered_load_by_hour(arr, busy_time_h)
    inc = served_increments(arr, load, max_teams_per_hour)
    flat = inc.ravel()
    order = np.argsort(-flat, kind="stable")
    take = order[: max(0, int(team_hours_per_week))]
    take = take[flat[take] > 0]
    teams = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
    np.add.at(teams, take // max_teams_per_hour, 1)
    return teams


def fte_curve(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    *,
    budgets_fte: tuple[float, ...],
    unit: UnitConfig,
    max_teams_per_hour: int,
    method: str = "greedy",
    config: ShiftsConfig | None = None,
    solver: SolverConfig | None = None,
) -> pd.DataFrame:
    """Expected eligible calls served per year as the FTE budget grows.

    ``method="greedy"``: :func:`greedy_allocation` (hour-by-hour staffing, no shift
    shapes; an upper bound on what shifts can achieve).  ``method="planner"``: the CP-SAT
    shift planner with ``config`` and ``solver`` (real shifts; adds ``status`` and ``gap``).
    """
    arr = _arrivals(arrivals_by_how)
    load = offered_load_by_hour(arr, busy_time_h)
    total = float(arr.sum())
    rows = []
    prev_served, prev_fte = 0.0, 0.0
    for budget in budgets_fte:
        row: dict[str, Any] = {"budget_fte": float(budget), "method": method}
        if method == "greedy":
            cap = max_team_hours_per_week(budget, unit)
            teams = greedy_allocation(arr, busy_time_h, cap, max_teams_per_hour=max_teams_per_hour)
            served = float((arr * (1.0 - erlang_b_array(teams, load))).sum())
            team_hours = int(teams.sum())
        elif method == "planner":
            if config is None or solver is None:
                raise ModelError("fte_curve(method='planner') needs config and solver")
            problem = ShiftProblem(tuple(arr), busy_time_h, budget_fte=budget)
            res = plan_shifts(problem, config=config, unit=unit, solver=solver)
            served, team_hours = res.expected_served_per_year, res.team_hours_per_week
            row |= {"status": res.status, "gap": res.gap}
        else:
            raise ModelError(f"fte_curve method must be 'greedy' or 'planner', got {method!r}")
        fte = fte_of_team_hours(team_hours, unit)
        row |= {
            "team_hours_per_week": team_hours,
            "fte_used": fte,
            "cost_per_year_usd": cost_of_team_hours(team_hours, unit),
            "expected_served_per_year": served,
            "served_share": served / total if total else 0.0,
            "marginal_served_per_fte": (served - prev_served) / (fte - prev_fte)
            if fte > prev_fte
            else 0.0,
        }
        prev_served, prev_fte = served, fte
        rows.append(row)
    return pd.DataFrame(rows)


def overnight_marginal(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    *,
    served_share_target: float,
    unit: UnitConfig,
    hours_of_day: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    min_teams_open: int = 1,
) -> pd.DataFrame:
    """What each added overnight hour of day (every day of the week) would serve and cost.

    Hours are independent loss systems, so each row is that hour's own staffing at the
    target; ``cumulative_*`` columns add the hours in the order given.
    """
    arr = _arrivals(arrivals_by_how)
    rows = []
    cum_served = cum_fte = cum_cost = 0.0
    for hour in hours_of_day:
        st = staff_window(
            arr, busy_time_h, int(hour), 1,
            served_share_target=served_share_target, unit=unit, min_teams_open=min_teams_open,
        )  # fmt: skip
        cum_served += st.expected_served_per_year
        cum_fte += st.fte
        cum_cost += st.cost_per_year_usd
        rows.append(
            {
                "hour_of_day": int(hour),
                "calls_per_year": st.calls_in_window_per_year,
                "team_hours_per_week": st.team_hours_per_week,
                "peak_teams": st.peak_teams,
                "fte": st.fte,
                "cost_per_year_usd": st.cost_per_year_usd,
                "expected_served_per_year": st.expected_served_per_year,
                "served_per_fte": st.expected_served_per_year / st.fte if st.fte else 0.0,
                "cumulative_served_per_year": cum_served,
                "cumulative_fte": cum_fte,
                "cumulative_cost_per_year_usd": cum_cost,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TwentyFourSeven:
    """Baseline daily window vs 24/7 at the same served-share target."""

    baseline: WindowStaffing
    full: WindowStaffing
    served_share_target: float

    @property
    def added_fte(self) -> float:
        """FTE to add to go from the baseline window to 24/7."""
        return self.full.fte - self.baseline.fte

    @property
    def added_cost_per_year_usd(self) -> float:
        """Cost per year to add."""
        return self.full.cost_per_year_usd - self.baseline.cost_per_year_usd

    @property
    def added_served_per_year(self) -> float:
        """Expected eligible calls served per year gained."""
        return self.full.expected_served_per_year - self.baseline.expected_served_per_year

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict without the 168-value arrays."""
        out: dict[str, Any] = {"served_share_target": self.served_share_target}
        for key, st in (("baseline", self.baseline), ("full_24_7", self.full)):
            d = st.to_dict()
            d.pop("teams_on_duty")
            out[key] = d
        out |= {
            "added_fte": self.added_fte,
            "added_cost_per_year_usd": self.added_cost_per_year_usd,
            "added_served_per_year": self.added_served_per_year,
        }
        return out


def baseline_to_247(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    *,
    served_share_target: float,
    unit: UnitConfig,
    baseline_start: int = 7,
    baseline_end: int = 19,
    min_teams_open: int = 1,
) -> TwentyFourSeven:
    """FTE and cost of the baseline daily window vs 24/7 at the same served-share target."""
    length = window_length_h(baseline_start, baseline_end)
    kw: dict[str, Any] = {
        "served_share_target": served_share_target,
        "unit": unit,
        "min_teams_open": min_teams_open,
    }
    return TwentyFourSeven(
        baseline=staff_window(arrivals_by_how, busy_time_h, baseline_start, length, **kw),
        full=staff_window(arrivals_by_how, busy_time_h, 0, 24, **kw),
        served_share_target=served_share_target,
    )


@dataclass(frozen=True)
class WindowComparison:
    """The best daily window of ``window_h`` hours against the baseline's window."""

    window_h: int
    best_start_hour: int
    best_end_hour: int
    best_calls_per_year: float
    best_share_of_calls: float
    baseline_start_hour: int
    baseline_end_hour: int
    baseline_calls_per_year: float
    baseline_share_of_calls: float

    @property
    def extra_calls_in_best_per_year(self) -> float:
        """Eligible calls per year the best window holds beyond the baseline's."""
        return self.best_calls_per_year - self.baseline_calls_per_year

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``run.json`` ``best_12h_window``)."""
        return asdict(self) | {"extra_calls_in_best_per_year": self.extra_calls_in_best_per_year}


def compare_best_window(
    arrivals_by_how: ArrayLike, window_h: int = 12, *, baseline_start: int = 7
) -> WindowComparison:
    """The best daily window of ``window_h`` hours vs the baseline's window (07:00 start)."""
    best = best_window(arrivals_by_how, window_h)
    base = window_calls(arrivals_by_how, baseline_start, window_h)
    return WindowComparison(
        window_h=int(window_h),
        best_start_hour=best.start_hour,
        best_end_hour=best.end_hour,
        best_calls_per_year=best.calls_per_year,
        best_share_of_calls=best.share_of_calls,
        baseline_start_hour=base.start_hour,
        baseline_end_hour=base.end_hour,
        baseline_calls_per_year=base.calls_per_year,
        baseline_share_of_calls=base.share_of_calls,
    )


@dataclass(frozen=True, eq=False)
class HoursAnswer:
    """Every piece of the 24/7 answer for one area (:func:`hours_answer`)."""

    #: :func:`hours_curve`: best daily window of each length and what staffing it takes.
    curve: pd.DataFrame
    #: :func:`fte_curve`: calls served as the FTE budget grows (one method, or both stacked).
    fte_curve: pd.DataFrame
    #: :func:`overnight_marginal`: what each added overnight hour brings.
    overnight: pd.DataFrame
    #: The baseline daily window against 24/7 at the same served-share target.
    to_24_7: TwentyFourSeven
    #: The best window of the baseline's length against the baseline window.
    best_window: WindowComparison


def hours_answer(
    arrivals_by_how: ArrayLike,
    busy_time_h: float,
    *,
    scenario: Scenario,
    fte_curve_method: str = "greedy",
) -> HoursAnswer:
    """Every piece of the 24/7 answer for one area, with the scenario's settings
    (baseline window from ``[baseline]``).
    """
    unit = scenario.crt
    target = scenario.budget.served_share_target
    base = scenario.baseline
    base_len = window_length_h(base.hours_start, base.hours_end)
    curves = []
    methods = ("greedy", "planner") if fte_curve_method == "both" else (fte_curve_method,)
    for method in methods:
        curves.append(
            fte_curve(
                arrivals_by_how,
                busy_time_h,
                budgets_fte=tuple(scenario.shifts.fte_curve_budgets),
                unit=unit,
                max_teams_per_hour=scenario.shifts.max_teams_per_hour,
                method=method,
                config=scenario.shifts,
                solver=solver_config_for_shifts(scenario),
            )  # fmt: skip
        )
    return HoursAnswer(
        curve=hours_curve(
            arrivals_by_how,
            busy_time_h,
            windows_h=tuple(scenario.shifts.daily_windows_h),
            served_share_target=target,
            unit=unit,
        ),  # fmt: skip
        fte_curve=pd.concat(curves, ignore_index=True),
        overnight=overnight_marginal(
            arrivals_by_how, busy_time_h, served_share_target=target, unit=unit
        ),
        to_24_7=baseline_to_247(
            arrivals_by_how,
            busy_time_h,
            served_share_target=target,
            unit=unit,
            baseline_start=base.hours_start,
            baseline_end=base.hours_end,
        ),  # fmt: skip
        best_window=compare_best_window(
            arrivals_by_how, base_len if base_len != 24 else 12, baseline_start=base.hours_start
        ),
    )
