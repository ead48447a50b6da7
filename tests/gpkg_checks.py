"""Checks of a ``plan.gpkg`` against the plans it was written from (shared by the place,
expand and run tests): opened with pyogrio, its layers and CRS listed and compared.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from heart_plan.plan import Plan


def assert_plan_gpkg(
    path: Path, plans: dict[str, Plan], roadmap: pd.DataFrame | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Open ``path``; every layer in EPSG:4326 and consistent with ``plans``."""
    layers = {str(name): str(kind) for name, kind in pyogrio.list_layers(path)}
    expected = {"beats", "service_area", "posts", "drive_time_areas"}
    expected |= {"roadmap"} if roadmap is not None else set()
    assert set(layers) == expected, layers
    assert layers["posts"] == "Point"
    frames = {}
    for name in layers:
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:4326", (name, info["crs"])
        assert info["features"] > 0, name
        frames[name] = gpd.read_file(path, layer=name, engine="pyogrio")
    beats, area, posts = frames["beats"], frames["service_area"], frames["posts"]
    assert len(beats) == 35 and beats["eligible_calls_per_year"].sum() == pytest.approx(14_745)
    assert beats.total_bounds[0] == pytest.approx(-79.0, abs=0.2)  # Durham, lon/lat
    assert set(area["plan"]) == set(plans) == set(posts["plan"])
    for name, plan in plans.items():
        inside = set(beats.loc[beats[f"in_area__{name}"].astype(bool), "beat_id"])
        assert inside == set(plan.service_area_beats)
        row = area.loc[area["plan"] == name].iloc[0]
        assert row["beats"] == len(plan.service_area_beats)
        assert row["max_teams_on_duty"] == max(plan.teams_on_duty)
        mine = posts.loc[posts["plan"] == name]
        explicit = plan.with_explicit_post_sets().posts
        assert len(mine) == len(explicit)
        assert sorted(mine["node_id"]) == sorted(p.node_id for p in explicit)
        assert mine.geometry.x.to_numpy() == pytest.approx(mine["lon"].to_numpy())
        reach = frames["drive_time_areas"]
        reach = reach.loc[reach["plan"] == name].sort_values("minutes")
        assert reach["minutes"].tolist() == [8.0, 12.0, 15.0]  # [network] isochrone_minutes
        assert reach.to_crs(32617).area.is_monotonic_increasing  # longer drives, more area
    if roadmap is not None:
        steps = frames["roadmap"].sort_values("step")
        added = roadmap["beat_added"].dropna().astype(str).tolist()
        assert steps["beat_added"].tolist() == added
    return frames
