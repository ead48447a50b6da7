"""Session fixtures for the network tests: the Durham TRM network and engine (built once,
from the graph cache when present), and a hand-checkable toy TRM GraphML."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import LineString

from heart_plan.network import DriveTimeEngine, RoadNetwork, bands_from_scenario, load_graph

NETWORK_FIXTURES = Path(__file__).parent / "fixtures"
TOY_OSM = NETWORK_FIXTURES / "toy_drive.osm"

#: Toy TRM speeds (km/h): 36 km/h = 10 m/s and 72 km/h = 20 m/s keep the arithmetic easy.
TOY_SPEEDS = {"unmatched": 36.0, "primary": 72.0, "centroid_connector": 10.0}


@pytest.fixture(scope="session")
def durham_network(mirror: Path, scenario) -> RoadNetwork:
    return load_graph(scenario, mirror)


@pytest.fixture(scope="session")
def durham_engine(durham_network: RoadNetwork, scenario) -> DriveTimeEngine:
    return DriveTimeEngine(durham_network, bands=bands_from_scenario(scenario))


def write_toy_trm(path: Path, *, classes: dict[tuple[int, int], str] | None = None) -> Path:
    """A TRM-style GraphML solvable on paper (node ids 1..3 are roads).

    Roads (two-way unless noted; lengths in m; unmatched = 10 m/s, primary = 20 m/s):
      1->2 1000 unmatched (100 s), 2->1 1000 (100 s), 2->3 500 unmatched (50 s),
      3->2 500 (50 s), 1->3 2000 primary one-way (100 s), 3->1 360 unmatched one-way (36 s).
    Centroid 9 with connectors 9<->1 (is_cc = "1") and a dead-end node 4 reached one-way
    from 3 (outside the strongly connected component).
    Shortest free-flow times: 1->3 = 100 (primary beats 150), 2->1 = 86 (2->3->1),
    3->2 = 50, 1->2 = 100.
    """
    import osmnx as ox

    coords = {1: (-78.90, 36.00), 2: (-78.89, 36.00), 3: (-78.885, 36.00), 4: (-78.88, 36.0),
              9: (-78.90, 36.01)}  # fmt: skip
    g = nx.MultiDiGraph(crs="epsg:4326")
    for n, (x, y) in coords.items():
        g.add_node(n, x=x, y=y, is_centroid="1" if n == 9 else "0")
    roads = [
        (1, 2, 1000.0, "unmatched", "0"), (2, 1, 1000.0, "unmatched", "0"),
        (2, 3, 500.0, "unmatched", "0"), (3, 2, 500.0, "unmatched", "0"),
        (1, 3, 2000.0, "primary", "0"), (3, 1, 360.0, "unmatched", "0"),
        (3, 4, 500.0, "unmatched", "0"),
        (9, 1, 1100.0, "centroid_connector", "1"), (1, 9, 1100.0, "centroid_connector", "1"),
    ]  # fmt: skip
    for u, v, length, cls, cc in roads:
        cls = (classes or {}).get((u, v), cls)
        g.add_edge(u, v, length=length, osm_gen0_class=cls, is_cc=cc, oneway=False,
                   geometry=LineString([coords[u], coords[v]]))  # fmt: skip
    ox.save_graphml(g, path)
    return path


@pytest.fixture(scope="session")
def toy_osm_path() -> Path:
    return TOY_OSM


@pytest.fixture(scope="session")
def toy_speeds() -> dict[str, float]:
    return dict(TOY_SPEEDS)


@pytest.fixture(scope="session")
def toy_trm_writer():
    """``write_toy_trm`` (a function: path, classes=None -> path)."""
    return write_toy_trm
