"""Equity view: the share of eligible calls a plan *reaches* across census tracts grouped
by median income, share of Black residents, share of Hispanic residents and share of
households without a vehicle (2020 tracts with ACS 2022 demographics).

Each replayed call (observed or modeled) is placed in the tract containing its point; its
reached value is the fraction of simulation replications in which it was reached.  Groups
are tract quartiles of each variable (Q1 = lowest); shares are calls-weighted:
``reached_share(group) = sum reached / number of calls in the group's tracts``.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

DIMENSIONS = {
    "median_income_usd": "Median household income",
    "black_share": "Share of Black residents",
    "hispanic_share": "Share of Hispanic residents",
    "no_vehicle_share": "Households without a vehicle",
}


def reached_by_call(result) -> pd.Series:
    """Fraction of replications in which each call was reached, indexed by call id."""
    return pd.Series(result.reached_rate_by_call(), index=result.trace.call_id, name="reached")


def calls_in_tracts(calls: pd.DataFrame, tracts: gpd.GeoDataFrame) -> pd.Series:
    """``tract_id`` of the tract containing each call (calls outside every tract left out)."""
    points = gpd.GeoDataFrame(
        {"call_id": calls["call_id"].to_numpy()},
        geometry=gpd.points_from_xy(calls["lon"], calls["lat"]),
        crs=4326,
    )
    joined = gpd.sjoin(points, tracts[["tract_id", "geometry"]], predicate="within")
    joined = joined.drop_duplicates("call_id")
    return pd.Series(
        joined["tract_id"].to_numpy(), index=joined["call_id"].to_numpy(), name="tract"
    )


def tract_reached(
    calls: pd.DataFrame, tracts: gpd.GeoDataFrame, reached: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """Per tract: calls replayed and reached share under each plan (``reached_share__<plan>``)."""
    tract_of = calls_in_tracts(calls, tracts)
    frame = pd.DataFrame({"tract": tract_of})
    out = frame.groupby("tract").size().rename("calls").to_frame()
    for name, series in reached.items():
        frame[name] = series.reindex(frame.index).to_numpy()
        out[f"reached_share__{name}"] = frame.groupby("tract")[name].mean()
    return out


def equity_table(per_tract: pd.DataFrame, tracts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Reached share by tract quartile of each equity variable, for each plan.

    ``per_tract`` is :func:`tract_reached` output.  Columns: ``dimension, group, tracts,
    calls, reached_share__<plan>...``.
    """
    plans = [c.removeprefix("reached_share__") for c in per_tract.columns if c != "calls"]
    rows = []
    for column, label in DIMENSIONS.items():
        if column not in tracts.columns:
            continue
        values = tracts.set_index("tract_id")[column].astype(float)
        valid = values.dropna()
        if valid.nunique() < 4:
            continue
        quartile = pd.qcut(valid, 4, labels=["Q1 (lowest)", "Q2", "Q3", "Q4 (highest)"])
        joined = per_tract.join(quartile.rename("group"), how="inner")
        for group, part in joined.groupby("group", observed=True):
            row = {
                "dimension": label,
                "group": str(group),
                "tracts": int(len(part)),
                "calls": float(part["calls"].sum()),
            }
            for name in plans:
                col = f"reached_share__{name}"
                weights = part["calls"].to_numpy(dtype=float)
                row[col] = float(np.average(part[col].to_numpy(), weights=weights))
            rows.append(row)
    return pd.DataFrame(rows)
