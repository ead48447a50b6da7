"""Wiring the simulator to Durham data: replayed calls -> snapped trace -> drive times.

Data flow: ``context.build_context`` (the calls file of ``--calls`` replaces ``[calls]
dataset``) -> ``replay_calls`` (observed calls plus flagged modeled calls) ->
``snap_table`` (scene = nearest road node) -> :func:`trace_from_calls` over the year (or
the observed window with ``observed_only``).  Drive times are the network engine's
node-to-node times per band (``DriveTimeEngine.pairs``) plus the access legs the
optimizers' matrix also counts: call point <-> its road node (the call's snap distance at
``[network] access_speed_kph``) and post site <-> its road node (``Post.access_s``).
With ``[simulation] variation`` other than ``on_scene`` (and a full-year replay) the calls
are augmented (``simulation.variation.augment_calls``) and every simulation gets the
presence mask of :class:`~heart_plan.simulation.variation.Variation` (call-to-call and
demand variation between replications).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.demand import replay_calls
from heart_plan.network.snap import snap_table
from heart_plan.plan import Plan
from heart_plan.planning.context import PlanningContext
from heart_plan.simulation.deployment import Deployment, TravelFn
from heart_plan.simulation.engine import simulate
from heart_plan.simulation.onscene import on_scene_from_unit
from heart_plan.simulation.results import SimulationResult
from heart_plan.simulation.trace import CallTrace, trace_from_calls
from heart_plan.simulation.variation import Variation, augment_calls, demand_sigma


@dataclass(frozen=True)
class ReplayInfo:
    """What was replayed: call counts by basis, snapping and the replay's settings."""

    replayed_calls: int
    observed_calls: int
    modeled_calls: int
    snap_beyond_warn: int
    snap_outside_extent: int
    snap_distance_max_m: float
    replay_seed: int
    observed_only: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (run records)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class ReplayInputs:
    """Everything a plan simulation needs apart from the plan: trace, travel, records."""

    calls: pd.DataFrame
    scene_node: np.ndarray
    access_s: np.ndarray
    travel_s: TravelFn
    observed_only: bool
    info: ReplayInfo
    data_files: dict[str, Path] = field(default_factory=dict)
    variation: Variation | None = None

    def presence_for(
        self, trace: CallTrace, replications: int, seed: int, mode: str | None = None
    ) -> np.ndarray | None:
        """The presence mask of ``trace`` (built by :meth:`trace_for`) for the replay's
        variation, or ``mode`` (``on_scene`` on an augmented replay: the original calls in
        every replication); ``None`` without variation.
        """
        if self.variation is None:
            return None
        v = self.variation
        if mode is not None and mode != v.mode:
            v = dataclasses.replace(v, mode=mode)
        order = pd.Index(self.calls["call_id"].astype(str)).get_indexer(trace.call_id)
        return v.presence(replications, seed, order)

    def trace_for(self, plan: Plan, scenario: Scenario) -> CallTrace:
        """The call trace with ``in_area`` set from the plan's service area."""
        start, end = horizon(scenario, observed_only=self.observed_only)
        return trace_from_calls(
            self.calls,
            self.scene_node,
            service_area_beats=plan.service_area_beats,
            timezone=scenario.calls.timezone,
            start=start,
            end=end,
            access_s=self.access_s,
        )


def horizon(scenario: Scenario, *, observed_only: bool) -> tuple[str, str]:
    """[start, end) local dates: the calibration year, or the observed window."""
    if observed_only:
        end = pd.Timestamp(scenario.calls.observed_end) + pd.Timedelta(days=1)
        return scenario.calls.observed_start, str(end.date())
    year = scenario.demand.calibration_year
    return f"{year}-01-01", f"{year + 1}-01-01"


def replay_inputs(
    ctx: PlanningContext, *, seed: int = 0, observed_only: bool = False
) -> ReplayInputs:
    """Replay and snap the calls of a planning context (inputs, demand, drive-time engine)."""
    scenario = ctx.scenario
    year = scenario.demand.calibration_year
    calls = replay_calls(
        ctx.demand, ctx.inputs, scenario, year=year, seed=seed, observed_only=observed_only
    )
    mode = scenario.simulation.variation
    if observed_only or mode == "on_scene":
        return replay_inputs_of_calls(ctx, calls, seed=seed, observed_only=observed_only)
    calls = augment_calls(calls, year=year, seed=seed)
    replay = replay_inputs_of_calls(ctx, calls, seed=seed, observed_only=observed_only)
    variation = Variation.of(mode, calls, demand_sigma(ctx.demand.intervals))
    return dataclasses.replace(replay, variation=variation)


def replay_inputs_of_calls(
    ctx: PlanningContext, calls: pd.DataFrame, *, seed: int, observed_only: bool
) -> ReplayInputs:
    """Snap a replayed calls frame to the context's road graph and wrap it as
    ``ReplayInputs`` (drive times from ``engine.pairs``).
    """
    scenario, engine = ctx.scenario, ctx.engine
    snaps = snap_table(engine, calls, id_col="call_id", network=scenario.network, on_outside="flag")

    def travel_s(from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        return engine.pairs(from_nodes, to_nodes, band=band)

    info = ReplayInfo(
        replayed_calls=int(len(calls)),
        observed_calls=int((calls["basis"] == "observed").sum()),
        modeled_calls=int((calls["basis"] == "modeled").sum()),
        snap_beyond_warn=int(snaps["beyond_warn"].sum()),
        snap_outside_extent=int(snaps["outside_extent"].sum()),
        snap_distance_max_m=float(snaps["snap_distance_m"].max()) if len(snaps) else 0.0,
        replay_seed=seed,
        observed_only=observed_only,
    )
    return ReplayInputs(
        calls=calls,
        scene_node=snaps["node_id"].to_numpy(dtype=np.int64),
        access_s=snaps["access_s"].to_numpy(dtype=float),
        travel_s=travel_s,
        observed_only=observed_only,
        info=info,
        data_files=dict(ctx.inputs.paths),
    )


def simulate_plan(
    plan: Plan,
    scenario: Scenario,
    replay: ReplayInputs,
    *,
    replications: int,
    seed: int,
    variation: str | None = None,
) -> SimulationResult:
    """Simulate ``plan`` over the replayed calls with the scenario's parameters for the
    plan's unit type (the horizon is the replay's: a year, or the observed window), with
    the replay's variation between replications (``variation="on_scene"``: on-scene draws
    only, over the original calls).
    """
    crt = scenario.units.get(plan.unit_type, scenario.crt)
    trace = replay.trace_for(plan, scenario)
    deployment = Deployment.from_plan(plan, scenario.network.band_of_hour())
    return simulate(
        trace,
        deployment,
        replay.travel_s,
        on_scene=on_scene_from_unit(crt),
        standard_s=scenario.response.standard_s,
        turnout_s=crt.turnout_s,
        return_rule=crt.return_rule,
        replications=replications,
        seed=seed,
        presence=replay.presence_for(trace, replications, seed, variation),
    )
