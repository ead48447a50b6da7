"""Eligible-call demand: calibration to published totals, completion, hour-of-week shape,
demand points, leave-beats-out validation, and call replay for the simulator.

Public API: ``build_demand(inputs, scenario) -> Demand`` and
``replay_calls(demand, inputs, scenario, *, year, seed, observed_only) -> DataFrame``.
"""

from __future__ import annotations

from heart_plan.demand.build import Demand, build_demand, observed_window
from heart_plan.demand.calibrate import calibrate_rates, calibration_check
from heart_plan.demand.replay import replay_calls

__all__ = [
    "Demand",
    "build_demand",
    "calibrate_rates",
    "calibration_check",
    "observed_window",
    "replay_calls",
]
