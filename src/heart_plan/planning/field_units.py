"""The driving unit types beside CRT (CoR): posts, hours, queue-aware prediction and the
joint simulation with the CRT plan (issue 16).

* **Eligible calls of a type** (``Scenario.unit_takes``): the demand points of its natures,
  x ``1 - higher_risk_share`` for standard calls it takes, x ``higher_risk_share`` for
  higher-risk ones (ASSUMPTION ``[dispatch] higher_risk_share``: the data has no flags).
* **Posts** (:func:`plan_field_unit`): the placement layer of CRT
  (:class:`heart_plan.planning.posts.PostSearch`: MCLP start, exchange search scored with
  the loss hypercube) run on the type's eligible calls citywide, with the type's busy time,
  for its ``[units.<type>] teams``.
* **Hours**: ``[units.<type>] hours`` / ``days`` / ``teams`` give the required cover; a
  least-cost roster for it (:func:`heart_plan.staffing.cover_staff.staff_cover`: named
  crews, days off, rest) gives the cover actually staffed (``>=`` the required in every
  hour), FTE = crews x crew x relief and the pay.  When no roster fits, the required
  cover is used with FTE = team-hours x crew / productive hours (``hours_basis``).
* **Prediction** (:func:`evaluate_field_units`, the issue's documented approximation):
  one loss-hypercube week (:func:`heart_plan.queueing.week.evaluate_week`) per driving
  type in ``[dispatch] order``.  A type's arrivals at node ``j`` in hour ``h`` are its
  eligible calls there times, for each earlier type ``v`` that also takes the call, the
  chance ``v`` passes it on: 1 outside ``v``'s area or hours, else ``v``'s all-busy
  probability in that hour (``1 - served share``, the same at every node in a loss
  hypercube).  Overflow is treated as Poisson (it is burstier: slightly optimistic for the
  receiver).  Hour-of-week shapes are the beat's (all natures), as in the CRT evaluator.
  Every type's teams take ``[roster.off_line]`` breaks and documentation time, as in
  the CRT evaluator and the simulator.
* **Simulation** (:func:`simulate_field_units`): the replayed calls through
  :func:`heart_plan.simulation.engine.simulate_units`, each call's takers from its nature
  and a seeded higher-risk draw (:mod:`heart_plan.simulation.takers`).

Not modelled here: CCD's phone resolutions before dispatch (the field models receive every
eligible call), CoR breaks, CoR hours chosen by an optimizer (they are the configured
ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import ModelError
from heart_plan.plan import Plan
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.context import PlanningContext, node_beat_table
from heart_plan.planning.posts import PostSearch, PostSet, plan_of_sets
from heart_plan.planning.replay import ReplayInputs
from heart_plan.queueing.week import WeekEvaluation, evaluate_week, team_posts_of_deployment
from heart_plan.simulation.deployment import Deployment
from heart_plan.simulation.engine import UnitFleet, simulate_units
from heart_plan.simulation.joint_results import JointSimulationResult
from heart_plan.simulation.onscene import on_scene_from_unit
from heart_plan.simulation.takers import call_takers, field_units, higher_risk_flags
from heart_plan.staffing.cover_staff import staff_cover
from heart_plan.staffing.off_line import hour_segments, service_time_h
from heart_plan.staffing.roster import RosterResult
from heart_plan.staffing.workload import WEEKS_PER_YEAR, arrivals_by_how_for_area

#: Scenario keys (ASSUMPTIONS) behind every joint field-unit figure (``{u}`` = unit).
JOINT_ASSUMPTIONS = (
    "dispatch.higher_risk_share",
    "dispatch.order",
    "units.{u}.eligible_natures",
    "units.{u}.on_scene_mean_min",
    "units.{u}.turnout_s",
    "units.{u}.hours",
    "units.{u}.teams",
)


def risk_factor(scenario: Scenario, name: str, higher_risk: bool) -> float:
    """Share of a nature's calls in the risk class that unit ``name`` takes (0 if not)."""
    unit = scenario.units[name]
    r = scenario.dispatch.higher_risk_share
    if higher_risk:
        return r if unit.takes_higher_risk else 0.0
    return 1.0 - r if unit.takes_standard else 0.0


def unit_node_beat_calls(ctx: PlanningContext, name: str) -> pd.DataFrame:
    """Annual eligible calls of unit ``name`` per demand node (rows) and city beat
    (columns): the points of its natures, each risk class it takes by its share.
    """
    s = ctx.scenario
    points = ctx.demand.points
    natures = set(s.unit_natures(name))
    factor = risk_factor(s, name, False) + risk_factor(s, name, True)
    mine = points[points["nature"].astype(str).isin(natures)]
    table = node_beat_table(mine, ctx.point_snaps, ctx.demand_nodes["demand_id"].to_numpy())
    return table.reindex(columns=list(ctx.city_beats), fill_value=0.0) * factor


