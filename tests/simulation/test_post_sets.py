"""One post set per band and team count: the engine, the SimPy reference and the week
evaluator staff the set of the hour's ``(band, k)``, also when sets are not prefixes.

Nodes (as in ``test_engine_toy``): 0 = post A, 1 = scene X, 2 = scene Y, 3 = post B;
drive times in ``DRIVE`` (seconds, the same in every band); turnout 60 s.  The toy plan
posts one team at B when one team is on duty, and both teams at A when two are (the
set for one team is not a prefix of the set for two).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heart_plan.errors import ModelError
from heart_plan.plan import Plan, Post
from heart_plan.queueing import evaluate, evaluate_week, team_posts_of_deployment
from heart_plan.simulation import (
    ConstantOnScene,
    Deployment,
    LognormalOnScene,
    MatrixTravel,
    make_trace,
    simulate,
)

DRIVE = np.array(
    [
        [0, 300, 500, 900],
        [300, 0, 200, 800],
        [500, 200, 0, 100],
        [900, 800, 100, 0],
    ]
)
TRAVEL = MatrixTravel({"all": DRIVE})
ALL_BAND = ("all",) * 168
#: One team in hour 0, two from hour 1 on.
TOD = (1,) + (2,) * 167


def _toy_plan(teams_on_duty: tuple[int, ...] = TOD) -> Plan:
    """k = 1: one team at B (node 3); k = 2: two teams at A (node 0)."""
    return Plan(
        scenario_name="toy",
        scenario_sha256="",
        command="test",
        service_area_beats=("111",),
        teams_on_duty=teams_on_duty,
        posts=(
            Post("B", 3, 0.0, 0.0, "", teams=1, team_count=1),
            Post("A", 0, 0.0, 0.0, "", teams=2, team_count=2),
        ),
    )


def _toy_deployment(teams_on_duty: tuple[int, ...] = TOD) -> Deployment:
    return Deployment.from_plan(_toy_plan(teams_on_duty), ALL_BAND)


def _run(trace, deployment, *, on_scene_s=1800.0, return_rule="at_post_when_clear"):
    return simulate(
        trace,
        deployment,
        TRAVEL,
        on_scene=ConstantOnScene(on_scene_s),
        turnout_s=60,
        standard_s=720,
        replications=1,
        return_rule=return_rule,
    )


def test_slot_posts_follow_the_set_of_k():
    dep = _toy_deployment()
    assert dep.post_team_counts == (1, 2)
    assert dep.slot_posts("all", 1).tolist() == [0]  # B
    assert dep.slot_posts("all", 2).tolist() == [1, 1]  # A, A
    assert dep.slot_posts("all", 3).tolist() == [-1, -1, -1]  # no set for 3 teams
    assert not dep.has_post_set("all", 3)
    assert dep.largest_slot_posts("all").tolist() == [1, 1]
    assert dep.covered_posts("all").tolist() == [0, 1]  # both sets are staffed


def test_engine_dispatches_from_the_post_of_the_hours_set():
    # Hour 0 (1 team, at B): Y is 100 s from B.  Hour 1 (2 teams, both at A): Y is 500 s.
    trace = make_trace([100, 3700], [2, 2], horizon_hours=2)
    res = _run(trace, _toy_deployment(), on_scene_s=60.0)
    assert res.drive_s[0].tolist() == [100, 500]
    assert res.team[0].tolist() == [0, 0]
    # The legacy prefix rule with the same sites would post the single team at A (500 s)
    # and the two teams at A, B (B's 100 s for the hour-1 call).
    legacy = Deployment(
        teams_on_duty=TOD, band_of_hour=ALL_BAND, post_nodes=(0, 3), post_teams=(1, 1)
    )
    assert _run(trace, legacy, on_scene_s=60.0).drive_s[0].tolist() == [500, 100]


def test_free_team_moves_to_its_slots_post_in_the_new_set():
    # The hour-0 team (at B) takes X (B->X 800 s) and clears at 100 + 60 + 800 + 1800 =
    # 2760 s, in hour 0.  At 4000 s (hour 1, two teams) it is at slot 0's post in the
    # k = 2 set, A: X is 300 s from A.  So is slot 1, a fresh crew at A.
    trace = make_trace([100, 4000, 4100], [1, 1, 1], horizon_hours=2)
    res = _run(trace, _toy_deployment())
    assert res.drive_s[0].tolist() == [800, 300, 300]
    assert res.team[0].tolist() == [0, 0, 1]


def test_drive_back_heads_for_the_post_of_the_dispatch_hours_set():
    # Two teams all day but one in hour 2: the hour-2 team is dispatched from B to X
    # (800 s) at 7300 s, clears at 7300 + 60 + 800 + 1800 = 9960 s and drives back to B
    # (its post in the (all, 1) set of the dispatch hour): 800 s, back at 10,760 s.
    # At 10,000 s (hour 2) it is still on the way: dispatched from X to Y (200 s).
    tod = [2] * 168
    tod[2] = 1
    dep = _toy_deployment(tuple(tod))
    trace = make_trace([7300, 10_000], [1, 2], horizon_hours=3)
    res = _run(trace, dep, return_rule="drive_back")
    assert res.drive_s[0].tolist() == [800, 200]
    # at_post_when_clear: free at B once clear, B -> Y = 100 s
    res = _run(trace, dep, return_rule="at_post_when_clear")
    assert res.drive_s[0].tolist() == [800, 100]


def test_covered_counts_every_set_staffed_in_the_band():
    # Calls at B's node: covered by the toy (B is the k = 1 set, staffed in hour 0).  With
    # two teams on duty all week B is never staffed; only A counts, 900 s away: not covered.
    trace = make_trace([100, 200], [3, 3], horizon_hours=1)
    res = _run(trace, _toy_deployment(), on_scene_s=10.0)
    assert res.covered.tolist() == [True, True]
    only_two = Deployment(
        teams_on_duty=(2,) * 168,
        band_of_hour=ALL_BAND,
        post_nodes=(3, 0),
        post_team_counts=(1, 2),
        post_teams=(1, 2),
    )
    res = _run(trace, only_two, on_scene_s=10.0)
    assert res.covered.tolist() == [False, False]
    assert only_two.covered_posts("all").tolist() == [1]


def test_deployment_needs_a_set_for_every_k_on_duty():
    tod = (3,) + (2,) * 167
    with pytest.raises(ModelError, match=r"3 teams are on duty in band 'all'.*\('all', 3\)"):
        _toy_deployment(tod)
    with pytest.raises(ModelError, match="summing to 1; a set for k teams"):
        Deployment(
            teams_on_duty=(2,) * 168,
            band_of_hour=ALL_BAND,
            post_nodes=(0,),
            post_team_counts=(2,),
        )


def test_band_specific_set_before_the_every_band_set():
    # band "a" in hour 0 has its own 1-team set (A); band "b" falls back to the "" set (B)
    bands = ("a",) + ("b",) * 167
    dep = Deployment(
        teams_on_duty=(1,) * 168,
        band_of_hour=bands,
        post_nodes=(3, 0),
        post_bands=("", "a"),
        post_team_counts=(1, 1),
    )
    assert dep.slot_posts("a", 1).tolist() == [1]
    assert dep.slot_posts("b", 1).tolist() == [0]
    res = simulate(
        make_trace([100, 3700], [2, 2]),
        dep,
        MatrixTravel({"a": DRIVE, "b": DRIVE}),
        on_scene=ConstantOnScene(60.0),
        replications=1,
    )
    assert res.drive_s[0].tolist() == [500, 100]


def test_plan_file_round_trip_keeps_the_sets(tmp_path):
    from heart_plan.plan import read_plan, write_plan

    plan = _toy_plan()
    again = read_plan(write_plan(tmp_path / "plan.json", plan))
    assert again == plan
    trace = make_trace([100, 3700], [2, 2], horizon_hours=2)
    res = _run(trace, Deployment.from_plan(again, ALL_BAND), on_scene_s=60.0)
    assert res.drive_s[0].tolist() == [100, 500]


# ----------------------------------------------------------------------------- SimPy

simpy = pytest.importorskip("simpy")
from heart_plan.simulation import reference  # noqa: E402


@pytest.mark.parametrize("return_rule", ["at_post_when_clear", "drive_back", "stay_at_scene"])
def test_simpy_reference_agrees_on_the_toy(return_rule):
    tod = [2] * 168
    tod[0] = tod[2] = 1
    dep = _toy_deployment(tuple(tod))
    trace = make_trace([100, 3000, 3700, 4000, 7300, 9000, 10_000], [1, 2, 2, 1, 1, 3, 2])
    res = _run(trace, dep, return_rule=return_rule)
    on_scene = np.full(len(trace), 1800.0)
    reason, team, drive = reference.simpy_replication(
        trace, dep, TRAVEL, on_scene, turnout_s=60, return_rule=return_rule
    )
    assert res.reason[0].tolist() == reason.tolist()
    assert res.team[0].tolist() == team.tolist()
    assert res.drive_s[0].tolist() == drive.tolist()
    assert drive[0] == 800  # hour 0: the single team at B


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    return_rule=st.sampled_from(["at_post_when_clear", "drive_back", "stay_at_scene"]),
)
def test_engine_matches_simpy_with_random_post_sets(seed: int, return_rule: str):
    """Random explicit sets per (band, k), not prefixes of each other, some band-specific."""
    rng = np.random.default_rng(seed)
    n_nodes, hours = 8, 36
    bands = ("night", "day")
    band_of_hour = tuple("day" if 8 <= h % 24 < 20 else "night" for h in range(168))
    matrices = {b: rng.integers(60, 1500, (n_nodes, n_nodes)) for b in bands}
    for m in matrices.values():
        np.fill_diagonal(m, 0)
    tod = tuple(int(x) for x in rng.integers(0, 4, 168))
    nodes, set_bands, teams, counts = [], [], [], []
    for band in ("", "day"):
        for k in (1, 2, 3):
            split = [k] if k == 1 or rng.random() < 0.3 else [1] * k
            for t in split:
                nodes.append(int(rng.integers(0, n_nodes)))
                set_bands.append(band)
                teams.append(t)
                counts.append(k)
    deployment = Deployment(
        teams_on_duty=tod,
        band_of_hour=band_of_hour,
        post_nodes=tuple(nodes),
        post_bands=tuple(set_bands),
        post_teams=tuple(teams),
        post_team_counts=tuple(counts),
        post_access_s=tuple(int(x) for x in rng.integers(0, 90, len(nodes))),
    )
    n_calls = int(rng.integers(5, 120))
    trace = make_trace(
        rng.uniform(0, hours * 3600, n_calls),
        rng.integers(0, n_nodes, n_calls),
        in_area=rng.random(n_calls) < 0.9,
        horizon_hours=hours,
        access_s=rng.uniform(0, 120, n_calls),
    )
    on_scene = LognormalOnScene(2700.0, 1800.0)
    travel = MatrixTravel(matrices)
    res = simulate(
        trace, deployment, travel, on_scene=on_scene, turnout_s=60,
        return_rule=return_rule, replications=2, seed=seed,
    )  # fmt: skip
    assert not (res.covered_in_hours & ~res.covered).any()
    for r in range(2):
        reason, team, drive = reference.simpy_replication(
            trace,
            deployment,
            travel,
            on_scene.sample(np.random.default_rng(seed + r), n_calls),
            turnout_s=60,
            return_rule=return_rule,
        )
        assert res.reason[r].tolist() == reason.tolist()
        assert res.team[r].tolist() == team.tolist()
        assert res.drive_s[r].tolist() == drive.tolist()


# ----------------------------------------------------------------------------- evaluator

# Three demand nodes, three posts (columns): k = 1 uses post 1, k = 2 posts 0 and 2.
EV_DRIVE = np.array([[120, 900, 700], [600, 800, 200], [1000, 300, 650]])
LAM = np.array([0.6, 0.3, 0.5])


def test_week_evaluator_staffs_the_set_of_k():
    dep = Deployment(
        teams_on_duty=TOD,
        band_of_hour=ALL_BAND,
        post_nodes=(10, 11, 12),
        post_teams=(1, 1, 1),
        post_team_counts=(2, 1, 2),
    )
    posts = team_posts_of_deployment(dep)
    assert posts("all", 1) == (1,)
    assert posts("all", 2) == (0, 2)
    with pytest.raises(ModelError, match=r"\('all', 3\)"):
        posts("all", 3)
    arrivals = np.tile(LAM, (168, 1))
    week = evaluate_week(arrivals, TOD, ALL_BAND, {"all": EV_DRIVE}, posts)
    one = evaluate(LAM, EV_DRIVE, [1])
    two = evaluate(LAM, EV_DRIVE, [0, 2])
    assert week.evaluations[0].reached_share == pytest.approx(one.reached_share)
    assert week.evaluations[1].reached_share == pytest.approx(two.reached_share)
    assert week.reached_calls_per_year == pytest.approx(
        (one.reached_per_h + 167 * two.reached_per_h) * week.weeks_per_year
    )
    # not what the prefix of the k = 2 set would give for one team
    assert one.reached_share != pytest.approx(evaluate(LAM, EV_DRIVE, [0]).reached_share)


def test_evaluate_plan_uses_the_set_of_k():
    from types import SimpleNamespace

    import pandas as pd

    from heart_plan.config import load_scenario
    from heart_plan.planning.evaluate import evaluate_plan
    from heart_plan.staffing.off_line import NONE

    base = load_scenario()  # no breaks or documentation: the hand-built hypercube below
    scenario = dataclasses.replace(base, roster=dataclasses.replace(base.roster, off_line=NONE))
    node_beat_calls = pd.DataFrame(
        {"111": [100.0, 50.0, 80.0]}, index=pd.Index([10, 11, 12], name="demand_id")
    )
    share = pd.DataFrame(np.full((1, 168), 1 / 168), index=["111"])
    matrix = pd.DataFrame(EV_DRIVE, index=node_beat_calls.index, columns=["s0", "s1", "s2"])
    ctx = SimpleNamespace(
        node_beat_calls=node_beat_calls,
        demand=SimpleNamespace(beat_hour_share=share),
        matrix=lambda band: matrix,
        scenario=scenario,
        calls_per_year=230.0,
    )
    plan = Plan(
        scenario_name="t", scenario_sha256="x", command="test", service_area_beats=("111",),
        teams_on_duty=(1,) * 168,
        posts=(
            Post("s0", 10, 0.0, 0.0, teams=1, team_count=2),
            Post("s2", 12, 0.0, 0.0, teams=1, team_count=2),
            Post("s1", 11, 0.0, 0.0, teams=1, team_count=1),
        ),
    )  # fmt: skip
    week, _ = evaluate_plan(ctx, plan)
    band = scenario.network.band_of_hour()[0]
    assert week.hours["band"].iloc[0] == band
    lam = node_beat_calls["111"].to_numpy() / 168 / week.weeks_per_year
    crt = scenario.crt
    one = evaluate(
        lam, EV_DRIVE[:, [1]], [0], standard_s=scenario.response.standard_s,
        on_scene_mean_h=crt.on_scene_mean_min / 60, turnout_s=crt.turnout_s,
    )  # fmt: skip
    assert week.reached_calls_per_year == pytest.approx(
        168 * one.reached_per_h * week.weeks_per_year, rel=1e-6
    )
