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
from heart_plan.staffing.hours import erlang_b_hour_values, hours_answer
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
    for name in ("shifts.csv", "teams_on_duty.csv", "hours_curve.csv", "hours_fte_curve.csv",
                 "hours_overnight.csv", "hours_answer.json", "plan.json", "run_info.json",
                 "README.txt"):  # fmt: skip
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
    np.testing.assert_allclose(on_duty["arrivals_per_year"], arr, atol=0.005)  # 2 decimals
    schedule = pd.read_csv(out / "shifts.csv")
    assert schedule["teams"].sum() == sum(s.teams for s in new.shifts)
    info = json.loads((out / "run_info.json").read_text())
    assert info["mean_drive_source"] == "plan predicted.mean_drive_time_s"
    assert info["shift_plan"]["solver_params"]["random_seed"] == 0
    # --arrivals: Erlang B served, labelled; reached not predicted.
    assert info["objective"] == "max_served" and "Erlang B" in info["objective_source"]
    assert "objective max_served: calls served, Erlang B (--arrivals" in result.output
    assert info["shift_plan"]["reached_share"] is None and info["hour_values"] is None
    # The plan's 07:00-19:00 window holds: no team on duty outside it.
    assert all(t == 0 for h, t in enumerate(new.teams_on_duty) if not 7 <= h % 24 < 19)
    assert info["operating_window"]["source"] == "plan"
    assert info["operating_window"]["allowed_hours_of_day"] == list(range(7, 19))
    assert "operating window: 07:00-19:00 every day" in result.output


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
def test_durham_citywide_hours_answer(mirror, durham_context, tmp_path):
    from heart_plan.plan import Post
    from heart_plan.staffing.workload import arrivals_by_how_for_area

    scenario = load_scenario()
    demand = durham_context.demand
    beats = tuple(demand.beats["beat_id"].astype(str))
    assert len(beats) == 35
    calls = demand.beat_nature.groupby("beat_id")["calls_per_year"].sum()
    arr = arrivals_by_how_for_area(calls, demand.beat_hour_share, beats)
    assert arr.sum() == pytest.approx(14745.0, rel=1e-6)  # published 2021 city total
    busy = busy_time_h(480.0, 45.0, 60)
    answer = hours_answer(erlang_b_hour_values(arr, busy, scenario=scenario), scenario=scenario)
    curve = answer.curve
    assert curve["calls_in_window_per_year"].is_monotonic_increasing
    full = answer.to_24_7
    assert full.full.fte > full.baseline.fte > 0
    best = answer.best_window
    assert best.best_calls_per_year >= best.baseline_calls_per_year
    # CLI on the citywide 07:00-19:00 plan at four fire stations (demand, network and the
    # queue-aware tables built from the mirror), small budget to stay fast.
    sites = durham_context.sites
    stations = sites[sites["kind"].astype(str) == "fire_station"].head(4)
    posts = tuple(
        Post(str(r.site_id), int(r.node_id), float(r.lon), float(r.lat), "", 1, float(r.access_s))
        for r in stations.itertuples()
    )
    plan_path = tmp_path / "plan.json"
    write_plan(plan_path, toy_plan(beats).with_changes(posts=posts))
    out = tmp_path / "out"
    args = ["shifts", "--plan", str(plan_path), "--out", str(out), "--mirror", str(mirror),
            "--fte-budget", "10"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "objective max_reached: calls reached within the standard, queue-aware" in (
        result.output
    )
    new = read_plan(out / "plan.json")
    pred = new.predicted
    assert pred["area_calls_per_year"] == pytest.approx(14745.0, rel=1e-6)
    assert pred["fte"] <= 10.0 + 1e-9
    assert all(t == 0 for h, t in enumerate(new.teams_on_duty) if not 7 <= h % 24 < 19)
    # The evaluator's measures of the new schedule (citywide) next to the planner's own
    # (load-level tables: up to 1.3% per cell).  A schedule chosen from the table leans to
    # the cells it overestimates: measured +0.46% to +0.77% over solver seeds 0-3.
    assert 0 < pred["reached_share"] <= pred["served_share"] < 1
    assert pred["expected_reached_per_year"] == pytest.approx(
        pred["reached_calls_per_year"], rel=0.01
    )
    assert pred["expected_served_per_year"] == pytest.approx(
        pred["served_calls_per_year"], rel=0.005
    )
    info = json.loads((out / "run_info.json").read_text())
    assert info["hour_values"]["method"] == "load_levels"
    assert info["hour_values"]["evaluated_hours"] == 84
    on_duty = pd.read_csv(out / "teams_on_duty.csv")
    assert on_duty["expected_reached_per_year"].sum() == pytest.approx(
        pred["expected_reached_per_year"],
        abs=0.005 * 168,  # teams_on_duty.csv: 2 decimals
    )


def night_arrivals_csv(path):
    """6000 calls/year, all between 20:00 and 04:00."""
    arr = np.array([1.0 if (h % 24 >= 20 or h % 24 < 4) else 0.0 for h in range(168)])
    arr = arr / arr.sum() * 6000.0
    pd.DataFrame({"hour_of_week": range(168), "calls_per_year": arr}).to_csv(path, index=False)
    return path


def test_cli_any_hour_widens_the_plan_window(tmp_path):
    plan_path = tmp_path / "in" / "plan.json"
    write_plan(plan_path, toy_plan())
    arrivals = night_arrivals_csv(tmp_path / "arrivals.csv")
    base = ["shifts", "--plan", str(plan_path), "--arrivals", str(arrivals), "--fte-budget", "12"]
    runs = {}
    for name, extra in (("window", []), ("any", ["--any-hour"])):
        result = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / name), *extra])
        assert result.exit_code == 0, result.output
        runs[name] = (read_plan(tmp_path / name / "plan.json"), result.output)
    window_plan, _ = runs["window"]
    assert all(t == 0 for h, t in enumerate(window_plan.teams_on_duty) if not 7 <= h % 24 < 19)
    any_plan, output = runs["any"]
    assert any(t > 0 for h, t in enumerate(any_plan.teams_on_duty) if h % 24 >= 20)
    assert "operating window: any hour of day (--any-hour)" in output
    info = json.loads((tmp_path / "any" / "run_info.json").read_text())
    assert info["operating_window"] == {
        "allowed_hours_of_day": None,
        "source": "--any-hour",
        "description": "any hour of day (--any-hour)",
    }
    served = {name: p.predicted["expected_served_per_year"] for name, (p, _) in runs.items()}
    assert served["any"] > served["window"]


