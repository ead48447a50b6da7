"""Two driving unit types simulated together (engine.simulate_units): a hand-computed toy,
the one-type case against simulate, and the simulated loss against the exact chain.

Toy: nodes 0 = CRT post, 1 = CoR post, 2..4 scenes; standard 720 s.  CRT: 1 team, turnout
60 s, on scene 1,000 s, on duty hours 0-2, not in area at node 4.  CoR: 1 team, turnout 0,
on scene 1,500 s, on duty hours 0 and 2 (off in hour 1), citywide.  Natures: CRT takes
A and B standard calls; CoR takes A calls of both risk classes; order (crt, cor).
"""

from __future__ import annotations

import numpy as np
import pytest

from heart_plan.config import load_scenario
from heart_plan.errors import ModelError
from heart_plan.queueing.dispatch import CallClass, TypeCapacity, exact_loss_network
from heart_plan.simulation import (
    ConstantOnScene,
    Deployment,
    ExponentialOnScene,
    MatrixTravel,
    make_trace,
    simulate,
    synthetic_trace,
)
from heart_plan.simulation.engine import UnitFleet, simulate_units
from heart_plan.simulation.joint_results import JOINT_REASONS
from heart_plan.simulation.takers import call_takers, field_units, higher_risk_flags

DRIVE = np.array(
    [
        [0, 0, 300, 200, 250],
        [0, 0, 900, 100, 400],
        [300, 900, 0, 50, 50],
        [200, 100, 50, 0, 50],
        [250, 400, 50, 50, 0],
    ]
)
TRAVEL = MatrixTravel({"all": DRIVE})
BANDS = ("all",) * 168

# id, t_s, node, takers (0 = crt, 1 = cor), expected (reason, unit, drive_s)
CALLS = [
    ("c0", 0, 2, (0, 1), ("served", "crt", 300)),  # CRT free; clear 0+60+300+1000 = 1360
    ("c1", 100, 2, (0, 1), ("served", "cor", 900)),  # CRT busy -> CoR; clear 2500; not reached
    ("c2", 200, 3, (1,), ("all_busy", "", -1)),  # higher-risk A: CoR busy -> police
    ("c4", 1500, 3, (0,), ("served", "crt", 200)),  # B standard: CRT free again; clear 2760
    ("c5", 1600, 3, (), ("not_taken", "", -1)),  # B higher-risk: no type takes it
    ("c6", 1700, 2, (0, 1), ("all_busy", "", -1)),  # CRT busy to 2760, CoR to 2500
    ("c3", 2600, 3, (1,), ("served", "cor", 100)),  # higher-risk A: CoR free; clear 4200
    ("c7", 4000, 3, (1,), ("outside_hours", "", -1)),  # hour 1: CoR off duty
    ("c8", 4100, 3, (0, 1), ("served", "crt", 200)),  # hour 1: CRT only
    ("c9", 7300, 4, (0, 1), ("served", "cor", 400)),  # node 4 outside CRT's area -> CoR
    ("c10", 7400, 4, (0,), ("outside_area", "", -1)),  # B: only CRT takes it, not its area
]


def _toy(replications: int = 1):
    trace = make_trace(
        [c[1] for c in CALLS], [c[2] for c in CALLS], call_id=[c[0] for c in CALLS],
        horizon_hours=3,
    )  # fmt: skip
    crt_tod = tuple(1 if h < 3 else 0 for h in range(168))
    cor_tod = tuple(1 if h in (0, 2) else 0 for h in range(168))
    crt = UnitFleet(
        "crt", Deployment(crt_tod, BANDS, (0,)), ConstantOnScene(1000.0), 60,
        in_area=trace.scene != 4,
    )  # fmt: skip
    cor = UnitFleet("cor", Deployment(cor_tod, BANDS, (1,)), ConstantOnScene(1500.0), 0)
    takers = np.full((len(trace), 2), -1, dtype=np.int8)
    by_id = {c[0]: c[3] for c in CALLS}
    for i, cid in enumerate(trace.call_id):
        takers[i, : len(by_id[cid])] = by_id[cid]
    return simulate_units(
        trace, (crt, cor), takers, TRAVEL, standard_s=720, replications=replications
    )


def test_two_type_toy_hand_computed():
    res = _toy(replications=3)
    names = ("", *res.unit_names)
    for r in range(3):
        for i, (cid, _, _, _, (reason, unit, drive)) in enumerate(CALLS):
            assert res.trace.call_id[i] == cid
            assert JOINT_REASONS[res.reason[r, i]] == reason, cid
            assert names[res.unit[r, i] + 1] == unit, cid
            assert res.drive_s[r, i] == drive, cid
    # clear times: turnout + drive + on-scene of the serving type
    assert res.clear_s[0, :4].tolist()[:2] == [1360.0, 2500.0]
    assert res.clear_s[0, 3] == 2760.0 and res.clear_s[0, 6] == 4200.0
    # reached by any type: c0 c4 c3 c8 c9 (c1 drove 900 s > 720 s)
    assert res.reached_share().mean == pytest.approx(5 / 11)
    # CRT takes A/B standard: c0 c1 c4 c6 c8 c9 c10 -> reached c0 c4 c8
    assert res.reached_share_of_unit_eligible("crt").mean == pytest.approx(3 / 7)
    # CoR takes A of both classes: c0 c1 c2 c6 c3 c7 c8 c9 -> served c1 c3 c9, reached c3 c9
    assert res.served_share_of_unit_eligible("cor").mean == pytest.approx(3 / 8)
    assert res.reached_share_of_unit_eligible("cor").mean == pytest.approx(2 / 8)
    table = res.by_unit().set_index("unit")
    assert table.loc["crt", "unit_eligible_calls"] == 7
    # CoR busy 100..2500, 2600..4200, 7300..9200 (400 s drive + 1,500 s) over 2 h on duty
    assert res.utilization("cor").mean == pytest.approx((2400 + 1600 + 1900) / 7200)


