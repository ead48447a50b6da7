"""Drive-time areas: the one reach-area algorithm, used by the maps and the notebooks.

Formulation.  A multi-source Dijkstra on the band's drive times (free-flow seconds /
the band's speed factor) finds the road nodes within ``limit_s`` of the nearest source.
The area is those nodes buffered by ``grow_m`` in the network's UTM CRS, unioned and shrunk
by ``shrink_m`` (a morphological closing that fills the gaps between nearby roads, so the
area reads as a filled polygon, not as buffered road segments); holes are filled, parts
under ``min_part_m2`` dropped and the outline simplified by ``simplify_m``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.sparse import csgraph

from heart_plan.errors import NetworkError
from heart_plan.network.engine import DriveTimeEngine

if TYPE_CHECKING:
    import geopandas as gpd

#: Simplification tolerance of drive-time areas (m).
REACH_SIMPLIFY_M = 80.0
#: Buffer around each reached road node (m), then shrink (m): a closing of the node cloud.
REACH_GROW_M = 400.0
REACH_SHRINK_M = 250.0
#: Parts of a drive-time area smaller than this (m^2) are dropped.
MIN_PART_M2 = 150_000.0


def reach_area(
    engine: DriveTimeEngine,
    node_ids: Sequence[int],
    band: str,
    limit_s: float,
    *,
    grow_m: float = REACH_GROW_M,
    shrink_m: float = REACH_SHRINK_M,
    min_part_m2: float = MIN_PART_M2,
    simplify_m: float = REACH_SIMPLIFY_M,
) -> shapely.Geometry:
    """Area (UTM (multi)polygon) within ``limit_s`` of the nearest of ``node_ids`` in ``band``
    (module docstring); an empty polygon when no node is reached.
    """
    if not limit_s > 0:
        raise NetworkError(f"drive-time limit {limit_s!r} s must be a positive number")
    factor = engine.speed_factor(band)
    idx = engine.index_of(np.asarray(node_ids, dtype=np.int64))
    drive_s = csgraph.dijkstra(
        engine.csr_of(band), indices=idx, limit=limit_s * factor, min_only=True
    )
    pts = shapely.points(engine.node_xy_m[drive_s / factor <= limit_s])
    if len(pts) == 0:
        return shapely.Polygon()
    grown = shapely.union_all(shapely.buffer(pts, grow_m, quad_segs=4))
    closed = shapely.buffer(grown, -shrink_m, quad_segs=4)
    parts = [
        shapely.Polygon(p.exterior) for p in shapely.get_parts(closed) if p.area >= min_part_m2
    ]
    return shapely.simplify(shapely.MultiPolygon(parts), simplify_m)


def isochrones(
    engine: DriveTimeEngine,
    node_ids: int | Sequence[int],
    minutes: Sequence[float] = (8, 12, 15),
    *,
    band: str,
    **area_options: float,
) -> gpd.GeoDataFrame:
    """Drive-time areas (EPSG:4326) within each of ``minutes`` of the nearest of
    ``node_ids`` (one node or several), one row per minute value (smallest first): columns
    ``node_id`` (the node, or -1 for several), ``band, minutes, geometry``.
    ``area_options`` are :func:`reach_area`'s shape parameters.
    """
    import geopandas as gpd

    if not minutes or min(minutes) <= 0:
        raise NetworkError(f"isochrone minutes {list(minutes)!r} must be positive numbers")
    nodes = [int(node_ids)] if isinstance(node_ids, int | np.integer) else list(node_ids)
    values = sorted(float(m) for m in minutes)
    geoms = [reach_area(engine, nodes, band, 60.0 * m, **area_options) for m in values]
    out = gpd.GeoDataFrame({"minutes": values}, geometry=geoms, crs=engine.utm_crs).to_crs(4326)
    out["node_id"] = nodes[0] if len(nodes) == 1 else -1
    out["band"] = band
    return out[["node_id", "band", "minutes", "geometry"]]
