"""The UTM zone of a frame, as ``GeoDataFrame.estimate_utm_crs()`` gives it, without a
database query per call.

geopandas takes the centre of the frame's WGS84 bounds and asks pyproj's database for the
WGS 84 UTM zones there (about 0.15 s per call; a run made seven).  Zones are 6 degrees of
longitude wide, north (EPSG 326zz) or south (EPSG 327zz) of the equator, except around
Norway and Svalbard; there, and on zone edges, the database is still asked (memoized).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS

if TYPE_CHECKING:
    import geopandas as gpd

#: (west, south, east, north) of the irregular zones (32V in Norway; 31X-37X on Svalbard).
_IRREGULAR = ((0.0, 56.0, 12.0, 64.0), (0.0, 72.0, 42.0, 84.0))


def utm_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The WGS 84 UTM CRS at the centre of ``frame``'s WGS84 bounds (``estimate_utm_crs``)."""
    if frame.crs is None:
        raise RuntimeError("crs must be set to estimate UTM CRS.")
    if frame.crs.is_geographic:
        minx, miny, maxx, maxy = frame.total_bounds
    else:
        from pyproj import Transformer

        tr = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
        minx, miny, maxx, maxy = tr.transform_bounds(*frame.total_bounds)
    y = float(np.mean([miny, maxy]))
    if minx > maxx:  # across the antimeridian, as geopandas does
        x = ((float(np.mean([minx, maxx + 360])) + 180) % 360) - 180
    else:
        x = float(np.mean([minx, maxx]))
    return utm_crs_at(x, y)


def utm_crs_at(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM CRS at (``lon``, ``lat``) degrees."""
    zone_f = (lon + 180.0) / 6.0
    regular = not any(w <= lon <= e and s <= lat <= n for w, s, e, n in _IRREGULAR)
    on_edge = zone_f.is_integer() or lat == 0.0 or abs(lat) > 84.0
    if regular and not on_edge:
        zone = min(int(zone_f), 59) + 1
        return _crs_of(32600 + zone if lat > 0 else 32700 + zone)
    return _queried(lon, lat)


@lru_cache(maxsize=128)
def _crs_of(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


@lru_cache(maxsize=128)
def _queried(lon: float, lat: float) -> CRS:
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    found = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(
            west_lon_degree=lon, south_lat_degree=lat, east_lon_degree=lon, north_lat_degree=lat
        ),
    )
    return _crs_of(int(found[0].code))
