"""Bad inputs give one-line HeartPlanErrors naming the file/field and the fix."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from heart_plan.errors import DataError, HeartPlanError, NetworkError
from heart_plan.network import (
    UNREACHABLE_S,
    DriveTimeEngine,
    drive_time_matrix,
    graph_from_file,
    graph_from_osm_file,
    graph_from_trm,
    snap_points,
)


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert isinstance(exc.value, HeartPlanError)
    assert "\n" not in msg
    return msg


def test_unknown_file_type(tmp_path):
    path = tmp_path / "roads.shp"
    path.write_text("not a graph")
    with pytest.raises(DataError) as exc:
        graph_from_file(path)
    msg = _one_line(exc)
    assert "roads.shp" in msg and ".graphml" in msg and ".osm" in msg


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as exc:
        graph_from_file(tmp_path / "nowhere.graphml")
    assert "not found" in _one_line(exc)


def test_empty_graph(tmp_path):
    import osmnx as ox

    path = tmp_path / "empty.graphml"
    ox.save_graphml(nx.MultiDiGraph(crs="epsg:4326"), path)
    with pytest.raises(NetworkError) as exc:
        graph_from_trm(path, speed_kph_by_class={})
    msg = _one_line(exc)
    assert "empty.graphml" in msg and "empty" in msg


def test_osm_file_without_drivable_roads(tmp_path):
    path = tmp_path / "footways.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="36.0" lon="-78.9"/><node id="2" lat="36.001" lon="-78.9"/>'
        '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(NetworkError) as exc:
        graph_from_osm_file(path)
    msg = _one_line(exc)
    assert "footways.osm" in msg and "drivable" in msg


def test_speed_table_missing_a_class(tmp_path, toy_trm_writer, toy_speeds):
    path = toy_trm_writer(tmp_path / "toy.graphml", classes={(2, 3): "tertiary_link"})
    with pytest.raises(NetworkError) as exc:
        graph_from_trm(path, speed_kph_by_class=toy_speeds)
    msg = _one_line(exc)
    assert "'tertiary_link'" in msg and "osm_gen0_class" in msg
    assert "[network.speed_kph_by_class]" in msg and "toy.graphml" in msg


def test_points_outside_the_network_extent(tmp_path, toy_trm_writer, toy_speeds):
    network = graph_from_trm(toy_trm_writer(tmp_path / "t.graphml"), speed_kph_by_class=toy_speeds)
    engine = DriveTimeEngine(network)
    # lat/lon swapped: a classic export mistake
    with pytest.raises(NetworkError) as exc:
        snap_points(engine, [-78.89, 36.0], [36.0, -78.89], ["ok", "swapped"])
    msg = _one_line(exc)
    assert "1 of 2" in msg and "swapped" in msg and "network.graph_file" in msg
    flagged = snap_points(engine, [-78.89, -78.0], [36.0, 36.0], ["ok", "far"], on_outside="flag")
    assert flagged["outside_extent"].tolist() == [False, True]


def test_missing_coordinates(tmp_path, toy_trm_writer, toy_speeds):
    network = graph_from_trm(toy_trm_writer(tmp_path / "t.graphml"), speed_kph_by_class=toy_speeds)
    with pytest.raises(DataError) as exc:
        snap_points(DriveTimeEngine(network), [float("nan")], [36.0], ["p1"])
    assert "p1" in _one_line(exc)


def test_unreachable_pairs_raise_or_are_flagged(tmp_path, monkeypatch):
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path))
    g = nx.MultiDiGraph()
    for n, x in ((1, -78.90), (2, -78.89), (3, -78.88)):
        g.add_node(n, x=x, y=36.0)
    g.add_edge(1, 2, free_flow_s=60.0)  # one-way: nothing gets back to 1; 3 is isolated
    engine = DriveTimeEngine(g)
    with pytest.raises(NetworkError) as exc:
        engine.matrix([1, 2], [1, 2, 3], band="free_flow")
    msg = _one_line(exc)
    assert "no road path" in msg and "on_unreachable" in msg
    m = engine.matrix([1, 2], [1, 2, 3], band="free_flow", on_unreachable="sentinel")
    assert m.to_numpy().tolist() == [[0, 60, UNREACHABLE_S], [UNREACHABLE_S, 0, UNREACHABLE_S]]
    assert sorted(m.attrs["unreachable_pairs"]) == [(1, 3), (2, 1), (2, 3)]
    with pytest.raises(NetworkError):
        engine.drive_time_s(2, 1, band="free_flow")
    demand = pd.DataFrame({"demand_id": [1]})
    sites = pd.DataFrame({"site_id": ["N2"], "node_id": [2]})
    with pytest.raises(NetworkError):
        drive_time_matrix(engine, demand, sites, band="free_flow")


def test_unknown_band_and_unknown_node(tmp_path, toy_trm_writer, toy_speeds):
    network = graph_from_trm(toy_trm_writer(tmp_path / "t.graphml"), speed_kph_by_class=toy_speeds)
    engine = DriveTimeEngine(network, bands={"night": 1.0})
    with pytest.raises(NetworkError) as exc:
        engine.matrix([1], [2], band="rush")
    assert "'rush'" in _one_line(exc) and "night" in str(exc.value)
    with pytest.raises(NetworkError) as exc:
        engine.matrix([1], [9], band="night")  # 9 is the dropped centroid
    assert "snap_points" in _one_line(exc)
