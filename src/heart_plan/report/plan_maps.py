"""The two leadership maps of a run: ``map_citywide.html`` and ``map_hours.html``.

Built from a ``planning.results.RunResult`` with the offline building blocks of
:mod:`heart_plan.report.maps` (every data string is escaped there).

Drive-time areas come from :func:`heart_plan.network.isochrones.reach_area` (readable
filled polygons around the road nodes reached within the limit).  Polygons are simplified
in metres and their coordinates rounded to ``COORD_DECIMALS`` (about 1 m) so the pages
stay small.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heart_plan.network.isochrones import reach_area
from heart_plan.plan import Post
from heart_plan.report import charts, maps
from heart_plan.report.escape import escape_text
from heart_plan.report.places import post_names
from heart_plan.utm import utm_crs

if TYPE_CHECKING:
    from heart_plan.config import Scenario
    from heart_plan.planning.results import RunResult

CITYWIDE_LAYERS = (
    "Eligible calls per year",
    "Drive-time isochrones",
    "2022 pilot area",
    "Equity: reached share by tract",
    "Demand not reachable within the standard",
    "Expansion steps",
    "Current posts",
    "Recommended posts",
)
#: Layers on when the citywide map opens (the others are one click away).
CITYWIDE_DEFAULT_LAYERS = ("Eligible calls per year", "2022 pilot area", "Recommended posts")
#: Simplification tolerance of beat and tract outlines (m).
SIMPLIFY_M = 25.0
#: Coarser outlines for the 24 hourly copies of the beats in ``map_hours.html`` (m, places).
HOURS_SIMPLIFY_M = 60.0
HOURS_COORD_DECIMALS = 4
#: Decimal places kept in WGS84 coordinates (1e-5 deg ~ 1.1 m).
COORD_DECIMALS = 5
#: Fill colour of areas within the standard / within the shorter isochrone.
REACH_COLOR = "#1b7837"
REACH_NEAR_COLOR = "#00441b"
DAY_NAMES = tuple(day[:3] for day in charts.DAY_NAMES)


def compact(
    gdf: gpd.GeoDataFrame, tolerance_m: float = SIMPLIFY_M, *, decimals: int = COORD_DECIMALS
) -> gpd.GeoDataFrame:
    """Simplify outlines by ``tolerance_m`` (in UTM) and round WGS84 coordinates to
    ``decimals`` places.
    """
    out = gdf.copy()
    proj = gdf.geometry.to_crs(utm_crs(gdf))
    geoms = proj.simplify(tolerance_m).to_crs(4326).to_numpy()
    out["geometry"] = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    return out.set_crs(4326, allow_override=True)


def _reach_frame(
    utm_crs: object, geoms: list, *, decimals: int = COORD_DECIMALS, **columns
) -> gpd.GeoDataFrame:
    """UTM areas from ``reach_area`` as a WGS84 frame with rounded coordinates."""
    frame = gpd.GeoDataFrame(columns, geometry=geoms, crs=utm_crs).to_crs(4326)
    frame["geometry"] = shapely.transform(
        frame.geometry.to_numpy(), lambda xy: np.round(xy, decimals)
    )
    return frame


def add_reach_areas(
    parent: folium.Map | folium.FeatureGroup,
    areas: gpd.GeoDataFrame,
    *,
    color: str,
    fill_opacity: float,
    weight: float = 1.5,
    dash_array: str | None = None,
) -> folium.GeoJson:
    """Drive-time areas added to ``parent`` (a map, or a layer / hour group), drawn
    *non-interactive* so the beats' tooltips still show through them (geometry only, no
    data strings).
    """
    style = {
        "color": color, "weight": weight, "dashArray": dash_array, "fill": True,
        "fillColor": color, "fillOpacity": fill_opacity,
    }  # fmt: skip
    layer = folium.GeoJson(
        areas[["geometry"]].to_json(drop_id=True),
        style_function=lambda _f: style,
        interactive=False,
        zoom_on_click=False,
    )
    layer.add_to(parent)
    return layer


def beat_layer(
    result: RunResult,
    *,
    tolerance_m: float = SIMPLIFY_M,
    decimals: int = COORD_DECIMALS,
) -> gpd.GeoDataFrame:
    """City beats with demand, basis, current-area flag and expansion step, simplified by
    ``tolerance_m`` with coordinates rounded to ``decimals`` places (see ``compact``).
    """
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
    city["pilot_area"] = np.where(city["beat_id"].isin(area), "yes", "no")
    steps = result.roadmap.set_index("beat_added")["step"]
    city["expansion_step"] = city["beat_id"].map(steps).fillna(0).astype(int)
    return compact(city, tolerance_m, decimals=decimals)


def service_area(beats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The current area's beats dissolved into one outline (slivers closed by 30 m)."""
    area = beats[beats["pilot_area"] == "yes"]
    proj = area.to_crs(utm_crs(area))
    merged = shapely.union_all(shapely.buffer(proj.geometry.to_numpy(), 30.0)).buffer(-30.0)
    return compact(gpd.GeoDataFrame(geometry=[merged], crs=proj.crs).to_crs(4326))


