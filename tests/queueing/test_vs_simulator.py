"""The evaluator against the project's trace-driven simulator on random toy instances.

Setting that makes the two models share their assumptions (module docstring of
``queueing.hypercube``: a free team is dispatched from its post; busy from dispatch until
clear of the scene): ``simulate(..., return_rule="at_post_when_clear")`` (the default), so
a team is back at its post the moment it clears and is never dispatched from a scene; exponential on-scene times (``ExponentialOnScene``), turnout 60 s,
one band, teams on duty constant, a stationary Poisson trace of 10,000 calls replayed in
4 replications (independent on-scene draws).  The engine runs replications side by side,
so 4 x 10,000 calls cost about a third of one replication of 40,000; the simulator's
shares are checked to be resolved finer than the tolerance (95% CI half-width by batch
means over consecutive stretches of the trace, below 2 points on every instance).

What still differs: the simulator's busy time is turnout + the dispatched team's own (deterministic)
drive + exponential on-scene, while the hypercube uses one exponential busy time with the
fixed-point mean for every team.

Measured (20 instances, 2-6 teams on 1-6 posts, 5-15 nodes, 0.3-0.8 erlang per team):
evaluator minus simulator reached share max |gap| 1.46 pp, mean |gap| 0.44 pp, mean gap
-0.28 pp (simulator 95% CI half-width at most 1.5 pp); served share max |gap| 0.68 pp;
mean drive of served calls max |gap| 14 s.  (One replication of 40,000 calls, three times
the cost, gave max |gap| 1.65 pp, mean |gap| 0.36 pp, mean -0.29 pp.)

With ``return_rule="drive_back"`` (real return drives: a team driving back is dispatched
from its last scene) the same instances (5,000 calls x 4 replications) give
reached-share gaps max 11.3 pp, mean |gap| 4.0 pp, mean -3.2 pp (the evaluator lower: on these toys posts are random points, so a team
leaving a scene is often nearer the next call than its post is); served shares still agree
(availability is the same; max |gap| 1.8 pp, CI half-width at most 1.8 pp) and the mean
drive differs by up to 145 s.  See ``test_simulator_return_rule_gap``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from heart_plan.queueing import evaluate, team_posts_of_deployment
from heart_plan.simulation import (
    Deployment,
    ExponentialOnScene,
    MatrixTravel,
    simulate,
    synthetic_trace,
)

STANDARD_S = 720
TURNOUT_S = 60
ON_SCENE_S = 2700.0
INSTANCES = 20
CALLS = 10_000
REPLICATIONS = 4
#: Consecutive stretches of the trace for the batch-means confidence interval.
BATCHES = 10
TOL = 0.02


def _instance(seed: int, *, instant_return: bool, calls: int = CALLS):
    """One random toy instance: the evaluator against ``REPLICATIONS`` simulations."""
    rng = np.random.default_rng(seed)
    teams = int(rng.integers(2, 7))
    n_posts = int(rng.integers(max(1, teams - 2), teams + 1))
    post_teams = np.ones(n_posts, dtype=int)
    for _ in range(teams - n_posts):
        post_teams[rng.integers(n_posts)] += 1
    nodes = int(rng.integers(5, 16))
    # Node ids 0..nodes-1 are demand nodes, nodes.. are posts.
    xy = rng.uniform(0, 12_000, (nodes + n_posts, 2))
    gap = xy[:, None] - xy[None, :]
    full = np.rint(60 + np.hypot(gap[..., 0], gap[..., 1]) / 10).astype(np.int64)
    np.fill_diagonal(full, 0)
    drive = full[:nodes, nodes:]  # demand node x post: post -> node drive
    travel = full.copy()
    rule = "at_post_when_clear" if instant_return else "drive_back"
    lam = rng.gamma(1.0, 1.0, nodes)
    lam *= rng.uniform(0.3, 0.8) * teams / (ON_SCENE_S / 3600 + 0.1) / lam.sum()
    dep = Deployment(
        teams_on_duty=(teams,) * 168,
        band_of_hour=("all",) * 168,
        post_nodes=tuple(range(nodes, nodes + n_posts)),
        post_teams=tuple(int(t) for t in post_teams),
    )
    posts = team_posts_of_deployment(dep)("all", teams)
    ev = evaluate(
        lam, drive, posts, standard_s=STANDARD_S, on_scene_mean_h=ON_SCENE_S / 3600,
        turnout_s=TURNOUT_S,
    )  # fmt: skip
    trace = synthetic_trace(
        np.full(168, lam.sum()), np.arange(nodes), weeks=calls / lam.sum() / 168,
        seed=seed, node_weights=lam,
    )  # fmt: skip
    res = simulate(
        trace, dep, MatrixTravel({"all": travel}), on_scene=ExponentialOnScene(ON_SCENE_S),
        standard_s=STANDARD_S, turnout_s=TURNOUT_S, return_rule=rule,
        replications=REPLICATIONS, seed=seed,
    )  # fmt: skip
    served, reached = res.served, res.reached  # (replications, calls)
    return {
        "teams": teams,
        "reached_gap": ev.reached_share - float(reached.mean()),
        "served_gap": ev.served_share - float(served.mean()),
        "drive_gap_s": ev.mean_drive_time_s - float(res.drive_s[served].mean()),
        "reached_ci_pp": 100 * _ci_half_width(reached),
        "served_ci_pp": 100 * _ci_half_width(served),
    }


def _ci_half_width(flags: np.ndarray) -> float:
    """95% CI half-width of a simulated share (batch means): the share per call averaged
    over replications, then over ``BATCHES`` consecutive stretches of the trace, so that the
    trace's own randomness (arrival times and nodes, shared by the replications) counts.
    """
    per_call = flags.mean(axis=0)
    batches = np.array([b.mean() for b in np.array_split(per_call, BATCHES)])
    return float(stats.t.ppf(0.975, BATCHES - 1) * batches.std(ddof=1) / np.sqrt(BATCHES))


def _summary(rows: list[dict]) -> dict[str, float]:
    r = np.array([row["reached_gap"] for row in rows])
    s = np.array([row["served_gap"] for row in rows])
    d = np.array([row["drive_gap_s"] for row in rows])
    return {
        "reached_max_abs_pp": 100 * float(np.abs(r).max()),
        "reached_mean_abs_pp": 100 * float(np.abs(r).mean()),
        "reached_mean_pp": 100 * float(r.mean()),
        "served_max_abs_pp": 100 * float(np.abs(s).max()),
        "drive_max_abs_s": float(np.abs(d).max()),
        "reached_ci_max_pp": max(row["reached_ci_pp"] for row in rows),
        "served_ci_max_pp": max(row["served_ci_pp"] for row in rows),
    }


@pytest.mark.slow
def test_evaluator_matches_simulator_with_the_shared_return_rule():
    rows = [_instance(seed, instant_return=True) for seed in range(INSTANCES)]
    summary = _summary(rows)
    print(f"\nevaluator - simulator (dispatch from post): {summary}")
    bad = [(i, row) for i, row in enumerate(rows) if abs(row["reached_gap"]) > TOL]
    assert not bad, f"reached share off by more than {TOL:.0%}: {bad}"
    assert summary["served_max_abs_pp"] <= 100 * TOL
    # The simulation resolves the tolerance: every share's 95% CI is narrower than 2 points.
    assert summary["reached_ci_max_pp"] < 100 * TOL, summary
    assert summary["served_ci_max_pp"] < 100 * TOL, summary
    # Pooled over the instances the evaluator is unbiased to well within the tolerance.
    assert abs(summary["reached_mean_pp"]) <= 100 * TOL / 2, summary


@pytest.mark.slow
def test_simulator_return_rule_gap():
    rows = [_instance(seed, instant_return=False, calls=5_000) for seed in range(INSTANCES)]
    summary = _summary(rows)
    print(f"\nevaluator - simulator (drive_back, dispatch from scene): {summary}")
    # Availability is the same under both rules: the served share agrees (and is resolved).
    assert summary["served_max_abs_pp"] <= 100 * TOL
    assert summary["served_ci_max_pp"] < 100 * TOL, summary
    # The reached share does not: dispatching from scenes changes who goes and how far.
    assert summary["reached_max_abs_pp"] > 100 * TOL
