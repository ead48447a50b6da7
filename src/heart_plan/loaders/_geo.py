"""Shared helpers for loaders: reading vector files, CRS checks, making geometries valid."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heart_plan.errors import DataError

WGS84 = "EPSG:4326"


def read_vector(path: str | Path, *, what: str) -> gpd.GeoDataFrame:
    """Read a vector file; one-line ``DataError`` when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: {what} file not found; check the path or pass --mirror DIR "
            f"(or run `heart-plan data fetch`)"
        )
    try:
        return gpd.read_file(path)
    except Exception as exc:
        raise DataError(
            f"{path}: cannot read {what} ({exc}); supply a valid GeoJSON/shapefile"
        ) from None


def read_table(path: str | Path, *, what: str) -> pd.DataFrame:
    """Read a CSV (all columns as strings); ``DataError`` when missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {what} file not found; check the path or pass --mirror DIR")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as exc:
        raise DataError(f"{path}: cannot read {what} CSV ({exc}); supply a valid CSV") from None


def require_columns(
    frame: pd.DataFrame, columns: tuple[str, ...], *, path: Path, what: str
) -> None:
    """Raise ``DataError`` naming the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(str(c) for c in frame.columns if c != "geometry")
        raise DataError(
            f"{path}: {what} has no column {missing[0]!r} (columns: {have[:240]}); "
            f"use a file with that column or map it in the scenario"
        )


def to_wgs84(frame: gpd.GeoDataFrame, *, path: Path, what: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 after checking the CRS exists and fits the coordinates.

    A missing CRS, or coordinates impossible for the declared CRS (degrees in a projected
    CRS, or values beyond +-180/90 in a geographic one), raise ``DataError``.
    """
    if frame.crs is None:
        raise DataError(
            f"{path}: {what} has no CRS; add one (GeoJSON is EPSG:4326; a shapefile needs "
            f"its .prj) or reproject the file to EPSG:4326"
        )
    check_coordinates_fit_crs(frame.total_bounds, frame.crs, path=path, what=what)
    out = frame.to_crs(WGS84)
    return out


def check_coordinates_fit_crs(bounds: np.ndarray, crs: object, *, path: Path, what: str) -> None:
    """``DataError`` when ``bounds`` (minx, miny, maxx, maxy) cannot be in ``crs``."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return
    if crs.is_geographic:
        if min(minx, miny) < -180 or maxx > 180 or abs(miny) > 90 or abs(maxy) > 90:
            raise DataError(
                f"{path}: {what} coordinates ({minx:.0f}..{maxx:.0f}, {miny:.0f}..{maxy:.0f}) "
                f"are not degrees but the CRS is {crs.to_string()}; set the file's real CRS "
                f"(e.g. EPSG:2264 for NC State Plane feet)"
            )
    elif max(abs(minx), abs(maxx), abs(miny), abs(maxy)) <= 360:
        raise DataError(
            f"{path}: {what} coordinates look like degrees but the CRS is {crs.to_string()}; "
            f"set the CRS to EPSG:4326 (lon/lat)"
        )


def make_valid(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Make invalid polygons valid (keeping only polygonal parts); return the count fixed."""
    invalid = ~frame.geometry.is_valid
    n_invalid = int(invalid.sum())
    if n_invalid:
        frame = frame.copy()
        fixed = shapely.make_valid(frame.geometry.values[invalid.values])
        fixed = [_polygonal(g) for g in fixed]
        frame.loc[invalid, "geometry"] = fixed
    return frame, n_invalid


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def area_km2(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Area of each geometry in km² (equal-area EPSG:6933)."""
    return frame.geometry.to_crs("EPSG:6933").area.to_numpy() / 1e6
