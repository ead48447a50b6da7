"""Placement, expansion and the whole run on the Durham mirror (session fixtures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gpkg_checks import assert_plan_gpkg

from heart_plan.plan import read_plan
from heart_plan.planning.placement import place
from heart_plan.staffing.workload import loss_busy_fraction, unit_busy_time_h

pytestmark = pytest.mark.durham


def test_context_demand_nodes_carry_every_city_beat(durham_context) -> None:
    ctx = durham_context
    assert len(ctx.city_beats) == 35
    assert ctx.calls_per_year == pytest.approx(ctx.demand.calls_per_year, rel=1e-9)
    assert ctx.node_beat_calls.sum(axis=1).to_numpy() == pytest.approx(
        ctx.demand_nodes["calls_per_year"].to_numpy()
    )
    assert ctx.arrivals_by_hour().sum() == pytest.approx(ctx.calls_per_year, rel=1e-6)
    pilot = ctx.weights(ctx.scenario.baseline.service_area_beats)
    assert 0 < pilot.sum() < ctx.calls_per_year


def test_pilot_placement_covers_the_pilot_area_and_is_deterministic(durham_context) -> None:
    ctx = durham_context
    pilot = ctx.area(ctx.scenario.baseline.service_area_beats)
    solver = ctx.scenario.solver
    first = place(pilot, 2, solver=solver, band="midday")
    again = place(pilot, 2, solver=solver, band="midday")
    assert first.result.is_optimal()
    assert len(first.posts) == 2
    assert first.covered_share > 0.95  # the pilot beats are compact
    assert [p.site_id for p in first.posts] == [p.site_id for p in again.posts]


def test_loss_system_busy_fraction_falls_with_teams(durham_context) -> None:
    ctx = durham_context
    arrivals = ctx.area().arrivals_by_hour
    busy_h = unit_busy_time_h(ctx.scenario.crt, 300)
    q = [loss_busy_fraction(arrivals, c, busy_h) for c in (1, 2, 4, 8)]
    assert all(0 < x < 1 for x in q)
    assert q == sorted(q, reverse=True)


def test_run_writes_every_output(durham_run: Path) -> None:
    expected = [
        "run.json", "report.html", "map_citywide.html", "map_hours.html",
        "plan_pilot_2022.json", "plan_current.json", "plan_recommended.json", "roadmap.csv",
        "citywide_curve.csv", "hours_curve.csv", "hours_fte_curve.csv", "hours_overnight.csv",
        "shifts.csv", "simulation_pilot_2022.csv", "simulation_current.csv",
        "simulation_recommended.csv", "comparison_current.csv", "posts_recommended.csv",
        "equity.csv", "demand/beat_demand.csv", "demand/hour_of_week.csv",
    ]  # fmt: skip
    missing = [f for f in expected if not (durham_run / f).is_file()]
    assert missing == []
    assert not list(durham_run.rglob("*.tmp"))


def test_run_gpkg_readme_and_rounded_csvs(durham_run: Path) -> None:
    """plan.gpkg holds the three reported plans and the roadmap (opened with pyogrio); the
    README.txt describes every file and column; CSV numbers carry sensible decimals."""
    plans = {
        name: read_plan(durham_run / f"plan_{name}.json")
        for name in ("pilot_2022", "current", "recommended")
    }
    roadmap = pd.read_csv(durham_run / "roadmap.csv", dtype={"beat_added": str})
    frames = assert_plan_gpkg(durham_run / "plan.gpkg", plans, roadmap)
    assert frames["beats"]["roadmap_step"].max() == len(roadmap) - 1
    readme = (durham_run / "README.txt").read_text()
    assert "(not described)" not in readme
    for path in durham_run.rglob("*"):
        if path.is_file() and not path.name.startswith("_"):
            assert path.relative_to(durham_run).as_posix() in readme, path
    assert "hour_of_week   day x 24 + hour" in readme
    for path in durham_run.rglob("*.csv"):  # at most 6 decimals or 6 significant digits
        for number in re.findall(r"\d+\.\d+(?:e-?\d+)?", path.read_text()):
            mantissa = number.split("e")[0]
            decimals = len(mantissa.split(".")[1])
            significant = len(mantissa.replace(".", "").lstrip("0"))
            assert decimals <= 6 or significant <= 6, (path.name, number)


def test_run_json_records_configuration_checksums_versions_and_key_results(durham_run) -> None:
    info = json.loads((durham_run / "run.json").read_text())
    assert info["scenario"]["resolved"]["response"]["standard_s"] == 720
    assert len(info["scenario"]["sha256"]) == 64
    assert all(len(v["sha256"]) == 64 for v in info["data_checksums"].values())
    assert {"numpy", "ortools", "osmnx", "folium"} <= set(info["packages"])
    key = info["key_results"]
    assert key["eligible_calls_per_year"] == pytest.approx(14745, rel=0.01)
    for name in ("pilot_2022", "current", "recommended"):
        reached = key[name]["simulated"]["reached_share"]
        assert 0 < reached["ci_low"] <= reached["mean"] <= reached["ci_high"] < 1
    # the recommended plan stays within the FTE budget and reaches more calls than the
    # pilot and at least as many as today's operation (about the same FTE)
    assert key["recommended"]["fte"] <= 30.0 + 1e-6
    rec = key["recommended"]["simulated"]["reached_share"]
    assert rec["mean"] > key["pilot_2022"]["simulated"]["reached_share"]["mean"]
    assert rec["ci_high"] >= key["current"]["simulated"]["reached_share"]["mean"]
    candidates = [k for k in key if k.startswith("candidate_")]
    assert len(candidates) == len(key["recommendation_candidates"]) >= 2
    assert sum(key[c]["recommended"] for c in candidates) == 1
    assert key["fte_24_7"]["added_fte"] > 0
    assert set(info["timings_s"]) >= {
        "expansion roadmap",
        "recommended plan predicted and simulated; all four HEART units",
    }


def test_roadmap_adds_every_city_beat_once(durham_run: Path) -> None:
    roadmap = pd.read_csv(durham_run / "roadmap.csv", dtype={"beat_added": str})
    pilot = read_plan(durham_run / "plan_pilot_2022.json").service_area_beats
    added = roadmap["beat_added"].dropna().tolist()
    assert len(set(added)) == len(added) == 35 - len(pilot)
    assert set(added).isdisjoint(pilot)
    assert roadmap["cumulative_share"].is_monotonic_increasing
    assert roadmap["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert roadmap["teams"].is_monotonic_increasing
    assert (roadmap["teams"] == roadmap[["teams_spatial", "teams_workload"]].max(axis=1)).all()


def test_citywide_curve_and_target_are_in_calls_reached(durham_run: Path) -> None:
    curve = pd.read_csv(durham_run / "citywide_curve.csv")
    assert curve["teams"].tolist() == list(range(1, 9))  # [shifts] max_teams_per_hour
    assert curve["reached_share"].is_monotonic_increasing
    # reached <= served, and busy teams reach fewer calls than the spatial coverage
    assert (curve["reached_share"] <= curve["served_share"] + 1e-9).all()
    assert (curve["reached_share"] <= curve["covered_share"] + 1e-9).all()
    key = json.loads((durham_run / "run.json").read_text())["key_results"]
    take = key["what_the_target_would_take"]
    assert take["measure"] == "reached" and take["target"] == 0.9
    around, cheapest = take["around_the_clock"], take["cheapest_schedule"]
    first = curve.loc[curve["reached_share"] >= 0.9, "teams"].min()
    assert around["peak_teams"] == first and around["reached_share"] >= 0.9
    assert cheapest["reached_share"] >= 0.9 - 1e-6
    assert cheapest["fte"] <= around["fte"] + 1e-9  # the cheapest schedule is no dearer
    assert around["served_share"] >= around["reached_share"]
    # a 12-hour day cannot reach 90% of the calls, however many teams
    assert take["baseline_window_max_reached_share"] < 0.9


def test_plans_are_valid_and_recommended_uses_shifts(durham_run: Path) -> None:
    pilot = read_plan(durham_run / "plan_pilot_2022.json")
    current = read_plan(durham_run / "plan_current.json")
    rec = read_plan(durham_run / "plan_recommended.json")
    for ref in (pilot, current):
        assert ref.hours == {"daily_start": 7, "daily_end": 19}
        assert np.count_nonzero(ref.teams_on_duty) == 12 * 7
    assert len(current.service_area_beats) == 35 and max(current.teams_on_duty) == 4
    candidates = pd.read_csv(durham_run / "recommendation_candidates.csv")
    chosen = candidates.loc[candidates["recommended"]]
    assert len(chosen) == 1
    assert len(rec.service_area_beats) == int(chosen["beats"].iloc[0])
    assert set(pilot.service_area_beats) <= set(rec.service_area_beats)  # roadmap prefix
    assert rec.shifts
    # one post set per team count on duty, each staffing exactly that many teams
    counts = {int(t) for t in rec.teams_on_duty if t > 0}
    assert {p.team_count for p in rec.posts} == counts
    for k in counts:
        assert sum(p.teams for p in rec.posts if p.team_count == k) == k


def test_hours_answer_is_monotone_and_247_costs_more(durham_run: Path) -> None:
    curve = pd.read_csv(durham_run / "hours_curve.csv")
    assert curve["window_h"].tolist() == [8, 10, 12, 14, 16, 20, 24]
    assert curve["calls_in_window_per_year"].is_monotonic_increasing
    assert curve["fte"].is_monotonic_increasing
    overnight = pd.read_csv(durham_run / "hours_overnight.csv")
    assert overnight["hour_of_day"].tolist() == [0, 1, 2, 3, 4, 5]


def test_existing_posts_can_be_kept_fixed(durham_context) -> None:
    ctx = durham_context
    pilot = ctx.area(ctx.scenario.baseline.service_area_beats)
    solver = ctx.scenario.solver
    station = ctx.sites.loc[ctx.sites["kind"] == "fire_station", "site_id"].iloc[0]
    free = place(pilot, 2, solver=solver, band="midday")
    kept = place(pilot, 2, solver=solver, band="midday", fixed_sites=[station])
    assert station in [p.site_id for p in kept.posts]
    assert len(kept.posts) == 2
    assert kept.covered_share <= free.covered_share + 1e-12  # a constraint never helps


def test_recommended_area_reaches_the_most_calls_among_candidates(durham_run: Path) -> None:
    candidates = pd.read_csv(durham_run / "recommendation_candidates.csv")
    assert candidates["beats"].iloc[0] == 12 and candidates["beats"].iloc[-1] == 35
    chosen = candidates.loc[candidates["recommended"]].iloc[0]
    assert (candidates["fte"] <= 30.0 + 1e-6).all()  # every candidate within the budget
    assert candidates["served_share"].is_monotonic_increasing  # bigger area, more served
    info = json.loads((durham_run / "run.json").read_text())
    assert len(info["key_results"]["recommendation_candidates"]) == len(candidates)
    margin = info["key_results"]["recommendation_margin"]
    assert margin["recommended_beats"] == chosen["beats"]
    leader = candidates.loc[candidates["reached_share"].idxmax()]
    assert margin["best_beats"] == leader["beats"]
    m = margin["margin_reached_share"]
    assert margin["measurable"] == (m["ci_low"] > 0)
    if margin["measurable"]:
        assert chosen["beats"] == leader["beats"]
    else:  # no measurable difference: the cheaper of the two leaders
        assert margin["replications"] == 200
        assert chosen["beats"] in (margin["best_beats"], margin["runner_up_beats"])
    assert margin["replications"] == candidates["replications"].iloc[0]
    excluded = set(margin["excluded_beats"])
    assert len(excluded) == 35 - chosen["beats"]


def test_predicted_stands_next_to_simulated_with_the_same_names(durham_run: Path) -> None:
    """Every reported plan: the queue-aware evaluator's prediction and the simulation agree
    (reached within 2 points, served within 2.5, mean drive within 10%), with breaks and
    documentation on (``[roster.off_line]`` defaults).  The evaluator takes a team on break
    out of a steady-state hour piece at once, so it overstates what a 15-30 minute break
    costs a multi-team hour: measured on this run, served 0.4-0.7 points lower than with
    breaks off (largest gap 2.48 points, recommended; reached at most 1.92).
    """
    key = json.loads((durham_run / "run.json").read_text())["key_results"]
    names = ["pilot_2022", "current", "recommended"]
    names += [k for k in key if k.startswith("candidate_")]
    for name in names:
        predicted, simulated = key[name]["predicted"], key[name]["simulated"]
        assert key[name]["replications"] >= 1
        for measure in ("reached_share", "served_share", "mean_drive_time_s"):
            assert isinstance(predicted[measure], float)
            assert set(simulated[measure]) == {"mean", "ci_low", "ci_high"}
        for measure, tol in (("reached_share", 0.02), ("served_share", 0.025)):
            assert abs(predicted[measure] - simulated[measure]["mean"]) <= tol, (name, measure)
        drive = simulated["mean_drive_time_s"]["mean"]
        assert abs(predicted["mean_drive_time_s"] - drive) <= 0.10 * drive, name
    off_line = key["off_line"]  # breaks cost the recommended plan calls reached (evaluator)
    assert off_line["reached_share_without"] > off_line["reached_share"] + 0.01
    plan = read_plan(durham_run / "plan_recommended.json")
    assert 0 < plan.predicted["reached_share"] <= plan.predicted["served_share"] <= 1