def test_takers_validated():
    res = _toy()
    with pytest.raises(ModelError, match="takers"):
        simulate_units(
            res.trace, (UnitFleet("crt", Deployment((1,) * 168, BANDS, (0,)), ConstantOnScene(1)),),
            np.full((len(res.trace), 1), 3), TRAVEL,
        )  # fmt: skip


def test_one_type_is_simulate():
    """simulate_units with one fleet taking every call gives simulate's outcomes."""
    rate = np.where(np.arange(168) % 24 >= 8, 1.2, 0.3)
    trace = synthetic_trace(rate, np.arange(2, 5), weeks=2, seed=4)
    tod = tuple(2 if h % 24 >= 6 else 0 for h in range(168))
    dep = Deployment(tod, BANDS, (0, 1))
    one = simulate(
        trace, dep, TRAVEL, on_scene=ExponentialOnScene(2400.0), turnout_s=60,
        replications=3, seed=5, return_rule="drive_back",
    )  # fmt: skip
    joint = simulate_units(
        trace, (UnitFleet("crt", dep, ExponentialOnScene(2400.0), 60),),
        np.zeros((len(trace), 1), dtype=np.int8), TRAVEL, replications=3, seed=5,
        return_rule="drive_back",
    )  # fmt: skip
    assert np.array_equal(one.reason, joint.reason)
    assert np.array_equal(one.drive_s, joint.drive_s)
    assert np.array_equal(one.clear_s, joint.clear_s, equal_nan=True)
    assert joint.reached_share().mean == pytest.approx(float(one.reached.mean()))


def test_two_type_loss_matches_exact_chain():
    """Poisson calls, exponential busy times, no drive: the simulated shares served by CRT
    (2 teams, 45 min) and CoR (1 team, 60 min), and police, against the exact loss network.
    """
    lam_std, lam_hr = 1.6, 0.4  # calls per hour
    share = lam_hr / (lam_std + lam_hr)
    trace = synthetic_trace(np.full(168, lam_std + lam_hr), np.array([2]), weeks=120, seed=11)
    higher = higher_risk_flags(trace.call_id, share, seed=3)
    assert higher.mean() == pytest.approx(share, abs=0.01)
    takers = np.where(higher[:, None], [[1, -1]], [[0, 1]]).astype(np.int8)
    zero = MatrixTravel({"all": np.zeros((5, 5), dtype=np.int64)})
    fleets = (
        UnitFleet("crt", Deployment((2,) * 168, BANDS, (0,), post_teams=(2,)),
                  ExponentialOnScene(45 * 60.0)),
        UnitFleet("cor", Deployment((1,) * 168, BANDS, (1,)), ExponentialOnScene(3600.0)),
    )  # fmt: skip
    res = simulate_units(trace, fleets, takers, zero, replications=2, seed=1)
    exact = exact_loss_network(
        [
            CallClass("std", lam_std, ("crt", "cor")),
            CallClass("hr", lam_hr, ("cor",)),
        ],
        [TypeCapacity("crt", 2, 0.75), TypeCapacity("cor", 1, 1.0)],
    )
    total = lam_std + lam_hr
    for name in ("crt", "cor"):
        sim_share = float((res.served & (res.unit == res.index_of(name))).mean())
        assert sim_share == pytest.approx(exact.type_served_per_h(name) / total, abs=0.01), name
    police = float((~res.served).mean())
    assert police == pytest.approx(sum(exact.police_per_h.values()) / total, abs=0.01)


def test_higher_risk_flags_deterministic_by_id():
    ids = np.array([f"call{i}" for i in range(4000)], dtype=object)
    a = higher_risk_flags(ids, 0.1, seed=0)
    assert a.mean() == pytest.approx(0.1, abs=0.015)
    # the same id gets the same flag in any subset or order; another seed differs
    assert np.array_equal(higher_risk_flags(ids[::-1], 0.1, seed=0), a[::-1])
    assert not np.array_equal(higher_risk_flags(ids, 0.1, seed=1), a)
    assert not higher_risk_flags(ids, 0.0, seed=0).any()
    assert higher_risk_flags(ids, 1.0, seed=0).all()


def test_call_takers_follow_dispatch_order_durham():
    s = load_scenario(None)
    units = field_units(s)
    assert units == ("crt", "cor")
    natures = np.array(["CRISIS", "CRISIS", "TRESPASS OR UNWANTED", "TRESPASS OR UNWANTED"])
    takers = call_takers(natures, np.array([False, True, False, True]), s, units)
    assert takers.tolist() == [[0, 1], [1, -1], [0, -1], [-1, -1]]
