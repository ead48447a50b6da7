"""Candidate comparison with common random numbers: stop when the margin is measurable,
else report no measurable difference and prefer the cheaper plan."""

from __future__ import annotations

import numpy as np

from heart_plan.planning.compare import compare_candidates


def _noise(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.02, n)


def _plans(levels: list[float]):
    """Candidate i reaches levels[i] plus noise shared by all plans (common random numbers)
    and a small plan-specific noise."""

    def reached_of(replications: int, seed: int) -> list[np.ndarray]:
        common = np.array([_noise(seed + r, 1)[0] for r in range(replications)])
        return [
            level
            + common
            + 0.05
            * np.array([_noise(1000 * (i + 1) + seed + r, 1)[0] for r in range(replications)])
            for i, level in enumerate(levels)
        ]

    return reached_of


def test_clear_winner_stops_at_the_first_batch() -> None:
    cmp = compare_candidates(
        _plans([0.40, 0.45, 0.30]), 3, cost=[1, 1, 1], size=[12, 18, 35],
        first_replications=10, max_replications=200, seed=0,
    )  # fmt: skip
    assert cmp.best == 1 and cmp.runner_up == 0 and cmp.chosen == 1
    assert cmp.measurable and cmp.replications == 10
    assert cmp.margin is not None and cmp.margin.ci_low > 0
    assert cmp.margin.mean == np.mean(
        np.array(cmp.reached_by_replication[1]) - np.array(cmp.reached_by_replication[0])
    )


def test_replications_double_until_the_margin_is_measurable() -> None:
    # a 0.02-point edge: not measurable with 10 replications, measurable at 40
    cmp = compare_candidates(
        _plans([0.4500, 0.4502]), 2, cost=[1, 1], size=[12, 18],
        first_replications=10, max_replications=640, seed=5,
    )  # fmt: skip
    assert cmp.best == 1 and cmp.measurable
    assert cmp.replications == 40  # 10 -> 20 -> 40: each step doubles
    assert all(len(r) == 40 for r in cmp.reached_by_replication)


def test_identical_plans_have_no_measurable_difference_and_the_cheaper_wins() -> None:
    cmp = compare_candidates(
        _plans([0.45, 0.45]), 2, cost=[200.0, 100.0], size=[35, 30],
        first_replications=5, max_replications=20, seed=3,
    )  # fmt: skip
    assert not cmp.measurable
    assert cmp.replications == 20
    assert cmp.chosen == 1  # the cheaper one, whichever leads by noise