def unit_area(ctx: PlanningContext, name: str) -> AreaDemand:
    """Citywide demand view of unit ``name``'s eligible calls (placement input)."""
    s = ctx.scenario
    table = unit_node_beat_calls(ctx, name)
    weights = table.sum(axis=1)
    weights = weights[weights > 0].rename("calls_per_year")
    by_beat = table.sum(axis=0)
    return AreaDemand(
        beats=ctx.city_beats,
        weights=weights,
        arrivals_by_hour=np.asarray(
            arrivals_by_how_for_area(by_beat, ctx.demand.beat_hour_share, list(ctx.city_beats)),
            dtype=float,
        ),
        band_of_hour=s.network.band_of_hour(),
        sites=ctx.sites,
        city_calls_per_year=ctx.calls_per_year,
        standard_s=s.response.standard_s,
        full_matrix=ctx.matrix,
    )


@dataclass(frozen=True, eq=False)
class FieldUnitPlan:
    """A driving type's plan beside CRT: posts, cover, FTE and cost.

    ``required_teams_by_how``: the configured cover; ``plan.teams_on_duty``: the cover
    staffed (the roster's when one fits); ``hours_basis`` says which and how FTE is counted.
    """

    name: str
    plan: Plan
    post_sets: dict[int, PostSet]
    required_teams_by_how: tuple[int, ...]
    roster: RosterResult | None
    hours_basis: str
    fte: float
    cost_per_year_usd: float


