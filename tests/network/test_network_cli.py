"""``heart-plan network build`` / ``network matrix`` through click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.network.matrix import read_drive_time_matrix

pytestmark = pytest.mark.durham


def test_network_build_writes_summary(tmp_path, mirror):
    result = CliRunner().invoke(cli, ["network", "build", "--out", str(tmp_path),
                                      "--mirror", str(mirror)])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "graph_summary.json").read_text())
    assert summary["source"] == "trm"
    assert summary["nodes_kept"] + summary["component_nodes_dropped"] == 5103 - 837
    assert set(summary["time_bands"]) == {"night", "am_peak", "midday", "pm_peak", "evening"}
    assert (tmp_path / "road_edges.parquet").is_file() and (tmp_path / "run_info.json").is_file()
    assert "centroid nodes" in result.output


def test_network_matrix_writes_matrix_and_snapping_report(tmp_path, mirror):
    result = CliRunner().invoke(cli, ["network", "matrix", "--out", str(tmp_path),
                                      "--mirror", str(mirror), "--band", "pm_peak"])  # fmt: skip
    assert result.exit_code == 0, result.output
    m = read_drive_time_matrix(tmp_path / "drive_times__pm_peak.parquet")
    demand = pd.read_csv(tmp_path / "demand_nodes.csv")
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert m.index.tolist() == demand["demand_id"].tolist()
    assert m.columns.tolist() == sites["site_id"].astype(str).tolist()
    assert m.to_numpy().dtype == np.int32 and (m.to_numpy() >= 0).all()
    snapping = pd.read_csv(tmp_path / "snapping_report.csv")
    assert {"demand_point", "fire_station"} == set(snapping["kind"])
    assert (snapping["kind"] == "fire_station").sum() == (sites["kind"] == "fire_station").sum()
    info = json.loads((tmp_path / "run_info.json").read_text())
    assert info["snapping"]["n_points"] == (snapping["kind"] == "demand_point").sum()


def test_network_matrix_rejects_unknown_band(tmp_path, mirror):
    result = CliRunner().invoke(cli, ["network", "matrix", "--out", str(tmp_path),
                                      "--mirror", str(mirror), "--band", "rush"])  # fmt: skip
    assert result.exit_code == 2
    assert "rush" in result.output
