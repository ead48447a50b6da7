"""Loaders: toy fixtures (hand-made) and the Durham mirror; every bad input gives a
one-line DataError naming the file, the field and the fix."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from heart_plan.config import Scenario, load_scenario
from heart_plan.eligibility import eligible_mask, filter_eligible
from heart_plan.errors import ConfigError, DataError
from heart_plan.loaders import (
    load_beats,
    load_blockgroups,
    load_calls,
    load_city_limits,
    load_fire_stations,
    load_tracts,
)

FIXTURES = Path(__file__).parent / "fixtures"
CAD = FIXTURES / "cad_calls_toy.csv"
TOY_BEATS = FIXTURES / "toy_beats.geojson"


def _cad_scenario(**calls: object) -> Scenario:
    base = load_scenario()
    return dataclasses.replace(
        base,
        calls=dataclasses.replace(
            base.calls, schema="durham_cad", **{"observed_end": "2021-12-31", **calls}
        ),
    )


def _one_line(exc: pytest.ExceptionInfo, *words: str) -> None:
    text = str(exc.value)
    assert "\n" not in text
    for w in words:
        assert w in text, (w, text)


# ----------------------------------------------------------------------------- toy beats


def test_toy_beats_dissolved_flagged_and_made_valid() -> None:
    beats = load_beats(TOY_BEATS)
    assert beats["beat_id"].tolist() == ["111", "112", "999"]
    assert beats["is_city_beat"].tolist() == [True, True, False]
    assert beats["flag"].tolist() == ["", "", "DSO"]
    assert beats.crs.to_epsg() == 4326
    assert beats.geometry.is_valid.all()  # the bowtie of 999 was made valid
    assert beats.loc[0, "geometry"].geom_type == "MultiPolygon"  # two parts dissolved
    # 0.01 x 0.01 degree squares at 36 N: ~1.11 km x 0.90 km = ~1.0 km2 each
    assert beats.loc[1, "area_km2"] == pytest.approx(1.0, rel=0.02)
    assert beats.loc[0, "area_km2"] == pytest.approx(2.0, rel=0.02)


def test_beats_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load_beats(tmp_path / "nope.geojson")
    _one_line(exc, "nope.geojson", "not found", "--mirror")


def test_beats_invalid_geometry_type(tmp_path: Path) -> None:
    raw = json.loads(TOY_BEATS.read_text())
    raw["features"][2]["geometry"] = {"type": "Point", "coordinates": [-78.9, 35.99]}
    path = tmp_path / "beats.geojson"
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError) as exc:
        load_beats(path)
    _one_line(exc, "beats.geojson", "invalid geometry", "Point", "geometry", "fix or drop")


def test_beats_missing_crs(tmp_path: Path) -> None:
    path = tmp_path / "beats.shp"
    gpd.read_file(TOY_BEATS).to_file(path)
    path.with_suffix(".prj").unlink()  # a shapefile without its .prj has no CRS
    with pytest.raises(DataError) as exc:
        load_beats(path)
    _one_line(exc, "beats.shp", "no CRS", "reproject")


def test_beats_wrong_crs(tmp_path: Path) -> None:
    # NC State Plane feet coordinates labelled as lon/lat
    frame = gpd.read_file(TOY_BEATS).to_crs("EPSG:2264").set_crs("EPSG:4326", allow_override=True)
    path = tmp_path / "beats.geojson"
    frame.to_file(path)
    with pytest.raises(DataError) as exc:
        load_beats(path)
    _one_line(exc, "beats.geojson", "not degrees", "EPSG:2264")


def test_dissolved_beats_duplicate_ids(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"beat": ["111", "111"], "district": ["D1", "D1"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    path = tmp_path / "dissolved.geojson"
    frame.to_file(path)
    with pytest.raises(DataError) as exc:
        load_beats(path)
    _one_line(exc, "dissolved.geojson", "'111'", "'beat'", "one row per beat")


def test_beats_unknown_id_column(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"ZONE": ["1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    path = tmp_path / "zones.geojson"
    frame.to_file(path)
    with pytest.raises(DataError) as exc:
        load_beats(path)
    _one_line(exc, "zones.geojson", "LAWBEAT")


# ----------------------------------------------------------------------------- CAD calls


def test_cad_schema_fixture() -> None:
    calls = load_calls(CAD, _cad_scenario())
    # the row with X = Y = 0 is dropped and counted
    assert len(calls) == 5
    assert calls.attrs["dropped_no_xy"] == 1
    assert calls["call_id"].tolist()[:2] == ["E21-0001", "E21-0002"]
    assert calls.crs.to_epsg() == 4326
    # X/Y in EPSG:2264 back to the lon/lat they were made from (hand-made fixture)
    assert calls.loc[0, "lon"] == pytest.approx(-78.8986, abs=1e-5)
    assert calls.loc[0, "lat"] == pytest.approx(35.9940, abs=1e-5)
    assert {"case_id", "source", "address", "disposition", "cancelled"} <= set(calls.columns)
    assert calls["district"].tolist() == ["D1"] * 5


def test_cad_dst_localization() -> None:
    calls = load_calls(CAD, _cad_scenario())
    spring, fall = calls["called_at"].iloc[0], calls["called_at"].iloc[1]
    # 2021-03-14 02:30 does not exist in New York: shifted forward to 03:00 EDT
    assert spring.isoformat() == "2021-03-14T03:00:00-04:00"
    # 2021-11-07 01:30 happens twice: the first occurrence (EDT) is taken
    assert fall.isoformat() == "2021-11-07T01:30:00-04:00"
    assert str(calls["called_at"].dt.tz) == "America/New_York"
    # hour of week: Sunday (day 6) 03:00 -> 6*24+3; Sunday 01:00 -> 145
    assert calls["hour_of_week"].tolist()[:2] == [147, 145]
    # Monday 2021-01-04 12:00 -> 12 and 23:59:59 -> 23; Tuesday 00:00:01 -> 24
    assert calls["hour_of_week"].tolist()[2:] == [12, 23, 24]


def test_cad_eligibility_rules() -> None:
    scenario = _cad_scenario()
    calls = load_calls(CAD, scenario)
    keep, report = eligible_mask(calls, scenario)
    # dropped: E21-0003 cancelled, E21-0004 self-initiated, E21-0005 not an eligible nature
    assert calls.loc[keep.to_numpy(), "call_id"].tolist() == ["E21-0001", "E21-0002"]
    assert report.removed_nature == 1
    assert report.removed_cancelled == 1
    assert report.removed_self_initiated == 1


def test_cad_no_eligible_calls() -> None:
    base = _cad_scenario()
    scenario = dataclasses.replace(
        base, eligibility=dataclasses.replace(base.eligibility, natures=("NOISE COMPLAINT",))
    )
    with pytest.raises(DataError) as exc:
        filter_eligible(load_calls(CAD, scenario), scenario)
    _one_line(exc, "cad_calls_toy.csv", "no eligible calls", "'nature'", "eligibility.natures")


def test_calls_unknown_column() -> None:
    scenario = _cad_scenario(columns={"nature": "Call Type"})
    with pytest.raises(DataError) as exc:
        load_calls(CAD, scenario)
    _one_line(exc, "cad_calls_toy.csv", "unknown column 'Call Type'", "calls.columns.nature")


def test_calls_unknown_normalized_key() -> None:
    with pytest.raises(ConfigError) as exc:
        load_calls(CAD, _cad_scenario(columns={"colour": "X"}))
    _one_line(exc, "calls.columns", "'colour'")


def test_calls_wrong_schema_columns() -> None:
    # the CAD file read with the mirror mapping: 'call_date' is absent
    with pytest.raises(DataError) as exc:
        load_calls(CAD, load_scenario())
    _one_line(exc, "cad_calls_toy.csv", "'call_date'", "calls.schema")


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [("Call Date", "31/31/2021", "Call Date"), ("Call Time", "25:99", "Call Time")],
)
def test_calls_unparsable_date_time(tmp_path: Path, column: str, value: str, field: str) -> None:
    frame = pd.read_csv(CAD, dtype=str, keep_default_na=False)
    frame.loc[2, column] = value
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        load_calls(path, _cad_scenario())
    _one_line(exc, "bad.csv", "row 4", repr(field), repr(value), "fix the value")


def test_calls_wrong_crs() -> None:
    # State Plane feet read as lon/lat
    with pytest.raises(DataError) as exc:
        load_calls(CAD, _cad_scenario(coordinates_crs="EPSG:4326"))
    _one_line(exc, "cad_calls_toy.csv", "not degrees", "EPSG:4326")


def test_calls_shapefile_without_crs(tmp_path: Path) -> None:
    frame = load_calls(CAD, _cad_scenario())
    frame = gpd.GeoDataFrame(
        {"CallDate": "1/5/2021", "CallTime": "1:00:00PM", "Nature": frame["nature"],
         "Beat": frame["beat_id"]},
        geometry=frame.geometry, crs="EPSG:4326",
    )  # fmt: skip
    path = tmp_path / "calls.shp"
    frame.to_file(path)
    path.with_suffix(".prj").unlink()
    scenario = load_scenario()
    columns = {"call_date": "CallDate", "call_time": "CallTime", "nature": "Nature", "beat": "Beat"}
    scenario = dataclasses.replace(
        scenario, calls=dataclasses.replace(scenario.calls, columns=columns)
    )
    with pytest.raises(DataError) as exc:
        load_calls(path, scenario)
    _one_line(exc, "calls.shp", "no CRS", ".prj")


# ----------------------------------------------------------------------------- Durham mirror


@pytest.mark.durham
def test_durham_beats(mirror: Path) -> None:
    beats = load_beats(mirror / "beats" / "durham_police_beats.geojson")
    assert len(beats) == 37
    assert int(beats["is_city_beat"].sum()) == 35
    flagged = beats[~beats["is_city_beat"]].set_index("beat_id")["flag"].to_dict()
    assert flagged == {"299": "SSA", "999": "DSO"}
    assert beats["beat_id"].map(type).eq(str).all()
    assert set(beats["district"]) == {"D1", "D2", "D3", "D4", "D5", "DSO"}
    # the 37-beat population file is already dissolved: same ids
    dissolved = load_beats(mirror / "beats" / "durham_beats_dissolved_pop2020.geojson")
    assert dissolved["beat_id"].tolist() == beats["beat_id"].tolist()


@pytest.mark.durham
def test_durham_calls(mirror: Path, scenario: Scenario) -> None:
    calls = load_calls(mirror / "calls" / "dpd_calls2021_comsafe_6types__combined.csv", scenario)
    assert len(calls) == 3027
    assert calls["called_at"].notna().all()
    assert str(calls["called_at"].dt.tz) == "America/New_York"
    assert calls["called_at"].min().isoformat() == "2021-01-01T00:41:53-05:00"
    assert calls["called_at"].max() < pd.Timestamp("2021-10-01", tz="America/New_York")
    assert calls["hour_of_week"].between(0, 167).all()
    # 2021-01-01 was a Friday: 00:41 -> bin 4*24 + 0 = 96
    assert calls["hour_of_week"].iloc[0] == 96
    assert calls["beat_id"].nunique() == 12
    assert calls["call_id"].is_unique


@pytest.mark.durham
def test_durham_per_nature_geojson_matches_csv(mirror: Path, scenario: Scenario) -> None:
    scen = dataclasses.replace(
        scenario,
        calls=dataclasses.replace(
            scenario.calls,
            columns={"call_date": "Call Date", "call_time": "Call Time", "priority": "Priority",
                     "nature": "Nature", "beat": "Beat", "x": "__none__", "y": "__none__"},
        ),
    )  # fmt: skip
    with pytest.raises(DataError):  # mapped coordinate columns that do not exist
        load_calls(mirror / "calls" / "dpd_calls2021_comsafe_Crisis.geojson", scen)


@pytest.mark.durham
def test_durham_fire_stations(mirror: Path) -> None:
    stations, missing = load_fire_stations(
        mirror / "facilities" / "durham_fire_stations_geocoded.csv"
    )
    assert len(stations) == 19
    assert "fire_19_future" in set(stations["site_id"])
    assert stations.crs.to_epsg() == 4326
    assert missing.empty  # Station 2 is absent from this file, not a row without coordinates


@pytest.mark.durham
def test_durham_boundaries_and_population(mirror: Path) -> None:
    limits = load_city_limits(
        mirror
        / "boundaries"
        / "durham_city_limits__derived_from_triangle_municipal_boundaries.geojson"
    )
    assert len(limits) == 1
    assert limits.loc[0, "area_km2"] == pytest.approx(110 * 2.59, rel=0.05)  # ~110 sq mi
    tracts = load_tracts(mirror / "population" / "durham_tracts_2020_acs2022_demographics.geojson")
    assert len(tracts) == 67
    for col in (
        "population",
        "median_income_usd",
        "black_share",
        "hispanic_share",
        "no_vehicle_share",
    ):
        assert col in tracts.columns
    assert tracts["black_share"].between(0, 1).all()
    assert 300_000 < tracts["population"].sum() < 360_000  # Durham County ~ 325k (2020)
    bg = load_blockgroups(
        mirror / "population" / "durham_blockgroups_2010.geojson",
        mirror / "population" / "durham_qol_compass" / "blockgroup_rPOP.csv",
        year=2021,
    )
    assert len(bg) == 153
    assert 300_000 < bg["population"].sum() < 360_000
