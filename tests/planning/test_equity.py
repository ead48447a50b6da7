"""Equity view on a toy: two tracts, four calls, hand-computed reached shares."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from heart_plan.planning.equity import equity_table, tract_reached


def _tracts() -> gpd.GeoDataFrame:
    # four tracts so quartiles exist: incomes 10k < 20k < 30k < 40k
    return gpd.GeoDataFrame(
        {
            "tract_id": ["T1", "T2", "T3", "T4"],
            "median_income_usd": [10_000, 20_000, 30_000, 40_000],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs=4326,
    )


def test_tract_reached_and_income_quartiles_by_hand() -> None:
    calls = pd.DataFrame(
        {
            "call_id": ["a", "b", "c", "d", "e"],
            "lon": [0.5, 0.5, 1.5, 2.5, 3.5],
            "lat": [0.5, 0.6, 0.5, 0.5, 0.5],
        }
    )
    reached = {
        "current": pd.Series([1.0, 0.0, 1.0, 0.0, 0.5], index=list("abcde")),
        "recommended": pd.Series([1.0, 1.0, 1.0, 1.0, 1.0], index=list("abcde")),
    }
    per_tract = tract_reached(calls, _tracts(), reached)
    # T1 holds a (reached) and b (not): 0.5; T2: c -> 1.0; T3: d -> 0.0; T4: e -> 0.5
    assert per_tract.loc["T1", "calls"] == 2
    assert per_tract["reached_share__current"].to_dict() == pytest.approx(
        {"T1": 0.5, "T2": 1.0, "T3": 0.0, "T4": 0.5}
    )
    table = equity_table(per_tract, _tracts())
    income = table[table["dimension"] == "Median household income"].set_index("group")
    assert income.loc["Q1 (lowest)", "calls"] == 2
    assert income.loc["Q1 (lowest)", "reached_share__current"] == pytest.approx(0.5)
    assert income["reached_share__recommended"].tolist() == pytest.approx([1.0] * 4)
