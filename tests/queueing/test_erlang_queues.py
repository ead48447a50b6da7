"""Erlang C and Erlang A (:mod:`heart_plan.queueing.erlang`) against exact values and a
brute-force truncated birth-death chain built here with scipy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg, stats

from heart_plan.errors import ModelError
from heart_plan.queueing.erlang import (
    erlang_a_measures,
    erlang_c,
    erlang_c_measures,
    servers_needed,
)


def _birth_death(n: int, lam: float, mu: float, theta: float, cap: int) -> np.ndarray:
    """Stationary law of the M/M/n+M chain truncated at ``cap`` callers (a null-space
    solve of the generator, not the product formula)."""
    q = np.zeros((cap + 1, cap + 1))
    for k in range(cap + 1):
        if k < cap:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    # pi Q = 0, sum pi = 1: replace one balance equation by the normalization.
    a = np.vstack([q.T[:-1], np.ones(cap + 1)])
    rhs = np.zeros(cap + 1)
    rhs[-1] = 1.0
    return linalg.solve(a, rhs)


def _brute_force(n: int, lam: float, mu: float, theta: float, t: float, cap: int = 400):
    """(P(W>0), P(Ab), E[W], share answered within t) from the chain: a tagged caller who
    finds ``n + j`` in the system waits through the pure-death chain of the ``j`` ahead
    (rate ``n mu + i theta`` with ``i`` ahead) and abandons at rate ``theta`` (matrix
    exponential of the tagged caller's absorbing chain)."""
    pi = _birth_death(n, lam, mu, theta, cap)
    p_wait = pi[n:].sum()
    abandon_rate = sum(pi[k] * (k - n) * theta for k in range(n + 1, cap + 1))
    p_ab = abandon_rate / lam
    mean_wait = sum(pi[k] * (k - n) for k in range(n + 1, cap + 1)) / lam  # Little: Lq/lambda
    jmax = min(cap - n, 150)
    # states: i ahead (0..jmax), answered, abandoned
    size = jmax + 3
    g = np.zeros((size, size))
    ans, ab = jmax + 1, jmax + 2
    for i in range(jmax + 1):
        if i > 0:
            g[i, i - 1] = n * mu + i * theta
        else:
            g[i, ans] = n * mu
        g[i, ab] = theta
        g[i, i] = -g[i].sum()
    p_t = linalg.expm(g * t)
    answered_by_t = sum(pi[n + j] * p_t[j, ans] for j in range(jmax + 1))
    return p_wait, p_ab, mean_wait, pi[:n].sum() + answered_by_t


def test_erlang_c_exact_values() -> None:
    # M/M/1: P(wait) = rho.  M/M/2 with a = 1: 1/3 (by hand).
    assert erlang_c(1, 0.5) == pytest.approx(0.5, abs=1e-15)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, abs=1e-15)
    # Exact rational C(n, a) for integer loads, from its textbook definition.
    for n, a in [(5, 3), (10, 8), (20, 15)]:
        top = Fraction(a**n, math.factorial(n)) * Fraction(n, n - a)
        bottom = sum(Fraction(a**k, math.factorial(k)) for k in range(n)) + top
        assert erlang_c(n, a) == pytest.approx(float(top / bottom), rel=1e-12)
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(3, 0.0) == 0.0


def test_erlang_c_answer_time_is_exponential_tail() -> None:
    # M/M/1, lambda = 1/min, mean handle 30 s: P(W <= t) = 1 - 0.5 exp(-(2-1) t / min).
    m = erlang_c_measures(1, 60.0, 30.0)
    assert m.wait_probability == pytest.approx(0.5)
    assert m.answered_within_share(60.0) == pytest.approx(1 - 0.5 * math.exp(-1.0))
    assert m.mean_wait_s == pytest.approx(30.0)  # rho / (mu - lambda) = 0.5 / (1/60 s)
    assert erlang_c_measures(1, 120.0, 30.0).answered_within_share(10.0) == 0.0  # a = n


def test_erlang_a_equals_poisson_when_patience_equals_handle_time() -> None:
    """theta = mu: the chain is M/M/inf, so the number in system is Poisson(a)."""
    lam_h, handle_s = 30.0, 600.0  # a = 5 erlangs
    a = lam_h / 3600 * handle_s
    for n in (2, 5, 8):
        m = erlang_a_measures(n, lam_h, handle_s, handle_s)
        assert m.wait_probability == pytest.approx(stats.poisson.sf(n - 1, a), rel=1e-10)
        k = np.arange(n, 200)
        excess = float(((k - n) * stats.poisson.pmf(k, a)).sum())
        assert m.abandon_probability == pytest.approx(excess / a, rel=1e-9)


