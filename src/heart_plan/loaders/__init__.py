"""Validated loaders: normalized column names, explicit CRS (all outputs EPSG:4326).

``load_inputs(scenario)`` bundles everything later steps need into one frozen
``DurhamInputs``; it resolves each dataset through the catalog (local data dir first, then
the mirror) and verifies pinned checksums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from heart_plan.catalog import Manifest, load_manifest, resolve, verify
from heart_plan.config import Scenario
from heart_plan.loaders.beats import city_beats, load_beats
from heart_plan.loaders.boundaries import load_city_limits
from heart_plan.loaders.calls import calls_quality_table, check_calls_quality, load_calls
from heart_plan.loaders.facilities import load_fire_stations, missing_stations_from_addresses
from heart_plan.loaders.population import load_blockgroups, load_incidents, load_tracts
from heart_plan.network.graph import graph_source_path, verify_graph_file
from heart_plan.paths import local_data_dir, resolve_mirror

#: Crime kind -> manifest id of its Neighborhood Compass block-group counts.
CRIME_DATASETS = {
    "violent": "blockgroups_violent_crimes",
    "property": "blockgroups_property_crimes",
    "drug": "blockgroups_drug_crimes",
}

__all__ = [
    "DurhamInputs",
    "city_beats",
    "calls_quality_table",
    "load_beats",
    "load_blockgroups",
    "load_calls",
    "load_city_limits",
    "load_fire_stations",
    "load_incidents",
    "load_inputs",
    "load_tracts",
]


@dataclass(frozen=True, eq=False)
class DurhamInputs:
    """Every validated input of the pipeline (EPSG:4326 GeoDataFrames).

    ``paths`` maps dataset id -> the file read (for run records and checksums);
    ``stations_without_coordinates`` lists fire stations that could not be placed.
    """

    beats: gpd.GeoDataFrame
    calls: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    stations_without_coordinates: pd.DataFrame
    city_limits: gpd.GeoDataFrame
    tracts: gpd.GeoDataFrame
    blockgroups: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    mirror: Path | None = None


def calls_path(
    scenario: Scenario, *, mirror: Path | None, local_dir: Path | None, manifest: Manifest
) -> tuple[str, Path]:
    """(key, path) of the calls export: a manifest id, or a file path in ``[calls] dataset``."""
    ref = scenario.calls.dataset
    if ref in manifest.datasets:
        return ref, resolve(ref, mirror=mirror, local_dir=local_dir, manifest=manifest)
    path = Path(ref).expanduser()
    if not path.is_absolute() and scenario.source:
        candidate = Path(scenario.source).parent / path
        path = candidate if candidate.exists() else path
    return "calls", path


def load_inputs(
    scenario: Scenario,
    mirror: str | Path | None = None,
    *,
    manifest: Manifest | None = None,
    verify_checksums: bool = True,
) -> DurhamInputs:
    """Load and validate every input named by ``scenario``.

    Data resolution: files in the local data dir (``[data] local_dir``) first, then the
    mirror (``--mirror`` > ``$HEART_PLAN_MIRROR`` > ``[data] mirror`` > ``../shared/data/durham``).
    Pinned sha256 checksums are verified (about 0.1 s for these files).
    """
    manifest = manifest or load_manifest()
    mirror_dir = resolve_mirror(mirror, scenario.data.mirror)
    local = local_data_dir(scenario.data.local_dir)

    def path_of(ds_id: str) -> Path:
        path = resolve(ds_id, mirror=mirror_dir, local_dir=local, manifest=manifest)
        if verify_checksums:
            verify(manifest.get(ds_id), path, on_mismatch=scenario.data.on_checksum_mismatch)
        return path

    paths = {
        ds: path_of(ds)
        for ds in (
            "beats",
            "fire_stations",
            "fire_station_addresses",
            "city_limits",
            "tracts_2020_acs2022",
            "blockgroups_2010",
            "blockgroups_population",
            *CRIME_DATASETS.values(),
            "incidents_2013",
        )
    }
    key, cpath = calls_path(scenario, mirror=mirror_dir, local_dir=local, manifest=manifest)
    if verify_checksums and key in manifest.datasets:
        verify(manifest.get(key), cpath, on_mismatch=scenario.data.on_checksum_mismatch)
    paths[key] = cpath
    graph = graph_source_path(scenario, mirror_dir)
    if graph is not None and graph.is_file():
        if verify_checksums:
            verify_graph_file(graph, scenario)
        paths["trm_graph" if _is_manifest_file(graph, manifest, "trm_graph") else "road_graph"] = (
            graph
        )
    beats = load_beats(paths["beats"])
    city_limits = load_city_limits(paths["city_limits"])
    calls = load_calls(cpath, scenario, beats=beats, city_limits=city_limits)
    check_calls_quality(calls, scenario, cpath)
    stations, no_xy = load_fire_stations(paths["fire_stations"])
    not_geocoded = missing_stations_from_addresses(stations, paths["fire_station_addresses"])
    no_xy = pd.concat([no_xy, not_geocoded[~not_geocoded["name"].isin(no_xy["name"])]])
    no_xy = no_xy.reset_index(drop=True)
    return DurhamInputs(
        beats=beats,
        calls=calls,
        stations=stations,
        stations_without_coordinates=no_xy,
        city_limits=city_limits,
        tracts=load_tracts(paths["tracts_2020_acs2022"]),
        blockgroups=load_blockgroups(
            paths["blockgroups_2010"],
            paths["blockgroups_population"],
            year=scenario.demand.calibration_year,
            crime_paths={kind: paths[ds] for kind, ds in CRIME_DATASETS.items()},
        ),
        incidents=load_incidents(paths["incidents_2013"]),
        paths=paths,
        mirror=mirror_dir,
    )


def _is_manifest_file(path: Path, manifest: Manifest, ds_id: str) -> bool:
    ds = manifest.datasets.get(ds_id)
    return ds is not None and path.resolve().as_posix().endswith("/" + ds.file)
