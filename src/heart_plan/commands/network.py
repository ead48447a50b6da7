"""``heart-plan network``: build the road graph and compute drive-time matrices.

``network build`` writes ``graph_summary.json`` (nodes/edges kept and dropped, classes,
speeds, components), ``road_nodes.parquet``/``road_edges.parquet`` (GeoParquet) and
``run_info.json``.

``network matrix`` snaps the demand points (``heart_plan.demand.build_demand``) and the
fire stations, aggregates demand to road nodes, and writes per time band
``drive_times__<band>.parquet`` (long form: ``demand_id, site_id, drive_time_s``; read it
back as the labelled demand x site DataFrame with
``heart_plan.network.matrix.read_drive_time_matrix``), plus ``demand_nodes.csv``,
``sites.csv``, ``snapping_report.csv`` (one row per point and station) and
``run_info.json``.

``network calibrate --trips FILE`` fits road class x time band speed factors to timed trips
(``heart_plan.network.calibrate``) and writes ``class_factors.toml`` (a scenario fragment),
``class_factors.csv``, ``calibration_fit.csv`` and ``run_info.json``.
"""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    command_line,
    load_command_scenario,
    mirror_option,
    out_option,
    output_dir,
    scenario_option,
    staged,
    write_calls_quality,
)

#: Files each subcommand owns in the shared output folder (the rest is kept).
BUILD_FILES = ("graph_summary.json", "road_nodes.parquet", "road_edges.parquet", "run_info.json")
MATRIX_FILES = (
    "drive_times__*.parquet", "snapping_report.csv", "demand_nodes.csv", "sites.csv",
    "calls_quality.csv", "run_info.json",
)  # fmt: skip


@click.group(
    "network",
    epilog="\b\nExamples:\n  heart-plan network build\n  heart-plan network matrix --band midday\n",
)
def network() -> None:
    """Road graph and drive times."""


@network.command(
    "build",
    epilog="\b\nExamples:\n  heart-plan network build               # -> outputs/durham/network\n",
)
@scenario_option
@out_option("network")
@mirror_option
def build(scenario_path: Path | None, out_dir: Path | None, mirror: Path | None) -> None:
    """Build the cleaned, strongly connected road graph and write its summary."""
    from heart_plan.atomic import write_geoparquet, write_json
    from heart_plan.network import DriveTimeEngine, bands_from_scenario, load_graph
    from heart_plan.network.graph import TRM_GRAPHML, graph_frames
    from heart_plan.paths import resolve_mirror
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_command_scenario(scenario_path)
    out_dir = output_dir(out_dir, scenario, "network")
    mirror_dir = resolve_mirror(mirror, scenario.data.mirror)
    net = load_graph(scenario, mirror_dir)
    engine = DriveTimeEngine(net, bands=bands_from_scenario(scenario))
    summary = {
        **net.report.to_dict(),
        "content_sha256": engine.content_hash,
        "time_bands": engine.bands,
    }
    nodes, edges = graph_frames(net.graph)
    graph_path = Path(net.report.path)
    key = (
        "trm_graph"
        if graph_path.as_posix().endswith("/" + TRM_GRAPHML.as_posix())
        else "road_graph"
    )
    data = {key: graph_path} if graph_path.is_file() else {}
    info = run_info(scenario, command=command_line(), data_files=data)
    with staged(out_dir, BUILD_FILES) as stage:
        write_json(stage / "graph_summary.json", summary)
        write_geoparquet(stage / "road_nodes.parquet", nodes)
        write_geoparquet(stage / "road_edges.parquet", edges)
        write_run_info(stage, info)
    click.echo(net.report.summary())
    click.echo(f"wrote {out_dir}/graph_summary.json, road_nodes.parquet, road_edges.parquet")


