"""A static overview map for the report page: inline SVG, so it survives the report being
emailed alone (no tiles, no script).

Beats shaded by eligible calls per year, beats outside the recommended area greyed, the
2022 pilot area outlined and the recommended posts (most teams on duty) numbered in
staffing order.  Coordinates are projected to the city's UTM zone and simplified to
``tolerance_m``; each beat and post has a ``<title>`` tooltip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from heart_plan.report.charts import color_ramp
from heart_plan.report.escape import escape_text
from heart_plan.utm import utm_crs

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult

__all__ = ["overview_svg"]

_WIDTH = 400.0


def _path(geom: shapely.Geometry, tx) -> str:
    """SVG path data of a (multi)polygon's exterior and interior rings."""
    polys = getattr(geom, "geoms", [geom])
    out = []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            pts = tx(xy)
            out.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(out)


def overview_svg(result: RunResult, *, tolerance_m: float = 60.0) -> str:
    """The overview map as an ``<svg>`` with its legend (HTML), escaped."""
    ctx = result.ctx
    beats = ctx.inputs.beats
    city = beats[beats["is_city_beat"]].copy()
    calls = ctx.demand.beats.set_index("beat_id")["eligible_calls_per_year"]
    city["calls"] = city["beat_id"].map(calls).fillna(0.0)
    utm = utm_crs(city)
    proj = city.to_crs(utm)
    proj["geometry"] = proj.geometry.simplify(tolerance_m)
    x0, y0, x1, y1 = proj.total_bounds
    scale = _WIDTH / (x1 - x0)
    height = (y1 - y0) * scale

    def tx(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - x0) * scale, (y1 - xy[:, 1]) * scale])

    area = set(result.recommended.plan.service_area_beats)
    pilot = set(result.pilot.plan.service_area_beats)
    lo, hi = float(proj["calls"].min()), float(proj["calls"].max())
    parts = []
    for row in proj.itertuples():
        inside = row.beat_id in area
        t = 0.0 if hi == lo else (row.calls - lo) / (hi - lo)
        fill = color_ramp(t) if inside else "#d5d8dc"
        note = "" if inside else " (outside the recommended area)"
        parts.append(
            f"<path d='{_path(row.geometry, tx)}' fill='{fill}' stroke='#fff' "
            f"stroke-width='0.8'><title>Beat {escape_text(row.beat_id)}: "
            f"{row.calls:,.0f} eligible calls a year{note}</title></path>"
        )
    pilot_geom = shapely.union_all(
        shapely.buffer(proj.loc[proj["beat_id"].isin(pilot)].geometry.to_numpy(), 30.0)
    ).buffer(-30.0)
    if not pilot_geom.is_empty:
        parts.append(
            f"<path d='{_path(pilot_geom, tx)}' fill='none' stroke='#1f4e9c' "
            "stroke-width='2.2' stroke-dasharray='5 3'><title>2022 pilot area</title></path>"
        )
    posts = result.recommended.posts()
    pts = gpd.GeoSeries([Point(p.lon, p.lat) for p in posts], crs=4326).to_crs(utm)
    for i, (p, pt) in enumerate(zip(posts, pts, strict=True), start=1):
        ((x, y),) = tx(np.array([[pt.x, pt.y]]))
        parts.append(
            f"<g><circle cx='{x:.1f}' cy='{y:.1f}' r='7' fill='#111' stroke='#fff' "
            f"stroke-width='1.5'/><text x='{x:.1f}' y='{y + 3.5:.1f}' text-anchor='middle' "
            f"font-size='9.5' font-weight='700' fill='#fff'>{i}</text>"
            f"<title>Recommended post {i} ({p.lat:.5f}, {p.lon:.5f})</title></g>"
        )
    svg = (
        f"<svg class='hp-svg' viewBox='-4 -4 {_WIDTH + 8:.0f} {height + 8:.0f}' role='img' "
        "aria-label='Overview map: beats by eligible calls, pilot area and recommended posts' "
        f"xmlns='http://www.w3.org/2000/svg'>{''.join(parts)}</svg>"
    )
    legend = (
        "<ul class='hp-legend'>"
        f"<li><span class='hp-swatch' style='background:{color_ramp(0.0)}'></span>"
        f"{lo:,.0f} eligible calls a year</li>"
        f"<li><span class='hp-swatch' style='background:{color_ramp(1.0)}'></span>"
        f"{hi:,.0f} eligible calls a year</li>"
        + (
            "<li><span class='hp-swatch' style='background:#d5d8dc'></span>outside the "
            "recommended area</li>"
            if len(area) < len(proj)
            else ""
        )
        + "<li><span class='hp-swatch' style='background:#fff;border:2px dashed #1f4e9c'>"
        "</span>2022 pilot area</li>"
        "<li><span class='hp-swatch' style='background:#111;border-radius:50%'></span>"
        "recommended post (number = staffing order)</li></ul>"
    )
    return (
        "<figure class='hp-chart hp-map' id='overview-map'><figcaption>Overview map: "
        "eligible calls by police beat, the 2022 pilot area and the recommended posts"
        f"</figcaption>{svg}{legend}</figure>"
    )
