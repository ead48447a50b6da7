"""Demand x site drive-time matrices and candidate sites: the contract with the optimizers.

``drive_time_matrix`` returns a labelled DataFrame of integer seconds, index ``demand_id``,
columns ``site_id``:

    t[d, s] = rint( free_flow_s(node(s) -> node(d)) / f_band + access_s(d) + access_s(s) )

(drive from the post to the scene; ``access_s`` are the snapping legs, not band-scaled;
road-node sites have access 0).  Pairs slower than ``limit_s`` hold ``UNREACHABLE_S``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from heart_plan.errors import DataError
from heart_plan.network.cache import load_matrix, matrix_key, save_matrix
from heart_plan.network.engine import DriveTimeEngine, Unreachable
from heart_plan.network.snap import snap_points

if TYPE_CHECKING:
    import geopandas as gpd

SITE_COLUMNS = ("site_id", "node_id", "lon", "lat", "kind", "snap_distance_m", "access_s")


def drive_time_matrix(
    engine: DriveTimeEngine,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    band: str,
    limit_s: float | None = None,
    on_unreachable: Unreachable = "raise",
    use_cache: bool = True,
) -> pd.DataFrame:
    """Drive times (int32 s) from every site to every demand point in ``band``.

    Parameters
    ----------
    demand
        ``demand_id`` and optional ``node_id`` (default: ``demand_id`` is the node id) and
        ``access_s`` (default 0), e.g. ``aggregate_demand`` output.
    sites
        ``site_id``, ``node_id`` and optional ``access_s``, e.g. ``candidate_sites``.
    use_cache
        Load/save the result under ``paths.cache_dir("matrix")`` (key: graph content,
        band factor, limit, ids, nodes and access times).

    Returns
    -------
    DataFrame
        Index ``demand_id``, columns ``site_id`` (str), int32 seconds; ``attrs`` holds
        ``band``, ``speed_factor``, ``beyond_limit``, ``unreachable_pairs`` (site node,
        demand node), ``cache`` (``"hit"``/``"miss"``/``"off"``).
    """
    return drive_time_matrices(
        engine, demand, sites, bands=(band,), limit_s=limit_s,
        on_unreachable=on_unreachable, use_cache=use_cache,
    )[band]  # fmt: skip


def drive_time_matrices(
    engine: DriveTimeEngine,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    bands: Sequence[str],
    limit_s: float | None = None,
    on_unreachable: Unreachable = "raise",
    use_cache: bool = True,
) -> dict[str, pd.DataFrame]:
    """``drive_time_matrix`` for several bands: the bands not in the cache come from one
    pass of Dijkstra chunks per weight group (one shortest-path run serves every band of
    the free-flow group; a band with its own road-class factors gets its own run), each
    written straight into its int32 demand x site matrix.  Cache keys use
    ``engine.band_content_hash(band)`` (the graph's ``content_hash`` for free-flow bands).
    """
    d_ids, d_nodes, d_acc = _columns(demand, "demand_id", "demand")
    s_ids, s_nodes, s_acc = _columns(sites, "site_id", "sites")
    out: dict[str, pd.DataFrame] = {}
    keys: dict[str, str] = {}
    for band in dict.fromkeys(bands):
        factor = engine.speed_factor(band)
        keys[band] = key = matrix_key(
            engine.band_content_hash(band), factor, limit_s, on_unreachable,
            d_ids, d_nodes, d_acc, s_ids.astype(str), s_nodes, s_acc,
        )  # fmt: skip
        if use_cache and (cached := load_matrix(key)) is not None:
            cached.attrs.update(band=band, speed_factor=factor, limit_s=limit_s, cache="hit")
            out[band] = cached
    missing = [band for band in keys if band not in out]
    if missing:
        computed = engine.bands_seconds(
            engine.index_of(s_nodes),
            engine.index_of(d_nodes),
            bands=missing,
            limit_s=limit_s,
            on_unreachable=on_unreachable,
            add_from_s=s_acc,
            add_to_s=d_acc,
            transpose=True,
        )
        for band, (values, attrs) in computed.items():
            frame = pd.DataFrame(
                np.ascontiguousarray(values),  # C order, as a matrix loaded from the cache
                index=pd.Index(d_ids, name="demand_id"),
                columns=pd.Index(s_ids.astype(str), name="site_id"),
                copy=False,
            )
            if use_cache:
                save_matrix(keys[band], frame)
            frame.attrs.update(attrs, cache="miss" if use_cache else "off")
            out[band] = frame
    return {band: out[band] for band in keys}


def candidate_sites(
    engine: DriveTimeEngine,
    stations: gpd.GeoDataFrame | pd.DataFrame | None = None,
    *,
    sources: Sequence[str] = ("fire_stations", "road_nodes"),
    access_speed_kph: float = 20.0,
    snap_warn_m: float = 500.0,
) -> pd.DataFrame:
    """Candidate posts: fire stations (snapped) and/or every routable road node.

    ``stations`` needs ``site_id`` and either a point ``geometry`` (EPSG:4326) or ``lon``
    and ``lat``.  Road-node sites are ``N<node_id>`` at their node (access 0).

    Returns
    -------
    DataFrame
        ``site_id, node_id, lon, lat, kind ("fire_station"|"road_node"),
        snap_distance_m, access_s``.
    """
    unknown = sorted(set(sources) - {"fire_stations", "road_nodes"})
    if unknown:
        raise DataError(
            f"candidates.sources has unknown source {unknown[0]!r}; "
            f'use "fire_stations" and/or "road_nodes"'
        )
    parts: list[pd.DataFrame] = []
    if "fire_stations" in sources:
        if stations is None:
            raise DataError(
                'candidates.sources includes "fire_stations" but no stations were given; '
                "pass the fire stations table or drop the source"
            )
        lon, lat = _lon_lat(stations)
        snaps = snap_points(
            engine, lon, lat, stations["site_id"].astype(str).to_numpy(),
            access_speed_kph=access_speed_kph, snap_warn_m=snap_warn_m,
        )  # fmt: skip
        parts.append(
            pd.DataFrame(
                {
                    "site_id": snaps["id"].astype(str),
                    "node_id": snaps["node_id"],
                    "lon": lon,
                    "lat": lat,
                    "kind": "fire_station",
                    "snap_distance_m": snaps["snap_distance_m"],
                    "access_s": snaps["access_s"],
                }
            )
        )
    if "road_nodes" in sources:
        parts.append(
            pd.DataFrame(
                {
                    "site_id": [f"N{n}" for n in engine.node_ids],
                    "node_id": engine.node_ids,
                    "lon": engine.node_lon,
                    "lat": engine.node_lat,
                    "kind": "road_node",
                    "snap_distance_m": 0.0,
                    "access_s": 0.0,
                }
            )
        )
    if not parts:
        raise DataError('candidates.sources is empty; list "fire_stations" and/or "road_nodes"')
    out = pd.concat(parts, ignore_index=True)
    dup = out["site_id"].duplicated()
    if dup.any():
        raise DataError(
            f"duplicate site_id {out['site_id'][dup].iloc[0]!r}; site ids must be unique"
        )
    return out[list(SITE_COLUMNS)]


def _columns(frame: pd.DataFrame, id_col: str, what: str) -> tuple[np.ndarray, ...]:
    if id_col not in frame.columns:
        raise DataError(f"drive_time_matrix(): {what} needs a {id_col!r} column")
    ids = frame[id_col].to_numpy()
    if pd.Index(ids).has_duplicates:
        raise DataError(f"drive_time_matrix(): {what} has duplicate {id_col} values")
    nodes_col = "node_id" if "node_id" in frame.columns else id_col
    nodes = frame[nodes_col].to_numpy().astype(np.int64)
    acc = (
        frame["access_s"].to_numpy(dtype=float)
        if "access_s" in frame.columns
        else np.zeros(len(frame))
    )
    return ids, nodes, acc


def _lon_lat(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    if "lon" in frame.columns and "lat" in frame.columns:
        return frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    if "geometry" in frame.columns:
        geo = frame.to_crs(4326) if getattr(frame, "crs", None) is not None else frame
        return geo.geometry.x.to_numpy(dtype=float), geo.geometry.y.to_numpy(dtype=float)
    raise DataError("stations need lon/lat columns or a point geometry")


def write_drive_time_matrix(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a demand x site matrix as long-form parquet (``demand_id, site_id,
    drive_time_s``): thousands of site columns make wide parquet slow to read.
    """
    from heart_plan.atomic import write_with

    long = pd.DataFrame(
        {
            "demand_id": np.repeat(frame.index.to_numpy(), frame.shape[1]),
            "site_id": pd.Categorical(np.tile(frame.columns.to_numpy(), frame.shape[0])),
            "drive_time_s": frame.to_numpy().ravel(),
        }
    )
    return write_with(path, lambda p: long.to_parquet(p, index=False))


def read_drive_time_matrix(path: str | Path) -> pd.DataFrame:
    """Read ``write_drive_time_matrix`` output back as the labelled demand x site frame."""
    long = pd.read_parquet(path)
    demand = pd.unique(long["demand_id"])
    sites = long["site_id"].astype(str).to_numpy()[: len(long) // max(len(demand), 1)]
    values = long["drive_time_s"].to_numpy().reshape(len(demand), len(sites))
    return pd.DataFrame(
        values,
        index=pd.Index(demand, name="demand_id"),
        columns=pd.Index(sites, name="site_id"),
    )
