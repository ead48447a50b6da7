"""The analysts' API: load a scenario, build the planning context, run the plan, simulate a
plan, and two building blocks for what-ifs (posts for an area, drive-time areas).
Notebooks use only these functions and the objects they return (``import heart_plan as hp``).

>>> import heart_plan as hp
>>> scenario = hp.load_scenario(overrides={"response.standard_s": 600})
>>> ctx = hp.build_context(scenario)                         # data, demand, road network
>>> result = hp.run_plan(scenario)                            # the whole run, typed
>>> result.recommended.reached_share                          # simulated, citywide
>>> sim = hp.simulate_plan(result.recommended.plan, scenario) # replay any plan
>>> plan = hp.plan_posts(ctx, ["111", "112"], teams=2, hours=(7, 19))  # a what-if plan
>>> areas = hp.drive_time_areas(ctx, [plan.posts[0].node_id], (8, 12), band="midday")
>>> hp.write_plan_gpkg("what_if.gpkg", ctx, {"what_if": plan})  # for QGIS / ArcGIS
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heart_plan.config import Scenario, with_overrides
from heart_plan.config import load_scenario as _load_scenario_file

if TYPE_CHECKING:
    import geopandas as gpd

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


def plan_posts(
    ctx: PlanningContext,
    beats: Sequence[str] | None,
    teams: int,
    *,
    hours: tuple[int, int] = (0, 24),
    model: str = "reached",
    command: str = "heart_plan.plan_posts",
) -> Plan:
    """A plan for ``beats`` (all city beats if None): ``teams`` teams on duty in the same
    daily window ``hours`` (start, end; ``(0, 24)`` = 24/7).

    ``model="reached"`` (default): one post set per team count ``1..teams`` maximizing calls
    reached with busy teams (:mod:`heart_plan.planning.posts`); ``"mclp"`` / ``"mexclp"``:
    posts per time band maximizing covered / expected covered calls, in greedy staffing
    order.  ``plan.predicted`` holds the spatial measures (covered share, nearest-post drive)
    and the plan's ``fte`` (team-hours x crew / productive hours) and ``cost_per_year_usd``
    (:func:`heart_plan.staffing.pay.pay_of_cover`: differentials and relief included).
    """
    from heart_plan.errors import ConfigError
    from heart_plan.plan import daily_window_on_duty
    from heart_plan.planning.placement import (
        default_busy_fraction,
        place_per_band,
        plan_from_placements,
        predicted_measures,
    )
    from heart_plan.planning.posts import PostSearches, plan_of_sets, set_measures
    from heart_plan.staffing.pay import pay_of_cover
    from heart_plan.staffing.shifts import fte_of_team_hours

    s = ctx.scenario
    area = ctx.area(beats)
    if model == "reached":
        sets = PostSearches(ctx).sets(area, teams)
        plan = plan_of_sets(
            s, area, sets, daily_window_on_duty(hours[0], hours[1], teams), command=command,
            hours={"daily_start": hours[0], "daily_end": hours[1]},
            predicted=set_measures(area, sets[teams]), team_counts=range(1, teams + 1),
        )  # fmt: skip
    elif model in ("mclp", "mexclp"):
        q = default_busy_fraction(area, s.crt, teams) if model == "mexclp" else None
        placements = place_per_band(
            area, teams, solver=s.solver, bands=s.network.time_bands, busy_fraction=q
        )
        plan = plan_from_placements(
            s, area.beats, placements, hours=hours, command=command,
            predicted=predicted_measures(area, placements[area.busiest_band]),
        )  # fmt: skip
    else:
        raise ConfigError(f"plan_posts: model must be reached, mclp or mexclp, got {model!r}")
    team_hours = plan.team_hours_per_week
    staffing = {
        "fte": fte_of_team_hours(team_hours, s.crt),
        "cost_per_year_usd": pay_of_cover(plan.teams_on_duty, s.roster, s.crt).total_usd,
    }
    return plan.with_changes(predicted=plan.predicted | staffing)


def drive_time_areas(
    ctx: PlanningContext, node_ids: Sequence[int], minutes: Sequence[float], *, band: str
) -> gpd.GeoDataFrame:
    """Areas (EPSG:4326) within each of ``minutes`` of the nearest of ``node_ids`` in
    ``band``: columns ``band, minutes, geometry`` (the maps' reach-area algorithm).
    """
    from heart_plan.network.isochrones import isochrones

    areas = isochrones(ctx.engine, list(node_ids), minutes, band=band)
    return areas[["band", "minutes", "geometry"]]


def write_plan_gpkg(path: str | Path, ctx: PlanningContext, plans: Mapping[str, Plan]) -> Path:
    """Write ``plans`` (name -> plan) as a GeoPackage (EPSG:4326; layers ``beats`` with
    demand, ``service_area``, ``posts``, ``drive_time_areas``), the ``plan.gpkg`` that
    ``heart-plan run`` / ``place`` / ``expand`` write (:mod:`heart_plan.gpkg`).
    """
    from heart_plan.gpkg import write_plan_gpkg as write

    return write(path, ctx, plans)
