"""The vectorized engine equals a straightforward SimPy model call for call.

Random small instances (hypothesis): random drive-time matrices per band, band-specific
posts, teams on duty changing by hour (shift starts and ends), calls in and out of the
area, access legs at calls and posts, both return-to-post settings.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heart_plan.simulation import Deployment, LognormalOnScene, MatrixTravel, make_trace, simulate

simpy_reference = pytest.importorskip("heart_plan.simulation.reference")
pytest.importorskip("simpy")


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    return_rule=st.sampled_from(["at_post_when_clear", "drive_back", "stay_at_scene"]),
)
def test_engine_matches_simpy(seed: int, return_rule: str):
    rng = np.random.default_rng(seed)
    n_nodes, hours = 8, 36
    bands = ("night", "day")
    band_of_hour = tuple("day" if 8 <= h % 24 < 20 else "night" for h in range(168))
    matrices = {b: rng.integers(60, 1500, (n_nodes, n_nodes)) for b in bands}
    for m in matrices.values():
        np.fill_diagonal(m, 0)
    tod = tuple(int(x) for x in rng.integers(0, 4, 168))
    deployment = Deployment(
        teams_on_duty=tod,
        band_of_hour=band_of_hour,
        post_nodes=(0, 1, 2),
        post_bands=("", "day", "night"),
        post_teams=(1, 2, 1),
        post_access_s=tuple(int(x) for x in rng.integers(0, 90, 3)),
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
        trace,
        deployment,
        travel,
        on_scene=on_scene,
        turnout_s=60,
        return_rule=return_rule,
        replications=3,
        seed=seed,
    )
    assert not (res.covered_in_hours & ~res.covered).any()
    assert not (res.reached & ~res.served).any()
    busy = res.clear_s - trace.t_s[None, :]
    assert (busy[res.served] >= 60).all()  # turnout + drive + on scene
    for r in range(3):
        reason, team, drive = simpy_reference.simpy_replication(
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