@network.command(
    "matrix", epilog="\b\nExamples:\n  heart-plan network matrix --band midday --band pm_peak\n"
)
@scenario_option
@out_option("network")
@mirror_option
@click.option(
    "--band",
    "bands",
    multiple=True,
    help="Time band(s) to compute (default: every band of the scenario).",
)
def matrix(
    scenario_path: Path | None, out_dir: Path | None, mirror: Path | None, bands: tuple[str, ...]
) -> None:
    """Demand x candidate-site drive times per time band, and a snapping report."""
    import time

    import pandas as pd

    from heart_plan.atomic import safe_name, write_csv
    from heart_plan.commands._common import calls_quality_record
    from heart_plan.network import bands_from_scenario, snap_report
    from heart_plan.network.matrix import write_drive_time_matrix
    from heart_plan.planning.context import build_context
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_command_scenario(scenario_path)
    out_dir = output_dir(out_dir, scenario, "network")
    net_cfg = scenario.network
    known = bands_from_scenario(scenario)
    unknown = [b for b in bands if b not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown band {unknown[0]!r}; choose from {', '.join(known)}", param_hint="--band"
        )
    ctx = build_context(
        scenario,
        mirror,
        on_outside="flag",
        progress=lambda m: click.echo(f"[network] {m}", err=True),
    )
    inputs, engine, net = ctx.inputs, ctx.engine, ctx.network
    snaps, demand, sites = ctx.point_snaps, ctx.demand_nodes, ctx.sites
    report = snap_report(engine, snaps, snap_warn_m=net_cfg.snap_warn_m)
    station_rows = sites.loc[sites["kind"] == "fire_station"]
    snapping = pd.concat(
        [
            snaps.assign(kind="demand_point"),
            pd.DataFrame(
                {
                    "id": station_rows["site_id"],
                    "node_id": station_rows["node_id"],
                    "snap_distance_m": station_rows["snap_distance_m"],
                    "access_s": station_rows["access_s"],
                    "beyond_warn": station_rows["snap_distance_m"] > net_cfg.snap_warn_m,
                    "outside_extent": False,
                    "kind": "fire_station",
                }
            ),
        ],
        ignore_index=True,
    )
    timings, frames = {}, {}
    for band in bands or tuple(engine.bands):
        t0 = time.perf_counter()
        frames[safe_name(band, what="time band")] = frame = ctx.matrix(band)
        timings[band] = {
            "seconds": round(time.perf_counter() - t0, 3),
            "cache": frame.attrs["cache"],
        }
    extra = {
        "graph": net.report.to_dict(),
        "graph_content_sha256": engine.content_hash,
        "snapping": report.to_dict(),
        "matrix": {"demand_nodes": len(demand), "sites": len(sites), "bands": timings},
    }
    extra["calls_quality"] = calls_quality_record(inputs.calls)
    info = run_info(scenario, command=command_line(), data_files=dict(inputs.paths), extra=extra)
    with staged(out_dir, MATRIX_FILES) as stage:
        write_csv(stage / "snapping_report.csv", snapping)
        write_csv(stage / "demand_nodes.csv", demand)
        write_csv(stage / "sites.csv", sites)
        for band, frame in frames.items():
            write_drive_time_matrix(stage / f"drive_times__{band}.parquet", frame)
        write_calls_quality(stage, inputs.calls)
        write_run_info(stage, info)
    click.echo(net.report.summary())
    click.echo(report.summary())
    click.echo(
        f"{len(demand):,} demand nodes x {len(sites):,} sites, bands: "
        + ", ".join(f"{b} ({t['seconds']} s, cache {t['cache']})" for b, t in timings.items())
    )
    click.echo(f"wrote {out_dir}")


CALIBRATE_FILES = (
    "class_factors.toml",
    "class_factors.csv",
    "calibration_fit.csv",
    "run_info.json",
)


@network.command(
    "calibrate",
    epilog="\b\nExamples:\n  heart-plan network calibrate --trips trips.csv --out outputs/calibration\n",
)
@click.option(
    "--trips",
    "trips_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Timed trips CSV: trip_id, origin_lon, origin_lat, dest_lon, dest_lat, departed_at, "
    "observed_s (heart_plan.network.calibrate).",
)
@scenario_option
@out_option("outputs/durham/network_calibrate")
@mirror_option
def calibrate(
    trips_path: Path, scenario_path: Path | None, out_dir: Path, mirror: Path | None
) -> None:
    """Fit road class x time band speed factors to timed trips; write a scenario fragment."""
    from heart_plan.atomic import write_csv, write_text
    from heart_plan.config import load_scenario
    from heart_plan.network import DriveTimeEngine, bands_from_scenario, load_graph
    from heart_plan.network.calibrate import calibrate_class_factors, read_trips
    from heart_plan.paths import resolve_mirror
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_scenario(scenario_path)
    if not trips_path.is_file():
        raise click.BadParameter(f"{trips_path}: file not found", param_hint="--trips")
    trips = read_trips(trips_path)
    net = load_graph(scenario, resolve_mirror(mirror, scenario.data.mirror))
    engine = DriveTimeEngine(net, bands=bands_from_scenario(scenario))
    result = calibrate_class_factors(engine, trips, scenario)
    info = run_info(
        scenario,
        command=command_line(),
        data_files={"trips": trips_path},
        extra={"calibration_fit": result.fit.to_dict(orient="records")},
    )
    with staged(out_dir, CALIBRATE_FILES) as stage:
        write_text(stage / "class_factors.toml", result.fragment(source=trips_path.name))
        write_csv(stage / "class_factors.csv", result.table)
        write_csv(stage / "calibration_fit.csv", result.fit)
        write_run_info(stage, info)
    for r in result.fit.itertuples():
        click.echo(
            f"{r.band}: {r.trips} trips, RMSE {r.rmse_s_before:.0f} s with the scenario's "
            f"factors -> {r.rmse_s_after:.0f} s fitted"
        )
    click.echo(f"wrote {out_dir} (merge class_factors.toml into the scenario)")
