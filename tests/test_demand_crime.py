"""Block-group crime covariates: Compass counts averaged 2012-2016, spread onto beats by area."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from heart_plan.demand.covariates import GLM_COVARIATES, beat_blockgroup_pieces, beat_covariates
from heart_plan.errors import DataError
from heart_plan.loaders.population import CRIME_COLUMNS, load_blockgroup_crimes

EQUAL_AREA = "EPSG:6933"


def test_crimes_are_spread_by_intersected_area() -> None:
    # block groups: g1 2 km^2 with 10 violent crimes/year, g2 1 km^2 with 4
    groups = gpd.GeoDataFrame(
        {
            "blockgroup_id": ["g1", "g2"],
            "population": [200.0, 100.0],
            "violent_crimes_2012_2016": [10.0, 4.0],
        },
        geometry=[box(0, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs=EQUAL_AREA,
    )
    # beats: A covers 1.5 km^2 of g1; B the other 0.5 km^2 of g1 and all of g2
    beats = gpd.GeoDataFrame(
        {"beat_id": ["A", "B"], "area_km2": [1.5, 1.5]},
        geometry=[box(0, 0, 1500, 1000), box(1500, 0, 3000, 1000)],
        crs=EQUAL_AREA,
    )
    incidents = gpd.GeoDataFrame(geometry=[Point(100, 100)], crs=EQUAL_AREA)
    pieces = beat_blockgroup_pieces(beats, groups)
    cov = beat_covariates(beats, pieces, incidents)
    # density x intersected area: A = 10/2 * 1.5 = 7.5; B = 10/2 * 0.5 + 4/1 * 1 = 6.5
    assert cov.loc["A", "violent_crimes_2012_2016"] == pytest.approx(7.5, rel=1e-6)
    assert cov.loc["B", "violent_crimes_2012_2016"] == pytest.approx(6.5, rel=1e-6)
    assert cov["violent_crimes_2012_2016"].sum() == pytest.approx(14.0, rel=1e-6)
    assert cov.loc["A", "population"] == pytest.approx(150.0, rel=1e-6)
    assert "property_crimes_2012_2016" not in cov.columns
    assert set(CRIME_COLUMNS.values()) <= set(GLM_COVARIATES)


def test_crime_counts_are_the_2012_2016_mean_with_blanks_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "blockgroup_rV_SQM.csv"
    path.write_text("id,y_2012,y_2013,y_2014,y_2015,y_2016\n1,2,4,,6,8\n2,5,5,5,5,5\n")
    crimes = load_blockgroup_crimes(path, kind="violent")
    assert crimes.to_dict() == {"1": pytest.approx(4.0), "2": pytest.approx(5.0)}


def test_crime_counts_reject_a_non_number(tmp_path: Path) -> None:
    path = tmp_path / "blockgroup_rD_SQM.csv"
    path.write_text("id,y_2012,y_2013,y_2014,y_2015,y_2016\n1,2,4,x,6,8\n")
    with pytest.raises(DataError, match=r"row 2: field 'y_2014' = 'x' is not a number"):
        load_blockgroup_crimes(path, kind="drug")


def test_crime_alternatives_enter_alone_or_with_one_other() -> None:
    from heart_plan.demand.glm import candidate_sets

    sets = candidate_sets(("a", "b", "v", "d"), alternatives=("v", "d"))
    assert sets[:4] == [(), ("a",), ("b",), ("a", "b")]
    assert sets[4:] == [("v",), ("d",), ("a", "v"), ("b", "v"), ("a", "d"), ("b", "d")]
    assert len(candidate_sets(("a", "b", "c", "d"))) == 1 + 4 + 6 + 4
