"""Real-data tests on the Durham mirror: TRM graph, exactness, matrix, downtown OSM."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from heart_plan.network import (
    aggregate_demand,
    candidate_sites,
    drive_time_matrix,
    graph_from_osm_file,
    isochrones,
    snap_points,
    snap_report,
)

pytestmark = pytest.mark.durham

CALLS = "calls/dpd_calls2021_comsafe_6types__combined.csv"
DOWNTOWN_OSM = "roads/osm/downtown_durham_highways_2024-01__converted.osm"


@pytest.fixture(scope="module")
def calls(mirror):
    frame = pd.read_csv(mirror / CALLS)
    return frame.assign(point_id=np.arange(len(frame)), calls_per_year=365 / 273)


def test_trm_is_strongly_connected_with_speeds(durham_network, scenario):
    g, r = durham_network.graph, durham_network.report
    assert nx.is_strongly_connected(g)
    assert (r.nodes_in, r.edges_in) == (5103, 13060)
    assert r.centroid_nodes_dropped == 837
    assert r.connector_edges_dropped == 3044
    assert 0 < r.component_nodes_dropped < 0.02 * r.nodes_in
    assert r.nodes_kept == g.number_of_nodes() == 5103 - 837 - r.component_nodes_dropped
    assert not any(str(d.get("is_centroid")) == "1" for _, d in g.nodes(data=True))
    speeds = scenario.network.speed_kph_by_class
    for _, _, d in g.edges(data=True):
        assert d["is_cc"] == "0"
        assert d["speed_kph"] == speeds[d["osm_gen0_class"]]
        assert d["free_flow_s"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))


def test_matrix_matches_networkx_dijkstra_on_200_pairs(durham_network, durham_engine):
    rng = np.random.default_rng(0)
    ids = durham_engine.node_ids
    sources = rng.choice(ids, size=20, replace=False)
    targets = rng.choice(ids, size=200, replace=False)
    band, factor = "pm_peak", durham_engine.bands["pm_peak"]
    m = durham_engine.matrix(sources, targets, band=band)
    g = durham_network.graph
    ref_rows = {
        int(s): nx.single_source_dijkstra_path_length(g, int(s), weight="free_flow_s")
        for s in sources
    }
    for k in range(200):
        s, t = int(sources[k % 20]), int(targets[k])
        ref = ref_rows[s][t] / factor
        assert abs(int(m.loc[s, t]) - ref) <= 1.0, (s, t)
    pairs = durham_engine.pairs(sources[np.arange(200) % 20], targets, band=band)
    assert (pairs == m.to_numpy()[np.arange(200) % 20, np.arange(200)]).all()


def test_demand_snapping_and_full_candidate_matrix(
    durham_engine, calls, scenario, tmp_path, monkeypatch
):
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path))
    net = scenario.network
    snaps = snap_points(durham_engine, calls.lon, calls.lat, calls.point_id,
                        access_speed_kph=net.access_speed_kph, snap_warn_m=net.snap_warn_m)  # fmt: skip
    report = snap_report(durham_engine, snaps, snap_warn_m=net.snap_warn_m)
    assert report.n_points == len(calls)
    assert 40 < report.median_snap_m < 100  # mirror README: median 67 m from a real node
    assert report.max_snap_m < 900 and report.n_unreachable == 0
    demand = aggregate_demand(calls[["point_id", "calls_per_year"]], snaps)
    assert demand["calls_per_year"].sum() == pytest.approx(len(calls) * 365 / 273)
    assert demand["n_points"].sum() == len(calls)
    sites = candidate_sites(durham_engine, sources=("road_nodes",))
    assert len(sites) == durham_engine.n_nodes
    m = drive_time_matrix(durham_engine, demand, sites, band="midday")
    assert m.shape == (len(demand), len(sites))
    assert m.attrs["cache"] == "miss"
    values = m.to_numpy()
    assert values.dtype == np.int32 and (values >= 0).all()
    assert values.max() < 3 * 3600  # every real-road node reaches every demand node
    # a demand node's own road-node site costs only the access leg
    own = [m.loc[d, f"N{d}"] for d in demand["demand_id"][:50]]
    assert np.allclose(own, np.rint(demand["access_s"][:50]), atol=0)
    cached = drive_time_matrix(durham_engine, demand, sites, band="midday")
    assert cached.attrs["cache"] == "hit"
    assert np.array_equal(cached.to_numpy(), values)


def test_isochrones_around_a_fire_station(durham_network, durham_engine, scenario):
    stations = pd.DataFrame({"site_id": ["FS01"], "lon": [-78.897998], "lat": [35.996845]})
    site = candidate_sites(durham_engine, stations, sources=("fire_stations",))
    iso = isochrones(durham_engine, int(site.node_id[0]), scenario.network.isochrone_minutes,
                     band="midday")  # fmt: skip
    area_km2 = iso.to_crs(durham_engine.utm_crs).area.to_numpy() / 1e6
    assert iso["minutes"].tolist() == [8.0, 12.0, 15.0]
    assert 5 < area_km2[0] < area_km2[1] < area_km2[2] < 1500
    assert iso.geometry.iloc[0].contains(iso.geometry.iloc[0].representative_point())


def test_downtown_osm_builds_a_drivable_graph(mirror):
    network = graph_from_osm_file(mirror / DOWNTOWN_OSM)
    g, r = network.graph, network.report
    assert nx.is_strongly_connected(g)
    assert r.non_drivable_edges_dropped > 1000  # footways, service roads, ...
    assert r.nodes_kept > 150  # a clipped extract: motorway stubs fall out of the SCC
    drivable = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
                "secondary", "secondary_link", "tertiary", "tertiary_link", "residential",
                "unclassified", "living_street"}  # fmt: skip
    for _, _, d in g.edges(data=True):
        hwy = d["highway"] if isinstance(d["highway"], list) else [d["highway"]]
        assert set(hwy) <= drivable, hwy
        assert 5 < d["speed_kph"] < 130
