"""Hand-checkable toy traces: one or two teams, a 4-node drive-time matrix, exact outcomes.

Nodes: 0 = post A, 1 = scene X, 2 = scene Y, 3 = post B.  Drive times (seconds, same in
every band) are in ``DRIVE``; turnout 60 s; on-scene 1,800 s unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest

from heart_plan.errors import ModelError
from heart_plan.plan import Plan, Post
from heart_plan.simulation import (
    ConstantOnScene,
    Deployment,
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


def _deployment(teams: int | list[int] = 1, posts: tuple[int, ...] = (0,)) -> Deployment:
    tod = (teams,) * 168 if isinstance(teams, int) else tuple(teams)
    return Deployment(teams_on_duty=tod, band_of_hour=ALL_BAND, post_nodes=posts)


def _run(trace, deployment, *, on_scene_s=1800.0, **kw):
    return simulate(
        trace,
        deployment,
        TRAVEL,
        on_scene=ConstantOnScene(on_scene_s),
        turnout_s=kw.pop("turnout_s", 60),
        standard_s=720,
        replications=kw.pop("replications", 1),
        return_rule=kw.pop("return_rule", "drive_back"),
        **kw,
    )


def test_second_call_while_on_scene_is_all_busy():
    res = _run(make_trace([100, 1000], [1, 2]), _deployment())
    # call 1: drive 0->1 = 300 s, clear at 100 + 60 + 300 + 1800 = 2260 s
    assert res.calls_frame()["outcome"].tolist() == ["served", "all_busy"]
    assert res.drive_s[0].tolist() == [300, -1]
    assert res.clear_s[0, 0] == 2260.0
    assert res.calls_frame()["response_time_s"].iloc[0] == 360.0


def test_second_call_after_team_back_at_post_is_served_from_post():
    # clear at 2260, back at post 0 at 2260 + 300 = 2560; call 2 at 3000 drives 0->2 = 500
    res = _run(make_trace([100, 3000], [1, 2]), _deployment())
    frame = res.calls_frame()
    assert frame["outcome"].tolist() == ["served", "served"]
    assert res.drive_s[0].tolist() == [300, 500]
    assert frame["response_time_s"].tolist() == [360.0, 560.0]
    assert frame["reached"].tolist() == [True, True]
    assert res.clear_s[0].tolist() == [2260.0, 3000 + 60 + 500 + 1800]


def test_returning_team_is_dispatched_from_its_last_scene():
    # clear at 2260, still driving back until 2560; call 2 at 2400 drives 1->2 = 200 s
    res = _run(make_trace([100, 2400], [1, 2]), _deployment())
    assert res.drive_s[0].tolist() == [300, 200]


def test_team_waits_at_scene_with_stay_at_scene():
    # never returns: call 2 at 5000 drives from scene 1 to scene 2 (200 s), not 0->2
    res = _run(make_trace([100, 5000], [1, 2]), _deployment(), return_rule="stay_at_scene")
    assert res.drive_s[0].tolist() == [300, 200]


def test_team_is_at_its_post_when_clear_by_default():
    # at_post_when_clear: call 2 at 5000 is driven from the post (0 -> 2), not from scene 1
    res = _run(make_trace([100, 5000], [1, 2]), _deployment(), return_rule="at_post_when_clear")
    drive_back = _run(make_trace([100, 5000], [1, 2]), _deployment(), return_rule="drive_back")
    post_to_2 = int(TRAVEL(np.array([0]), np.array([2]), "all")[0])
    assert res.drive_s[0].tolist() == [300, post_to_2]
    assert res.return_rule == "at_post_when_clear"
    assert drive_back.drive_s[0][0] == 300


def test_reached_needs_drive_within_standard():
    # post 0 -> node 3 is 900 s > 720 s: served, not reached, not covered
    res = _run(make_trace([100], [3]), _deployment())
    frame = res.calls_frame()
    assert frame["served"].tolist() == [True]
    assert frame["reached"].tolist() == [False]
    assert frame["covered"].tolist() == [False]


def test_nearest_free_team_is_dispatched():
    # posts 0 and 3, two teams; scene 2 is 500 s from post 0, 100 s from post 3
    dep = _deployment(2, posts=(0, 3))
    res = _run(make_trace([100, 200, 300], [2, 2, 2]), dep)
    assert res.team[0].tolist() == [1, 0, -1]
    assert res.drive_s[0].tolist() == [100, 500, -1]
    assert res.calls_frame()["outcome"].tolist() == ["served", "served", "all_busy"]


def test_outside_area_and_outside_hours_reasons():
    tod = [0] * 168
    tod[0] = 1  # one team Monday 00:00-00:59 only
    trace = make_trace([100, 200, 4000], [1, 1, 1], in_area=[False, True, True])
    res = _run(trace, _deployment(tod))
    assert res.calls_frame()["outcome"].tolist() == ["outside_area", "served", "outside_hours"]
    missed = res.missed_by_reason().set_index("reason")["calls_mean"]
    assert missed.to_dict() == {
        "served": 1.0,
        "outside_area": 1.0,
        "outside_hours": 1.0,
        "all_busy": 0.0,
    }


def test_team_going_off_duty_finishes_call_and_fresh_crew_starts_at_post():
    # on duty hours 0 and 2, off in hour 1; call 1 at 3500 runs 10,000 s on scene
    tod = [1] * 168
    tod[1] = 0
    trace = make_trace([3500, 7300, 7400], [1, 2, 1])
    res = _run(trace, _deployment(tod), on_scene_s=10_000.0)
    # call 2 at 7300 (hour 2): a fresh crew from post 0 (500 s), though crew 1 is on scene
    assert res.calls_frame()["outcome"].tolist() == ["served", "served", "all_busy"]
    assert res.drive_s[0, :2].tolist() == [300, 500]


def test_utilization_splits_busy_time_at_hour_boundaries():
    # busy 3000 -> 3000 + 60 + 300 + 1800 = 5160: 600 s in hour 0, 1,560 s in hour 1
    trace = make_trace([3000], [1], horizon_hours=2)
    res = _run(trace, _deployment())
    by_hour = res.utilization_by_hour().set_index("hour_of_week")
    assert by_hour.loc[0, "busy_team_hours_mean"] == pytest.approx(600 / 3600)
    assert by_hour.loc[1, "busy_team_hours_mean"] == pytest.approx(1560 / 3600)
    assert by_hour.loc[0, "utilization_mean"] == pytest.approx(600 / 3600)
    by_team = res.utilization_by_team()
    assert by_team["utilization_mean"].tolist() == pytest.approx([2160 / 7200])
    assert by_team["on_duty_hours"].tolist() == [2.0]


def test_band_specific_posts_and_round_robin_slots():
    # band "a" in hour 0 uses post 0 (node 0); band "b" in hour 1 uses post 1 (node 3)
    bands = ("a",) + ("b",) * 167
    dep = Deployment(
        teams_on_duty=(1,) * 168, band_of_hour=bands, post_nodes=(0, 3), post_bands=("a", "b")
    )
    res = simulate(
        make_trace([100, 3700], [2, 2]),
        dep,
        MatrixTravel({"a": DRIVE, "b": DRIVE}),
        on_scene=ConstantOnScene(60.0),
        replications=1,
    )
    assert res.drive_s[0].tolist() == [500, 100]
    rr = Deployment(
        teams_on_duty=(3,) * 168, band_of_hour=ALL_BAND, post_nodes=(0, 3), post_teams=(2, 1)
    )
    assert rr.slot_posts("all", 3).tolist() == [0, 1, 0]
    assert rr.slot_posts("all", 2).tolist() == [0, 1]  # a prefix of the largest


def test_deployment_without_post_for_an_on_duty_band_is_an_error():
    with pytest.raises(ModelError, match="no post serves it"):
        Deployment(
            teams_on_duty=(1,) * 168, band_of_hour=ALL_BAND, post_nodes=(0,), post_bands=("x",)
        )


def test_deployment_from_plan():
    plan = Plan(
        scenario_name="toy",
        scenario_sha256="",
        command="test",
        service_area_beats=("111",),
        teams_on_duty=(2,) * 168,
        posts=(Post("s1", 3, 0.0, 0.0, "", 2),),
    )
    dep = Deployment.from_plan(plan, ALL_BAND)
    assert dep.post_nodes == (3,)
    assert dep.slot_posts("all", 2).tolist() == [0, 0]


def test_same_seed_same_result_and_different_seed_differs():
    rng = np.random.default_rng(3)
    trace = make_trace(np.sort(rng.uniform(0, 7 * 86400, 400)), rng.integers(0, 4, 400))
    from heart_plan.simulation import LognormalOnScene

    kw = dict(on_scene=LognormalOnScene(2700.0, 1800.0), turnout_s=60, replications=4)
    a = simulate(trace, _deployment(1, (0, 3)), TRAVEL, seed=7, **kw)
    b = simulate(trace, _deployment(1, (0, 3)), TRAVEL, seed=7, **kw)
    c = simulate(trace, _deployment(1, (0, 3)), TRAVEL, seed=8, **kw)
    assert np.array_equal(a.reason, b.reason)
    assert np.array_equal(a.drive_s, b.drive_s)
    assert a.summary().equals(b.summary())
    assert not np.array_equal(a.on_scene_s, c.on_scene_s)
    # replication r of seed s equals replication 0 of seed s + r
    d = simulate(trace, _deployment(1, (0, 3)), TRAVEL, seed=8, **(kw | {"replications": 1}))
    assert np.array_equal(a.reason[1], d.reason[0])


def test_comparison_labels_measures():
    res = _run(make_trace([100, 3000], [1, 3]), _deployment())
    table = res.comparison(
        {"covered_share": 0.5, "expected_covered_share": 0.4, "team_hours": 168.0}
    ).set_index("predicted_measure")
    assert table.loc["covered_share", "same_measure"]
    assert table.loc["covered_share", "simulated_mean"] == 0.5  # node 3 is 900 s away
    assert table.loc["expected_covered_share", "simulated_measure"] == "reached_share"
    assert "different measures" in table.loc["expected_covered_share", "note"]
    assert table.loc["team_hours", "note"] == "no simulated counterpart"


def test_travel_function_errors_are_model_errors():
    bad = MatrixTravel({"all": np.where(DRIVE == 900, -1, DRIVE)})
    with pytest.raises(ModelError, match="unreachable"):
        simulate(make_trace([100], [3]), _deployment(), bad, on_scene=ConstantOnScene(60.0))


def test_outputs_are_written(tmp_path):
    import json

    from heart_plan.simulation.outputs import OUTPUT_FILES, write_simulation_outputs

    res = _run(make_trace([100, 1000, 3000], [1, 2, 3]), _deployment(), replications=3)
    write_simulation_outputs(res, {"covered_share": 0.6}, tmp_path, {"command": "test"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OUTPUT_FILES)
    summary = json.loads((tmp_path / "simulation.json").read_text())
    # constant on-scene times: every replication is identical, so the CI collapses
    assert summary["measures"]["served_share"] == {
        "mean": pytest.approx(2 / 3),
        "ci_low": pytest.approx(2 / 3),
        "ci_high": pytest.approx(2 / 3),
        "description": summary["measures"]["served_share"]["description"],
    }
    assert summary["measures"]["reached_share"]["mean"] == pytest.approx(1 / 3)


def test_covered_ignores_hours_and_covered_in_hours_needs_a_team_on_duty():
    tod = [1] * 168
    tod[1] = 0
    # hour 0 near (300 s): covered both ways; hour 1 near: covered, not in hours;
    # hour 2 far (900 s): neither; outside the area: neither
    trace = make_trace([100, 3700, 7300, 7400], [1, 1, 3, 1], in_area=[1, 1, 1, 0])
    frame = _run(trace, _deployment(tod)).calls_frame()
    assert frame["covered"].tolist() == [True, True, False, False]
    assert frame["covered_in_hours"].tolist() == [True, False, False, False]
    assert frame["outcome"].tolist() == ["served", "outside_hours", "served", "outside_area"]


def test_access_legs_add_to_the_drive_and_decide_reached() -> None:
    # one team at post node 0 (site 10 s from its node); two calls at node 1 (road 700 s):
    # call a is 5 s from the node -> drive 715 s, reached (<= 720);
    # call b, hours later, is 30 s from the node -> drive 740 s, served but not reached.
    deployment = Deployment(
        teams_on_duty=(1,) * 168,
        band_of_hour=("day",) * 168,
        post_nodes=(0,),
        post_access_s=(10,),
    )
    travel = MatrixTravel({"day": np.array([[0, 700], [700, 0]])})
    trace = make_trace([0.0, 7200.0], [1, 1], access_s=[5.0, 30.0])
    res = simulate(
        trace,
        deployment,
        travel,
        on_scene=ConstantOnScene(600.0),
        standard_s=720,
        replications=1,
    )
    assert res.drive_s[0].tolist() == [715, 740]
    assert res.reached[0].tolist() == [True, False]
    assert res.covered.tolist() == [True, False]
