"""Larson's approximation adapted to the loss system, against the exact chain.

Measured on the seeded random instances below (175 instances, N = 2..8 teams, 5-40 nodes,
2-8 posts, co-located teams included, per-team loads 0.1-0.9 erlang), approximation minus
exact (absolute):

* team workloads: max 0.034, mean of per-instance maxima 0.008 (distinct posts only:
  max 0.021, mean 0.004: Larson's "1-2%");
* node reached probabilities: max 0.036, mean 0.010;
* reached share: max 0.023, mean 0.003; served share: exact (Erlang B) by construction.

The largest errors come from teams sharing a post (the second team is always behind the
first, so their states are strongly dependent, against the independence approximation).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from heart_plan.queueing import evaluate, larson_loss_approximation, loss_correction_factors
from heart_plan.staffing.erlang import erlang_b

WORKLOAD_TOL = 0.04
NODE_REACHED_TOL = 0.04
REACHED_SHARE_TOL = 0.025


def _random_instance(rng: np.random.Generator, teams: int):
    nodes = int(rng.integers(5, 40))
    posts = int(rng.integers(max(1, teams - 2), teams + 1))
    xy = rng.uniform(0, 12_000, (nodes + posts, 2))
    gap = xy[:nodes, None] - xy[None, nodes:]
    drive = np.rint(60 + np.hypot(gap[..., 0], gap[..., 1]) / 10).astype(int)
    team_posts = sorted([*range(posts), *rng.integers(0, posts, teams - posts).tolist()])
    lam = rng.gamma(1.0, 1.0, nodes)
    lam *= rng.uniform(0.1, 0.9) * teams / lam.sum()
    return lam, drive, team_posts


def _errors() -> np.ndarray:
    rng = np.random.default_rng(2024)
    rows = []
    for teams in range(2, 9):
        for _ in range(25):
            lam, drive, posts = _random_instance(rng, teams)
            ex = evaluate(lam, drive, posts, busy_time_h=1.0, method="exact")
            ap = evaluate(lam, drive, posts, busy_time_h=1.0, method="approximate")
            assert ex.method == "exact" and ap.method == "approximate"
            rows.append(
                (
                    teams,
                    np.abs(ex.busy_probability - ap.busy_probability).max(),
                    np.abs(ex.reached_probability - ap.reached_probability).max(),
                    abs(ex.reached_share - ap.reached_share),
                    abs(ex.served_share - ap.served_share),
                )
            )
    return np.array(rows)


def test_approximation_against_exact_on_random_instances():
    err = _errors()
    worst = err[:, 1:].max(axis=0)
    print(
        f"\nlarson loss approximation vs exact ({len(err)} instances, N=2..8): max |error| "
        f"workload {worst[0]:.4f}, node reached {worst[1]:.4f}, reached share {worst[2]:.4f}; "
        f"mean workload {err[:, 1].mean():.4f}"
    )
    assert worst[0] <= WORKLOAD_TOL
    assert worst[1] <= NODE_REACHED_TOL
    assert worst[2] <= REACHED_SHARE_TOL
    assert worst[3] <= 1e-12  # the served share is Erlang B in both


@pytest.mark.parametrize(("teams", "load"), [(1, 0.5), (2, 0.3), (3, 2.0), (5, 4.0), (8, 1.0)])
def test_correction_factors_equal_the_symmetric_loss_system(teams, load):
    # Symmetric system: given n busy, the busy set is uniform over n-subsets.  Count, over
    # every subset, the chance that teams 0..k-1 are busy and team k is free.
    weights = np.array([load**n / math.factorial(n) for n in range(teams + 1)])
    p_n = weights / weights.sum()
    rho = load * (1 - erlang_b(teams, load)) / teams
    q = loss_correction_factors(teams, load)
    for k in range(teams):
        p = 0.0
        for n in range(teams + 1):
            subsets = list(itertools.combinations(range(teams), n))
            hit = sum(1 for s in subsets if set(range(k)) <= set(s) and k not in s)
            p += p_n[n] * hit / len(subsets)
        assert q[k] * rho**k * (1 - rho) == pytest.approx(p, rel=1e-10)
    assert q[0] == pytest.approx(1.0)


def test_correction_factors_at_zero_load_are_the_limit():
    q0 = loss_correction_factors(4, 0.0)
    small = loss_correction_factors(4, 1e-6)
    assert np.allclose(q0, [1, 1, 16 * 2 / 24, 64 / 24])  # N^k (N-k)! / N!
    assert np.allclose(q0, small, rtol=1e-4)


def test_served_share_and_total_workload_are_exact():
    rng = np.random.default_rng(7)
    lam, drive, posts = _random_instance(rng, 6)
    model = larson_loss_approximation(lam, np.argsort(drive[:, posts], axis=1, kind="stable"), 0.9)
    a = 0.9 * lam.sum()
    assert model.lost_fraction == pytest.approx(erlang_b(6, a))
    assert model.busy_probability.sum() == pytest.approx(a * (1 - erlang_b(6, a)))
    assert np.allclose(model.dispatch_fraction.sum(axis=1) + model.lost_fraction, 1.0)


def test_single_team_is_exact():
    ap = larson_loss_approximation([0.4, 0.8], [[0], [0]], 1.5)
    a = 1.8
    assert ap.busy_probability[0] == pytest.approx(a / (1 + a))
