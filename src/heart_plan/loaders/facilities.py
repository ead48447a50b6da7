"""Fire stations as candidate staging posts."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from heart_plan.errors import DataError
from heart_plan.loaders._geo import WGS84, read_table, require_columns

STATION_COLUMNS = ("site_id", "name", "address", "geometry")
# normalized name -> candidate source columns
_SOURCE = {
    "name": ("Station", "name", "NAME"),
    "address": ("Physical.Location", "address", "ADDRESS"),
    "lat": ("lat", "latitude", "LAT"),
    "lon": ("long", "lon", "longitude", "LON"),
}


def load_fire_stations(path: str | Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Load geocoded fire stations (EPSG:4326).

    Returns
    -------
    (stations, without_coordinates)
        ``stations``: ``site_id`` (``"fire_<n>"`` from the station name, e.g. ``fire_19_future``),
        ``name``, ``address``, ``geometry``.  ``without_coordinates``: the rows with no
        usable lat/long (``site_id``, ``name``, ``address``), reported, not placed.
    """
    path = Path(path)
    raw = read_table(path, what="fire stations")
    cols = {}
    for key, candidates in _SOURCE.items():
        present = [c for c in candidates if c in raw.columns]
        if not present:
            require_columns(raw, (candidates[0],), path=path, what="fire stations")
        cols[key] = present[0]
    raw = raw[raw[cols["name"]].str.strip().ne("")].reset_index(drop=True)  # blank rows
    frame = pd.DataFrame(
        {
            "name": raw[cols["name"]].str.strip(),
            "address": raw[cols["address"]].str.strip().str.replace(r"\s+", " ", regex=True),
        }
    )
    frame["site_id"] = "fire_" + frame["name"].str.lower().str.replace(
        r"^station\s*", "", regex=True
    ).str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    if frame["site_id"].duplicated().any():
        dup = frame["site_id"][frame["site_id"].duplicated()].iloc[0]
        raise DataError(
            f"{path}: station name gives duplicate site id {dup!r} (field {cols['name']!r}); "
            f"make station names unique"
        )
    lat = pd.to_numeric(raw[cols["lat"]], errors="coerce")
    lon = pd.to_numeric(raw[cols["lon"]], errors="coerce")
    ok = lat.notna() & lon.notna() & lat.between(-90, 90) & lon.between(-180, 180)
    missing = frame.loc[~ok, ["site_id", "name", "address"]].reset_index(drop=True)
    placed = frame[ok].reset_index(drop=True)
    stations = gpd.GeoDataFrame(
        placed[["site_id", "name", "address"]],
        geometry=gpd.points_from_xy(lon[ok], lat[ok]),
        crs=WGS84,
    )
    return stations, missing


def missing_stations_from_addresses(
    stations: gpd.GeoDataFrame, addresses_path: str | Path
) -> pd.DataFrame:
    """Stations listed in the address file (``Station``, ``Physical Location``) but absent
    from ``stations`` (failed to geocode): ``site_id``, ``name``, ``address``.
    """
    raw = read_table(addresses_path, what="fire station addresses")
    require_columns(raw, ("Station",), path=Path(addresses_path), what="fire station addresses")
    addr_col = next((c for c in raw.columns if c.replace(".", " ") == "Physical Location"), None)
    raw = raw[raw["Station"].str.strip().ne("")]  # blank trailing rows
    names = raw["Station"].str.strip()
    missing = raw[~names.isin(set(stations["name"]))].reset_index(drop=True)
    out = pd.DataFrame({"name": missing["Station"].str.strip()})
    out["site_id"] = "fire_" + out["name"].str.lower().str.replace(
        r"^station\s*", "", regex=True
    ).str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    out["address"] = missing[addr_col].str.strip() if addr_col else ""
    return out[["site_id", "name", "address"]]
