"""``heart-plan shifts`` end to end: a toy plan with an arrivals file, and Durham."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.config import load_scenario
from heart_plan.plan import Plan, daily_window_on_duty, read_plan, write_plan
from heart_plan.staffing.hours import hours_answer
from heart_plan.staffing.workload import busy_time_h


def toy_plan(beats=("111", "112")) -> Plan:
    return Plan(
        scenario_name="durham",
        scenario_sha256="x",
        command="test",
        service_area_beats=tuple(beats),
        teams_on_duty=daily_window_on_duty(7, 19, 2),
        hours={"daily_start": 7, "daily_end": 19},
        predicted={"mean_drive_time_s": 300.0, "covered_share_of_area": 0.8},
    )


def arrivals_csv(path, total=6000.0):
    hod = np.array(
        [4, 3, 2, 2, 2, 3, 5, 8, 10, 12, 13, 14, 15, 15, 15, 14, 14, 13, 12, 11, 10, 9, 7, 5.0]
    )
    arr = np.tile(hod, 7) / (7 * hod.sum()) * total
    pd.DataFrame({"hour_of_week": range(168), "calls_per_year": arr}).to_csv(path, index=False)
    return arr


def test_cli_toy_plan(tmp_path):
    plan_path = tmp_path / "in" / "plan.json"
    write_plan(plan_path, toy_plan())
    before = plan_path.read_bytes()
    arr = arrivals_csv(tmp_path / "arrivals.csv")
    out = tmp_path / "out"
    args = ["shifts", "--plan", str(plan_path), "--out", str(out),
            "--arrivals", str(tmp_path / "arrivals.csv"), "--fte-budget", "12"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (
        "status" in result.output
        and "24/7" in result.output
        and "best 12-h window" in result.output
    )
    assert plan_path.read_bytes() == before  # input never modified
    for name in ("schedule.csv", "teams_on_duty.csv", "hours_curve.csv", "fte_curve.csv",
                 "overnight_marginal.csv", "hours_answer.json", "plan.json", "run_info.json"):  # fmt: skip
        assert (out / name).exists(), name
    new = read_plan(out / "plan.json")
    assert new.shifts and sum(new.teams_on_duty) == new.predicted["team_hours_per_week"]
    assert new.predicted["fte"] <= 12.0 + 1e-9
    assert new.predicted["covered_share_of_area"] == 0.8  # kept from the input plan
    # Busy time from the plan's mean drive time: 60 + 300 + 2700 + 300 s.
    # turnout 60 + drive 300 + on-scene 2700 s (the drive back is not busy time)
    assert new.predicted["busy_time_h"] == pytest.approx(3060 / 3600)
    on_duty = pd.read_csv(out / "teams_on_duty.csv")
    assert len(on_duty) == 168 and list(on_duty["teams"]) == list(new.teams_on_duty)
    np.testing.assert_allclose(on_duty["arrivals_per_year"], arr)
    schedule = pd.read_csv(out / "schedule.csv")
    assert schedule["teams"].sum() == sum(s.teams for s in new.shifts)
    info = json.loads((out / "run_info.json").read_text())
    assert info["mean_drive_source"] == "plan predicted.mean_drive_time_s"
    assert info["shift_plan"]["solver_params"]["random_seed"] == 0


def test_cli_refuses_to_overwrite_input(tmp_path):
    plan_path = tmp_path / "plan.json"
    write_plan(plan_path, toy_plan())
    arrivals_csv(tmp_path / "arrivals.csv")
    args = ["shifts", "--plan", str(plan_path), "--out", str(tmp_path),
            "--arrivals", str(tmp_path / "arrivals.csv")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "overwrite the input plan" in result.output


@pytest.mark.durham
def test_durham_citywide_hours_answer(mirror, tmp_path):
    from heart_plan.demand import build_demand
    from heart_plan.loaders import load_inputs
    from heart_plan.staffing.workload import arrivals_by_how_for_area

    scenario = load_scenario()
    demand = build_demand(load_inputs(scenario, mirror), scenario)
    beats = tuple(demand.beats["beat_id"].astype(str))
    assert len(beats) == 35
    calls = demand.beat_nature.groupby("beat_id")["calls_per_year"].sum()
    arr = arrivals_by_how_for_area(calls, demand.beat_hour_share, beats)
    assert arr.sum() == pytest.approx(14745.0, rel=1e-6)  # published 2021 city total
    busy = busy_time_h(480.0, 45.0, 60)
    answer = hours_answer(arr, busy, scenario=scenario)
    curve = answer.curve
    assert curve["calls_in_window_per_year"].is_monotonic_increasing
    full = answer.to_24_7
    assert full.full.fte > full.baseline.fte > 0
    best = answer.best_window
    assert best.best_calls_per_year >= best.baseline_calls_per_year
    # CLI on the citywide plan (demand built from the mirror).  The budget keeps CP-SAT quick:
    # 20 FTE closes the gap in well under a second, while 10 FTE (a budget covering about
    # 30% of the calls) runs to the deterministic time limit (~100 s CPU).
    plan_path = tmp_path / "plan.json"
    write_plan(plan_path, toy_plan(beats))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "shifts",
            "--plan",
            str(plan_path),
            "--out",
            str(out),
            "--mirror",
            str(mirror),
            "--fte-budget",
            "20",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    new = read_plan(out / "plan.json")
    assert new.predicted["area_calls_per_year"] == pytest.approx(14745.0, rel=1e-6)
    assert new.predicted["fte"] <= 20.0 + 1e-9
