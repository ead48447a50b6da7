"""CoR beside CRT on Durham: CoR posts from the placement layer, its hours from a least-cost
roster of the configured cover, the overflow-approximation evaluator against the joint
simulation (issue 16: within 2 points per type and for the headline).
"""

from __future__ import annotations

import pytest

from heart_plan.planning.field_units import (
    evaluate_field_units,
    plan_field_unit,
    simulate_field_units,
)
from heart_plan.planning.posts import PostSearches
from heart_plan.planning.replay import replay_inputs
from heart_plan.planning.run import plan_current

pytestmark = pytest.mark.durham


def test_cor_evaluator_matches_joint_simulation_within_2_points(durham_context) -> None:
    ctx = durham_context
    s = ctx.scenario
    crt, _ = plan_current(ctx, PostSearches(ctx))
    cor = plan_field_unit(ctx, "cor")
    required = cor.required_teams_by_how
    # the roster staffs at least the configured cover (06-21, 2 teams) in every hour
    assert all(n >= r for n, r in zip(cor.plan.teams_on_duty, required, strict=True))
    assert cor.roster is not None and cor.fte == pytest.approx(cor.roster.fte)
    assert max(cor.plan.teams_on_duty) == s.units["cor"].teams
    plans = {"crt": crt, "cor": cor.plan}
    predicted = evaluate_field_units(ctx, plans)
    replay = replay_inputs(ctx, seed=s.simulation.seed)
    sim = simulate_field_units(s, replay, plans, replications=4, seed=s.simulation.seed)
    for name in ("crt", "cor"):
        p = predicted.reached_share_of_unit_eligible(name)
        q = sim.reached_share_of_unit_eligible(name).mean
        assert 0.05 < p < 0.95, name
        assert abs(p - q) <= 0.02, (name, p, q)
        # the same eligible calls on both sides (simulated trace vs demand), within 1%
        e_sim = sim.unit_eligible(name).sum() * 365 * 86400 / sim.trace.horizon_s
        assert e_sim == pytest.approx(predicted.eligible_calls_per_year[name], rel=0.01)
    assert abs(predicted.reached_share - sim.reached_share().mean) <= 0.02
    # CoR takes CRT's overflow: it serves standard calls only when CRT could not
    assert (sim.served & (sim.unit == sim.index_of("cor"))).any()
