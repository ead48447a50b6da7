"""Unit placement: choose posts for a service area, a number of teams and the response
standard, per time band.

Spatial model: MCLP (Church & ReVelle 1974) on the area's demand nodes x candidate sites,
maximizing annual eligible calls *covered* (within ``[response] standard_s`` of a post).
Queue-aware model: MEXCLP (Daskin 1983) with the busy fraction ``q`` of a team in the
loss system (:func:`heart_plan.staffing.workload.loss_busy_fraction`); it maximizes the
*expected* covered calls, allowing several teams at one post.

:func:`place` is the one entry point: it always returns the posts in greedy order (each
next post adds the most covered calls), because hours with fewer teams on duty staff the
first posts; ``run`` and ``place`` use it alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from heart_plan.config import Scenario, SolverConfig, UnitConfig
from heart_plan.errors import ModelError
from heart_plan.models import MCLP, MEXCLP, CoverageResult
from heart_plan.plan import Plan, Post, bands_for_plan, daily_window_on_duty
from heart_plan.planning.area import AreaDemand
from heart_plan.staffing.workload import loss_busy_fraction, unit_busy_time_h


@dataclass(frozen=True)
class Placement:
    """Posts for one service area, team count and band, with the model's result."""

    band: str
    teams: int
    queue_aware: bool
    result: CoverageResult
    posts: tuple[Post, ...]

    @property
    def covered_share(self) -> float:
        """Share of the area's eligible calls within the standard of a post."""
        return float(self.result.covered_share or 0.0)


def place(
    area: AreaDemand,
    teams: int,
    *,
    solver: SolverConfig,
    band: str | None = None,
    busy_fraction: float | None = None,
    fixed_sites: Iterable[str] = (),
) -> Placement:
    """Choose posts for ``teams`` teams in ``area``, in greedy staffing order.

    ``band`` defaults to the area's busiest band.  With ``busy_fraction`` (``q``, each team
    busy independently with probability ``q``) the model is MEXCLP (queue-aware), else MCLP.
    """
    if teams < 1:
        raise ModelError(f"place: teams = {teams}; at least one team is needed to place posts")
    band = band or area.busiest_band
    matrix = area.matrix(band)
    fixed = tuple(fixed_sites)
    if busy_fraction is not None:
        model: MCLP | MEXCLP = MEXCLP.from_cost_matrix(
            matrix, area.weights, radius_s=area.standard_s, p_sites=teams,
            busy_fraction=busy_fraction, fixed_sites=fixed,
        )  # fmt: skip
    else:
        model = MCLP.from_cost_matrix(
            matrix, area.weights, radius_s=area.standard_s, p_sites=teams, fixed_sites=fixed
        )
    result = model.solve(solver)
    posts = _greedy_order(area, band, posts_of(area.sites, result, band))
    return Placement(band, teams, busy_fraction is not None, result, posts)


def default_busy_fraction(area: AreaDemand, unit: UnitConfig, teams: int) -> float:
    """MEXCLP's ``q`` when a plan has no drive times yet: the loss-system busy fraction
    (:func:`~heart_plan.staffing.workload.loss_busy_fraction`) of ``teams`` over the area's
    arrivals, busy time at ``unit.default_mean_drive_s`` (an assumption).
    """
    busy_h = unit_busy_time_h(unit, unit.default_mean_drive_s)
    return loss_busy_fraction(area.arrivals_by_hour, teams, busy_h)


def place_per_band(
    area: AreaDemand,
    teams: int,
    *,
    solver: SolverConfig,
    bands: Iterable[str],
    busy_fraction: float | None = None,
    fixed_sites: Iterable[str] = (),
) -> dict[str, Placement]:
    """Posts per time band (drive times vary by hour, so posts may too)."""
    return {
        band: place(
            area,
            teams,
            solver=solver,
            band=band,
            busy_fraction=busy_fraction,
            fixed_sites=fixed_sites,
        )  # fmt: skip
        for band in bands
    }


def _greedy_order(area: AreaDemand, band: str, posts: tuple[Post, ...]) -> tuple[Post, ...]:
    """Posts reordered greedily: each next post adds the most covered calls."""
    weights = area.weights
    covered = area.matrix(band) <= area.standard_s
    remaining = list(posts)
    order = []
    done = pd.Series(False, index=weights.index)
    while remaining:
        gains = [float(weights[covered[p.site_id] & ~done].sum()) for p in remaining]
        best = remaining.pop(int(np.argmax(gains)))
        order.append(best)
        done |= covered[best.site_id]
    return tuple(order)


def predicted_measures(area: AreaDemand, placement: Placement) -> dict[str, float]:
    """Optimizer measures of a placement for a plan's ``predicted`` (measure names of
    CONVENTIONS.md: covered; expected covered for the queue-aware model).
    """
    covered = float(placement.result.covered_weight or 0.0)
    out = {
        "covered_share_of_area": placement.covered_share,
        "covered_calls_per_year": covered,
        "covered_share_of_city": covered / area.city_calls_per_year,
        "area_calls_per_year": area.calls_per_year,
        "nearest_post_drive_time_s": float(placement.result.mean_drive_time_s),
    }
    if placement.result.expected_covered_share is not None:
        out["expected_covered_share_of_area"] = float(placement.result.expected_covered_share)
    return out


def posts_of(sites: pd.DataFrame, result: CoverageResult, band: str) -> tuple[Post, ...]:
    """Plan posts (site, node, lon/lat, teams) for a model result in ``band``."""
    by_id = sites.set_index("site_id")
    posts = []
    for site_id in result.selected_sites:
        row = by_id.loc[str(site_id)]
        posts.append(
            Post(
                site_id=str(site_id),
                node_id=int(row["node_id"]),
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                band=band,
                teams=int(result.teams_per_site.get(site_id, 1)),
                access_s=float(row["access_s"]),
            )
        )
    return tuple(posts)


def plan_from_placements(
    scenario: Scenario,
    beats: Iterable[str],
    placements: dict[str, Placement],
    *,
    hours: tuple[int, int],
    command: str,
    predicted: dict[str, float] | None = None,
) -> Plan:
    """A plan: the area, the posts of each band, the same daily window every day.

    With a single placement (one band), its posts serve every band (plan band ``""``), so
    the plan can be simulated and refined at any hour.
    """
    teams = max(p.teams for p in placements.values())
    posts = tuple(post for p in placements.values() for post in p.posts)
    if len(placements) == 1:
        posts = tuple(replace(post, band="") for post in posts)
    return Plan(
        scenario_name=scenario.name,
        scenario_sha256=scenario.sha256,
        command=command,
        service_area_beats=tuple(str(b) for b in beats),
        teams_on_duty=daily_window_on_duty(hours[0], hours[1], teams),
        posts=posts,
        time_bands=bands_for_plan(scenario),
        hours={"daily_start": hours[0], "daily_end": hours[1]},
        predicted=dict(predicted or {}),
    )


def placement_table(placements: dict[str, Placement]) -> pd.DataFrame:
    """One row per band and post: the placement results as a table."""
    rows = []
    for band, p in placements.items():
        for post in p.posts:
            rows.append(
                {
                    "band": band,
                    "site_id": post.site_id,
                    "node_id": post.node_id,
                    "lon": post.lon,
                    "lat": post.lat,
                    "teams": post.teams,
                    "model": p.result.model,
                    "status": p.result.status,
                    "gap": p.result.gap,
                    "covered_share": p.result.covered_share,
                    "expected_covered_share": p.result.expected_covered_share,
                    "mean_drive_time_s": p.result.mean_drive_time_s,
                }
            )
    return pd.DataFrame(rows)
