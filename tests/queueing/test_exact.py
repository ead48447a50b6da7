"""The exact loss hypercube against chains derived by hand and independent formulas.

States are bitmasks: bit ``i`` set = team ``i`` busy.  Rates per hour, busy time in hours.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from heart_plan.errors import ModelError
from heart_plan.queueing import exact_loss_hypercube, preference_order
from heart_plan.staffing.erlang import erlang_b


def test_two_teams_opposite_preferences_generator_by_hand():
    # Node A prefers team 0 then 1; node B prefers team 1 then 0.
    lam_a, lam_b, tau = 0.7, 0.4, 1.25
    mu, lam = 1 / tau, lam_a + lam_b
    # Generator Q[from, to], states 00, 01 (team 0 busy), 10 (team 1 busy), 11.
    q = np.array(
        [
            [-lam, lam_a, lam_b, 0.0],  # 00: A -> team 0, B -> team 1
            [mu, -(mu + lam), 0.0, lam],  # 01: every call -> team 1
            [mu, 0.0, -(mu + lam), lam],  # 10: every call -> team 0
            [0.0, mu, mu, -2 * mu],  # 11: calls lost; either team finishes
        ]
    )
    assert np.allclose(q.sum(axis=1), 0)
    a = q.T.copy()
    a[-1] = 1.0
    pi_numeric = np.linalg.solve(a, [0, 0, 0, 1])
    # Balance equations solved by hand:
    #   pi00 lam = mu (pi01 + pi10);  2 mu pi11 = lam (pi01 + pi10)
    #   (mu + lam) pi01 = lam_a pi00 + mu pi11;  (mu + lam) pi10 = lam_b pi00 + mu pi11
    r = lam / mu
    p00 = 1.0
    p11 = r**2 / 2
    p01 = (lam_a + mu * p11) / (mu + lam)
    p10 = (lam_b + mu * p11) / (mu + lam)
    pi_hand = np.array([p00, p01, p10, p11]) / (p00 + p01 + p10 + p11)
    assert np.allclose(pi_numeric, pi_hand, atol=1e-12)
    # The number busy is M/M/2/2: pi11 is Erlang B.
    assert pi_hand[3] == pytest.approx(erlang_b(2, r))

    model = exact_loss_hypercube([lam_a, lam_b], [[0, 1], [1, 0]], tau)
    assert np.allclose(model.state_probability, pi_hand, atol=1e-12)
    assert np.allclose(model.busy_probability, [pi_hand[1] + pi_hand[3], pi_hand[2] + pi_hand[3]])
    f = model.dispatch_fraction
    assert f[0].tolist() == pytest.approx([pi_hand[0] + pi_hand[2], pi_hand[1]])
    assert f[1].tolist() == pytest.approx([pi_hand[2], pi_hand[0] + pi_hand[1]])
    assert model.lost_fraction.tolist() == pytest.approx([pi_hand[3]] * 2)


def _generator_by_loops(lam: list[float], pref: list[list[int]], mu: float) -> np.ndarray:
    """The zero-line hypercube generator built state by state (independent of the module)."""
    n = len(pref[0])
    q = np.zeros((2**n, 2**n))
    for state in range(2**n):
        for node, rate in enumerate(lam):
            for team in pref[node]:
                if not state >> team & 1:
                    q[state, state | 1 << team] += rate
                    break
        for team in range(n):
            if state >> team & 1:
                q[state, state ^ 1 << team] += mu
        q[state, state] = -q[state].sum()
    return q


def _stationary(q: np.ndarray) -> np.ndarray:
    a = q.T.copy()
    a[-1] = 1.0
    b = np.zeros(len(q))
    b[-1] = 1.0
    return np.linalg.solve(a, b)


def test_three_teams_on_a_line_against_a_loop_built_chain():
    # Posts at 0, 5, 10 km on a line; nodes at 1, 4, 6, 9 km (drive 100 s per km).
    nodes_km, posts_km = np.array([1, 4, 6, 9]), np.array([0, 5, 10])
    drive = np.abs(nodes_km[:, None] - posts_km[None, :]) * 100
    pref = preference_order(drive)
    assert pref.tolist() == [[0, 1, 2], [1, 0, 2], [1, 2, 0], [2, 1, 0]]
    lam, tau = [0.5, 1.0, 0.8, 0.3], 0.9
    pi = _stationary(_generator_by_loops(lam, pref.tolist(), 1 / tau))
    model = exact_loss_hypercube(lam, pref, tau)
    assert np.allclose(model.state_probability, pi, atol=1e-12)
    # node 0 (pref 0, 1, 2): team 0 when free; team 1 when 0 busy and 1 free; ...
    busy = (np.arange(8)[:, None] >> np.arange(3)) & 1
    f0 = [pi[busy[:, 0] == 0].sum(), pi[(busy[:, 0] == 1) & (busy[:, 1] == 0)].sum()]
    assert model.dispatch_fraction[0, :2].tolist() == pytest.approx(f0)
    assert model.busy_probability.tolist() == pytest.approx((pi @ busy).tolist())
    assert model.lost_fraction[0] == pytest.approx(erlang_b(3, tau * sum(lam)))


@pytest.mark.parametrize("teams", [1, 2, 3, 4, 6, 10])
def test_one_node_is_erlang_b_with_ordered_hunt_workloads(teams):
    # One node, N identical teams in a fixed order: loss = B(N, a); team k carries the
    # overflow of the first k-1 teams: rho_k = a (B(k-1, a) - B(k, a)).  N = 10 uses the
    # sparse solver (1,024 states).
    lam, tau = 2.2, 0.8
    a = lam * tau
    model = exact_loss_hypercube([lam], [list(range(teams))], tau)
    assert model.lost_fraction[0] == pytest.approx(erlang_b(teams, a), abs=1e-12)
    expected = [a * (erlang_b(k - 1, a) - erlang_b(k, a)) for k in range(1, teams + 1)]
    assert model.busy_probability.tolist() == pytest.approx(expected, abs=1e-12)


def test_four_teams_symmetric_rotations_share_the_load_equally():
    # Four nodes with rotated preferences and equal rates: by symmetry every team carries
    # a (1 - B) / 4 and the number busy is the truncated Poisson (M/M/4/4).
    pref = [[(i + s) % 4 for s in range(4)] for i in range(4)]
    lam, tau = [0.6] * 4, 1.1
    a = sum(lam) * tau
    model = exact_loss_hypercube(lam, pref, tau)
    assert np.allclose(model.busy_probability, a * (1 - erlang_b(4, a)) / 4, atol=1e-12)
    n_busy = np.array([bin(s).count("1") for s in range(16)])
    law = np.bincount(n_busy, weights=model.state_probability)
    poisson = np.array([a**n / np.prod(range(1, n + 1)) for n in range(5)])
    assert np.allclose(law, poisson / poisson.sum(), atol=1e-12)
    pi = _stationary(_generator_by_loops(lam, pref, 1 / tau))
    assert np.allclose(model.state_probability, pi, atol=1e-12)


def test_four_teams_random_instances_against_loop_built_chain():
    rng = np.random.default_rng(4)
    for _ in range(5):
        lam = rng.gamma(1.0, 1.0, 6).tolist()
        pref = [rng.permutation(4).tolist() for _ in range(6)]
        tau = float(rng.uniform(0.3, 1.5))
        pi = _stationary(_generator_by_loops(lam, pref, 1 / tau))
        model = exact_loss_hypercube(lam, pref, tau)
        assert np.allclose(model.state_probability, pi, atol=1e-12)
        # Flow balance: workload = busy time x dispatches per hour; fractions + lost = 1.
        assert np.allclose(model.busy_probability, tau * (np.array(lam) @ model.dispatch_fraction))
        assert np.allclose(model.dispatch_fraction.sum(axis=1) + model.lost_fraction, 1.0)


@pytest.mark.parametrize("teams", [6, 8])
def test_many_teams_dispatch_fractions_by_enumerating_states(teams):
    # The chain's subset / superset sums against the definition: node j's call goes to the
    # first free team of its list, so its fraction to team i sums pi over those states.
    rng = np.random.default_rng(teams)
    lam = rng.gamma(0.5, 0.3, 12).tolist()
    pref = [rng.permutation(teams).tolist() for _ in range(12)]
    tau = 0.9
    model = exact_loss_hypercube(lam, pref, tau)
    pi = _stationary(_generator_by_loops(lam, pref, 1 / tau))
    assert np.allclose(model.state_probability, pi, atol=1e-12)
    expected = np.zeros((12, teams))
    for state in range(1 << teams):
        for j, order in enumerate(pref):
            free = [t for t in order if not (state >> t) & 1]
            if free:
                expected[j, free[0]] += pi[state]
    assert np.allclose(model.dispatch_fraction, expected, atol=1e-12)


def test_zero_teams_lose_everything_and_bad_input_is_an_error():
    model = exact_loss_hypercube([1.0, 2.0], np.zeros((2, 0), int), 1.0)
    assert model.lost_fraction.tolist() == [1.0, 1.0]
    with pytest.raises(ModelError, match="permutation"):
        exact_loss_hypercube([1.0], [[0, 0]], 1.0)
    with pytest.raises(ModelError, match="busy_time_h"):
        exact_loss_hypercube([1.0], [[0, 1]], 0.0)
    with pytest.raises(ModelError, match="arrivals"):
        exact_loss_hypercube([-1.0], [[0, 1]], 1.0)


def test_preference_ties_go_to_the_lowest_team_index():
    drive = np.array([[300, 300, 100], [200, 200, 200]])
    assert preference_order(drive).tolist() == [[2, 0, 1], [0, 1, 2]]
    # Every permutation of equal rows gives the same chain up to relabelling.
    for perm in itertools.permutations(range(3)):
        model = exact_loss_hypercube([1.0], [list(perm)], 1.0)
        assert model.busy_probability[perm[0]] == pytest.approx(1.0 * (1 - erlang_b(1, 1.0)))
