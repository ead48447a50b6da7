"""Trace-driven simulation: replay eligible calls against a plan (issue 7).

``trace`` builds the call trace, ``onscene`` the on-scene samplers, ``deployment`` what a
plan puts on the road, ``engine`` the pure event loop, ``results`` the frozen results with 95% confidence intervals.
"""

from heart_plan.simulation.deployment import Deployment, MatrixTravel, TravelFn
from heart_plan.simulation.engine import simulate
from heart_plan.simulation.onscene import (
    ConstantOnScene,
    ExponentialOnScene,
    LognormalOnScene,
    on_scene_from_unit,
)
from heart_plan.simulation.results import REASONS, Estimate, SimulationResult, mean_ci
from heart_plan.simulation.trace import CallTrace, make_trace, synthetic_trace, trace_from_calls

__all__ = [
    "REASONS",
    "CallTrace",
    "ConstantOnScene",
    "Deployment",
    "Estimate",
    "ExponentialOnScene",
    "LognormalOnScene",
    "MatrixTravel",
    "SimulationResult",
    "TravelFn",
    "make_trace",
    "mean_ci",
    "on_scene_from_unit",
    "simulate",
    "synthetic_trace",
    "trace_from_calls",
]
