"""``heart-plan simulate`` end to end on the Durham mirror (a two-post pilot-like plan)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli, main
from heart_plan.network.engine import DriveTimeEngine
from heart_plan.network.graph import load_graph
from heart_plan.network.snap import snap_points
from heart_plan.plan import Plan, Post, bands_for_plan, daily_window_on_duty, write_plan


@pytest.fixture(scope="module")
def pilot_plan_file(tmp_path_factory, scenario, mirror):
    """The baseline area and hours, 2 teams at two downtown-ish posts."""
    engine = DriveTimeEngine.from_scenario(load_graph(scenario, mirror), scenario)
    snaps = snap_points(engine, [-78.8986, -78.9100], [35.9940, 35.9750], ["a", "b"])
    posts = tuple(
        Post(site_id=r.id, node_id=int(r.node_id), lon=r.node_lon, lat=r.node_lat)
        for r in snaps.itertuples()
    )
    plan = Plan(
        scenario_name=scenario.name,
        scenario_sha256=scenario.sha256,
        command="test",
        service_area_beats=scenario.baseline.service_area_beats,
        teams_on_duty=daily_window_on_duty(7, 19, 2),
        posts=posts,
        time_bands=bands_for_plan(scenario),
        hours={"daily_start": 7, "daily_end": 19},
        predicted={"covered_share": 0.2, "expected_covered_share": 0.18, "served_share": 0.19},
    )
    return write_plan(tmp_path_factory.mktemp("plan") / "plan.json", plan)


@pytest.mark.durham
def test_simulate_command_on_durham(pilot_plan_file, mirror, tmp_path):
    out = tmp_path / "sim"
    args = ["simulate", "--plan", str(pilot_plan_file), "--mirror", str(mirror)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--replications", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "simulation.json").read_text())["measures"]
    # a year of citywide eligible calls, ~14,750 (calibrated total 14,745)
    assert 14_000 < summary["eligible_calls"]["mean"] < 15_500
    # the 12 pilot beats hold well under half of citywide calls; 12 of 24 hours staffed
    assert 0.10 < summary["served_share"]["mean"] < 0.35
    assert summary["reached_share"]["mean"] <= summary["served_share"]["mean"]
    assert summary["served_share_in_scope"]["mean"] > 0.6
    covered = summary["covered_share"]["mean"]
    # the pilot area holds ~38% of citywide eligible calls: covered <= that share
    assert summary["covered_share_in_hours"]["mean"] <= covered <= 0.45
    reasons = pd.read_csv(out / "missed_by_reason.csv").set_index("reason")
    assert reasons["share_mean"].sum() == pytest.approx(1.0, abs=1e-3)  # 4 decimals each
    calls = pd.read_csv(out / "calls_replication0.csv")
    assert set(calls["basis"]) == {"observed", "modeled"}
    assert set(calls["outcome"]) <= {"served", "outside_area", "outside_hours", "all_busy"}
    comparison = pd.read_csv(out / "comparison.csv").set_index("predicted_measure")
    assert bool(comparison.loc["covered_share", "same_measure"])
    assert comparison.loc["expected_covered_share", "simulated_measure"] == "reached_share"
    info = json.loads((out / "run_info.json").read_text())
    assert info["simulation"]["replications"] == 3
    assert info["simulation"]["modeled_calls"] > info["simulation"]["observed_calls"] > 0
    by_hour = pd.read_csv(out / "utilization_by_hour.csv")
    assert by_hour.loc[by_hour["teams_on_duty"] == 0, "utilization_mean"].isna().all()
    assert by_hour["utilization_mean"].max() < 1.0


def test_simulate_requires_plan():
    result = CliRunner().invoke(cli, ["simulate"])
    assert result.exit_code == 2
    assert "--plan" in result.output


def test_simulate_missing_plan_is_one_line_plan_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--plan", str(tmp_path / "nope.json"), "--out", str(tmp_path)])
    assert exc.value.code == 2  # plan.json errors are usage errors (CONVENTIONS.md)
    assert "plan file not found" in capsys.readouterr().err
