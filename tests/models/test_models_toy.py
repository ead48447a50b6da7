"""Hand-checkable toy instance with optima computed on paper for every model.

Drive times (s), demand d1..d4 x sites A, B, C; weights 10, 20, 30, 40 (total 100):

        A    B    C
  d1  100  500  900
  d2  300  200  800
  d3  700  300  400
  d4  900  800  100

With radius 450 s the coverage sets are d1:{A}, d2:{A,B}, d3:{B,C}, d4:{C}.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from heart_plan.config import SolverConfig
from heart_plan.models import LSCP, MCLP, MEXCLP, PCenter, PMedian, daskin_busy_fraction

TIMES = pd.DataFrame(
    [[100, 500, 900], [300, 200, 800], [700, 300, 400], [900, 800, 100]],
    index=pd.Index(["d1", "d2", "d3", "d4"], name="demand_id"),
    columns=pd.Index(["A", "B", "C"], name="site_id"),
)
WEIGHTS = pd.Series([10.0, 20.0, 30.0, 40.0], index=TIMES.index)


def test_lscp_toy():
    # d1 is reached only by A and d4 only by C; {A, C} also covers d2 and d3 -> 2 sites.
    res = LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450).solve()
    assert res.is_optimal()
    assert res.objective == 2
    assert res.selected_sites == ("A", "C")
    assert res.covered_share == 1.0
    assert res.assignment.to_dict() == {"d1": "A", "d2": "A", "d3": "C", "d4": "C"}
    # Keeping B open still needs A and C -> 3 sites.
    fixed = LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, fixed_sites=["B"]).solve()
    assert fixed.objective == 3 and fixed.selected_sites == ("A", "B", "C")


@pytest.mark.parametrize("formulation", ["dense", "sparse"])
def test_mclp_toy(formulation):
    # p=1: A covers 10+20=30, B 20+30=50, C 30+40=70 -> C with 70.
    one = MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=1).solve(
        formulation=formulation
    )
    assert (one.selected_sites, one.objective, one.covered_share) == (("C",), 70.0, 0.7)
    # p=2: {A, C} covers everything (100) while {B, C} leaves d1 (90).
    two = MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=2).solve(
        formulation=formulation
    )
    assert (two.selected_sites, two.objective, two.gap) == (("A", "C"), 100.0, 0.0)
    # p=1 with A fixed: only A -> 30.
    fixed = MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=1, fixed_sites=["A"])
    assert fixed.solve(formulation=formulation).objective == 30.0


@pytest.mark.parametrize("formulation", ["dense", "sparse"])
def test_mclp_fills_up_to_p_sites(formulation):
    # p=3 > sites needed: {A, C} already covers 100; the third site is B.
    res = MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=3).solve(
        formulation=formulation
    )
    assert res.selected_sites == ("A", "B", "C") and res.objective == 100.0


def test_pmedian_toy():
    # p=1 totals: A 64,000; B 50,000; C 10*900+20*800+30*400+40*100 = 41,000 -> C.
    one = PMedian.from_cost_matrix(TIMES, WEIGHTS, p_sites=1).solve()
    assert (one.selected_sites, one.objective) == (("C",), 41000.0)
    assert one.mean_drive_time_s == 410.0
    # p=2: {A,B} 46,000; {A,C} 23,000; {B,C} 5,000+4,000+9,000+4,000 = 22,000 -> {B, C}.
    two = PMedian.from_cost_matrix(TIMES, WEIGHTS, p_sites=2, radius_s=450).solve()
    assert (two.selected_sites, two.objective) == (("B", "C"), 22000.0)
    assert two.assignment.to_dict() == {"d1": "B", "d2": "B", "d3": "B", "d4": "C"}
    assert two.covered_share == 0.9  # d1 is 500 s from B
    # A fixed, p=2: {A,B} 46,000 vs {A,C} 23,000 -> {A, C}.
    fixed = PMedian.from_cost_matrix(TIMES, WEIGHTS, p_sites=2, fixed_sites=["A"]).solve()
    assert (fixed.selected_sites, fixed.objective) == (("A", "C"), 23000.0)


def test_pcenter_toy():
    # p=1 worst times: A 900, B 800, C 900 -> B with 800.
    one = PCenter.from_cost_matrix(TIMES, WEIGHTS, p_sites=1).solve()
    assert (one.selected_sites, one.objective, one.max_drive_time_s) == (("B",), 800.0, 800)
    # p=2: {A,B} 800, {A,C} 400, {B,C} 500 -> {A, C} with 400.
    two = PCenter.from_cost_matrix(TIMES, None, p_sites=2).solve()
    assert (two.selected_sites, two.objective) == (("A", "C"), 400.0)
    assert two.is_optimal()


def test_mexclp_toy_stacks_teams():
    # q=0.6; covered by one team -> 0.4 w, by two -> 0.64 w.
    # {A,C}: 0.4*100 = 40; {B,C}: 8 + 19.2 + 16 = 43.2; {C,C}: 0.64*(30+40) = 44.8;
    # {A,B}: 28.8; {B,B}: 32; {A,A}: 19.2 -> two teams at C, 44.8.
    res = MEXCLP.from_cost_matrix(
        TIMES, WEIGHTS, radius_s=450, p_sites=2, busy_fraction=0.6
    ).solve()
    assert res.selected_sites == ("C",)
    assert dict(res.teams_per_site) == {"C": 2}
    assert res.objective == pytest.approx(44.8)
    assert res.expected_covered_share == pytest.approx(0.448)
    assert res.covered_share == 0.7
    # One team per site: {B,C} 43.2 is the best pair of distinct sites.
    capped = MEXCLP.from_cost_matrix(
        TIMES, WEIGHTS, radius_s=450, p_sites=2, busy_fraction=0.6, max_teams_per_site=1
    ).solve()
    assert capped.selected_sites == ("B", "C")
    assert capped.objective == pytest.approx(43.2)
    # q=0 is MCLP: {A, C} covers everything.
    q0 = MEXCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=2, busy_fraction=0.0)
    assert q0.solve().objective == pytest.approx(100.0)


def test_busy_fraction_is_workload_over_teams():
    # 1.5 erlangs (e.g. 2 calls/h x 45 min) over 3 teams -> each busy half the time.
    assert daskin_busy_fraction(1.5, 3) == 0.5


@pytest.mark.parametrize(
    "build",
    [
        lambda: LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450),
        lambda: MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=2),
        lambda: PMedian.from_cost_matrix(TIMES, WEIGHTS, p_sites=2),
        lambda: PCenter.from_cost_matrix(TIMES, WEIGHTS, p_sites=2),
        lambda: MEXCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=3, busy_fraction=0.3),
    ],
)
@pytest.mark.parametrize("solver", ["auto", "scip", "highs"])
def test_result_is_deterministic_and_serializable(build, solver):
    options = SolverConfig(seed=0, workers=2)
    a, b = build().solve(options, backend=solver), build().solve(options, backend=solver)
    da, db = a.to_dict(), b.to_dict()
    da.pop("wall_time_s"), db.pop("wall_time_s")
    assert da == db
    json.dumps(a.to_dict())
    assert a.gap == 0.0 and a.best_bound == pytest.approx(a.objective)
    assert a.model in a.summary()