@pytest.mark.parametrize(
    ("n", "lam_h", "handle_s", "patience_s", "t"),
    [
        (1, 2.0, 1200.0, 120.0, 60.0),
        (2, 6.0, 1200.0, 120.0, 60.0),
        (3, 12.0, 1200.0, 300.0, 30.0),  # overloaded (a = 4 > 3): Erlang A stays stable
        (10, 300.0, 120.0, 60.0, 10.0),
        (6, 100.0, 150.0, 45.0, 15.0),
    ],
)
def test_erlang_a_matches_brute_force_chain(n, lam_h, handle_s, patience_s, t) -> None:
    lam, mu, theta = lam_h / 3600, 1 / handle_s, 1 / patience_s
    p_wait, p_ab, mean_wait, within = _brute_force(n, lam, mu, theta, t)
    m = erlang_a_measures(n, lam_h, handle_s, patience_s)
    assert m.wait_probability == pytest.approx(p_wait, abs=1e-9)
    assert m.abandon_probability == pytest.approx(p_ab, abs=1e-9)
    assert m.mean_wait_s == pytest.approx(mean_wait, rel=1e-7)
    assert m.answered_within_share(t) == pytest.approx(within, abs=1e-8)
    # the limit t -> inf of the service level is the GMR answered share
    assert m.answered_within_share(1e7) == pytest.approx(m.answered_share, abs=1e-10)


@pytest.mark.parametrize(
    ("n", "lam_h", "handle_s", "t"), [(1, 60.0, 30.0, 20.0), (4, 100.0, 120.0, 15.0)]
)
def test_erlang_c_matches_brute_force_chain(n, lam_h, handle_s, t) -> None:
    # theta -> 0 in the chain is Erlang C; a tiny theta is within 1e-6 of it.
    p_wait, _, _, within = _brute_force(n, lam_h / 3600, 1 / handle_s, 1e-9, t, cap=300)
    m = erlang_c_measures(n, lam_h, handle_s)
    assert m.wait_probability == pytest.approx(p_wait, abs=1e-6)
    assert m.answered_within_share(t) == pytest.approx(within, abs=1e-6)
    # and Erlang A with a very long patience tends to Erlang C
    long = erlang_a_measures(n, lam_h, handle_s, 1e9)
    assert long.wait_probability == pytest.approx(m.wait_probability, abs=1e-6)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 12),
    load=st.floats(0.05, 1.6),
    handle_s=st.floats(30.0, 1800.0),
    patience_ratio=st.floats(0.05, 5.0),
    t_ratio=st.floats(0.0, 3.0),
)
def test_erlang_a_property_against_chain(n, load, handle_s, patience_ratio, t_ratio) -> None:
    """Random small instances: the closed forms equal the chain's numbers."""
    lam_h = load * n * 3600 / handle_s
    patience_s = patience_ratio * handle_s
    t = t_ratio * patience_s
    p_wait, p_ab, _, within = _brute_force(n, lam_h / 3600, 1 / handle_s, 1 / patience_s, t)
    m = erlang_a_measures(n, lam_h, handle_s, patience_s)
    assert m.wait_probability == pytest.approx(p_wait, abs=1e-8)
    assert m.abandon_probability == pytest.approx(p_ab, abs=1e-8)
    assert m.answered_within_share(t) == pytest.approx(within, abs=1e-7)


def test_large_center_is_finite_and_monotone() -> None:
    """500 servers: no overflow; more servers answer more calls within 10 s."""
    shares = [
        erlang_a_measures(n, 14_000.0, 120.0, 60.0).answered_within_share(10.0)
        for n in (440, 460, 480, 500)
    ]
    assert all(0 <= s <= 1 for s in shares) and shares == sorted(shares)


def test_servers_needed_is_the_fewest_meeting_the_level() -> None:
    n = servers_needed(6.0, 1200.0, 120.0, answer_within_s=60.0, service_level=0.8)
    within = [
        erlang_a_measures(k, 6.0, 1200.0, 120.0).answered_within_share(60.0) for k in (n - 1, n)
    ]
    assert within[0] < 0.8 <= within[1]
    assert servers_needed(0.0, 1200.0, 120.0, answer_within_s=60.0, service_level=0.8) == 0
    with pytest.raises(ModelError, match="service level"):
        servers_needed(6.0, 1200.0, 120.0, answer_within_s=60.0, service_level=1.0)
    with pytest.raises(ModelError, match="more than 3 servers"):
        servers_needed(600.0, 1200.0, 120.0, answer_within_s=60.0, service_level=0.8, max_servers=3)
