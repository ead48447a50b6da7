"""``plan.gpkg``: a run's or a command's plans as a GeoPackage for QGIS / ArcGIS (pyogrio).

Every layer is in EPSG:4326 (WGS 84 lon/lat) and carries a ``plan`` column naming the plan
(``recommended``, ``current``, ``pilot_2022``; ``plan`` for ``place`` / ``expand``):

``beats``
    Every city beat (polygons): ``beat_id, district, eligible_calls_per_year,
    modeled_share`` (share of the beat's calls from the covariate model), one
    ``in_area__<plan>`` flag per plan and, with a roadmap, ``roadmap_step``.
``service_area``
    One polygon per plan: ``plan, beats, calls_per_year, share_of_citywide_calls,
    max_teams_on_duty``.
``posts``
    Points: ``plan, site_id, node_id, band, teams_on_duty`` (the post set's team count
    ``k``), ``order`` (staffing order), ``teams``, ``lon, lat``.
``drive_time_areas``
    Per plan, the area within each of ``[network] isochrone_minutes`` of the nearest post
    of its largest post set, at the busiest time band's speeds: ``plan, band, minutes,
    teams_on_duty``.
``roadmap``
    With a roadmap: the beat added at each expansion step (polygons), ``step,
    beat_added, area_calls_per_year, cumulative_share, teams``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from heart_plan.atomic import atomic_path

if TYPE_CHECKING:
    from heart_plan.plan import Plan
    from heart_plan.planning.context import PlanningContext

#: The CRS of every layer.
GPKG_CRS = "EPSG:4326"
#: Layer names in the order they are written.
LAYERS = ("beats", "service_area", "posts", "drive_time_areas", "roadmap")


def plan_layers(
    ctx: PlanningContext, plans: Mapping[str, Plan], roadmap: pd.DataFrame | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The GeoPackage layers (module docstring) of ``plans`` (name -> plan)."""
    from heart_plan.network.isochrones import isochrones

    city = ctx.city_beats
    beats = ctx.inputs.beats
    beats = beats.loc[beats["beat_id"].isin(city), ["beat_id", "district", "geometry"]].copy()
    demand = ctx.demand.beats.set_index("beat_id")
    beats["eligible_calls_per_year"] = beats["beat_id"].map(demand["eligible_calls_per_year"])
    beats["modeled_share"] = beats["beat_id"].map(demand["modeled_share"])
    for name, plan in plans.items():
        beats[f"in_area__{name}"] = beats["beat_id"].isin(plan.service_area_beats)
    if roadmap is not None and len(roadmap):
        added = roadmap["beat_added"].fillna("").astype(str)
        step_of = {b: int(s) for b, s in zip(added, roadmap["step"], strict=True) if b}
        beats["roadmap_step"] = beats["beat_id"].map(lambda b: step_of.get(b, 0)).astype(int)
    beats = gpd.GeoDataFrame(beats, geometry="geometry", crs=ctx.inputs.beats.crs).to_crs(GPKG_CRS)

    total = ctx.calls_per_year
    areas, posts, reach = [], [], []
    for name, plan in plans.items():
        inside = beats.loc[beats["beat_id"].isin(plan.service_area_beats)]
        calls = float(inside["eligible_calls_per_year"].sum())
        areas.append(
            {
                "plan": name,
                "beats": len(plan.service_area_beats),
                "calls_per_year": calls,
                "share_of_citywide_calls": calls / total if total else 0.0,
                "max_teams_on_duty": max(plan.teams_on_duty),
                "geometry": inside.geometry.union_all(),
            }
        )
        for band, by_k in plan.post_sets().items():
            for k, members in by_k.items():
                for order, post in enumerate(members, start=1):
                    posts.append(
                        {
                            "plan": name, "site_id": post.site_id, "node_id": post.node_id,
                            "band": band or "all", "teams_on_duty": k, "order": order,
                            "teams": post.teams, "lon": post.lon, "lat": post.lat,
                        }
                    )  # fmt: skip
        largest = _largest_set(plan)
        if largest:
            band = ctx.area(plan.service_area_beats).busiest_band
            minutes = ctx.scenario.network.isochrone_minutes
            iso = isochrones(ctx.engine, [p.node_id for p in largest], minutes, band=band)
            iso = iso.drop(columns="node_id")
            iso.insert(0, "plan", name)
            iso["teams_on_duty"] = sum(p.teams for p in largest)
            reach.append(iso)
    post_frame = pd.DataFrame(posts, columns=[
        "plan", "site_id", "node_id", "band", "teams_on_duty", "order", "teams", "lon", "lat"
    ])  # fmt: skip
    layers = {
        "beats": beats,
        "service_area": gpd.GeoDataFrame(areas, geometry="geometry", crs=GPKG_CRS),
        "posts": gpd.GeoDataFrame(
            post_frame,
            geometry=gpd.points_from_xy(post_frame["lon"], post_frame["lat"]),
            crs=GPKG_CRS,
        ),
    }
    if reach:
        layers["drive_time_areas"] = gpd.GeoDataFrame(
            pd.concat(reach, ignore_index=True), geometry="geometry", crs=GPKG_CRS
        )
    if roadmap is not None and len(roadmap):
        steps = roadmap.loc[roadmap["beat_added"].fillna("").astype(str) != ""].copy()
        steps["beat_added"] = steps["beat_added"].astype(str)
        cols = ["step", "beat_added", "area_calls_per_year", "cumulative_share", "teams"]
        steps = (
            steps[cols]
            .merge(beats[["beat_id", "geometry"]], left_on="beat_added", right_on="beat_id")
            .drop(columns="beat_id")
        )
        layers["roadmap"] = gpd.GeoDataFrame(steps, geometry="geometry", crs=GPKG_CRS)
    return layers


def _largest_set(plan: Plan) -> tuple:
    """The post set of the plan's largest team count (the band with most posts)."""
    best: tuple = ()
    for by_k in plan.post_sets().values():
        if by_k:
            k = max(by_k)
            if not best or sum(p.teams for p in by_k[k]) > sum(p.teams for p in best):
                best = by_k[k]
    return best


def write_plan_gpkg(
    target: str | Path,
    ctx: PlanningContext,
    plans: Mapping[str, Plan],
    roadmap: pd.DataFrame | None = None,
) -> Path:
    """Write ``plan.gpkg`` (the layers of :func:`plan_layers`) atomically; returns its path."""
    layers = plan_layers(ctx, plans, roadmap)
    target = Path(target)
    with atomic_path(target) as tmp:
        # GDAL creates the file itself and wants the .gpkg extension
        work = tmp.with_name(tmp.stem + ".gpkg")
        try:
            for name in LAYERS:
                if name in layers:
                    layers[name].to_file(work, layer=name, driver="GPKG", engine="pyogrio")
            os.replace(work, tmp)
        finally:
            work.unlink(missing_ok=True)
    return target