def unreachable_demand(result: RunResult, band: str) -> gpd.GeoDataFrame:
    """City demand nodes farther than the standard from every recommended post."""
    ctx = result.ctx
    site_ids = [p.site_id for p in result.recommended.posts()]
    nearest = ctx.matrix(band)[site_ids].min(axis=1)
    nodes = ctx.demand_nodes.set_index("demand_id")
    far = nodes.loc[nearest[nearest > ctx.scenario.response.standard_s].index]
    return gpd.GeoDataFrame(
        {
            "node": far.index.astype(str),
            "calls_per_year": far["calls_per_year"].round(1).to_numpy(),
            "drive_time_min": (nearest.loc[far.index] / 60).round(1).to_numpy(),
            "calls_text": [f"{c:,.1f} a year" for c in far["calls_per_year"]],
            "drive_text": [f"{s / 60:.1f} min" for s in nearest.loc[far.index]],
        },
        geometry=gpd.points_from_xy(far["lon"], far["lat"]),
        crs=4326,
    )


def _coords(post: Post) -> str:
    return f"{post.lat:.5f}, {post.lon:.5f}"


def _beat_tooltips(beats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Beats with formatted tooltip texts (calls a year, modeled share as a percentage)."""
    return beats.assign(
        calls_text=[f"{c:,.0f} a year" for c in beats["eligible_calls_per_year"]],
        modeled_text=[f"{s:.0%} of its calls" for s in beats["modeled_share"]],
        step_text=["pilot area" if s == 0 else f"step {s}" for s in beats["expansion_step"]],
    )


def tract_name(geoid: str) -> str:
    """``"37063001707"`` -> ``"17.07"`` (the tract number of a census GEOID)."""
    code = str(geoid)[-6:]
    number, suffix = code[:4].lstrip("0") or "0", code[4:]
    return number if suffix == "00" else f"{number}.{suffix}"


def _pct_text(values: pd.Series) -> list[str]:
    return ["-" if pd.isna(v) else f"{v:.0%}" for v in values]


def _tract_tooltips(tracts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Tracts with formatted tooltip texts (tract number, percentages, dollars)."""
    income = tracts.get("median_income_usd")
    return tracts.assign(
        tract_name=[f"Tract {tract_name(g)}" for g in tracts["tract_id"]],
        calls_text=[f"{c:,.0f} a year" for c in tracts["calls"]],
        current_text=_pct_text(tracts["reached_share__current"]),
        recommended_text=_pct_text(tracts["reached_share__recommended"]),
        income_text=["-" if income is None or pd.isna(v) else f"${v:,.0f}"
                     for v in (income if income is not None else [None] * len(tracts))],
    )  # fmt: skip


def _fit(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    """Open the map on ``frame``'s bounds."""
    west, south, east, north = (float(v) for v in frame.total_bounds)
    m.fit_bounds([[south, west], [north, east]], padding=(8, 8))


def _minutes(scenario: Scenario) -> tuple[float, float | None]:
    """The standard's minutes and the shortest shorter isochrone minute (or None)."""
    standard_min = scenario.response.standard_s / 60
    shorter = [m for m in scenario.network.isochrone_minutes if m < standard_min]
    return standard_min, (min(shorter) if shorter else None)


def _fmt_min(minutes: float) -> str:
    return f"{minutes:g} min"


def citywide_map(result: RunResult, path: str | Path) -> Path:
    """Beats by eligible calls, service area, expansion order, posts, isochrones, gaps.

    Drawing order (bottom to top): beats, drive-time areas (non-interactive), the current
    service area outline, equity tracts (off at start), unreachable demand, expansion
    step numbers, current posts, recommended posts.
    """
    ctx = result.ctx
    beats = beat_layer(result)
    center = beats.union_all().centroid
    m = maps.new_map((center.y, center.x), 11)
    _fit(m, beats)
    on = {name: name in CITYWIDE_DEFAULT_LAYERS for name in CITYWIDE_LAYERS}
    names = post_names(result)
    scale = maps.color_scale(beats["eligible_calls_per_year"])
    calls_layer = maps.add_choropleth_layer(
        m, _beat_tooltips(beats), "eligible_calls_per_year", name=CITYWIDE_LAYERS[0],
        tooltip_fields=["beat_id", "district", "calls_text", "modeled_text", "pilot_area",
                        "step_text"],
        aliases=["Beat", "District", "Eligible calls", "Modeled (no call points)",
                 "In the 2022 pilot area", "Expansion step"],
        colormap=scale, style_by="basis", show=on[CITYWIDE_LAYERS[0]],
    )  # fmt: skip
    band = result.city_busiest_band
    rec_posts = result.recommended.posts()
    standard_min, near_min = _minutes(ctx.scenario)
    # one area per level: within the minutes of the nearest recommended post (union)
    levels = [(standard_min, REACH_COLOR, 0.10, None)]
    if near_min is not None:
        levels.append((near_min, REACH_NEAR_COLOR, 0.12, None))
    nodes = [p.node_id for p in rec_posts]
    group = folium.FeatureGroup(name=escape_text(CITYWIDE_LAYERS[1]), show=on[CITYWIDE_LAYERS[1]])
    for minutes, color, opacity, dash in levels:
        geom = reach_area(ctx.engine, nodes, band, 60 * minutes)
        area = _reach_frame(ctx.engine.utm_crs, [geom], minutes=[minutes])
        add_reach_areas(group, area, color=color, fill_opacity=opacity, dash_array=dash, weight=1.5)
    group.add_to(m)
    pilot_layer = maps.add_outline_layer(
        m, service_area(beats), name=CITYWIDE_LAYERS[2], color="#1f4e9c", weight=4,
        show=on[CITYWIDE_LAYERS[2]],
    )  # fmt: skip
    equity_scale = maps.color_scale([0.0, 1.0], colors=["#f7fbff", "#08306b"])
    equity_layer = None
    if result.equity_tracts is not None:
        equity_layer = maps.add_choropleth_layer(
            m, _tract_tooltips(compact(result.equity_tracts)), "reached_share__recommended",
            name=CITYWIDE_LAYERS[3],
            tooltip_fields=["tract_name", "calls_text", "current_text", "recommended_text",
                            "income_text"],
            aliases=["Census tract", "Eligible calls replayed", "Reached today (current)",
                     "Reached (recommended)", "Median household income"],
            colormap=equity_scale, show=on[CITYWIDE_LAYERS[3]],
        )  # fmt: skip
    gaps = unreachable_demand(result, band)
    if len(gaps):
        gaps_layer = maps.add_points_layer(
            m, gaps, name=CITYWIDE_LAYERS[4], size_col="calls_per_year",
            tooltip_fields=["calls_text", "drive_text"],
            aliases=["Eligible calls", "Drive from the nearest recommended post"],
            show=on[CITYWIDE_LAYERS[4]],
        )  # fmt: skip
    else:
        gaps_layer = maps.add_points_layer(m, gaps, name=CITYWIDE_LAYERS[4], show=False)
    steps = result.roadmap.iloc[1:]
    centroids = beats.set_index("beat_id").representative_point()
    step_points = pd.DataFrame(
        {
            "lat": [centroids[b].y for b in steps["beat_added"]],
            "lon": [centroids[b].x for b in steps["beat_added"]],
        }
    )
    steps_layer = maps.add_numbered_markers(
        m, step_points, [str(s) for s in steps["step"]], name=CITYWIDE_LAYERS[5],
        show=on[CITYWIDE_LAYERS[5]],
        tooltips=[
            f"Step {r.step}: add beat {r.beat_added} (+{r.calls_added_per_year:,.0f} calls/yr, "
            f"{r.teams} teams, {r.cumulative_share:.0%} of citywide calls)"
            for r in steps.itertuples()
        ],
    )  # fmt: skip
    cur_posts = result.current.posts()
    post_layers = {}
    for name, posts, color, label in (
        (CITYWIDE_LAYERS[6], cur_posts, "#2166ac", "Current post"),
        (CITYWIDE_LAYERS[7], rec_posts, REACH_COLOR, "Recommended post"),
    ):
        post_layers[name] = maps.add_post_markers(
            m, pd.DataFrame({"lat": [p.lat for p in posts], "lon": [p.lon for p in posts]}),
            name=name, color=color, show=on[name],
            tooltips=[f"{label} {i + 1}: {names.get(p.site_id) or _coords(p)}"
                      for i, p in enumerate(posts)],
            popup_rows=[{"Place": names.get(p.site_id) or "-", "Coordinates": _coords(p),
                         "Staffing order": i + 1} for i, p in enumerate(posts)],
        )  # fmt: skip
    reach_items = [
        maps.LegendItem(
            f"Within {_fmt_min(minutes)} of a recommended post ({band} speeds)",
            color,
            "box",
            swatch,
            layer=group,
        )  # fmt: skip
        for (minutes, color, _opacity, _dash), swatch in zip(levels, (0.3, 0.55), strict=False)
    ]
    scales = [maps.LegendScale("Eligible calls per year (2021, calibrated)", scale, calls_layer)]
    if equity_layer is not None:
        scales.append(
            maps.LegendScale("Calls reached by the recommended plan, by census tract",
                             equity_scale, equity_layer, percent=True)
        )  # fmt: skip
    maps.add_legend(
        m, "Legend",
        [*(maps.LegendItem(i.label, i.color, i.shape, i.opacity, layer=calls_layer)
           for i in maps.BASIS_LEGEND),
         maps.LegendItem("2022 pilot area", "#1f4e9c", "line", layer=pilot_layer),
         maps.LegendItem("Recommended post", REACH_COLOR, layer=post_layers[CITYWIDE_LAYERS[7]]),
         maps.LegendItem("Current post", "#2166ac", layer=post_layers[CITYWIDE_LAYERS[6]]),
         *reach_items,
         maps.LegendItem("Expansion step (number = order)", "#d95f02", "circle",
                         layer=steps_layer),
         maps.LegendItem("Not reachable within the standard", "#7a0177", "circle",
                         layer=gaps_layer)],
        scales=scales,
    )  # fmt: skip
    maps.add_layer_control(m)
    return maps.save_map(m, path)


def staffed_posts_by_hour(result: RunResult) -> list[dict]:
    """Per hour of day: the band (most common over the week), the recommended posts staffed
    on at least one day, the days each is staffed, and the posts staffed on most days.

    Hours with ``k`` teams on duty staff the plan's post set for ``k`` teams.
    """
    band_of_hour = result.ctx.scenario.network.band_of_hour()
    rec = result.recommended
    on_duty = np.asarray(rec.plan.teams_on_duty).reshape(7, 24)
    rows = []
    for hour in range(24):
        bands = [band_of_hour[d * 24 + hour] for d in range(7)]
        band = Counter(bands).most_common(1)[0][0]
        teams = on_duty[:, hour]
        by_site: dict[str, Post] = {}
        staffed_days: dict[str, list[str]] = {}
        for d in range(7):
            for post in rec.posts(int(teams[d])) if teams[d] > 0 else ():
                by_site.setdefault(post.site_id, post)
                staffed_days.setdefault(post.site_id, []).append(DAY_NAMES[d])
        posts = list(by_site.values())
        days = [staffed_days[p.site_id] for p in posts]
        rows.append(
            {
                "band": band,
                "teams_by_day": teams.tolist(),
                "posts": posts,
                "days": days,
                "most_days": [p for p, ds in zip(posts, days, strict=True) if len(ds) >= 4],
            }
        )
    return rows


def hours_map(result: RunResult, path: str | Path) -> Path:
    """Eligible calls by hour of day per beat, the posts the recommended plan staffs each
    hour and the area within the standard of the posts staffed on most days.

    The beats are drawn once per hour (24 layers), so they are simplified more coarsely
    (``HOURS_SIMPLIFY_M``, ``HOURS_COORD_DECIMALS``) to keep the page small.
    """
    ctx = result.ctx
    beats = beat_layer(result, tolerance_m=HOURS_SIMPLIFY_M, decimals=HOURS_COORD_DECIMALS)
    share = ctx.demand.beat_hour_share
    per_beat = ctx.demand.beats.set_index("beat_id")["eligible_calls_per_year"]
    calls_how = share.mul(per_beat, axis=0)  # beat x 168
    by_hour = sum(calls_how.iloc[:, d * 24 : (d + 1) * 24].to_numpy() for d in range(7))
    by_hour = pd.DataFrame(by_hour, index=calls_how.index)  # beat x 24, calls/yr at that hour
    vmax = float(by_hour.to_numpy().max())
    scale = maps.color_scale([0.0, vmax])
    center = beats.union_all().centroid
    m = maps.new_map((center.y, center.x), 11)
    _fit(m, beats)
    groups = maps.add_hour_selector(
        m, title="Day and hour (local)", initial=12, days=("Every day", *charts.DAY_NAMES)
    )
    names = post_names(result)
    on_duty = np.asarray(result.recommended.plan.teams_on_duty).reshape(7, 24)
    standard_min, _ = _minutes(ctx.scenario)
    areas: dict[tuple, gpd.GeoDataFrame] = {}
    for hour, (group, staffed) in enumerate(
        zip(groups, staffed_posts_by_hour(result), strict=True)
    ):
        teams = " · ".join(
            f"{d} {t}" for d, t in zip(DAY_NAMES, staffed["teams_by_day"], strict=True)
        )
        frame = beats.assign(
            calls_at_hour=beats["beat_id"].map(by_hour[hour]).round(1), teams_on_duty=teams
        )
        maps.add_choropleth_layer(
            group, frame, "calls_at_hour", name=f"Calls {hour:02d}:00",
            tooltip_fields=["beat_id", "calls_at_hour", "teams_on_duty"],
            aliases=["Beat", f"Eligible calls / year at {hour:02d}:00",
                     f"Teams on duty at {hour:02d}:00"],
            colormap=scale, style_by="basis",
        )  # fmt: skip
        key = (staffed["band"], tuple(p.node_id for p in staffed["most_days"]))
        if key[1]:
            if key not in areas:
                geom = reach_area(
                    ctx.engine, list(key[1]), key[0], ctx.scenario.response.standard_s
                )
                areas[key] = _reach_frame(
                    ctx.engine.utm_crs,
                    [geom],
                    decimals=HOURS_COORD_DECIMALS,
                    minutes=[standard_min],
                )
            add_reach_areas(group, areas[key], color=REACH_COLOR, fill_opacity=0.12)
        posts = staffed["posts"]
        if posts:
            maps.add_post_markers(
                groups.days[0][hour],
                pd.DataFrame({"lat": [p.lat for p in posts], "lon": [p.lon for p in posts]}),
                name=f"Posts {hour:02d}:00",
                tooltips=[
                    f"Post {i + 1}, {names.get(p.site_id) or _coords(p)}: staffed at "
                    f"{hour:02d}:00 on {len(ds)} of 7 days ({', '.join(ds)})"
                    for i, (p, ds) in enumerate(zip(posts, staffed["days"], strict=True))
                ],
            )  # fmt: skip
        for d, day in enumerate(charts.DAY_NAMES):
            k = int(on_duty[d, hour])
            day_posts = result.recommended.posts(k) if k > 0 else ()
            if day_posts:
                maps.add_post_markers(
                    groups.days[d + 1][hour],
                    pd.DataFrame({"lat": [p.lat for p in day_posts],
                                  "lon": [p.lon for p in day_posts]}),
                    name=f"Posts {day} {hour:02d}:00",
                    tooltips=[f"Post {i + 1}, {names.get(p.site_id) or _coords(p)}: staffed "
                              f"{day} {hour:02d}:00 ({k} teams on duty)"
                              for i, p in enumerate(day_posts)],
                )  # fmt: skip
    maps.add_legend(
        m, "Eligible calls per year in this hour of day",
        [maps.LegendItem("Post staffed at this hour (recommended plan)", REACH_COLOR),
         maps.LegendItem(f"Within {_fmt_min(standard_min)} of posts staffed on most days",
                         REACH_COLOR, "box", 0.35),
         *maps.BASIS_LEGEND],
        colormap=scale,
    )  # fmt: skip
    return maps.save_map(m, path)
