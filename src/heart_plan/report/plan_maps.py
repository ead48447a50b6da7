"""The two leadership maps of a run: ``map_citywide.html`` and ``map_hours.html``.

Built from a ``pipeline.PipelineResult`` with the offline building blocks of
:mod:`heart_plan.report.maps` (every data string is escaped there).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from heart_plan.network import isochrones
from heart_plan.report import maps

if TYPE_CHECKING:
    from heart_plan.pipeline import PipelineResult

CITYWIDE_LAYERS = (
    "Eligible calls per year",
    "Current service area",
    "Expansion steps",
    "Recommended posts",
    "Current posts",
    "Drive-time isochrones",
    "Demand not reachable within the standard",
    "Equity: reached share by tract",
)
SIMPLIFY_M = 25.0


def beat_layer(result: PipelineResult) -> gpd.GeoDataFrame:
    """City beats with demand, basis, current-area flag and expansion step."""
    ctx = result.ctx
    beats = ctx.inputs.beats
    city = beats[beats["is_city_beat"]].copy()
    demand = ctx.demand.beats.set_index("beat_id")
    city["eligible_calls_per_year"] = (
        city["beat_id"].map(demand["eligible_calls_per_year"]).round(0)
    )
    city["modeled_share"] = city["beat_id"].map(demand["modeled_share"]).round(3)
    city["basis"] = np.where(city["modeled_share"] > 0.5, "modeled", "observed")
    area = set(ctx.scenario.baseline.service_area_beats)
    city["current_area"] = np.where(city["beat_id"].isin(area), "yes", "no")
    steps = result.roadmap.set_index("beat_added")["step"]
    city["expansion_step"] = city["beat_id"].map(steps).fillna(0).astype(int)
    proj = city.to_crs(city.estimate_utm_crs())
    city["geometry"] = proj.geometry.simplify(SIMPLIFY_M).to_crs(4326).to_numpy()
    return city


def post_isochrones(result: PipelineResult, posts, band: str) -> gpd.GeoDataFrame:
    """Isochrone polygons (scenario minutes) around each post in ``band``."""
    ctx = result.ctx
    frames = []
    for post in posts:
        iso = isochrones(
            ctx.engine, ctx.network.graph, post.node_id,
            minutes=ctx.scenario.network.isochrone_minutes, band=band,
        )  # fmt: skip
        frames.append(iso.assign(site_id=post.site_id))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326).sort_values(
        "minutes", ascending=False
    )


def unreachable_demand(result: PipelineResult, band: str) -> gpd.GeoDataFrame:
    """City demand nodes farther than the standard from every recommended post."""
    ctx = result.ctx
    site_ids = [p.site_id for p in result.recommended_placements[band].posts]
    nearest = ctx.matrix(band)[site_ids].min(axis=1)
    nodes = ctx.demand_nodes.set_index("demand_id")
    far = nodes.loc[nearest[nearest > ctx.scenario.response.standard_s].index]
    return gpd.GeoDataFrame(
        {
            "node": far.index.astype(str),
            "calls_per_year": far["calls_per_year"].round(1).to_numpy(),
            "drive_time_min": (nearest.loc[far.index] / 60).round(1).to_numpy(),
        },
        geometry=gpd.points_from_xy(far["lon"], far["lat"]),
        crs=4326,
    )


def citywide_map(result: PipelineResult, path: str | Path, *, equity_tracts=None) -> Path:
    """Beats by eligible calls, service area, expansion order, posts, isochrones, gaps."""
    ctx = result.ctx
    beats = beat_layer(result)
    center = beats.union_all().centroid
    m = maps.new_map((center.y, center.x), 11)
    scale = maps.color_scale(beats["eligible_calls_per_year"])
    maps.add_choropleth_layer(
        m, beats, "eligible_calls_per_year", name=CITYWIDE_LAYERS[0],
        tooltip_fields=["beat_id", "district", "eligible_calls_per_year", "modeled_share",
                        "current_area", "expansion_step"],
        aliases=["Beat", "District", "Eligible calls / year", "Modeled share",
                 "In current service area", "Expansion step (0 = pilot)"],
        colormap=scale, style_by="basis",
    )  # fmt: skip
    area = beats[beats["current_area"] == "yes"].dissolve()
    maps.add_outline_layer(m, area, name=CITYWIDE_LAYERS[1], color="#1f4e9c", weight=4)
    steps = result.roadmap.iloc[1:]
    centroids = beats.set_index("beat_id").representative_point()
    step_points = pd.DataFrame(
        {
            "lat": [centroids[b].y for b in steps["beat_added"]],
            "lon": [centroids[b].x for b in steps["beat_added"]],
        }
    )
    maps.add_numbered_markers(
        m, step_points, [str(s) for s in steps["step"]], name=CITYWIDE_LAYERS[2],
        tooltips=[
            f"Step {r.step}: add beat {r.beat_added} (+{r.calls_added_per_year:,.0f} calls/yr, "
            f"{r.teams} teams, {r.cumulative_share:.0%} of citywide calls)"
            for r in steps.itertuples()
        ],
    )  # fmt: skip
    band = ctx.busiest_band()
    rec_posts = result.recommended_placements[band].posts
    cur_band = ctx.busiest_band(ctx.scenario.baseline.service_area_beats)
    cur_posts = result.current_placements[cur_band].posts
    for name, posts, color in (
        (CITYWIDE_LAYERS[3], rec_posts, "#1b7837"),
        (CITYWIDE_LAYERS[4], cur_posts, "#2166ac"),
    ):
        maps.add_post_markers(
            m, pd.DataFrame({"lat": [p.lat for p in posts], "lon": [p.lon for p in posts]}),
            name=name, color=color,
            tooltips=[f"{name[:-1]} {i + 1}: {p.site_id}" for i, p in enumerate(posts)],
            popup_rows=[{"Site": p.site_id, "Road node": p.node_id, "Band": p.band,
                         "Order": i + 1} for i, p in enumerate(posts)],
        )  # fmt: skip
    iso = post_isochrones(result, rec_posts, band)
    maps.add_isochrones(
        m, iso, name=CITYWIDE_LAYERS[5], tooltip_fields=["site_id", "minutes"],
        aliases=["Post", "Minutes' drive"],
    )  # fmt: skip
    gaps = unreachable_demand(result, band)
    if len(gaps):
        maps.add_points_layer(
            m, gaps, name=CITYWIDE_LAYERS[6], size_col="calls_per_year",
            tooltip_fields=["node", "calls_per_year", "drive_time_min"],
            aliases=["Road node", "Eligible calls / year", "Drive from nearest post (min)"],
        )  # fmt: skip
    else:
        maps.add_points_layer(m, gaps, name=CITYWIDE_LAYERS[6])
    if equity_tracts is not None:
        maps.add_choropleth_layer(
            m, equity_tracts, "reached_share__recommended", name=CITYWIDE_LAYERS[7],
            tooltip_fields=["tract_id", "calls", "reached_share__current",
                            "reached_share__recommended", "median_income_usd"],
            aliases=["Tract", "Calls replayed", "Reached (current)", "Reached (recommended)",
                     "Median income ($)"],
            colormap=maps.color_scale([0.0, 1.0], colors=["#f7fbff", "#08306b"]), show=False,
        )  # fmt: skip
    maps.add_legend(
        m, "Eligible calls per year (2021, calibrated)",
        [*maps.BASIS_LEGEND,
         maps.LegendItem("Current service area (pilot beats)", "#1f4e9c", "line"),
         maps.LegendItem("Recommended post", "#1b7837"),
         maps.LegendItem("Current post", "#2166ac"),
         maps.LegendItem("Expansion step (number = order)", "#d95f02", "circle"),
         maps.LegendItem("Not reachable within the standard", "#7a0177", "circle")],
        colormap=scale,
    )  # fmt: skip
    maps.add_layer_control(m)
    return maps.save_map(m, path)


def hours_map(result: PipelineResult, path: str | Path) -> Path:
    """Eligible calls by hour of day per beat, and the posts the plan staffs each hour."""
    ctx = result.ctx
    beats = beat_layer(result)
    share = ctx.demand.beat_hour_share
    per_beat = ctx.demand.beats.set_index("beat_id")["eligible_calls_per_year"]
    calls_how = share.mul(per_beat, axis=0)  # beat x 168
    by_hour = sum(calls_how.iloc[:, d * 24 : (d + 1) * 24].to_numpy() for d in range(7))
    by_hour = pd.DataFrame(by_hour, index=calls_how.index)  # beat x 24, calls/yr at that hour
    vmax = float(by_hour.to_numpy().max())
    scale = maps.color_scale([0.0, vmax])
    center = beats.union_all().centroid
    m = maps.new_map((center.y, center.x), 11)
    groups = maps.add_hour_selector(m, title="Hour of day (local)", initial=12)
    plan = result.recommended_plan
    on_duty = np.asarray(plan.teams_on_duty).reshape(7, 24)
    for hour, group in enumerate(groups):
        frame = beats.assign(
            calls_at_hour=beats["beat_id"].map(by_hour[hour]).round(1),
            teams_on_duty=float(on_duty[:, hour].mean()),
        )
        maps.add_choropleth_layer(
            group, frame, "calls_at_hour", name=f"Calls {hour:02d}:00",
            tooltip_fields=["beat_id", "calls_at_hour", "teams_on_duty"],
            aliases=["Beat", f"Eligible calls / year at {hour:02d}:00", "Teams on duty (mean)"],
            colormap=scale, style_by="basis",
        )  # fmt: skip
        teams = int(round(on_duty[:, hour].mean()))
        band = ctx.band_of_hour[2 * 24 + hour]  # a Wednesday
        posts = result.recommended_placements[band].posts[:teams]
        if posts:
            maps.add_post_markers(
                group, pd.DataFrame({"lat": [p.lat for p in posts], "lon": [p.lon for p in posts]}),
                name=f"Posts {hour:02d}:00",
                tooltips=[f"Staffed post {i + 1} at {hour:02d}:00 ({band})" for i in range(len(posts))],
            )  # fmt: skip
    maps.add_legend(
        m, "Eligible calls per year in this hour of day",
        [maps.LegendItem("Staffed post (recommended plan)", "#1b7837"), *maps.BASIS_LEGEND],
        colormap=scale,
    )  # fmt: skip
    return maps.save_map(m, path)
