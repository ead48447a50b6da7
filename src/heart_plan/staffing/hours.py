"""The "why not 24/7?" answer: pure functions on a table of what k teams bring each hour.

Input is an :class:`~heart_plan.staffing.hour_values.HourValues` table for a service
area: annual eligible calls per hour-of-week bin (bin 0 = Monday 00:00 local) and the
expected calls *reached* and *served* per year in each bin with ``k = 0..K`` teams on duty
(from the spatial queue-aware evaluator; or served only, from Erlang B, when there is no
spatial data).  Hours of the week are treated as independent: the staffing of one hour
never changes another hour's calls, so values per hour add up.

Every answer is stated in the table's **measure** (``values.measure``): calls *reached*
(served within the response standard; CONVENTIONS.md, the headline) when the table is
spatial, with calls *served* beside it; for the Erlang B fallback the measure is *served*
and the reached columns are NaN.  Column names always say which (``expected_reached_per_year``,
``expected_served_per_year``, ...), and every table carries a ``measure`` column.

A **daily window** ``(start_hour, length_h)`` is open the same hours every day and may
cross midnight (``start 19, length 12`` = 19:00-07:00).  Inside an open window each hour
gets the fewest teams whose measure reaches ``share_target`` of its calls (the scenario's
``budget.target_reached_share`` for reached, ``budget.served_share_target`` for served),
at most ``K`` (an hour still short at ``K`` is counted in ``hours_target_not_met``) and at
least ``min_teams_open`` (default 1) so an open hour is staffed; closed hours get 0.
Calls are per year, in the area.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import (
    HOURS_PER_WEEK,
    RosterConfig,
    Scenario,
    ShiftsConfig,
    SolverConfig,
    UnitConfig,
)
from heart_plan.errors import ModelError
from heart_plan.plan import window_length_h
from heart_plan.staffing.erlang import teams_needed_array
from heart_plan.staffing.hour_values import HourValues, Measure
from heart_plan.staffing.pay import cost_per_year_usd
from heart_plan.staffing.shifts import (
    ShiftProblem,
    fte_of_team_hours,
    max_team_hours_per_week,
    plan_shifts,
    solver_config_for_shifts,
)
from heart_plan.staffing.workload import offered_load_by_hour

__all__ = [
    "HourValues",
    "Measure",
    "HoursAnswer",
    "TwentyFourSeven",
    "Window",
    "WindowComparison",
    "WindowStaffing",
    "baseline_to_247",
    "best_window",
    "compare_best_window",
    "erlang_b_hour_values",
    "fte_curve",
    "greedy_allocation",
    "hours_answer",
    "hours_curve",
    "overnight_marginal",
    "staff_window",
    "teams_for_target",
    "window_calls",
    "window_mask",
]

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
    """Teams, FTE, cost and expected calls reached and served for one daily window.

    ``measure`` is what the teams were sized on (``share_target`` of each open hour's
    calls); ``expected_reached_per_year`` is NaN when it is ``"served"``.
    ``hours_target_not_met`` counts open hours of the week short of the target even with
    the table's ``K`` teams.
    """

    start_hour: int
    length_h: int
    calls_in_window_per_year: float
    teams_on_duty: tuple[int, ...]
    team_hours_per_week: int
    peak_teams: int
    fte: float
    cost_per_year_usd: float
    measure: Measure
    share_target: float
    expected_reached_per_year: float
    expected_served_per_year: float
    hours_target_not_met: int

    @property
    def expected_per_year(self) -> float:
        """Expected calls per year of the measure (reached, or served for the fallback)."""
        return (
            self.expected_reached_per_year
            if self.measure == "reached"
            else self.expected_served_per_year
        )

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


def _check_staffing(values: HourValues, share_target: float, min_teams_open: int) -> None:
    if not 0.0 <= share_target <= 1.0:
        raise ModelError(f"share_target must be in [0, 1], got {share_target!r}")
    if not 0 <= min_teams_open <= values.max_teams:
        raise ModelError(
            f"min_teams_open must be in 0..{values.max_teams} (the table's K), got {min_teams_open}"
        )


def teams_for_target(
    values: HourValues,
    mask: NDArray[np.bool_],
    *,
    share_target: float,
    min_teams_open: int = 1,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Teams per hour of week for the hours in ``mask``, and where the target is not met.

    Open hour ``h`` (``mask[h]``) gets ``k_h = max(min_teams_open, min{k : v[h, k] >=
    share_target * arrivals_h})`` with ``v`` = :attr:`HourValues.values` (the table's
    measure; a round-off slack of 1e-12 of the hour's calls); when no ``k <= K`` meets the
    target, ``k_h = K``.  Closed hours get 0.

    Returns
    -------
    teams
        Shape ``(168,)``: teams on duty.
    not_met
        Shape ``(168,)``: open hours whose value at ``k_h`` is below the target.
    """
    _check_staffing(values, share_target, min_teams_open)
    vals = values.values
    arr = values.arrivals_per_year
    threshold = (share_target - 1e-12) * arr
    meets = vals >= threshold[:, None]
    first = np.where(meets.any(axis=1), np.argmax(meets, axis=1), values.max_teams)
    teams = np.where(mask, np.maximum(first, min_teams_open), 0).astype(np.int64)
    got = vals[np.arange(HOURS_PER_WEEK), teams]
    return teams, mask & (got < threshold)


