"""The analysts' API: load a scenario, build the planning context, run the plan, simulate a
plan.  Notebooks use only these functions (``import heart_plan as hp``).

>>> import heart_plan as hp
>>> scenario = hp.load_scenario(overrides={"response.standard_s": 600})
>>> ctx = hp.build_context(scenario)                         # data, demand, road network
>>> result = hp.run_plan(scenario)                            # the whole run, typed
>>> result.recommended.reached_share                          # simulated, citywide
>>> sim = hp.simulate_plan(result.recommended.plan, scenario) # replay any plan
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heart_plan.config import Scenario, with_overrides
from heart_plan.config import load_scenario as _load_scenario_file

if TYPE_CHECKING:
    from heart_plan.plan import Plan
    from heart_plan.planning.context import PlanningContext
    from heart_plan.planning.results import RunResult
    from heart_plan.simulation.results import SimulationResult


def load_scenario(
    path: str | Path | None = None, *, overrides: dict[str, Any] | None = None
) -> Scenario:
    """A scenario file (the embedded Durham default when ``path`` is None) with dotted-key
    ``overrides`` applied and validated (``{"budget.crt_fte": 40}``).
    """
    return with_overrides(_load_scenario_file(path), overrides or {})


def build_context(
    scenario: Scenario,
    *,
    mirror: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> PlanningContext:
    """Inputs, calibrated demand, road network, demand nodes and candidate sites."""
    from heart_plan.planning.context import build_context as build

    return build(scenario, mirror, progress=progress)


def run_plan(
    scenario: Scenario,
    *,
    mirror: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """The whole run (what ``heart-plan run`` computes) as a typed result; no files."""
    from heart_plan.planning.run import run_plan as run

    return run(scenario, mirror=mirror, progress=progress)


def simulate_plan(
    plan: Plan,
    scenario: Scenario,
    *,
    ctx: PlanningContext | None = None,
    mirror: str | Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> SimulationResult:
    """Replay a year of eligible calls (observed + modeled) against ``plan``.

    Pass ``ctx`` (from :func:`build_context`) to reuse loaded data; replications and seed
    default to the scenario's ``[simulation]``.
    """
    from heart_plan.planning.context import build_context as build
    from heart_plan.planning.replay import replay_inputs
    from heart_plan.planning.replay import simulate_plan as simulate

    sim = scenario.simulation
    seed = sim.seed if seed is None else seed
    ctx = ctx if ctx is not None else build(scenario, mirror)
    replay = replay_inputs(ctx, seed=seed, observed_only=sim.observed_only)
    reps = sim.replications if replications is None else replications
    return simulate(plan, scenario, replay, replications=reps, seed=seed)
