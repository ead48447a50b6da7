"""Beat covariates for completion: population and 2013 incident counts.

* ``population``: block-group population (Neighborhood Compass, calibration year) areally
  interpolated to beats: ``pop[b] = sum_g pop[g] * area(g ∩ b) / area(g)`` (equal-area CRS).
* ``incidents_2013``: number of 2013 DPD offence points inside each beat.
* ``blend``: the mean of the two shares, ``0.5 * pop[b] / sum pop + 0.5 * inc[b] / sum inc``.

``beat_blockgroup_pieces`` keeps the intersections (with their population) for placing
modeled demand points population-weighted inside each beat.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from heart_plan.errors import ConfigError

COVARIATES = ("population", "incidents_2013", "blend")
EQUAL_AREA = "EPSG:6933"


def beat_blockgroup_pieces(
    beats: gpd.GeoDataFrame, blockgroups: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Intersections beat x block group with interpolated ``population`` (EPSG:4326)."""
    b = beats[["beat_id", "geometry"]].to_crs(EQUAL_AREA)
    g = blockgroups[["blockgroup_id", "population", "geometry"]].to_crs(EQUAL_AREA)
    g = g.assign(bg_area=g.geometry.area)
    pieces = gpd.overlay(b, g, how="intersection", keep_geom_type=True)
    share = pieces.geometry.area / pieces["bg_area"].where(pieces["bg_area"] > 0)
    pieces["population"] = pieces["population"] * share.fillna(0.0)
    pieces["area_km2"] = pieces.geometry.area / 1e6
    return pieces.drop(columns="bg_area").to_crs("EPSG:4326")


def beat_covariates(
    beats: gpd.GeoDataFrame, pieces: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Per beat: ``population`` (interpolated), ``incidents_2013`` (points inside), ``area_km2``."""
    pop = pieces.groupby("beat_id")["population"].sum()
    joined = gpd.sjoin(incidents[["geometry"]], beats[["beat_id", "geometry"]], predicate="within")
    inc = joined.groupby("beat_id").size()
    out = pd.DataFrame(index=pd.Index(beats["beat_id"], name="beat_id"))
    out["population"] = pop.reindex(out.index).fillna(0.0)
    out["incidents_2013"] = inc.reindex(out.index).fillna(0).astype(float)
    out["area_km2"] = beats.set_index("beat_id")["area_km2"].reindex(out.index)
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