def plan_field_unit(ctx: PlanningContext, name: str) -> FieldUnitPlan:
    """Posts (placement layer on the unit's calls) and hours (least-cost roster of its
    configured cover) of field unit ``name`` (module docstring).
    """
    s = ctx.scenario
    unit = s.units[name]
    if unit.role != "field" or name == "crt":
        raise ModelError(f"plan_field_unit: {name!r} is not a field unit beside crt")
    if unit.teams < 1 or not unit.hours:
        raise ModelError(f"units.{name}: a field unit needs hours = [start, end] and teams >= 1")
    on = unit.on_duty_by_how((0, 24))
    required = tuple(unit.teams if o else 0 for o in on)
    staffing = staff_cover(s, name, required)
    cover = staffing.teams_on_duty or required
    area = unit_area(ctx, name)
    k_max = max(cover)
    search = PostSearch(
        area, unit=unit, solver=s.solver, pool_teams=k_max, pool_size=s.placement.pool_size,
        max_rounds=s.placement.exchange_rounds,
    )  # fmt: skip
    sets = search.up_to(k_max)
    plan = plan_of_sets(
        s, area, sets, cover, command=f"heart-plan run ({name} plan)",
        hours={"daily_start": unit.hours[0], "daily_end": unit.hours[1]},
    ).with_changes(unit_type=name)  # fmt: skip
    used = {k for k in cover if k > 0}
    return FieldUnitPlan(
        name, plan, {k: v for k, v in sets.items() if k in used}, required, staffing.roster,
        staffing.basis, staffing.fte, staffing.cost_per_year_usd,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class FieldUnitsEvaluation:
    """Queue-aware prediction of the driving types together (overflow approximation).

    Per type (dicts keyed by unit name): its week evaluation, eligible calls per year
    (citywide), reached and served calls per year *by that type*; the headline
    ``reached_share`` = calls reached by any driving type / citywide eligible calls.
    """

    units: tuple[str, ...]
    weeks: dict[str, WeekEvaluation]
    eligible_calls_per_year: dict[str, float]
    reached_calls_per_year: dict[str, float]
    served_calls_per_year: dict[str, float]
    citywide_calls_per_year: float

    def reached_share_of_unit_eligible(self, name: str) -> float:
        """Calls reached by ``name`` / the calls it takes (citywide, per year)."""
        e = self.eligible_calls_per_year[name]
        return self.reached_calls_per_year[name] / e if e else math.nan

    def served_share_of_unit_eligible(self, name: str) -> float:
        """Calls served by ``name`` / the calls it takes."""
        e = self.eligible_calls_per_year[name]
        return self.served_calls_per_year[name] / e if e else math.nan

    @property
    def reached_share(self) -> float:
        """Calls reached by any driving type / citywide eligible calls (the headline)."""
        return sum(self.reached_calls_per_year.values()) / self.citywide_calls_per_year


def _plans_in_order(scenario: Scenario, plans: dict[str, Plan]) -> tuple[str, ...]:
    order = tuple(n for n in field_units(scenario) if n in plans)
    missing = sorted(set(plans) - set(order))
    if missing:
        raise ModelError(f"field units {missing} are not field units in [dispatch] order")
    return order


def evaluate_field_units(ctx: PlanningContext, plans: dict[str, Plan]) -> FieldUnitsEvaluation:
    """One hypercube week per driving type, the earlier types' overflow as arrivals."""
    s = ctx.scenario
    off_line = s.roster.off_line  # breaks and documentation, as the simulator
    order = _plans_in_order(s, plans)
    band_of_hour = s.network.band_of_hour()
    share = ctx.demand.beat_hour_share.copy()
    share.index = share.index.astype(str)
    beats = list(ctx.city_beats)
    share_bh = share.loc[beats].to_numpy(dtype=float)  # (B, 168)
    # pass-on probability of each earlier type per beat and hour: (B, 168)
    pass_on: dict[str, np.ndarray] = {}
    weeks: dict[str, WeekEvaluation] = {}
    eligible: dict[str, float] = {}
    reached: dict[str, float] = {}
    served: dict[str, float] = {}
    points = ctx.demand.points
    snaps, demand_ids = ctx.point_snaps, ctx.demand_nodes["demand_id"].to_numpy()
    for name in order:
        plan, unit = plans[name], s.units[name]
        in_area = np.isin(beats, [str(b) for b in plan.service_area_beats])
        per_year = np.zeros((len(demand_ids), HOURS_PER_WEEK))
        total = 0.0
        for hr in (False, True):
            factor = risk_factor(s, name, hr)
            if not factor:
                continue
            groups: dict[tuple[str, ...], list[str]] = {}
            for nat in s.unit_natures(name):
                prev = tuple(v for v in order[: order.index(name)] if s.unit_takes(v, nat, hr))
                groups.setdefault(prev, []).append(nat)
            for prev, nats in groups.items():
                pts = points[points["nature"].astype(str).isin(nats)]
                calls = node_beat_table(pts, snaps, demand_ids).reindex(
                    columns=beats, fill_value=0.0
                )
                total += float(calls.to_numpy().sum()) * factor
                mult = np.ones_like(share_bh)
                for v in prev:
                    mult = mult * pass_on[v]
                weighted = share_bh * mult * in_area[:, None]
                per_year += factor * (calls.to_numpy(dtype=float) @ weighted)
        keep = per_year.sum(axis=1) > 0
        nodes = list(demand_ids[keep])
        arrivals = per_year[keep].T / WEEKS_PER_YEAR
        deployment = Deployment.from_plan(plan, band_of_hour)
        sites = [p.site_id for p in plan.posts]
        bands = sorted({band_of_hour[h] for h in range(HOURS_PER_WEEK) if plan.teams_on_duty[h]})
        drive = {b: ctx.matrix(b).loc[nodes, sites].to_numpy() for b in bands}
        week = evaluate_week(
            arrivals, plan.teams_on_duty, band_of_hour, drive,
            team_posts_of_deployment(deployment), standard_s=s.response.standard_s,
            on_scene_mean_h=service_time_h(unit, off_line), turnout_s=unit.turnout_s,
            off_line_segments=hour_segments(plan.teams_on_duty, off_line),
        )  # fmt: skip
        blocked = 1.0 - week.hours["served_share"].fillna(1.0).to_numpy(dtype=float)
        on = np.asarray(plan.teams_on_duty) > 0
        pass_on[name] = np.where(in_area[:, None] & on[None, :], blocked[None, :], 1.0)
        weeks[name] = week
        eligible[name] = total
        reached[name] = week.reached_calls_per_year
        served[name] = week.served_calls_per_year
    return FieldUnitsEvaluation(order, weeks, eligible, reached, served, ctx.calls_per_year)


def simulate_field_units(
    scenario: Scenario,
    replay: ReplayInputs,
    plans: dict[str, Plan],
    *,
    replications: int,
    seed: int,
) -> JointSimulationResult:
    """The replayed calls against every driving type's plan together (module docstring),
    with the replay's variation between replications (its presence mask); the higher-risk
    draw uses ``[simulation] seed``.
    """
    order = _plans_in_order(scenario, plans)
    fleets = []
    trace = replay.trace_for(plans[order[0]], scenario)
    band_of_hour = scenario.network.band_of_hour()
    for name in order:
        unit = scenario.units[name]
        fleets.append(
            UnitFleet(
                name, Deployment.from_plan(plans[name], band_of_hour), on_scene_from_unit(unit),
                unit.turnout_s, in_area=replay.trace_for(plans[name], scenario).in_area,
                off_line=scenario.roster.off_line,
            )
        )  # fmt: skip
    nature_of = pd.Series(
        replay.calls["nature"].astype(str).to_numpy(), index=replay.calls["call_id"].astype(str)
    )
    if not nature_of.index.is_unique:
        raise ModelError("replayed calls: call_id is not unique; cannot attach natures")
    natures = nature_of.loc[trace.call_id.astype(str)].to_numpy()
    higher = higher_risk_flags(
        trace.call_id, scenario.dispatch.higher_risk_share, scenario.simulation.seed
    )
    takers = call_takers(natures, higher, scenario, order)
    return simulate_units(
        trace, fleets, takers, replay.travel_s, standard_s=scenario.response.standard_s,
        return_rule=scenario.crt.return_rule, replications=replications, seed=seed,
        presence=replay.presence_for(trace, replications, seed),
    )  # fmt: skip
