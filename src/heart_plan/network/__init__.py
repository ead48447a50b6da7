"""Road network and drive times: graphs through OSMnx, a CSR Dijkstra engine, snapping,
demand x site matrices (the contract with the optimizers) and isochrones.

Typical use::

    network = load_graph(scenario, mirror)
    engine = DriveTimeEngine.from_scenario(network, scenario)
    snaps = snap_points(engine, points.lon, points.lat, points.point_id)
    demand = aggregate_demand(points, snaps)
    sites = candidate_sites(engine, stations)
    t = drive_time_matrix(engine, demand, sites, band="midday")  # int s, demand x site
"""

from heart_plan.network.engine import UNREACHABLE_S, DriveTimeEngine, bands_from_scenario
from heart_plan.network.graph import (
    GraphReport,
    RoadNetwork,
    configure_osmnx,
    graph_from_file,
    graph_from_online,
    graph_from_osm_file,
    graph_from_trm,
    keep_drivable,
    load_graph,
)
from heart_plan.network.isochrones import isochrones
from heart_plan.network.matrix import candidate_sites, drive_time_matrices, drive_time_matrix
from heart_plan.network.snap import (
    SnapReport,
    aggregate_demand,
    snap_points,
    snap_report,
    snap_table,
)

__all__ = [
    "UNREACHABLE_S",
    "DriveTimeEngine",
    "GraphReport",
    "RoadNetwork",
    "SnapReport",
    "aggregate_demand",
    "bands_from_scenario",
    "candidate_sites",
    "configure_osmnx",
    "drive_time_matrices",
    "drive_time_matrix",
    "graph_from_file",
    "graph_from_online",
    "graph_from_osm_file",
    "graph_from_trm",
    "isochrones",
    "keep_drivable",
    "load_graph",
    "snap_points",
    "snap_report",
    "snap_table",
]
