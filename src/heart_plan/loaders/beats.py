"""Police beats: dissolved by beat id, city beats vs flagged special areas.

Durham's "Police Beats" layer has 129 polygons with ``LAWBEAT`` (int), ``CAD`` (str) and
``LAWDIST`` (D1..D5).  Many beats are multi-part, so the layer is dissolved by ``LAWBEAT``:
35 city beats (111..513) plus ``299`` (CAD ``SSA``, a D2 special area) and ``999`` (CAD
``DSO``, Sheriff enclaves), kept but flagged.  Already-dissolved inputs (``beat``/``district``
columns, e.g. the 37-beat population file) are accepted; there a repeated beat id is an error.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from heart_plan.errors import DataError
from heart_plan.loaders._geo import WGS84, area_km2, make_valid, read_vector, to_wgs84

SPECIAL_FLAGS = ("SSA", "DSO")
BEAT_COLUMNS = ("beat_id", "district", "is_city_beat", "flag", "area_km2", "geometry")


def load_beats(path: str | Path) -> gpd.GeoDataFrame:
    """Load police beats, dissolved by beat id, in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        ``beat_id`` (str), ``district`` (str, e.g. ``"D1"``), ``is_city_beat`` (bool),
        ``flag`` (``""``, ``"SSA"`` or ``"DSO"``), ``area_km2`` (float), ``geometry``;
        sorted by ``beat_id``.  Invalid polygons are made valid.

    Raises
    ------
    DataError
        Missing file or column, no/wrong CRS, empty or non-polygon geometry, or a beat id
        repeated in an already-dissolved input.
    """
    path = Path(path)
    raw = read_vector(path, what="beats")
    if "LAWBEAT" in raw.columns:
        id_col, dist_col, flag_col, dissolved = "LAWBEAT", "LAWDIST", "CAD", False
    elif "beat" in raw.columns:
        id_col, dist_col, flag_col, dissolved = "beat", "district", None, True
    elif "beat_id" in raw.columns:
        id_col, dist_col, flag_col, dissolved = "beat_id", "district", None, True
    else:
        have = ", ".join(c for c in raw.columns if c != "geometry")
        raise DataError(
            f"{path}: beats layer has no beat id column 'LAWBEAT' (or 'beat'/'beat_id') "
            f"(columns: {have[:200]}); supply the Durham Police Beats layer"
        )
    if dist_col not in raw.columns:
        raise DataError(f"{path}: beats layer has no district column {dist_col!r}; add it (D1..D5)")
    frame = to_wgs84(raw, path=path, what="beats")
    _check_polygons(frame, path)
    frame, _ = make_valid(frame)
    frame["beat_id"] = frame[id_col].map(_beat_str)
    if frame["beat_id"].eq("").any():
        row = int(frame.index[frame["beat_id"].eq("")][0])
        raise DataError(f"{path}: beats row {row}: empty {id_col}; every polygon needs a beat id")
    if dissolved:
        dupes = frame["beat_id"][frame["beat_id"].duplicated()]
        if len(dupes):
            raise DataError(
                f"{path}: beat id {dupes.iloc[0]!r} appears more than once in field {id_col!r} "
                f"of an already-dissolved beats file; keep one row per beat (dissolve by {id_col})"
            )
    districts = frame.groupby("beat_id")[dist_col].agg(lambda s: sorted(set(map(str, s))))
    conflicting = districts[districts.map(len) > 1]
    if len(conflicting):
        beat = conflicting.index[0]
        raise DataError(
            f"{path}: beat {beat} has polygons in districts {conflicting.iloc[0]} (field "
            f"{dist_col!r}); give each beat one district"
        )
    flags = (
        frame.groupby("beat_id")[flag_col].first().astype(str) if flag_col else pd.Series(dtype=str)
    )
    out = frame[["beat_id", "geometry"]].dissolve(by="beat_id", as_index=False)
    out["district"] = out["beat_id"].map(districts.map(lambda d: d[0]))
    out["flag"] = [_flag(b, flags.get(b, "")) for b in out["beat_id"]]
    out["is_city_beat"] = out["flag"].eq("")
    out["area_km2"] = area_km2(out)
    out = out.sort_values("beat_id").reset_index(drop=True)
    return gpd.GeoDataFrame(out[list(BEAT_COLUMNS)], geometry="geometry", crs=WGS84)


def city_beats(beats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Only the city beats (no SSA/DSO)."""
    return beats[beats["is_city_beat"]].reset_index(drop=True)


def _beat_str(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text


def _flag(beat_id: str, cad: str) -> str:
    cad = (cad or "").strip().upper()
    if cad in SPECIAL_FLAGS:
        return cad
    return {"299": "SSA", "999": "DSO"}.get(beat_id, "")


def _check_polygons(frame: gpd.GeoDataFrame, path: Path) -> None:
    geoms = frame.geometry
    bad = geoms.isna() | geoms.is_empty | ~geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        kind = (
            "empty"
            if geoms.iloc[row] is None or geoms.iloc[row].is_empty
            else geoms.iloc[row].geom_type
        )
        raise DataError(
            f"{path}: beats row {row} has an invalid geometry ({kind}) in field 'geometry'; "
            f"every beat must be a (Multi)Polygon: fix or drop that feature"
        )