def staff_window(
    values: HourValues,
    start_hour: int,
    length_h: int,
    *,
    share_target: float,
    unit: UnitConfig,
    min_teams_open: int = 1,
    roster: RosterConfig | None = None,
) -> WindowStaffing:
    """Teams per hour for a daily window at the target share of the table's measure.

    Each open hour gets the fewest teams whose expected calls reached (``measure =
    "reached"``) or served (``"served"``) per year are at least ``share_target`` x that
    hour's calls, and at least ``min_teams_open``; if even ``K`` teams fall short the hour
    gets ``K`` and counts in ``hours_target_not_met`` (:func:`teams_for_target`).  FTE and
    cost from the team-hours per week (:func:`heart_plan.staffing.shifts.fte_of_team_hours`);
    with ``roster`` the cost is the pay of the cover with night and weekend differentials
    and the relief factor (:func:`heart_plan.staffing.pay.pay_of_cover`).

    Parameters
    ----------
    values
        The hour-of-week table (:class:`HourValues`).
    start_hour, length_h
        The daily window: start hour of day 0-23 and length 0-24 h (may cross midnight).
    share_target
        Share of each open hour's calls to reach (or serve, for the served fallback).
    unit
        Unit type for FTE and cost.
    min_teams_open
        Fewest teams in an open hour.
    """
    mask = window_mask(start_hour, length_h)
    teams, not_met = teams_for_target(
        values, mask, share_target=share_target, min_teams_open=min_teams_open
    )
    reached, served = values.at(teams)
    team_hours = int(teams.sum())
    return WindowStaffing(
        start_hour=int(start_hour),
        length_h=int(length_h),
        calls_in_window_per_year=float(values.arrivals_per_year[mask].sum()),
        teams_on_duty=tuple(int(t) for t in teams),
        team_hours_per_week=team_hours,
        peak_teams=int(teams.max()),
        fte=fte_of_team_hours(team_hours, unit),
        cost_per_year_usd=cost_per_year_usd(teams, unit, roster),
        measure=values.measure,
        share_target=float(share_target),
        expected_reached_per_year=reached,
        expected_served_per_year=served,
        hours_target_not_met=int(not_met.sum()),
    )


def _share(x: float, total: float) -> float:
    return x / total if total else (math.nan if math.isnan(x) else 0.0)