def test_any_hour_is_in_the_help():
    result = CliRunner().invoke(cli, ["shifts", "--help"])
    assert result.exit_code == 0
    assert "--any-hour" in result.output and "max_reached" in result.output


def run_main(argv, capsys):
    from heart_plan.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code), capsys.readouterr().err


def test_max_reached_needs_spatial_data_and_posts(tmp_path, capsys):
    plan_path = tmp_path / "in" / "plan.json"
    write_plan(plan_path, toy_plan())
    arrivals = tmp_path / "arrivals.csv"
    arrivals_csv(arrivals)
    args = ["shifts", "--plan", str(plan_path), "--out", str(tmp_path / "out")]
    code, err = run_main([*args, "--arrivals", str(arrivals), "--objective", "max_reached"], capsys)
    assert code == 2 and "max_reached needs the spatial demand" in err
    assert len(err.strip().splitlines()) == 1
    # A plan without posts cannot predict calls reached (checked before any data is read).
    code, err = run_main([*args, "--objective", "max_reached"], capsys)
    assert code == 2 and "plan has no posts" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_plan_hours_with_one_key_is_a_plan_error(tmp_path, capsys):
    plan_path = tmp_path / "in" / "plan.json"
    write_plan(plan_path, toy_plan().with_changes(hours={"daily_start": 7}))
    arrivals_csv(tmp_path / "arrivals.csv")
    code, err = run_main(
        ["shifts", "--plan", str(plan_path), "--out", str(tmp_path / "out"),
         "--arrivals", str(tmp_path / "arrivals.csv")], capsys,
    )  # fmt: skip
    assert code == 2 and "needs both daily_start and daily_end" in err


def test_cli_new_team_counts_get_post_sets(tmp_path):
    # Post sets for 1 and 2 teams only; a larger budget schedules more teams at the peak,
    # and every team count of the new plan gets a post set (the largest set's prefix rule).
    from heart_plan.plan import Post
    from heart_plan.simulation import Deployment

    posts = (
        Post("B", 2, -78.9, 36.0, teams=1, team_count=1),
        Post("A", 1, -78.9, 36.0, teams=1, team_count=2),
        Post("C", 3, -78.9, 36.0, teams=1, team_count=2),
    )
    plan_path = write_plan(tmp_path / "in" / "plan.json", toy_plan().with_changes(posts=posts))
    arrivals_csv(tmp_path / "arrivals.csv", total=30_000.0)
    out = tmp_path / "out"
    args = ["shifts", "--plan", str(plan_path), "--out", str(out),
            "--arrivals", str(tmp_path / "arrivals.csv"), "--fte-budget", "60"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    new = read_plan(out / "plan.json")
    assert max(new.teams_on_duty) > 2
    sets = new.post_sets()[""]
    assert sets[1] == read_plan(plan_path).post_sets()[""][1]  # kept
    assert sorted(sets) == list(range(1, max(new.teams_on_duty) + 1))
    dep = Deployment.from_plan(new, load_scenario().network.band_of_hour())
    assert [dep.site_ids[j] for j in dep.slot_posts(dep.band_of_hour[12], 3)] == ["A", "C", "A"]
