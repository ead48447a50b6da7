"""The engine as an M/M/c/c loss system: simulated loss probability vs Erlang B.

Poisson arrivals (rate 4 per hour), exponential on-scene times (mean 30 min: offered load
a = 2 Erlang), zero drive and turnout, one post, c = 3 teams always on duty.  Erlang B by
its recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) gives B(3, 2) = 4/19 = 0.2105.
Each batch replays an independent 3-week Poisson trace (so the interval covers arrival and
service randomness) and drops a 12-hour warm-up (the system starts empty); the 95% CI over
batches must contain Erlang B.
"""

from __future__ import annotations

import numpy as np

from heart_plan.simulation import (
    Deployment,
    ExponentialOnScene,
    MatrixTravel,
    mean_ci,
    simulate,
    synthetic_trace,
)


def erlang_b(servers: int, load_erlang: float) -> float:
    """Erlang B blocking probability by the standard recursion."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load_erlang * b / (k + load_erlang * b)
    return b


def test_erlang_b_recursion_hand_values():
    assert erlang_b(1, 1.0) == 0.5
    assert abs(erlang_b(3, 2.0) - 4 / 19) < 1e-12


def test_simulated_loss_matches_erlang_b():
    servers, rate_per_h, mean_s = 3, 4.0, 1800.0
    load = rate_per_h * mean_s / 3600
    deployment = Deployment(
        teams_on_duty=(servers,) * 168, band_of_hour=("b",) * 168, post_nodes=(0,)
    )
    travel = MatrixTravel({"b": np.zeros((1, 1), dtype=np.int64)})
    losses = []
    for batch in range(20):
        trace = synthetic_trace(
            np.full(168, rate_per_h), np.array([0]), weeks=3.0, seed=100 + batch
        )
        res = simulate(
            trace,
            deployment,
            travel,
            on_scene=ExponentialOnScene(mean_s),
            turnout_s=0,
            replications=1,
            seed=1000 + batch,
        )
        # drop a 12-hour warm-up: the system starts empty
        steady = trace.t_s >= 12 * 3600
        losses.append(float((res.reason[0, steady] == 3).mean()))
    est = mean_ci(np.array(losses))
    expected = erlang_b(servers, load)
    assert est.contains(expected), (est, expected)
    assert est.half_width < 0.01