def hours_curve(
    values: HourValues,
    *,
    windows_h: tuple[int, ...],
    share_target: float,
    unit: UnitConfig,
    min_teams_open: int = 1,
    roster: RosterConfig | None = None,
) -> pd.DataFrame:
    """Calls in window, teams, FTE, cost and calls reached and served for each best window.

    One row per window length: its best daily window (most calls, :func:`best_window`)
    staffed by :func:`staff_window` at ``share_target`` of the table's measure.  Shares are
    of all the area's calls per year (every hour).  ``expected_reached_per_year`` and
    ``reached_share_of_all_calls`` are NaN when ``values.measure`` is ``"served"``.
    """
    arr = values.arrivals_per_year
    total = float(arr.sum())
    rows = []
    for length in windows_h:
        win = best_window(arr, length)
        st = staff_window(
            values, win.start_hour, win.length_h,
            share_target=share_target, unit=unit, min_teams_open=min_teams_open,
            roster=roster,
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
                "measure": st.measure,
                "expected_reached_per_year": st.expected_reached_per_year,
                "reached_share_of_all_calls": _share(st.expected_reached_per_year, total),
                "expected_served_per_year": st.expected_served_per_year,
                "served_share_of_all_calls": _share(st.expected_served_per_year, total),
                "hours_target_not_met": st.hours_target_not_met,
            }
        )
    return pd.DataFrame(rows)


