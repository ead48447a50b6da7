"""Unit placement: choose posts for a service area, a number of teams and the response
standard, per time band.

Spatial model: MCLP (Church & ReVelle 1974) on the area's demand nodes x candidate sites,
maximizing annual eligible calls *covered* (within ``[response] standard_s`` of a post).
Queue-aware model: MEXCLP (Daskin 1983) with the busy fraction ``q`` of a team in the
loss system (:func:`busy_fraction`); it maximizes the *expected* covered calls, allowing
several teams at one post.

``busy_time_h`` is the mean time a team is busy per call: turnout + drive to scene +
on-scene (lognormal mean, an assumption) + drive back to the post.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from heart_plan.context import PlanningContext
from heart_plan.errors import ModelError
from heart_plan.models import MCLP, MEXCLP, CoverageResult, SolveOptions
from heart_plan.plan import Plan, Post, bands_for_plan, daily_window_on_duty
from heart_plan.staffing.erlang import served_share
from heart_plan.staffing.workload import busy_time_h, offered_load_by_hour


def solve_options(ctx: PlanningContext) -> SolveOptions:
    """The scenario's deterministic solver options (seed, workers, gap)."""
    cfg = ctx.scenario.solver
    return SolveOptions(
        seed=cfg.seed, workers=cfg.workers, relative_gap_limit=cfg.relative_gap_limit
    )


def mean_busy_time_h(ctx: PlanningContext, mean_drive_s: float) -> float:
    """Mean busy hours per call for the CRT unit given the mean post-to-scene drive."""
    crt = ctx.scenario.crt
    return busy_time_h(mean_drive_s, crt.on_scene_mean_min, crt.turnout_s, crt.return_to_post)


def busy_fraction(
    ctx: PlanningContext, beats: Iterable[str], teams: int, *, mean_drive_s: float
) -> float:
    """MEXCLP's busy fraction ``q`` of a team in a loss system.

    Per hour of week h with offered load ``a_h`` and ``c`` teams, the carried load is
    ``a_h (1 - B(c, a_h))`` (Erlang B: calls finding every team busy go to police), so a
    team is busy ``q_h = a_h (1 - B(c, a_h)) / c`` of the time.  ``q`` is the
    call-weighted mean of ``q_h`` (the busy fraction a call sees), capped at 0.95.
    """
    arrivals = ctx.arrivals_by_hour(beats)
    load = offered_load_by_hour(arrivals, mean_busy_time_h(ctx, mean_drive_s))
    c = max(teams, 1)
    q_h = load * served_share(c, load) / c
    q = float(np.average(q_h, weights=arrivals)) if arrivals.sum() > 0 else 0.0
    return min(0.95, q)


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


def place_teams(
    ctx: PlanningContext,
    beats: Iterable[str],
    teams: int,
    *,
    band: str | None = None,
    queue_aware: bool = False,
    fixed_sites: Iterable[str] = (),
    q: float | None = None,
) -> Placement:
    """Choose posts for ``teams`` teams in the service area ``beats``.

    ``band`` defaults to the area's busiest band.  ``queue_aware`` uses MEXCLP with busy
    fraction ``q`` (default: :func:`busy_fraction` with ``[units.crt] default_mean_drive_s``).
    """
    beats = [str(b) for b in beats]
    if teams < 1:
        raise ModelError(f"place: teams = {teams}; at least one team is needed to place posts")
    band = band or ctx.busiest_band(beats)
    weights = ctx.weights(beats)
    matrix = ctx.matrix(band).loc[weights.index]
    radius_s = ctx.scenario.response.standard_s
    options = solve_options(ctx)
    if queue_aware:
        mean_drive_s = ctx.scenario.crt.default_mean_drive_s
        q = busy_fraction(ctx, beats, teams, mean_drive_s=mean_drive_s) if q is None else q
        model = MEXCLP.from_cost_matrix(
            matrix, weights, radius_s=radius_s, p_sites=teams, busy_fraction=q,
            fixed_sites=tuple(fixed_sites),
        )  # fmt: skip
    else:
        model = MCLP.from_cost_matrix(
            matrix, weights, radius_s=radius_s, p_sites=teams, fixed_sites=tuple(fixed_sites)
        )
    result = model.solve(options)
    return Placement(band, teams, queue_aware, result, posts_of(ctx, result, band))


def ordered_placement(ctx: PlanningContext, placement: Placement, beats: list[str]) -> Placement:
    """Reorder posts greedily: each next post adds the most covered calls."""
    weights = ctx.weights(beats)
    covered = ctx.matrix(placement.band).loc[weights.index] <= ctx.scenario.response.standard_s
    remaining = list(placement.posts)
    order = []
    done = pd.Series(False, index=weights.index)
    while remaining:
        gains = [float(weights[covered[p.site_id] & ~done].sum()) for p in remaining]
        best = remaining.pop(int(np.argmax(gains)))
        order.append(best)
        done |= covered[best.site_id]
    return Placement(
        placement.band, placement.teams, placement.queue_aware, placement.result, tuple(order)
    )


def predicted_measures(
    ctx: PlanningContext, area: Iterable[str], placement: Placement
) -> dict[str, float]:
    """Optimizer measures of a placement for a plan's ``predicted`` (measure names of
    CONVENTIONS.md: covered; expected covered for the queue-aware model)."""
    area = [str(b) for b in area]
    covered = float(placement.result.covered_weight or 0.0)
    out = {
        "covered_share_of_area": placement.covered_share,
        "covered_calls_per_year": covered,
        "covered_share_of_city": covered / ctx.calls_per_year,
        "area_calls_per_year": float(ctx.weights(area).sum()),
        "mean_drive_time_s": float(placement.result.mean_drive_time_s),
    }
    if placement.result.expected_covered_share is not None:
        out["expected_covered_share_of_area"] = float(placement.result.expected_covered_share)
    return out


def posts_of(ctx: PlanningContext, result: CoverageResult, band: str) -> tuple[Post, ...]:
    """Plan posts (site, node, lon/lat, teams) for a model result in ``band``."""
    sites = ctx.sites.set_index("site_id")
    posts = []
    for site_id in result.selected_sites:
        row = sites.loc[str(site_id)]
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


def place_per_band(
    ctx: PlanningContext, beats: Iterable[str], teams: int, *, queue_aware: bool = False
) -> dict[str, Placement]:
    """Posts per time band (drive times vary by hour, so posts may too)."""
    beats = list(beats)
    return {
        band: place_teams(ctx, beats, teams, band=band, queue_aware=queue_aware)
        for band in ctx.scenario.network.time_bands
    }


def plan_from_placements(
    ctx: PlanningContext,
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
        scenario_name=ctx.scenario.name,
        scenario_sha256=ctx.scenario.sha256,
        command=command,
        service_area_beats=tuple(str(b) for b in beats),
        teams_on_duty=daily_window_on_duty(hours[0], hours[1], teams),
        posts=posts,
        time_bands=bands_for_plan(ctx.scenario),
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
