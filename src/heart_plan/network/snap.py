"""Snap points (calls, stations) to the nearest routable road node.

Formulation.  Points and nodes are projected to the graph's UTM zone (metres); each point
goes to its nearest node of the routable (strongly connected) graph by straight-line
distance ``snap_distance_m`` (scipy ``cKDTree``).  The last leg is driven at
``access_speed_kph`` (scenario ASSUMPTION): ``access_s = snap_distance_m / (access_speed_kph
/ 3.6)``.  Access time is not scaled by time band.

Points farther than ``snap_warn_m`` are flagged (``beyond_warn``) and reported; points
outside the network's extent (the nodes' bounding box grown by ``extent_margin_m``) raise
``NetworkError`` unless ``on_outside="flag"``.  Every snapped node belongs to one strongly
connected graph, so every snapped point can reach and be reached from every other one;
``snap_report`` still checks it and lists any that cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from heart_plan.config import NetworkConfig
from heart_plan.errors import DataError, NetworkError
from heart_plan.network.engine import DriveTimeEngine

SNAP_COLUMNS = (
    "id", "node_id", "snap_distance_m", "access_s", "node_lon", "node_lat",
    "beyond_warn", "outside_extent",
)  # fmt: skip


@dataclass(frozen=True)
class SnapReport:
    """Snapping quality: counts and (up to 50) ids of problem points."""

    n_points: int
    median_snap_m: float
    max_snap_m: float
    snap_warn_m: float
    n_beyond_warn: int
    beyond_warn_ids: list[str]
    n_outside_extent: int
    outside_extent_ids: list[str]
    n_unreachable: int
    unreachable_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the snapping report."""
        return asdict(self)

    def summary(self) -> str:
        """One-line human-readable summary of the snapping report."""
        return (
            f"{self.n_points:,} points snapped (median {self.median_snap_m:.0f} m, max "
            f"{self.max_snap_m:.0f} m); {self.n_beyond_warn} beyond {self.snap_warn_m:.0f} m, "
            f"{self.n_outside_extent} outside the network, {self.n_unreachable} unreachable"
        )


