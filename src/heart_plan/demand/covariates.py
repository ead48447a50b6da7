"""Beat covariates for completion: population and 2013 incident counts.

* ``population``: block-group population (Neighborhood Compass, calibration year) areally
  interpolated to beats: ``pop[b] = sum_g pop[g] * area(g ∩ b) / area(g)`` (equal-area CRS).
* ``incidents_2013``: number of 2013 DPD offence points inside each beat.
* ``blend``: the mean of the two shares, ``0.5 * pop[b] / sum pop + 0.5 * inc[b] / sum inc``.
* ACS 2022 tract counts areally interpolated like population (``tract_covariates``):
  ``households_no_vehicle``, ``black_population``, ``households``; and
  ``median_income_usd`` as the area-weighted mean over the beat's tract pieces (suppressed
  tracts left out).  Candidates of the count model (``glm``), not share weights.
* ``violent_crimes_2012_2016``, ``property_crimes_2012_2016``, ``drug_crimes_2012_2016``:
  Neighborhood Compass block-group crimes (mean reported per year 2012-2016, DPD) spread
  onto beats by area like population: ``c[b] = sum_g c[g] * area(g ∩ b) / area(g)``, i.e.
  the block group's density ``c[g] / area(g)`` times the intersected area.  Count-model
  candidates only.

``beat_blockgroup_pieces`` keeps the intersections (with their population and crimes; the
spreading above) for placing
modeled demand points population-weighted inside each beat.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from heart_plan.errors import ConfigError
from heart_plan.loaders.population import CRIME_COLUMNS

COVARIATES = ("population", "incidents_2013", "blend")
#: Block-group crime covariates (alternatives of one another in the GLM candidate sets).
CRIME_COVARIATES = tuple(CRIME_COLUMNS.values())
#: Covariates the count model may use (columns of ``beat_covariates``).
GLM_COVARIATES = (
    "incidents_2013", "population", "area_km2", "households_no_vehicle", "black_population",
    "median_income_usd", *CRIME_COVARIATES,
)  # fmt: skip
TRACT_COUNTS = ("households_no_vehicle", "black_population", "households")
EQUAL_AREA = "EPSG:6933"


def beat_blockgroup_pieces(
    beats: gpd.GeoDataFrame, blockgroups: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Intersections beat x block group with area-interpolated ``population`` and crime
    columns (``CRIME_COLUMNS`` present in ``blockgroups``): ``x[g] * area(g ∩ b) / area(g)``
    (EPSG:4326).
    """
    counts = ["population", *(c for c in CRIME_COLUMNS.values() if c in blockgroups.columns)]
    b = beats[["beat_id", "geometry"]].to_crs(EQUAL_AREA)
    g = blockgroups[["blockgroup_id", *counts, "geometry"]].to_crs(EQUAL_AREA)
    g = g.assign(bg_area=g.geometry.area)
    pieces = gpd.overlay(b, g, how="intersection", keep_geom_type=True)
    share = (pieces.geometry.area / pieces["bg_area"].where(pieces["bg_area"] > 0)).fillna(0.0)
    for c in counts:
        pieces[c] = pieces[c] * share
    pieces["area_km2"] = pieces.geometry.area / 1e6
    return pieces.drop(columns="bg_area").to_crs("EPSG:4326")


def beat_covariates(
    beats: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    tracts: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Per beat: ``population`` (interpolated), ``incidents_2013`` (points inside), ``area_km2``,
    the block-group crimes (interpolated) when ``pieces`` has them, and the ACS tract
    covariates when ``tracts`` is given (``tract_covariates``).
    """
    pop = pieces.groupby("beat_id")["population"].sum()
    joined = gpd.sjoin(incidents[["geometry"]], beats[["beat_id", "geometry"]], predicate="within")
    inc = joined.groupby("beat_id").size()
    out = pd.DataFrame(index=pd.Index(beats["beat_id"], name="beat_id"))
    out["population"] = pop.reindex(out.index).fillna(0.0)
    out["incidents_2013"] = inc.reindex(out.index).fillna(0).astype(float)
    out["area_km2"] = beats.set_index("beat_id")["area_km2"].reindex(out.index)
    for c in CRIME_COLUMNS.values():
        if c in pieces.columns:
            out[c] = pieces.groupby("beat_id")[c].sum().reindex(out.index).fillna(0.0)
    if tracts is not None:
        out = out.join(tract_covariates(beats, tracts))
    return out


def tract_covariates(beats: gpd.GeoDataFrame, tracts: gpd.GeoDataFrame) -> pd.DataFrame:
    """ACS tract fields per beat: counts areally interpolated, median income area-weighted."""
    b = beats[["beat_id", "geometry"]].to_crs(EQUAL_AREA)
    cols = [c for c in (*TRACT_COUNTS, "median_income_usd") if c in tracts.columns]
    t = tracts[[*cols, "geometry"]].to_crs(EQUAL_AREA)
    t = t.assign(tract_area=t.geometry.area)
    pieces = gpd.overlay(b, t, how="intersection", keep_geom_type=True)
    piece_area = pieces.geometry.area
    share = (piece_area / pieces["tract_area"].where(pieces["tract_area"] > 0)).fillna(0.0)
    out = pd.DataFrame(index=pd.Index(beats["beat_id"], name="beat_id"))
    for c in TRACT_COUNTS:
        if c in pieces.columns:
            v = (pieces[c].fillna(0.0) * share).groupby(pieces["beat_id"]).sum()
            out[c] = v.reindex(out.index).fillna(0.0)
    if "median_income_usd" in pieces.columns:
        ok = pieces["median_income_usd"].notna()
        num = (
            (pieces.loc[ok, "median_income_usd"] * piece_area[ok])
            .groupby(pieces.loc[ok, "beat_id"])
            .sum()
        )
        den = piece_area[ok].groupby(pieces.loc[ok, "beat_id"]).sum()
        income = (num / den).reindex(out.index)
        out["median_income_usd"] = income.fillna(income.median())
    return out


def covariate_weights(
    covariates: pd.DataFrame, name: str, *, beats: list[str] | None = None
) -> pd.Series:
    """Weights per beat for covariate ``name`` (shares summing to 1 over ``beats``)."""
    if name not in COVARIATES:
        raise ConfigError(
            f"demand.covariate = {name!r} is unknown; use one of {', '.join(COVARIATES)}"
        )
    frame = covariates if beats is None else covariates.reindex(beats).fillna(0.0)

    def share(col: str) -> pd.Series:
        total = frame[col].sum()
        return frame[col] / total if total > 0 else frame[col] * 0.0

    if name == "blend":
        return 0.5 * share("population") + 0.5 * share("incidents_2013")
    return share(name)
