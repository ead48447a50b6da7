"""Population and equity covariates: 2020 tracts (ACS 2022), 2010 block groups, 2013 incidents."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from heart_plan.errors import DataError
from heart_plan.loaders._geo import (
    WGS84,
    area_km2,
    make_valid,
    read_table,
    read_vector,
    require_columns,
    to_wgs84,
)

# normalized name -> source field of the 2020 tract / ACS 2022 file
TRACT_FIELDS = {
    "tract_id": "GEOID",
    "population": "total_population",
    "median_income_usd": "median_income",
    "black_population": "black_population",
    "hispanic_population": "hispanic_population",
    "households": "total_households",
    "households_no_vehicle": "households_no_vehicle",
}
TRACT_OPTIONAL = {"disability_pct": "disability_pct"}


def load_tracts(path: str | Path) -> gpd.GeoDataFrame:
    """2020 census tracts with the ACS 2022 fields an equity view needs (EPSG:4326).

    Columns: ``tract_id``, ``population``, ``median_income_usd`` (NaN where suppressed),
    ``black_population``, ``hispanic_population``, ``households``, ``households_no_vehicle``,
    ``black_share``, ``hispanic_share``, ``no_vehicle_share`` (0..1), ``disability_pct``
    (if present), ``area_km2``, ``geometry``.
    """
    path = Path(path)
    raw = read_vector(path, what="tracts")
    require_columns(raw, tuple(TRACT_FIELDS.values()), path=path, what="tracts")
    raw = to_wgs84(raw, path=path, what="tracts")
    raw, _ = make_valid(raw)
    out = pd.DataFrame({"tract_id": raw[TRACT_FIELDS["tract_id"]].astype(str)})
    for key, src in list(TRACT_FIELDS.items())[1:] + list(TRACT_OPTIONAL.items()):
        if src in raw.columns:
            values = pd.to_numeric(raw[src], errors="coerce")
            out[key] = values.where(values >= 0)  # ACS sentinels (-666666666) -> NaN
    pop = out["population"].replace(0, np.nan)
    out["black_share"] = (out["black_population"] / pop).fillna(0.0)
    out["hispanic_share"] = (out["hispanic_population"] / pop).fillna(0.0)
    out["no_vehicle_share"] = (
        out["households_no_vehicle"] / out["households"].replace(0, np.nan)
    ).fillna(0.0)
    gdf = gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=WGS84)
    gdf["area_km2"] = area_km2(gdf)
    return gdf


#: Years of the Neighborhood Compass block-group crime counts averaged per year.
CRIME_YEARS = (2012, 2013, 2014, 2015, 2016)
#: Crime kind -> block-group column (mean reported crimes per year over ``CRIME_YEARS``).
CRIME_COLUMNS = {
    "violent": "violent_crimes_2012_2016",
    "property": "property_crimes_2012_2016",
    "drug": "drug_crimes_2012_2016",
}


def load_blockgroups(
    path: str | Path,
    population_path: str | Path,
    *,
    year: int = 2020,
    crime_paths: dict[str, Path] | None = None,
) -> gpd.GeoDataFrame:
    """2010 block groups with population of ``year`` (Neighborhood Compass ``y_<year>``).

    Columns: ``blockgroup_id``, ``population``, ``area_km2``, ``geometry`` (EPSG:4326).
    Block groups without a population row get 0 and are counted in ``attrs["no_population"]``.
    With ``crime_paths`` (kind of ``CRIME_COLUMNS`` -> Compass ``blockgroup_r{V,P,D}_SQM.csv``)
    also the ``CRIME_COLUMNS`` (``load_blockgroup_crimes``).
    """
    path, population_path = Path(path), Path(population_path)
    raw = read_vector(path, what="block groups")
    require_columns(raw, ("GEOID10",), path=path, what="block groups")
    raw = to_wgs84(raw, path=path, what="block groups")
    raw, _ = make_valid(raw)
    pop = read_table(population_path, what="block-group population")
    column = f"y_{year}"
    require_columns(pop, ("id", column), path=population_path, what="block-group population")
    values = pd.to_numeric(pop[column], errors="coerce")
    if values.isna().any():
        i = int(values.isna().to_numpy().nonzero()[0][0])
        raise DataError(
            f"{population_path}: row {i + 2}: field {column!r} = {pop[column].iloc[i]!r} is not "
            f"a number; fix the value"
        )
    by_id = pd.Series(values.to_numpy(), index=pop["id"].str.strip())
    ids = raw["GEOID10"].astype(str).str.strip()
    population = ids.map(by_id)
    gdf = gpd.GeoDataFrame(
        {"blockgroup_id": ids, "population": population.fillna(0.0).to_numpy()},
        geometry=raw.geometry.values,
        crs=WGS84,
    )
    gdf["area_km2"] = area_km2(gdf)
    gdf.attrs["no_population"] = int(population.isna().sum())
    for kind, crime_path in (crime_paths or {}).items():
        counts = load_blockgroup_crimes(crime_path, kind=kind)
        gdf[CRIME_COLUMNS[kind]] = ids.map(counts).fillna(0.0).to_numpy()
    return gdf


def load_blockgroup_crimes(path: str | Path, *, kind: str) -> pd.Series:
    """Mean reported ``kind`` crimes per year 2012-2016 per 2010 block group (index: GEOID).

    The Compass ``blockgroup_r{V,P,D}_SQM.csv`` files hold the raw numerator (crimes
    reported in the year, DPD) of the "crimes per square mile" indicator, one ``y_<year>``
    column per year: ``crimes[g] = mean_{t in 2012..2016} y_t[g]``; blank cells (no reported
    crime of that kind, or outside DPD's jurisdiction) read as 0.
    """
    path = Path(path)
    what = f"block-group {kind} crimes"
    table = read_table(path, what=what)
    columns = [f"y_{t}" for t in CRIME_YEARS]
    require_columns(table, ("id", *columns), path=path, what=what)
    values = table[columns].apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & table[columns].apply(lambda c: c.str.strip().ne(""))
    if bad.any(axis=None):
        i, j = (int(v[0]) for v in bad.to_numpy().nonzero())
        raise DataError(
            f"{path}: row {i + 2}: field {columns[j]!r} = {table[columns[j]].iloc[i]!r} is not "
            f"a number; fix the value"
        )
    mean = values.fillna(0.0).mean(axis=1)
    return pd.Series(mean.to_numpy(), index=table["id"].astype(str).str.strip())


def load_incidents(path: str | Path) -> gpd.GeoDataFrame:
    """2013 DPD offence reports as points (``incident_id``, ``title``, ``geometry``), EPSG:4326.

    A spatial covariate only (Jan-Nov 2013, date without time).  Rows without a point are
    dropped and counted in ``attrs["dropped"]``.
    """
    path = Path(path)
    raw = to_wgs84(read_vector(path, what="incidents"), path=path, what="incidents")
    ok = raw.geometry.notna() & ~raw.geometry.is_empty & raw.geometry.geom_type.eq("Point")
    out = gpd.GeoDataFrame(
        {
            "incident_id": raw.get("incident_id", pd.Series(range(len(raw)))).astype(str),
            "title": raw.get("title", pd.Series([""] * len(raw))).astype(str),
        },
        geometry=raw.geometry.values,
        crs=WGS84,
    )[ok.to_numpy()].reset_index(drop=True)
    out.attrs["dropped"] = int((~ok).sum())
    return out
