"""City limits."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from heart_plan.errors import DataError
from heart_plan.loaders._geo import WGS84, area_km2, make_valid, read_vector, to_wgs84


def load_city_limits(path: str | Path) -> gpd.GeoDataFrame:
    """City limits as one (Multi)Polygon row in EPSG:4326 with ``name`` and ``area_km2``."""
    path = Path(path)
    raw = to_wgs84(read_vector(path, what="city limits"), path=path, what="city limits")
    raw, _ = make_valid(raw)
    polys = raw[raw.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise DataError(
            f"{path}: city limits have no polygon in field 'geometry'; supply a polygon layer"
        )
    name = str(polys.iloc[0].get("municipalb", polys.iloc[0].get("name", ""))) or "city"
    out = gpd.GeoDataFrame(
        {"name": [name]}, geometry=[shapely.union_all(polys.geometry.values)], crs=WGS84
    )
    out["area_km2"] = area_km2(out)
    return out
