"""Erlang B: exact values, the closed form, a brute-force birth-death chain, concavity."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heart_plan.errors import ModelError
from heart_plan.staffing.erlang import (
    erlang_b,
    erlang_b_array,
    erlang_b_table,
    served_increments,
    served_share,
    teams_needed,
    teams_needed_array,
)


def closed_form(c: int, a: Fraction) -> Fraction:
    """B(c, a) = (a^c / c!) / sum_k a^k / k!, in exact rational arithmetic."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def birth_death_blocking(c: int, a: float) -> float:
    """Stationary P(all c busy) of the M/M/c/c chain (arrival a, service rate 1 per busy team)."""
    n = c + 1
    q = np.zeros((n, n))
    for k in range(n):
        if k < c:
            q[k, k + 1] = a
        if k > 0:
            q[k, k - 1] = k
        q[k, k] = -q[k].sum()
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalization.
    lhs = q.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    return float(np.linalg.solve(lhs, rhs)[-1])


def test_published_value():
    assert round(erlang_b(5, 2.0), 4) == 0.0367
    # Hand values: B(1, 1) = 1/2, B(2, 1) = 1/5, B(3, 1) = 1/16.
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(3, 1.0) == pytest.approx(0.0625)


@pytest.mark.parametrize(
    ("c", "a"),
    [(0, Fraction(3)), (1, Fraction(1, 2)), (5, Fraction(2)), (10, Fraction(7)),
     (20, Fraction(15)), (40, Fraction(30)), (3, Fraction(1, 100))],
)  # fmt: skip
def test_matches_closed_form(c, a):
    assert erlang_b(c, float(a)) == pytest.approx(float(closed_form(c, a)), rel=1e-12)


def test_large_instance_is_stable():
    # The closed form overflows floats here (300^300 / 300!); the recursion does not.
    b = erlang_b(300, 280.0)
    assert 0.0 < b < 0.05
    assert erlang_b(300, 280.0) == pytest.approx(float(closed_form(300, Fraction(280))), rel=1e-9)


@given(c=st.integers(0, 25), a=st.floats(0.01, 30.0))
def test_matches_birth_death_chain(c, a):
    assert erlang_b(c, a) == pytest.approx(birth_death_blocking(c, a), rel=1e-7, abs=1e-12)


@given(a=st.floats(0.0, 20.0))
def test_served_share_is_increasing_and_concave(a):
    served = 1.0 - erlang_b_table(30, [a])[0]
    steps = np.diff(served)
    assert np.all(steps >= -1e-15)
    assert np.all(np.diff(steps) <= 1e-12)


def test_zero_load_convention():
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    assert teams_needed(0.0, 0.9) == 0


def test_vectorized_matches_scalar():
    rng = np.random.default_rng(5)
    c = rng.integers(0, 15, size=(4, 6))
    a = rng.uniform(0.0, 10.0, size=(4, 6))
    got = erlang_b_array(c, a)
    want = np.vectorize(erlang_b)(c, a)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    # B(5, 2) = (32/120) / (1 + 2 + 2 + 4/3 + 2/3 + 4/15) = 4/109.
    assert served_share(5, 2.0) == pytest.approx(1.0 - 4 / 109, rel=1e-12)


@given(a=st.floats(0.01, 25.0), target=st.floats(0.0, 0.99))
def test_teams_needed_is_minimal(a, target):
    c = teams_needed(a, target)
    assert 1.0 - erlang_b(c, a) >= target - 1e-12
    if c > 0:
        assert 1.0 - erlang_b(c - 1, a) < target


def test_teams_needed_examples():
    # a = 2: served with 4 teams 1 - 0.0952 = 0.905 >= 0.9, with 3 teams 0.789.
    assert teams_needed(2.0, 0.9) == 4
    np.testing.assert_array_equal(teams_needed_array([0.0, 2.0, 0.5], 0.9), [0, 4, 2])


def test_increments_sum_to_served():
    arrivals = np.array([100.0, 0.0, 40.0])
    load = np.array([2.0, 0.0, 0.3])
    inc = served_increments(arrivals, load, 6)
    assert inc.shape == (3, 6)
    assert np.all(np.diff(inc, axis=1) <= 0)
    for n in range(7):
        np.testing.assert_allclose(
            inc[:, :n].sum(axis=1), arrivals * (1 - erlang_b_array(n, load)), atol=1e-9
        )


def test_bad_input_is_a_model_error():
    with pytest.raises(ModelError, match="servers"):
        erlang_b(-1, 1.0)
    with pytest.raises(ModelError, match="offered load"):
        erlang_b(2, -0.5)
    with pytest.raises(ModelError, match="served-share target"):
        teams_needed(1.0, 1.0)
