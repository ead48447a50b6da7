"""Presence mask and variation between replications (issue 18).

Toy: one team at node 0, scenes 1 and 2 (drive 300 / 500 s), turnout 60 s, on-scene
1,800 s, standard 720 s.  Calls at 100 s (scene 1) and 1,000 s (scene 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan.errors import ModelError
from heart_plan.simulation import (
    ConstantOnScene,
    Deployment,
    LognormalOnScene,
    MatrixTravel,
    make_trace,
    simulate,
    synthetic_trace,
)
from heart_plan.simulation.variation import Variation, augment_calls, demand_sigma

DRIVE = np.array([[0, 300, 500], [300, 0, 200], [500, 200, 0]])
TRAVEL = MatrixTravel({"all": DRIVE})
ONE_TEAM = Deployment(teams_on_duty=(1,) * 168, band_of_hour=("all",) * 168, post_nodes=(0,))


def _run(trace, presence=None, replications=3, on_scene=None, seed=0, deployment=ONE_TEAM):
    return simulate(
        trace,
        deployment,
        TRAVEL,
        on_scene=on_scene or ConstantOnScene(1800.0),
        turnout_s=60,
        standard_s=720,
        replications=replications,
        return_rule="at_post_when_clear",
        seed=seed,
        presence=presence,
    )


def test_presence_mask_gives_hand_computed_outcomes():
    trace = make_trace([100, 1000], [1, 2])
    presence = np.array([[True, True], [False, True], [True, False]])
    res = _run(trace, presence)
    # rep 0: call 0 served (drive 300, clear 100+60+300+1800 = 2260), call 1 all busy;
    # rep 1: call 0 absent, so call 1 is served (drive 500 > 720? no: reached);
    # rep 2: call 0 served, call 1 absent.
    assert res.reason.tolist() == [[0, 3], [-1, 0], [0, -1]]
    assert res.drive_s.tolist() == [[300, -1], [-1, 500], [300, -1]]
    assert res.clear_s[1, 1] == 1000 + 60 + 500 + 1800
    per_rep = res.measures_by_replication()
    assert per_rep["eligible_calls"].tolist() == [2.0, 1.0, 1.0]
    assert per_rep["reached_share"].tolist() == [0.5, 1.0, 1.0]
    assert per_rep["missed_all_busy_share"].tolist() == [0.5, 0.0, 0.0]
    assert res.reached_rate_by_call().tolist() == [1.0, 0.5]
    assert res.calls_frame(1)["call_id"].tolist() == ["c1"]
    with pytest.raises(ModelError, match="presence shape"):
        _run(trace, presence[:2])


def test_all_present_mask_equals_no_mask_exactly():
    trace = synthetic_trace(np.full(168, 0.8), np.array([1, 2]), weeks=2, seed=3)
    lognormal = LognormalOnScene(mean_s=2700.0, sd_s=1200.0)
    old = _run(trace, None, replications=4, on_scene=lognormal, seed=5)
    new = _run(trace, np.ones((4, len(trace)), bool), replications=4, on_scene=lognormal, seed=5)
    pd.testing.assert_frame_equal(old.summary(), new.summary())
    assert np.array_equal(old.reason, new.reason)
    assert np.array_equal(old.clear_s, new.clear_s, equal_nan=True)


def _calls(n_days: int = 364, per_day: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_days * per_day
    naive = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.uniform(0, n_days * 86400, n), "s")
    at = pd.DatetimeIndex(naive).tz_localize(
        "America/New_York", ambiguous=np.ones(n, bool), nonexistent="shift_forward"
    )
    beats = np.where(rng.random(n) < 0.5, "A", "B")
    frame = pd.DataFrame(
        {"call_id": [f"x{i}" for i in range(n)], "called_at": at, "beat_id": beats}
    )
    frame["hour_of_week"] = (at.day_of_week * 24 + at.hour).astype(int)
    return frame.sort_values(["called_at", "call_id"]).reset_index(drop=True)


def test_augmented_year_keeps_hours_of_week_and_stays_in_the_year():
    calls = _calls()
    aug = augment_calls(calls, year=2021, seed=1)
    assert len(aug) == 2 * len(calls)
    assert (aug["called_at"].dt.year == 2021).all()
    moved = aug[aug["copy"] == 1].set_index("call_id")
    orig = calls.set_index("call_id")
    back = orig.loc[[c.removesuffix("~1") for c in moved.index]]
    # same local weekday and hour (DST shifts may move a call at most one hour)
    same = moved["hour_of_week"].to_numpy() == back["hour_of_week"].to_numpy()
    assert same.mean() > 0.99
    assert (moved["called_at"].dt.day_of_year.to_numpy() != back["called_at"].dt.day_of_year).all()


def test_thinning_reproduces_the_target_rate():
    calls = augment_calls(_calls(), year=2021, seed=2)
    n_orig = int((calls["copy"] == 0).sum())
    var = Variation.of("calls", calls, None)
    mask = var.presence(200, seed=7)
    counts = mask.sum(axis=1)
    # binomial(2N, 1/2): mean N, sd sqrt(N/2); 200 replications -> se of mean sqrt(N/400)
    assert abs(counts.mean() - n_orig) < 4 * np.sqrt(n_orig / 2 / 200)
    assert 0.5 * n_orig / 2 < counts.var(ddof=1) < 1.5 * n_orig / 2
    # with demand: beat A at sigma 0.3 has mean level 1 and log-sd 0.3
    sigma = pd.Series({"A": 0.3, "B": 0.0})
    dem = Variation.of("calls+demand", calls, sigma)
    m = dem.multipliers(2000, seed=7)
    a = list(pd.factorize(calls["beat_id"].astype(str))[1]).index("A")
    assert abs(m[:, a].mean() - 1.0) < 0.03
    assert abs(np.log(m[:, a]).std() - 0.3) < 0.02
    assert np.all(m[:, 1 - a] == 1.0)
    # same seed, same presence; replication r does not depend on the replication count
    assert np.array_equal(dem.presence(5, seed=7), dem.presence(10, seed=7)[:5])
    assert not np.array_equal(dem.presence(5, seed=7), dem.presence(5, seed=8))
    # on_scene on an augmented year: the original calls in every replication
    scene = Variation.of("on_scene", calls, sigma).presence(3, seed=7)
    assert (scene == (calls["copy"] == 0).to_numpy()).all()


def test_demand_sigma_removes_the_poisson_part():
    intervals = pd.DataFrame(
        {
            "beat_id": ["A", "B", "C"],
            "eligible_calls_per_year": [100.0, 100.0, 50.0],
            "lower_calls_per_year": [100 * np.exp(-1.645 * 0.5), 85.0, np.nan],
            "upper_calls_per_year": [100 * np.exp(1.645 * 0.5), 115.0, np.nan],
        }
    )
    sigma = demand_sigma(intervals)
    assert sigma["A"] == pytest.approx(np.sqrt(0.25 - 0.01), rel=1e-3)
    # B's interval is about the Poisson one (sd 10 of 100): no level uncertainty left
    assert sigma["B"] == pytest.approx(np.sqrt(max((np.log(115 / 85) / 3.29) ** 2 - 0.01, 0)))
    assert sigma["C"] == 0.0


def test_ci_widens_with_call_variation_and_crn_holds():
    rate = np.full(168, 0.6)
    trace = synthetic_trace(rate, np.array([1, 2]), weeks=8, seed=4)
    frame = pd.DataFrame(
        {
            "call_id": trace.call_id,
            "called_at": pd.Timestamp("2021-01-04", tz="UTC")
            + pd.to_timedelta(trace.t_s, unit="s"),
            "beat_id": np.where(trace.scene == 1, "A", "B"),
        }
    )
    lognormal = LognormalOnScene(mean_s=1800.0, sd_s=900.0)
    two = Deployment(teams_on_duty=(2,) * 168, band_of_hour=("all",) * 168, post_nodes=(0, 0))
    narrow = _run(trace, None, replications=30, on_scene=lognormal, deployment=two)
    # copies = the trace itself, thinned at 1/2 per replication with levels of log-sd 0.4
    doubled = pd.concat([frame.assign(copy=0), frame.assign(copy=1)], ignore_index=True)
    var = Variation.of("calls+demand", doubled, pd.Series({"A": 0.4, "B": 0.4}))
    presence = var.presence(30, seed=0)[:, : len(trace)] | var.presence(30, seed=0)[:, len(trace) :]
    wide = _run(trace, presence, replications=30, on_scene=lognormal, deployment=two)
    est_n = narrow.summary().set_index("measure").loc["reached_calls_per_year"]
    est_w = wide.summary().set_index("measure").loc["reached_calls_per_year"]
    assert (est_w.ci_high - est_w.ci_low) > 2 * (est_n.ci_high - est_n.ci_low)
    again = _run(trace, presence, replications=30, on_scene=lognormal, deployment=two)
    pd.testing.assert_frame_equal(wide.summary(), again.summary())


def test_scenario_variation_key_is_validated_and_defaults_to_widened():
    from heart_plan.config import load_scenario, with_overrides
    from heart_plan.errors import ConfigError

    scenario = load_scenario()
    assert scenario.simulation.variation == "calls+demand"
    assert with_overrides(scenario, {"simulation.variation": "on_scene"}).simulation.variation == (
        "on_scene"
    )
    with pytest.raises(ConfigError, match="simulation.variation"):
        with_overrides(scenario, {"simulation.variation": "weekly"})
