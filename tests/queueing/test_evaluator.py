"""The evaluator: busy-time fixed point, method choice, measures, week aggregation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from heart_plan.errors import ModelError
from heart_plan.queueing import (
    HypercubeEvaluation,
    evaluate,
    evaluate_week,
    exact_loss_hypercube,
    team_posts_of_deployment,
)
from heart_plan.simulation import Deployment
from heart_plan.staffing.erlang import erlang_b
from heart_plan.staffing.workload import WEEKS_PER_YEAR

# Three nodes, two posts.  Post 0 reaches nodes 0, 1 within 720 s; post 1 reaches node 2.
DRIVE = np.array([[120, 900], [600, 800], [1000, 300]])
LAM = np.array([0.6, 0.3, 0.5])


def test_measures_follow_from_the_dispatch_fractions():
    ev = evaluate(LAM, DRIVE, [0, 1], standard_s=720, busy_time_h=1.0)
    model = exact_loss_hypercube(LAM, [[0, 1], [0, 1], [1, 0]], 1.0)
    assert np.allclose(ev.dispatch_fraction, model.dispatch_fraction)
    f = ev.dispatch_fraction
    reached = np.array([f[0, 0], f[1, 0], f[2, 1]])
    assert np.allclose(ev.reached_probability, reached)
    assert ev.reached_share == pytest.approx(LAM @ reached / LAM.sum())
    assert ev.served_share == pytest.approx(1 - erlang_b(2, LAM.sum()))
    team_drive = DRIVE[:, [0, 1]]
    served = LAM @ f.sum(axis=1)
    assert ev.mean_drive_time_s == pytest.approx(LAM @ (f * team_drive).sum(axis=1) / served)
    assert ev.busy_time_iterations == 0
    assert ev.offered_load_erlangs == pytest.approx(LAM.sum())
    assert ev.reached_per_h == pytest.approx(LAM @ reached)
    assert ev.team_dispatches_per_h.sum() == pytest.approx(ev.served_per_h)


@pytest.mark.parametrize("include_return_drive", [False, True])
def test_busy_time_is_a_fixed_point_of_its_own_dispatches(include_return_drive):
    ev = evaluate(
        LAM, DRIVE, [0, 1], on_scene_mean_h=0.75, turnout_s=60,
        include_return_drive=include_return_drive,
    )  # fmt: skip
    drive_h = ev.mean_drive_time_s / 3600
    expected = 60 / 3600 + 0.75 + drive_h * (2 if include_return_drive else 1)
    assert ev.busy_time_h == pytest.approx(expected, abs=1e-6)
    assert ev.busy_time_iterations >= 2
    again = evaluate(LAM, DRIVE, [0, 1], busy_time_h=ev.busy_time_h)
    assert again.mean_drive_time_s == pytest.approx(ev.mean_drive_time_s, abs=1e-3)


def test_return_drive_matrix_enters_the_busy_time_only_when_included():
    back = DRIVE * 2
    ev = evaluate(LAM, DRIVE, [0, 1], include_return_drive=True, return_drive_time_s=back)
    expected = 0.75 + 3 * ev.mean_drive_time_s / 3600
    assert ev.busy_time_h == pytest.approx(expected, abs=1e-6)
    plain = evaluate(LAM, DRIVE, [0, 1], return_drive_time_s=back)
    assert plain.busy_time_h == pytest.approx(0.75 + plain.mean_drive_time_s / 3600, abs=1e-6)


def test_auto_picks_exact_up_to_the_threshold_and_can_be_forced():
    rng = np.random.default_rng(0)
    lam = rng.gamma(1.0, 0.5, 30)
    drive = rng.integers(60, 1500, (30, 12))
    assert evaluate(lam, drive, range(4), busy_time_h=1.0).method == "exact"
    assert evaluate(lam, drive, range(12), busy_time_h=1.0).method == "approximate"
    forced = evaluate(lam, drive, range(4), busy_time_h=1.0, method="approximate")
    assert forced.method == "approximate" and forced.state_probability is None
    small = evaluate(lam, drive, range(4), busy_time_h=1.0, exact_max_teams=3)
    assert small.method == "approximate"
    assert evaluate(lam, drive, range(11), busy_time_h=1.0, method="exact").method == "exact"
    with pytest.raises(ModelError, match="method"):
        evaluate(lam, drive, range(4), method="simulate")


def test_teams_sharing_a_post_rank_by_team_index():
    ev = evaluate([1.0], [[300, 100]], [0, 1, 1], busy_time_h=1.0)
    assert ev.preference.tolist() == [[1, 2, 0]]
    assert ev.busy_probability[1] > ev.busy_probability[2] > ev.busy_probability[0]


def test_no_arrivals_and_no_teams():
    idle = evaluate([0.0, 0.0], DRIVE[:2], [0, 1], on_scene_mean_h=0.5)
    assert math.isnan(idle.reached_share) and math.isnan(idle.mean_drive_time_s)
    assert idle.busy_probability.tolist() == [0.0, 0.0]
    assert idle.busy_time_h == pytest.approx(0.5)
    none = evaluate(LAM, DRIVE, [])
    assert none.served_share == 0.0 and none.reached_share == 0.0
    assert none.lost_fraction.tolist() == [1.0, 1.0, 1.0]


def test_bad_inputs_are_model_errors():
    with pytest.raises(ModelError, match="team_posts"):
        evaluate(LAM, DRIVE, [0, 2])
    with pytest.raises(ModelError, match="drive_time_s"):
        evaluate(LAM, DRIVE[:2], [0])
    with pytest.raises(ModelError, match="on_scene"):
        evaluate(LAM, DRIVE, [0], on_scene_mean_h=0)
    with pytest.raises(ModelError, match="return_drive"):
        evaluate(LAM, DRIVE, [0], include_return_drive=True, return_drive_time_s=DRIVE[:, :1])


def test_result_is_frozen():
    ev = evaluate(LAM, DRIVE, [0, 1])
    assert isinstance(ev, HypercubeEvaluation)
    with pytest.raises(AttributeError):
        ev.served_share = 1.0  # type: ignore[misc]


# ----------------------------------------------------------------------------- week
def _deployment(tod, band_of_hour):
    return Deployment(
        teams_on_duty=tuple(tod),
        band_of_hour=tuple(band_of_hour),
        post_nodes=(10, 11),
        post_teams=(2, 1),
    )


def test_team_posts_follow_the_simulators_slot_rule():
    dep = _deployment([3] * 168, ["all"] * 168)
    posts = team_posts_of_deployment(dep)
    assert posts("all", 3) == (0, 1, 0)  # round-robin: first team of every post, then 2nd
    assert posts("all", 2) == (0, 1)


def test_week_aggregates_hours_to_a_year():
    bands = ["day" if 7 <= h % 24 < 19 else "night" for h in range(168)]
    tod = [2 if b == "day" else (1 if h % 24 >= 19 else 0) for h, b in enumerate(bands)]
    shape = np.where(np.array(bands) == "day", 1.0, 0.5)
    arrivals = shape[:, None] * LAM[None, :]
    drive = {"day": DRIVE[:, :2], "night": (DRIVE[:, :2] * 1.2).astype(int)}
    dep = _deployment(tod, bands)
    week = evaluate_week(
        arrivals, tod, bands, drive, team_posts_of_deployment(dep),
        on_scene_mean_h=0.75, turnout_s=60,
    )  # fmt: skip
    day = evaluate(LAM, drive["day"], [0, 1], on_scene_mean_h=0.75, turnout_s=60)
    night = evaluate(LAM * 0.5, drive["night"], [0], on_scene_mean_h=0.75, turnout_s=60)
    n_day = sum(1 for b in bands if b == "day")
    n_night = sum(1 for h, b in enumerate(bands) if b == "night" and tod[h] == 1)
    reached = (n_day * day.reached_per_h + n_night * night.reached_per_h) * WEEKS_PER_YEAR
    served = (n_day * day.served_per_h + n_night * night.served_per_h) * WEEKS_PER_YEAR
    assert week.reached_calls_per_year == pytest.approx(reached)
    assert week.served_calls_per_year == pytest.approx(served)
    assert week.calls_per_year == pytest.approx(arrivals.sum() * WEEKS_PER_YEAR)
    drive_mean = (
        n_day * day.served_per_h * day.mean_drive_time_s
        + n_night * night.served_per_h * night.mean_drive_time_s
    ) / (n_day * day.served_per_h + n_night * night.served_per_h)
    assert week.mean_drive_time_s == pytest.approx(drive_mean)
    assert week.distinct_solutions == 2  # cached by (band, k, rates)
    assert week.reached_calls_per_year_by_node.sum() == pytest.approx(reached)
    hours = week.hours
    assert len(hours) == 168 and (hours.loc[hours["teams"] == 0, "served_share"] == 0).all()
    assert week.evaluations[0] is None and week.evaluations[8] is not None
    assert week.predicted()["reached_share"] == pytest.approx(reached / week.calls_per_year)


def test_week_scaled_hours_are_not_shared():
    tod = [1] * 168
    bands = ["all"] * 168
    arrivals = (1 + np.arange(168) % 2)[:, None] * LAM[None, :]
    week = evaluate_week(arrivals, tod, bands, {"all": DRIVE[:, :1]}, {("all", 1): (0,)})
    assert week.distinct_solutions == 2
    odd, even = week.evaluations[1], week.evaluations[0]
    assert odd.served_share < even.served_share  # more load, more loss


def test_week_input_errors():
    with pytest.raises(ModelError, match="168"):
        evaluate_week(np.zeros((24, 3)), [1] * 168, ["a"] * 168, {"a": DRIVE}, {("a", 1): (0,)})
    with pytest.raises(ModelError, match="band"):
        evaluate_week(np.ones((168, 3)), [1] * 168, ["a"] * 168, {"b": DRIVE}, {("a", 1): (0,)})


def test_evaluate_plan_wires_the_context():
    from types import SimpleNamespace

    import pandas as pd

    from heart_plan.config import load_scenario
    from heart_plan.plan import Plan, Post
    from heart_plan.planning.evaluate import evaluate_plan
    from heart_plan.staffing.off_line import NONE

    base = load_scenario()  # no breaks or documentation (test_off_line covers them)
    scenario = dataclasses.replace(base, roster=dataclasses.replace(base.roster, off_line=NONE))
    band_of_hour = ("all",) * 168
    node_beat_calls = pd.DataFrame(
        {"111": [100.0, 0.0, 50.0, 0.0], "999": [0.0, 80.0, 0.0, 40.0]},
        index=pd.Index([10, 11, 12, 13], name="demand_id"),
    )
    share = pd.DataFrame(np.full((2, 168), 1 / 168), index=["111", "999"])
    matrix = pd.DataFrame(
        [[100, 900], [800, 200], [300, 700], [950, 100]],
        index=node_beat_calls.index,
        columns=["s1", "s2"],
    )
    ctx = SimpleNamespace(
        node_beat_calls=node_beat_calls,
        demand=SimpleNamespace(beat_hour_share=share),
        band_of_hour=band_of_hour,
        matrix=lambda band: matrix,
        scenario=scenario,
        calls_per_year=float(node_beat_calls.to_numpy().sum()),
    )
    plan = Plan(
        scenario_name="t", scenario_sha256="x", command="test",
        service_area_beats=("111",), teams_on_duty=(1,) * 84 + (0,) * 84,
        posts=(Post("s1", 1, 0.0, 0.0), Post("s2", 2, 0.0, 0.0)),
    )  # fmt: skip
    week, predicted = evaluate_plan(ctx, plan)
    # Area = beat 111: nodes 10 (100/yr) and 12 (50/yr); team 0 at s1 reaches both.
    assert week.calls_per_year == pytest.approx(150.0, rel=1e-3)
    assert predicted["reached_share"] == pytest.approx(week.reached_calls_per_year / 270.0)
    assert predicted["reached_share_in_scope"] == pytest.approx(
        week.reached_calls_per_year / week.in_scope_calls_per_year
    )
    assert 0.49 < predicted["served_share_of_area"] < 0.5  # half the hours, little load
