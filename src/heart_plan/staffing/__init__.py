"""Staffing: loss-system (Erlang B) sizing, workload, the CP-SAT shift planner and the
pure functions behind the "why not 24/7?" answer.

Modules, in data-flow order:

``erlang``   Erlang B blocking by the stable recursion; served share; teams needed.
``workload`` busy time per call and offered load per hour of week.
``shifts``   CP-SAT shift planner (teams starting each shift template on each day).
``hour_values`` calls arriving, reached and served per hour of week and team count
             (``HourValues``; spatial, or the Erlang B served-only fallback).
``hours``    best daily windows, hours curve, FTE curve, overnight marginals, 24/7 cost,
             all in the table's measure (reached; served for the fallback).
"""

from __future__ import annotations

from heart_plan.staffing.erlang import (
    erlang_b,
    erlang_b_array,
    served_increments,
    served_share,
    teams_needed,
    teams_needed_array,
)
from heart_plan.staffing.workload import (
    WEEKS_PER_YEAR,
    arrivals_by_how_for_area,
    arrivals_per_hour,
    busy_time_h,
    offered_load_by_hour,
)

__all__ = [
    "WEEKS_PER_YEAR",
    "arrivals_by_how_for_area",
    "arrivals_per_hour",
    "busy_time_h",
    "erlang_b",
    "erlang_b_array",
    "offered_load_by_hour",
    "served_increments",
    "served_share",
    "teams_needed",
    "teams_needed_array",
]
