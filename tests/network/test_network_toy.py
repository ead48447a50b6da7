"""Hand-checkable toys: the TRM-style GraphML of conftest and the toy .osm fixture."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from heart_plan.network import (
    UNREACHABLE_S,
    DriveTimeEngine,
    aggregate_demand,
    candidate_sites,
    drive_time_matrix,
    graph_from_file,
    graph_from_osm_file,
    graph_from_trm,
    isochrones,
    snap_points,
    snap_report,
)
from heart_plan.network.graph import DRIVE_FILTER

BANDS = {"free": 1.0, "slow": 0.5}


@pytest.fixture(scope="module")
def toy(tmp_path_factory, toy_trm_writer, toy_speeds):
    path = toy_trm_writer(tmp_path_factory.mktemp("toy") / "toy.graphml")
    network = graph_from_trm(path, speed_kph_by_class=toy_speeds)
    return network, DriveTimeEngine(network, bands=BANDS)


def test_trm_toy_drops_centroids_connectors_and_dead_end(toy):
    network, engine = toy
    r = network.report
    assert (r.nodes_in, r.edges_in) == (5, 9)
    assert r.centroid_nodes_dropped == 1
    assert r.connector_edges_dropped == 2
    assert r.component_nodes_dropped == 1  # node 4: reachable from 3, no way back
    assert sorted(network.graph.nodes) == [1, 2, 3]
    assert list(engine.node_ids) == [1, 2, 3]
    assert r.edges_by_class == {"primary": 1, "unmatched": 5}
    assert r.speed_kph_by_class == {"primary": 72.0, "unmatched": 36.0}
    assert nx.is_strongly_connected(network.graph)


def test_engine_toy_times_solved_on_paper(toy):
    _, engine = toy
    m = engine.matrix([1, 2, 3], [1, 2, 3], band="free")
    expected = [[0, 100, 100], [86, 0, 50], [36, 50, 0]]
    assert m.to_numpy().tolist() == expected
    assert m.dtypes.unique().tolist() == [np.dtype("int32")]
    # band factor 0.5 halves every speed: every time doubles
    assert engine.matrix([1, 2, 3], [1, 2, 3], band="slow").to_numpy().tolist() == [
        [2 * v for v in row] for row in expected
    ]
    assert engine.drive_time_s(2, 1, band="free") == 86
    assert engine.pairs([1, 2, 3, 3], [3, 1, 2, 1], band="slow").tolist() == [200, 172, 100, 72]


def test_engine_runs_from_the_smaller_side_with_same_answer(toy):
    _, engine = toy
    many_to_one = engine.matrix([1, 2, 3], [1], band="free")  # transposed graph
    one_to_many = engine.matrix([2], [1, 2, 3], band="free")  # forward graph
    assert many_to_one[1].tolist() == [0, 86, 36]
    assert one_to_many.loc[2].tolist() == [86, 0, 50]


def test_limit_marks_slow_pairs_with_sentinel(toy):
    _, engine = toy
    m = engine.matrix([1, 2, 3], [1, 2, 3], band="free", limit_s=90)
    assert m.loc[1, 2] == UNREACHABLE_S
    assert m.loc[2, 1] == 86 and m.loc[3, 1] == 36
    assert m.attrs["beyond_limit"] == 2  # 1->2 and 1->3 (100 s each)
    assert m.attrs["unreachable_pairs"] == []


def test_drive_time_matrix_adds_access_and_labels(toy, tmp_path, monkeypatch):
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path))
    _, engine = toy
    demand = pd.DataFrame({"demand_id": [1, 2], "access_s": [10.0, 0.4]})
    sites = pd.DataFrame({"site_id": ["FS01", "N3"], "node_id": [2, 3], "access_s": [5.0, 0.0]})
    m = drive_time_matrix(engine, demand, sites, band="free")
    assert m.index.name == "demand_id" and m.columns.name == "site_id"
    assert m.index.tolist() == [1, 2] and m.columns.tolist() == ["FS01", "N3"]
    # FS01 at node 2: 2->1 86 s + 10 + 5; 2->2 0 + 0.4 + 5 -> 5; N3: 3->1 36 + 10; 3->2 50.4
    assert m.to_numpy().tolist() == [[101, 46], [5, 50]]
    assert m.attrs["cache"] == "miss"
    again = drive_time_matrix(engine, demand, sites, band="free")
    assert again.attrs["cache"] == "hit"
    pd.testing.assert_frame_equal(again, m, check_flags=False)
    slow = drive_time_matrix(engine, demand, sites, band="slow")
    assert slow.attrs["cache"] == "miss"
    assert slow.loc[1, "N3"] == 82  # 72 + 10 (access is not band-scaled)


def test_snap_aggregate_and_candidates(toy):
    _, engine = toy
    # ~111 m north of node 2, and on node 3
    snaps = snap_points(engine, [-78.89, -78.885], [36.001, 36.0], ["a", "b"],
                        access_speed_kph=36.0, snap_warn_m=100.0)  # fmt: skip
    assert snaps["node_id"].tolist() == [2, 3]
    assert snaps.loc[0, "snap_distance_m"] == pytest.approx(111.0, abs=1.5)
    assert snaps.loc[0, "access_s"] == pytest.approx(snaps.loc[0, "snap_distance_m"] / 10.0)
    assert snaps["beyond_warn"].tolist() == [True, False]
    report = snap_report(engine, snaps, snap_warn_m=100.0)
    assert (report.n_beyond_warn, report.beyond_warn_ids, report.n_unreachable) == (1, ["a"], 0)
    points = pd.DataFrame({"point_id": ["a", "b", "c"], "calls_per_year": [3.0, 1.0, 1.0],
                           "basis": ["observed", "modeled", "observed"]})  # fmt: skip
    snaps3 = snap_points(engine, [-78.89, -78.885, -78.8851], [36.001, 36.0, 36.0],
                         ["a", "b", "c"], access_speed_kph=36.0)  # fmt: skip
    demand = aggregate_demand(points, snaps3)
    assert demand["demand_id"].tolist() == [2, 3]
    assert demand["calls_per_year"].tolist() == [3.0, 2.0]
    assert demand["n_points"].tolist() == [1, 2]
    assert demand.loc[1, "modeled_share"] == pytest.approx(0.5)
    assert demand.loc[1, "access_s"] == pytest.approx(snaps3.loc[2, "access_s"] / 2)
    stations = pd.DataFrame({"site_id": ["FS01"], "lon": [-78.8899], "lat": [36.0]})
    sites = candidate_sites(engine, stations)
    assert sites["site_id"].tolist() == ["FS01", "N1", "N2", "N3"]
    assert sites["kind"].tolist() == ["fire_station"] + ["road_node"] * 3
    assert sites.loc[0, "node_id"] == 2


def test_isochrones_grow_with_minutes(toy):
    network, engine = toy
    iso = isochrones(
        engine, 1, minutes=(1, 2), band="free", grow_m=40, shrink_m=20, min_part_m2=0,
        simplify_m=0,
    )  # fmt: skip
    assert iso["minutes"].tolist() == [1.0, 2.0]
    assert iso.crs.to_epsg() == 4326
    area = iso.to_crs(engine.utm_crs).area.to_numpy()
    assert 0 < area[0] < area[1]
    # node 3 is 100 s from node 1: outside the 1-minute polygon, inside the 2-minute one
    node3 = Point(-78.885, 36.0)
    assert [geom.contains(node3) for geom in iso.geometry] == [False, True]


def _haversine_m(lon1, lat1, lon2, lat2):
    r = 6_371_009.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def test_toy_osm_keeps_drivable_ways_only(toy_osm_path):
    network = graph_from_file(toy_osm_path)
    r = network.report
    assert r.non_drivable_edges_dropped == 6  # footway, driveway, private (both ways each)
    assert r.component_nodes_dropped == 1  # node 7 behind the one-way
    assert sorted(network.graph.nodes) == [1, 2, 3, 4]
    assert r.edges_kept == 8
    assert r.edges_by_class == {"primary": 6, "residential": 2}
    engine = DriveTimeEngine(network)
    # 1 -> 4 along Main Street at 35 mph: three 0.001-degree blocks
    length_m = 3 * _haversine_m(-78.900, 36.0, -78.899, 36.0)
    assert engine.drive_time_s(1, 4, band="free_flow") == round(length_m / (35 * 1.609344 / 3.6))


def test_drive_filter_matches_osmnx_drive_filter(toy_osm_path):
    from osmnx import _overpass

    text = _overpass._get_network_filter("drive")
    for key, regex in DRIVE_FILTER:
        assert f'["{key}"!~"{regex}"]' in text
    assert graph_from_osm_file(toy_osm_path).report.nodes_kept == 4
