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
        mine = sim.unit_eligible(name)[None, :]
        present = mine if sim.present is None else mine & sim.present
        e_sim = present.sum(axis=1).mean() * 365 * 86400 / sim.trace.horizon_s
        assert e_sim == pytest.approx(predicted.eligible_calls_per_year[name], rel=0.02)
    assert abs(predicted.reached_share - sim.reached_share().mean) <= 0.02
    # CoR takes CRT's overflow: it serves standard calls only when CRT could not
    assert (sim.served & (sim.unit == sim.index_of("cor"))).any()


def test_durham_run_reports_all_four_units(durham_run) -> None:
    """run.json key_results.units: four typed units, the budget view their sum, the CRT +
    CoR headline predicted beside simulated within 2 points, the report section present.
    """
    import json

    key = json.loads((durham_run / "run.json").read_text())["key_results"]["units"]
    units = key["units"]
    assert set(units) == {"crt", "cor", "ccd", "cn"}
    assert key["budget_view"]["fte"] == pytest.approx(sum(u["fte"] for u in units.values()))
    assert key["budget_view"]["cost_per_year_usd"] == pytest.approx(
        sum(u["cost_per_year_usd"] for u in units.values())
    )
    rec = json.loads((durham_run / "run.json").read_text())["key_results"]["recommended"]
    assert units["crt"]["fte"] == pytest.approx(rec["fte"])  # the recommended plan's roster
    for name in ("crt", "cor"):
        p = units[name]["predicted"]["reached_share_of_unit_eligible"]
        q = units[name]["simulated"]["reached_share_of_unit_eligible"]["mean"]
        assert abs(p - q) <= 0.02, name
    assert (
        abs(key["predicted"]["reached_share"] - key["simulated"]["reached_share"]["mean"]) <= 0.02
    )
    assert 0 < units["ccd"]["resolved_by_phone_share"] < 1
    assert units["ccd"]["simulated"]["reached_share_of_unit_eligible"] is None
    assert units["cn"]["deadline_met"] is True
    assert all("roster" in u["fte_basis"] for u in units.values())
    html = (durham_run / "report.html").read_text()
    assert "id='units'" in html or 'id="units"' in html
    assert "sanity references, never tuned to" in html
