"""Service-area expansion roadmap.

Roadmap (greedy, as the department chose its pilot: by eligible-call volume): start from
the baseline's pilot beats; at each step add the beat (adjacent to the area when
``[expansion] contiguous``) with the most eligible calls per year *reachable* within the
standard, i.e. on demand nodes within ``standard_s`` of some candidate site.  Teams per
step = max(spatial teams, workload teams):

* spatial teams: LSCP (Toregas 1971), the fewest posts covering every coverable demand node
  of the area within the standard (busiest band);
* workload teams: Erlang B (loss system) at the area's busiest hour of the week, the fewest
  teams serving ``[budget] served_share_target`` of calls.

The citywide curve and what the target would take, in calls reached, are in
:mod:`heart_plan.planning.citywide`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd

from heart_plan.models import LSCP
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.context import PlanningContext
from heart_plan.processes import run_independent
from heart_plan.staffing.erlang import teams_needed
from heart_plan.staffing.workload import offered_load_by_hour, unit_busy_time_h
from heart_plan.utm import utm_crs

Progress = Callable[[str], None]

ROADMAP_COLUMNS = (
    "step", "beat_added", "district", "beats_in_area", "calls_added_per_year",
    "area_calls_per_year", "cumulative_share", "teams_spatial", "teams_workload", "teams",
    "marginal_calls_per_added_team", "busiest_band",
)  # fmt: skip


def beat_adjacency(beats: gpd.GeoDataFrame, *, tolerance_m: float = 25.0) -> dict[str, set[str]]:
    """Beats sharing a border (within ``tolerance_m``), by beat id."""
    proj = beats.to_crs(utm_crs(beats))
    grown = proj.assign(geometry=proj.geometry.buffer(tolerance_m))
    pairs = gpd.sjoin(grown, proj, predicate="intersects")
    out: dict[str, set[str]] = {str(b): set() for b in beats["beat_id"]}
    for a, b in zip(pairs["beat_id_left"], pairs["beat_id_right"], strict=True):
        if a != b:
            out[str(a)].add(str(b))
    return out


def reachable_calls_by_beat(ctx: PlanningContext, band: str) -> pd.Series:
    """Annual eligible calls per beat on demand nodes within the standard of any site."""
    matrix = ctx.matrix(band)
    reachable = matrix.le(ctx.scenario.response.standard_s).any(axis=1)
    return ctx.node_beat_calls.loc[reachable[reachable].index].sum(axis=0)


def teams_for_area(ctx: PlanningContext, area: AreaDemand) -> tuple[int, int, str]:
    """(spatial teams, workload teams, band) for a service area."""
    band = area.busiest_band
    weights, radius_s = area.weights, area.standard_s
    matrix = area.matrix(band)
    coverable = matrix.le(radius_s).any(axis=1)
    lscp = LSCP.from_cost_matrix(matrix[coverable], weights[coverable], radius_s=radius_s)
    result = lscp.solve(ctx.scenario.solver)
    busy_h = unit_busy_time_h(ctx.scenario.crt, result.mean_drive_time_s)
    peak_load = float(offered_load_by_hour(area.arrivals_by_hour, busy_h).max())
    workload = teams_needed(peak_load, ctx.scenario.budget.served_share_target)
    return len(result.selected_sites), workload, band


def roadmap_areas(
    ctx: PlanningContext,
    *,
    start_beats: Iterable[str] | None = None,
    contiguous: bool | None = None,
) -> list[tuple[str, ...]]:
    """The service area of every roadmap step (module docstring): step 0 is the starting
    area (the baseline pilot beats by default), each next step adds one beat.
    """
    scenario = ctx.scenario
    area = [str(b) for b in (start_beats or scenario.baseline.service_area_beats)]
    contiguous = scenario.expansion.contiguous if contiguous is None else contiguous
    city = list(ctx.city_beats)
    beats_gdf = ctx.inputs.beats
    adjacency = beat_adjacency(beats_gdf[beats_gdf["beat_id"].isin(city)])
    reachable = reachable_calls_by_beat(ctx, ctx.area().busiest_band)
    areas = [tuple(area)]
    while remaining := [b for b in city if b not in area]:
        frontier = [b for b in remaining if adjacency[b] & set(area)] if contiguous else []
        area = [*area, max(frontier or remaining, key=lambda b: (reachable.get(b, 0.0), b))]
        areas.append(tuple(area))
    return areas


def step_teams(ctx: PlanningContext, beats: tuple[str, ...]) -> tuple[int, int, str]:
    """:func:`teams_for_area` of the area ``beats`` (one roadmap step)."""
    return teams_for_area(ctx, ctx.area(beats))


def step_line(step: int, beats: tuple[str, ...], teams: tuple[int, int, str]) -> str:
    """The progress line of roadmap step ``step``."""
    return f"expansion step {step}: {len(beats)} beats, {max(teams[:2])} teams"


def roadmap_table(
    ctx: PlanningContext,
    areas: Sequence[tuple[str, ...]],
    teams: Sequence[tuple[int, int, str]],
) -> pd.DataFrame:
    """The roadmap (``ROADMAP_COLUMNS``, one row per step) from each step's area
    (:func:`roadmap_areas`) and its ``(spatial, workload, band)`` teams (:func:`step_teams`).
    """
    district = ctx.inputs.beats.set_index("beat_id")["district"].to_dict()
    total = ctx.calls_per_year
    rows: list[dict] = []
    prev_teams: int | None = None
    prev_calls = 0.0
    for area, (spatial, workload, band) in zip(areas, teams, strict=True):
        added = area[-1] if rows else ""
        n = max(spatial, workload)
        area_calls = float(ctx.weights(area).sum())
        rows.append(
            {
                "step": len(rows),
                "beat_added": added,
                "district": district.get(added, ""),
                "beats_in_area": len(area),
                "calls_added_per_year": area_calls - prev_calls,
                "area_calls_per_year": area_calls,
                "cumulative_share": area_calls / total,
                "teams_spatial": spatial,
                "teams_workload": workload,
                "teams": n,
                "marginal_calls_per_added_team": (
                    (area_calls - prev_calls) / (n - prev_teams)
                    if prev_teams is not None and n > prev_teams
                    else np.nan
                ),
                "busiest_band": band,
            }
        )
        prev_teams, prev_calls = n, area_calls
    return pd.DataFrame(rows, columns=list(ROADMAP_COLUMNS))


def expansion_roadmap(
    ctx: PlanningContext,
    *,
    start_beats: Iterable[str] | None = None,
    contiguous: bool | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The order in which to add beats, and the teams each step needs (module docstring;
    the steps' teams in up to ``[solver] workers`` processes).
    """
    areas = roadmap_areas(ctx, start_beats=start_beats, contiguous=contiguous)
    teams = run_independent(
        [partial(step_teams, ctx, area) for area in areas],
        ctx.scenario.solver.workers,
        on_result=None if progress is None else lambda i, t: progress(step_line(i, areas[i], t)),
    )
    return roadmap_table(ctx, areas, teams)
