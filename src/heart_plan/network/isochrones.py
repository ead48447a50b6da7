"""Drive-time isochrones around a post: buffered reachable road edges, unioned.

Formulation.  With t(u) the band drive time from the post to node u (s) and T = 60 *
minutes, an edge u -> v of band time w is fully inside the isochrone when t(u) + w <= T,
and its first (T - t(u)) / w fraction is inside when t(u) < T < t(u) + w.  The polygon is
the union of those edge pieces buffered by ``buffer_m`` (in the graph's UTM zone), returned
in EPSG:4326.  One polygon per minute value, smallest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csgraph

from heart_plan.errors import NetworkError
from heart_plan.network.engine import DriveTimeEngine

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx


def isochrones(
    engine: DriveTimeEngine,
    graph: nx.MultiDiGraph,
    node_id: int,
    minutes: Sequence[float] = (8, 12, 15),
    *,
    band: str,
    buffer_m: float = 120.0,
) -> gpd.GeoDataFrame:
    """Isochrone polygons (EPSG:4326) around ``node_id``: columns ``minutes, geometry``."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import LineString
    from shapely.ops import substring

    if not minutes or min(minutes) <= 0:
        raise NetworkError(f"isochrone minutes {list(minutes)!r} must be positive numbers")
    factor = engine.speed_factor(band)
    src = int(engine.index_of([node_id])[0])
    horizon_s = 60.0 * max(minutes)
    reach = csgraph.dijkstra(engine.csr, indices=src, limit=horizon_s * factor) / factor
    t_u_list, w_list, geoms, keys = [], [], [], []
    pos = engine._pos
    for u, v, d in graph.edges(data=True):
        t_u = reach[pos.get_loc(u)]
        if not np.isfinite(t_u):
            continue
        geom = d.get("geometry")
        if geom is None:
            nu, nv = graph.nodes[u], graph.nodes[v]
            geom = LineString([(nu["x"], nu["y"]), (nv["x"], nv["y"])])
        t_u_list.append(t_u)
        w_list.append(d["free_flow_s"] / factor)
        geoms.append(geom)
        # both directions of a two-way street share one geometry when fully inside
        keys.append((min(u, v), max(u, v), round(float(d["free_flow_s"]), 3)))
    proj = gpd.GeoSeries(geoms, crs=4326).to_crs(engine.utm_crs).to_numpy()
    t_u_arr = np.asarray(t_u_list, dtype=float)
    w_arr = np.asarray(w_list, dtype=float)
    simple = shapely.simplify(proj, buffer_m / 4)
    done = np.zeros(len(proj), dtype=bool)
    seen: set[tuple] = set()
    full_poly = shapely.Point(engine.node_xy_m[src]).buffer(buffer_m, quad_segs=4)
    rows = []
    for m in sorted(minutes):
        limit = 60.0 * m
        full = (t_u_arr + w_arr <= limit) & ~done
        new = []
        for i in np.flatnonzero(full):
            if keys[i] not in seen:
                seen.add(keys[i])
                new.append(simple[i])
        done |= full
        full_poly = shapely.union_all(
            [full_poly, *shapely.buffer(np.array(new, dtype=object), buffer_m, quad_segs=4)]
        )
        partial = np.flatnonzero((t_u_arr < limit) & (t_u_arr + w_arr > limit))
        cuts = [
            substring(proj[i], 0.0, (limit - t_u_arr[i]) / w_arr[i], normalized=True)
            for i in partial
        ]
        poly = shapely.union_all(
            [full_poly, *shapely.buffer(np.array(cuts, dtype=object), buffer_m, quad_segs=4)]
        )
        rows.append((float(m), poly))
    out = gpd.GeoDataFrame(
        {"minutes": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=engine.utm_crs
    )
    out = out.to_crs(4326)
    out["node_id"] = int(node_id)
    out["band"] = band
    return out[["node_id", "band", "minutes", "geometry"]]