def greedy_allocation(
    values: HourValues,
    team_hours_per_week: int,
    *,
    max_teams_per_hour: int | None = None,
) -> NDArray[np.int64]:
    """Teams per hour maximizing the table's measure for a pure team-hour budget.

    Adds one team at a time to the hour whose next team gains the most of the measure
    (calls reached, or served for the fallback) per year, ``inc[h, k-1] = v[h, k] -
    v[h, k-1]``, up to ``team_hours_per_week`` teams and ``min(K, max_teams_per_hour)``
    per hour.  Ties: lower hour first.  Zero- or negative-gain teams are never added.

    When each hour's increments are non-increasing in ``k`` (a concave table,
    :meth:`HourValues.is_concave`; always so for Erlang B) this takes the
    ``team_hours_per_week`` largest increments over all (hour, k) pairs, which form a
    prefix per hour, and the allocation is optimal for a budget on team-hours alone (no
    shift shapes).  For a non-concave table (a spatial table whose post set changes with
    ``k``) it is a heuristic: a later team may gain more than an earlier one.
    """
    inc = values.increments(max_teams_per_hour)
    cap = inc.shape[1]
    budget = max(0, int(team_hours_per_week))
    teams = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
    if values.is_concave(max_teams_per_hour):
        flat = inc.ravel()
        order = np.argsort(-flat, kind="stable")
        take = order[:budget]
        take = take[flat[take] > 0]
        np.add.at(teams, take // cap, 1)
        return teams
    heap = [(-float(inc[h, 0]), h) for h in range(HOURS_PER_WEEK)]
    heapq.heapify(heap)
    for _ in range(budget):
        if not heap or -heap[0][0] <= 0:
            break
        _, h = heapq.heappop(heap)
        teams[h] += 1
        if teams[h] < cap:
            heapq.heappush(heap, (-float(inc[h, teams[h]]), h))
    return teams


#: ``busy_time_h`` handed to ``ShiftProblem`` for ``objective="max_reached"``, when the table
#: does not carry one: a placeholder the reached objective ignores (the table gives the
#: calls); ``ShiftProblem`` only needs a positive number.
_PLACEHOLDER_BUSY_TIME_H = 1.0


def _planner_teams(
    values: HourValues,
    budget: float,
    *,
    unit: UnitConfig,
    config: ShiftsConfig,
    solver: SolverConfig,
) -> tuple[NDArray[np.int64], dict[str, Any]]:
    """Teams on duty from the CP-SAT shift planner for one FTE budget, and status / gap."""
    arr = tuple(float(x) for x in values.arrivals_per_year)
    if config.max_teams_per_hour > values.max_teams:
        raise ModelError(
            f"shifts.max_teams_per_hour = {config.max_teams_per_hour} exceeds the hour table's "
            f"K = {values.max_teams}; tabulate more teams"
        )
    if values.measure == "served":
        if values.busy_time_h is None:
            raise ModelError("fte_curve(method='planner') on calls served needs values.busy_time_h")
        problem = ShiftProblem(arr, values.busy_time_h, budget_fte=budget)
    else:
        problem = ShiftProblem(
            arr,
            busy_time_h=values.busy_time_h or _PLACEHOLDER_BUSY_TIME_H,
            budget_fte=budget,
            objective="max_reached",
            reached_per_year_by_how_teams=values.reached_per_year,
            served_per_year_by_how_teams=values.served_per_year,
        )
    res = plan_shifts(problem, config=config, unit=unit, solver=solver)
    return np.asarray(res.teams_on_duty, dtype=np.int64), {"status": res.status, "gap": res.gap}


def fte_curve(
    values: HourValues,
    *,
    budgets_fte: tuple[float, ...],
    unit: UnitConfig,
    max_teams_per_hour: int | None = None,
    method: str = "greedy",
    config: ShiftsConfig | None = None,
    solver: SolverConfig | None = None,
    roster: RosterConfig | None = None,
) -> pd.DataFrame:
    """Expected eligible calls reached and served per year as the FTE budget grows
    (cost: :func:`heart_plan.staffing.pay.cost_per_year_usd` with ``roster``).

    ``method="greedy"``: :func:`greedy_allocation` of the budget's team-hours per week
    (:func:`heart_plan.staffing.shifts.max_team_hours_per_week`) on increments of the
    table's measure (hour-by-hour staffing, no shift shapes: an upper bound on what shifts
    achieve when the table is concave; column ``table_concave`` says whether it is, and
    when not the greedy is a heuristic).  ``method="planner"``: the CP-SAT shift planner
    with ``config`` and ``solver`` (real shifts; adds ``status`` and ``gap``), on calls
    served for the Erlang B fallback and on calls reached (objective ``max_reached``) for a
    spatial table.  Reached and served per year are read from the table at the chosen
    teams; ``marginal_*_per_fte`` is the gain over the previous budget per FTE added.
    Reached columns are NaN when ``values.measure`` is ``"served"``.
    """
    total = float(values.arrivals_per_year.sum())
    concave = values.is_concave(max_teams_per_hour)
    rows = []
    prev_reached = prev_served = prev_fte = 0.0
    for budget in budgets_fte:
        row: dict[str, Any] = {"budget_fte": float(budget), "method": method}
        if method == "greedy":
            cap = max_team_hours_per_week(budget, unit)
            teams = greedy_allocation(values, cap, max_teams_per_hour=max_teams_per_hour)
            row["table_concave"] = concave
        elif method == "planner":
            if config is None or solver is None:
                raise ModelError("fte_curve(method='planner') needs config and solver")
            teams, extra = _planner_teams(values, budget, unit=unit, config=config, solver=solver)
            row |= extra
        else:
            raise ModelError(f"fte_curve method must be 'greedy' or 'planner', got {method!r}")
        reached, served = values.at(teams)
        team_hours = int(teams.sum())
        fte = fte_of_team_hours(team_hours, unit)
        gain = fte - prev_fte
        row |= {
            "team_hours_per_week": team_hours,
            "fte_used": fte,
            "cost_per_year_usd": cost_per_year_usd(teams, unit, roster),
            "measure": values.measure,
            "expected_reached_per_year": reached,
            "reached_share": _share(reached, total),
            "expected_served_per_year": served,
            "served_share": _share(served, total),
            "marginal_reached_per_fte": (reached - prev_reached) / gain if gain > 0 else 0.0,
            "marginal_served_per_fte": (served - prev_served) / gain if gain > 0 else 0.0,
        }
        prev_reached, prev_served, prev_fte = reached, served, fte
        rows.append(row)
    return pd.DataFrame(rows)


def overnight_marginal(
    values: HourValues,
    *,
    share_target: float,
    unit: UnitConfig,
    hours_of_day: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    min_teams_open: int = 1,
    roster: RosterConfig | None = None,
) -> pd.DataFrame:
    """What each added overnight hour of day (every day of the week) would reach and cost.

    Each row is that hour's own staffing at ``share_target`` of the table's measure
    (:func:`staff_window` with a 1-hour window); the table gives each hour's value for its
    own team count, so hours add up and ``cumulative_*`` columns add them in the order
    given.  ``*_per_fte`` divide by the hour's FTE.  Reached columns are NaN when
    ``values.measure`` is ``"served"``.
    """
    rows = []
    cum_reached = cum_served = cum_fte = cum_cost = 0.0
    for hour in hours_of_day:
        st = staff_window(
            values, int(hour), 1,
            share_target=share_target, unit=unit, min_teams_open=min_teams_open,
            roster=roster,
        )  # fmt: skip
        cum_reached += st.expected_reached_per_year
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
                "measure": st.measure,
                "expected_reached_per_year": st.expected_reached_per_year,
                "expected_served_per_year": st.expected_served_per_year,
                "reached_per_fte": st.expected_reached_per_year / st.fte if st.fte else 0.0,
                "served_per_fte": st.expected_served_per_year / st.fte if st.fte else 0.0,
                "cumulative_reached_per_year": cum_reached,
                "cumulative_served_per_year": cum_served,
                "cumulative_fte": cum_fte,
                "cumulative_cost_per_year_usd": cum_cost,
                "hours_target_not_met": st.hours_target_not_met,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TwentyFourSeven:
    """Baseline daily window vs 24/7 at the same target share of the table's measure."""

    baseline: WindowStaffing
    full: WindowStaffing
    #: ``"reached"`` or ``"served"``: what ``share_target`` applies to.
    measure: Measure
    share_target: float

    @property
    def added_fte(self) -> float:
        """FTE to add to go from the baseline window to 24/7."""
        return self.full.fte - self.baseline.fte

    @property
    def added_cost_per_year_usd(self) -> float:
        """Cost per year to add."""
        return self.full.cost_per_year_usd - self.baseline.cost_per_year_usd

    @property
    def added_reached_per_year(self) -> float:
        """Expected eligible calls reached per year gained (NaN for the served fallback)."""
        return self.full.expected_reached_per_year - self.baseline.expected_reached_per_year

    @property
    def added_served_per_year(self) -> float:
        """Expected eligible calls served per year gained."""
        return self.full.expected_served_per_year - self.baseline.expected_served_per_year

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict without the 168-value arrays."""
        out: dict[str, Any] = {"measure": self.measure, "share_target": self.share_target}
        for key, st in (("baseline", self.baseline), ("full_24_7", self.full)):
            d = st.to_dict()
            d.pop("teams_on_duty")
            out[key] = d
        out |= {
            "added_fte": self.added_fte,
            "added_cost_per_year_usd": self.added_cost_per_year_usd,
            "added_reached_per_year": self.added_reached_per_year,
            "added_served_per_year": self.added_served_per_year,
        }
        return out


def baseline_to_247(
    values: HourValues,
    *,
    share_target: float,
    unit: UnitConfig,
    baseline_start: int = 7,
    baseline_end: int = 19,
    min_teams_open: int = 1,
    roster: RosterConfig | None = None,
) -> TwentyFourSeven:
    """FTE, cost, calls reached and served: the baseline daily window vs 24/7.

    Both at the same ``share_target`` of the table's measure per open hour
    (:func:`staff_window`).
    """
    length = window_length_h(baseline_start, baseline_end)
    kw: dict[str, Any] = {
        "share_target": share_target,
        "unit": unit,
        "min_teams_open": min_teams_open,
        "roster": roster,
    }
    return TwentyFourSeven(
        baseline=staff_window(values, baseline_start, length, **kw),
        full=staff_window(values, 0, 24, **kw),
        measure=values.measure,
        share_target=float(share_target),
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
    #: :func:`fte_curve`: calls reached and served as the FTE budget grows (one method, or
    #: both stacked).
    fte_curve: pd.DataFrame
    #: :func:`overnight_marginal`: what each added overnight hour brings.
    overnight: pd.DataFrame
    #: The baseline daily window against 24/7 at the same target.
    to_24_7: TwentyFourSeven
    #: The best window of the baseline's length against the baseline window (calls only).
    best_window: WindowComparison
    #: ``"reached"`` or ``"served"``: the measure every answer is staffed and stated in.
    measure: Measure
    #: Target share of each open hour's calls in that measure.
    share_target: float


def share_target_for(values: HourValues, scenario: Scenario) -> float:
    """The scenario's per-hour target for the table's measure.

    ``budget.target_reached_share`` for ``"reached"``, ``budget.served_share_target`` for
    the served fallback.
    """
    if values.measure == "reached":
        return float(scenario.budget.target_reached_share)
    return float(scenario.budget.served_share_target)


def erlang_b_hour_values(
    arrivals_by_how: ArrayLike, busy_time_h: float, *, scenario: Scenario
) -> HourValues:
    """The served-only Erlang B table (:meth:`HourValues.erlang_b`) with ``K`` large enough.

    ``K = max(shifts.max_teams_per_hour, teams needed for budget.served_share_target in
    the busiest hour)``, so every hour can meet the served target (as the loss model
    always can) and the FTE curve can use its full per-hour cap.
    """
    arr = _arrivals(arrivals_by_how)
    load = offered_load_by_hour(arr, busy_time_h)
    needed = teams_needed_array(load, scenario.budget.served_share_target)
    k = max(int(scenario.shifts.max_teams_per_hour), int(needed.max()), 1)
    return HourValues.erlang_b(arr, busy_time_h, k)


def hours_answer(
    values: HourValues,
    *,
    scenario: Scenario,
    fte_curve_method: str = "greedy",
) -> HoursAnswer:
    """Every piece of the 24/7 answer for one area, with the scenario's settings.

    Target per open hour from :func:`share_target_for` (reached or served, after
    ``values.measure``); baseline window from ``[baseline]``; window lengths, FTE budgets
    and the per-hour team cap from ``[shifts]``.  ``fte_curve_method`` is ``"greedy"``,
    ``"planner"`` or ``"both"`` (stacked).
    """
    unit = scenario.crt
    target = share_target_for(values, scenario)
    base = scenario.baseline
    base_len = window_length_h(base.hours_start, base.hours_end)
    curves = []
    methods = ("greedy", "planner") if fte_curve_method == "both" else (fte_curve_method,)
    for method in methods:
        curves.append(
            fte_curve(
                values,
                budgets_fte=tuple(scenario.shifts.fte_curve_budgets),
                unit=unit,
                max_teams_per_hour=scenario.shifts.max_teams_per_hour,
                method=method,
                roster=scenario.roster,
                config=scenario.shifts,
                solver=solver_config_for_shifts(scenario),
            )  # fmt: skip
        )
    arr = values.arrivals_per_year
    return HoursAnswer(
        curve=hours_curve(
            values,
            windows_h=tuple(scenario.shifts.daily_windows_h),
            share_target=target,
            unit=unit,
            roster=scenario.roster,
        ),  # fmt: skip
        fte_curve=pd.concat(curves, ignore_index=True),
        overnight=overnight_marginal(
            values, share_target=target, unit=unit, roster=scenario.roster
        ),
        to_24_7=baseline_to_247(
            values,
            share_target=target,
            unit=unit,
            baseline_start=base.hours_start,
            baseline_end=base.hours_end,
            roster=scenario.roster,
        ),  # fmt: skip
        best_window=compare_best_window(
            arr, base_len if base_len != 24 else 12, baseline_start=base.hours_start
        ),
        measure=values.measure,
        share_target=target,
    )