def snap_points(
    engine: DriveTimeEngine,
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    ids: Sequence[Any] | np.ndarray,
    *,
    access_speed_kph: float = 20.0,
    snap_warn_m: float = 500.0,
    on_outside: Literal["raise", "flag"] = "raise",
    extent_margin_m: float = 2000.0,
) -> pd.DataFrame:
    """Nearest routable node of each point.

    Returns
    -------
    DataFrame
        ``id, node_id, snap_distance_m, access_s, node_lon, node_lat, beyond_warn,
        outside_extent`` (one row per point, input order).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ids = np.asarray(ids)
    if not (len(lon) == len(lat) == len(ids)):
        raise DataError("snap_points(): lon, lat and ids must have the same length")
    if not access_speed_kph > 0:
        raise DataError(f"network.access_speed_kph = {access_speed_kph}; must be > 0 km/h")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise DataError(
            f"{int(bad.sum())} point(s) have missing lon/lat (e.g. id {ids[bad][0]}); "
            f"drop or geocode them before snapping"
        )
    if len(lon) == 0:
        return pd.DataFrame({c: [] for c in SNAP_COLUMNS})
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", engine.utm_crs, always_xy=True)
    x, y = tr.transform(lon, lat)
    xy = np.column_stack([x, y])
    dist, pos = engine.kdtree.query(xy)
    margin_m = max(extent_margin_m, snap_warn_m)
    lo = engine.node_xy_m.min(axis=0) - margin_m
    hi = engine.node_xy_m.max(axis=0) + margin_m
    outside = ~((xy >= lo) & (xy <= hi)).all(axis=1)
    if outside.any() and on_outside == "raise":
        raise NetworkError(
            f"{int(outside.sum())} of {len(xy)} point(s) lie outside the road network's "
            f"extent (e.g. id {ids[outside][0]} at {lon[outside][0]:.5f}, "
            f"{lat[outside][0]:.5f}); use a graph covering the study area "
            f"(network.source / network.graph_file) or drop those points"
        )
    return pd.DataFrame(
        {
            "id": ids,
            "node_id": engine.node_ids[pos],
            "snap_distance_m": dist,
            "access_s": dist / (access_speed_kph / 3.6),
            "node_lon": engine.node_lon[pos],
            "node_lat": engine.node_lat[pos],
            "beyond_warn": dist > snap_warn_m,
            "outside_extent": outside,
        }
    )


def snap_table(
    engine: DriveTimeEngine,
    frame: pd.DataFrame,
    *,
    id_col: str,
    network: NetworkConfig,
    on_outside: Literal["raise", "flag"] = "raise",
) -> pd.DataFrame:
    """:func:`snap_points` for a table with ``lon``/``lat`` columns, using the scenario's
    ``[network]`` access speed and snap warning distance.
    """
    return snap_points(
        engine,
        frame["lon"].to_numpy(),
        frame["lat"].to_numpy(),
        frame[id_col].to_numpy(),
        access_speed_kph=network.access_speed_kph,
        snap_warn_m=network.snap_warn_m,
        on_outside=on_outside,
    )


def snap_report(
    engine: DriveTimeEngine, snaps: pd.DataFrame, *, snap_warn_m: float = 500.0
) -> SnapReport:
    """Count and list points beyond ``snap_warn_m``, outside the extent, or unreachable.

    Reachability: a point's node must reach, and be reached from, a reference node (the
    first snapped node); in a strongly connected graph that is all of them.
    """
    n = len(snaps)
    unreachable: list[str] = []
    if n:
        nodes = snaps["node_id"].to_numpy()
        idx = engine.index_of(np.unique(nodes))
        ref = idx[:1]
        there = engine.free_flow_s(ref, idx)[0]
        back = engine.free_flow_s(idx, ref)[:, 0]
        dead = set(np.unique(nodes)[~(np.isfinite(there) & np.isfinite(back))].tolist())
        unreachable = [str(i) for i, nd in zip(snaps["id"], nodes, strict=True) if nd in dead]
    far = snaps.loc[snaps["beyond_warn"].astype(bool), "id"].astype(str).tolist() if n else []
    out = snaps.loc[snaps["outside_extent"].astype(bool), "id"].astype(str).tolist() if n else []
    dist = snaps["snap_distance_m"].to_numpy(dtype=float) if n else np.zeros(1)
    return SnapReport(
        n_points=n,
        median_snap_m=round(float(np.median(dist)), 1),
        max_snap_m=round(float(dist.max()), 1),
        snap_warn_m=snap_warn_m,
        n_beyond_warn=len(far),
        beyond_warn_ids=far[:50],
        n_outside_extent=len(out),
        outside_extent_ids=out[:50],
        n_unreachable=len(unreachable),
        unreachable_ids=unreachable[:50],
    )


def aggregate_demand(points: pd.DataFrame, snaps: pd.DataFrame) -> pd.DataFrame:
    """Demand points = eligible calls aggregated to their snapped node (CONVENTIONS.md).

    Parameters
    ----------
    points
        One row per call or modeled point: ``point_id``, ``calls_per_year`` (annual weight),
        optional ``basis`` (``observed``/``modeled``).
    snaps
        ``snap_points`` output with ``id`` = ``point_id``.  Rows ``outside_extent`` are
        left out (they are in the snapping report).

    Returns
    -------
    DataFrame
        Index-free table ``demand_id`` (= node id), ``node_id``, ``calls_per_year``,
        ``n_points``, ``access_s`` (calls-weighted mean), ``lon``/``lat`` (the node),
        ``modeled_share`` (share of calls_per_year with basis ``modeled``); sorted by
        demand_id.
    """
    for col in ("point_id", "calls_per_year"):
        if col not in points.columns:
            raise DataError(f"aggregate_demand(): points need a {col!r} column")
    merged = points.merge(
        snaps.rename(columns={"id": "point_id"}), on="point_id", how="inner", validate="1:1"
    )
    if len(merged) != len(points):
        raise DataError(
            f"aggregate_demand(): {len(points) - len(merged)} point(s) have no snap; "
            f"snap every point_id with snap_points first"
        )
    merged = merged.loc[~merged["outside_extent"].astype(bool)]
    w = merged["calls_per_year"].astype(float)
    modeled = merged["basis"].eq("modeled") if "basis" in merged.columns else w * 0 > 0
    frame = pd.DataFrame(
        {
            "node_id": merged["node_id"].to_numpy(),
            "w": w.to_numpy(),
            "wa": (w * merged["access_s"]).to_numpy(),
            "wm": (w * modeled).to_numpy(),
            "lon": merged["node_lon"].to_numpy(),
            "lat": merged["node_lat"].to_numpy(),
        }
    )
    g = frame.groupby("node_id", sort=True)
    out = pd.DataFrame(
        {
            "calls_per_year": g["w"].sum(),
            "n_points": g.size(),
            "wa": g["wa"].sum(),
            "wm": g["wm"].sum(),
            "lon": g["lon"].first(),
            "lat": g["lat"].first(),
        }
    )
    total = out["calls_per_year"].where(out["calls_per_year"] > 0)
    out["access_s"] = (out["wa"] / total).fillna(0.0)
    out["modeled_share"] = (out["wm"] / total).fillna(0.0)
    out = out.reset_index()
    out.insert(0, "demand_id", out["node_id"])
    return out[
        ["demand_id", "node_id", "calls_per_year", "n_points", "access_s", "lon", "lat",
         "modeled_share"]
    ].reset_index(drop=True)  # fmt: skip
