"""Dispatch priority between two driving unit types (:mod:`heart_plan.queueing.dispatch`):
hand-computed toy outcomes, the exact loss network, the overflow approximation, and the
toy dispatcher as a two-type simulation."""

from __future__ import annotations

import numpy as np
import pytest

from heart_plan.errors import ModelError
from heart_plan.queueing.dispatch import (
    POLICE,
    CallClass,
    ToyCall,
    TypeCapacity,
    UnitPool,
    call_classes_for_hour,
    dispatch,
    exact_loss_network,
    overflow_approximation,
)
from heart_plan.staffing.erlang import erlang_b

CRT = UnitPool("crt", teams=1, busy_s=3600.0)
COR = UnitPool(
    "cor", teams=1, busy_s=3600.0, natures=frozenset({"CRISIS", "SUICIDE THREAT"}),
    takes_higher_risk=True, hours_start=6, hours_end=21,
)  # fmt: skip
H = 3600.0


def test_toy_dispatch_hand_computed() -> None:
    """CRT and CoR, one team each, busy one hour; order CRT then CoR (times from 07:00)."""
    t0 = 7 * H
    calls = [
        ToyCall("c1", t0 + 0, "CRISIS"),  # CRT free -> CRT
        ToyCall("c2", t0 + 600, "CRISIS"),  # CRT busy -> CoR (fallback)
        ToyCall("c3", t0 + 1200, "SUICIDE THREAT", higher_risk=True),  # CoR busy -> police
        ToyCall("c4", t0 + 3600, "WELFARE CHECK"),  # CRT free again at exactly 1 h -> CRT
        ToyCall("c5", t0 + 3700, "WELFARE CHECK"),  # CRT busy, CoR does not take it -> police
        ToyCall("c6", t0 + 4200, "CRISIS", higher_risk=True),  # CoR free at 4200 -> CoR
        ToyCall("c7", t0 + 9000, "TRESPASS OR UNWANTED", higher_risk=True),  # nobody takes it
        ToyCall("c8", 22 * H, "CRISIS"),  # 22:00: CRT free (busy until 09:00 only)
        ToyCall("c9", 22 * H + 60, "CRISIS"),  # CRT busy, CoR off duty (6-21) -> police
    ]
    got = {
        a.call_id: (a.unit, a.team, a.reason) for a in dispatch(calls, [CRT, COR], ["crt", "cor"])
    }
    assert got == {
        "c1": ("crt", 0, "first choice"),
        "c2": ("cor", 0, "fallback after crt busy"),
        "c3": (POLICE, -1, "cor busy"),
        "c4": ("crt", 0, "first choice"),
        "c5": (POLICE, -1, "crt busy"),
        "c6": ("cor", 0, "first choice"),
        "c7": (POLICE, -1, "no HEART unit"),
        "c8": ("crt", 0, "first choice"),
        "c9": (POLICE, -1, "crt busy"),
    }


def test_order_changes_who_serves() -> None:
    """CoR first: the same standard CRISIS call goes to CoR, the next one to CRT."""
    calls = [ToyCall("a", 8 * H, "CRISIS"), ToyCall("b", 8 * H + 1, "CRISIS")]
    got = [a.unit for a in dispatch(calls, [CRT, COR], ["cor", "crt"])]
    assert got == ["cor", "crt"]
    two = UnitPool("crt", teams=2, busy_s=H)
    got = [(a.unit, a.team) for a in dispatch(calls, [two, COR], ["crt", "cor"])]
    assert got == [("crt", 0), ("crt", 1)]
    with pytest.raises(ModelError, match="not a unit pool"):
        dispatch(calls, [CRT], ["crt", "cor"])


def test_single_type_is_erlang_b_exactly() -> None:
    classes = [CallClass("all", 3.0, ("crt",))]
    types = [TypeCapacity("crt", 4, 1.0)]
    exact = exact_loss_network(classes, types)
    approx = overflow_approximation(classes, types)
    b = erlang_b(4, 3.0)
    assert exact.police_per_h["all"] == pytest.approx(3.0 * b, rel=1e-10)
    assert approx.police_per_h["all"] == pytest.approx(3.0 * b, rel=1e-12)


def test_two_types_hand_computed_one_team_each() -> None:
    """One CRT team overflowing to one CoR team, which also takes its own higher-risk
    class.  States (crt busy, cor busy); standard calls 1/h (CRT then CoR), higher-risk 1/h
    (CoR), busy 1 h.  Balance equations by hand:
    2 p00 = p10 + p01;  3 p10 = p00 + p11;  2 p01 = p00 + p11;  2 p11 = 2 p10 + p01
    -> (p00, p10, p01, p11) = (5, 4, 6, 7) / 22.  Standard served by CRT: p00 + p01 = 1/2;
    by CoR: p10 = 2/11; police p11 = 7/22.  Higher-risk served by CoR: p00 + p10 = 9/22."""
    classes = [CallClass("standard", 1.0, ("crt", "cor")), CallClass("higher", 1.0, ("cor",))]
    types = [TypeCapacity("crt", 1, 1.0), TypeCapacity("cor", 1, 1.0)]
    exact = exact_loss_network(classes, types)
    assert exact.served_per_h["standard"]["crt"] == pytest.approx(1 / 2)
    assert exact.served_per_h["standard"]["cor"] == pytest.approx(2 / 11)
    assert exact.served_per_h["higher"]["cor"] == pytest.approx(9 / 22)
    assert exact.police_per_h["standard"] == pytest.approx(7 / 22)
    assert exact.police_per_h["higher"] == pytest.approx(13 / 22)
    # the approximation: CRT B(1, 1) = 1/2; CoR offered 1 + 1/2 -> B(1, 1.5) = 0.6
    approx = overflow_approximation(classes, types)
    assert approx.blocking["crt"] == pytest.approx(0.5)
    assert approx.blocking["cor"] == pytest.approx(0.6)
    assert approx.served_per_h["standard"]["cor"] == pytest.approx(0.5 * 0.4)
    assert approx.served_share(classes) == pytest.approx((0.5 + 0.2 + 0.4) / 2)


def test_overflow_approximation_within_two_points_of_exact() -> None:
    """A Durham-sized hour: 4 CRT teams, 2 CoR teams; served share within 2 points."""
    classes = [
        CallClass("standard_cor_nature", 1.2, ("crt", "cor")),
        CallClass("standard_other", 2.0, ("crt",)),
        CallClass("higher_cor_nature", 0.35, ("cor",)),
    ]
    types = [TypeCapacity("crt", 4, 1.0), TypeCapacity("cor", 2, 1.2)]
    exact = exact_loss_network(classes, types)
    approx = overflow_approximation(classes, types)
    assert abs(approx.served_share(classes) - exact.served_share(classes)) < 0.02
    for t in ("crt", "cor"):
        share_exact = exact.type_served_per_h(t) / 3.55
        assert abs(approx.type_served_per_h(t) / 3.55 - share_exact) < 0.02
    # mutual overflow (CoR-first class spilling to CRT too) converges as well
    classes2 = [*classes, CallClass("cor_first", 0.5, ("cor", "crt"))]
    exact2, approx2 = exact_loss_network(classes2, types), overflow_approximation(classes2, types)
    assert approx2.iterations > 2
    assert abs(approx2.served_share(classes2) - exact2.served_share(classes2)) < 0.02


def test_toy_dispatcher_simulation_matches_exact_chain() -> None:
    """The dispatcher on 40,000 random calls (Poisson, exponential busy times by type) is a
    two-type simulation: its served shares per class match the exact chain."""
    rng = np.random.default_rng(0)
    lam = {"CRISIS|standard": 1.5, "WELFARE CHECK|standard": 1.0, "CRISIS|higher": 0.4}
    busy_h = {"crt": 1.0, "cor": 1.25}
    total = sum(lam.values())
    n = 40_000
    times = np.cumsum(rng.exponential(H / total, n))
    kinds = rng.choice(list(lam), size=n, p=np.array(list(lam.values())) / total)
    busy = {u: rng.exponential(b * H, n) for u, b in busy_h.items()}
    crt = UnitPool("crt", 3, H)
    cor = UnitPool("cor", 2, H, natures=frozenset({"CRISIS"}), takes_higher_risk=True)
    calls = [
        ToyCall(
            f"{i:06d}", float(times[i]), kinds[i].split("|")[0], kinds[i].endswith("higher"),
            {u: float(busy[u][i]) for u in busy},
        )
        for i in range(n)
    ]  # fmt: skip
    result = dispatch(calls, [crt, cor], ["crt", "cor"])
    classes = call_classes_for_hour(
        {"CRISIS": 1.5 / 0.9, "WELFARE CHECK": 1.0}, 0.0, [crt, cor], ["crt", "cor"], 8
    )
    # call_classes_for_hour with higher_risk_share 0 gives the standard classes; add CoR's own
    classes = (
        CallClass("CRISIS|standard", 1.5, classes[0].order),
        CallClass("WELFARE CHECK|standard", 1.0, classes[1].order),
        CallClass("CRISIS|higher", 0.4, ("cor",)),
    )
    exact = exact_loss_network(classes, [TypeCapacity("crt", 3, 1.0), TypeCapacity("cor", 2, 1.25)])
    served = {k: 0 for k in lam}
    count = {k: 0 for k in lam}
    for kind, a in zip(kinds[1000:], result[1000:], strict=True):  # skip a warm-up
        count[kind] += 1
        served[kind] += a.unit != POLICE
    for k in lam:
        exact_share = sum(exact.served_per_h[k].values()) / lam[k]
        assert served[k] / count[k] == pytest.approx(exact_share, abs=0.015), k


def test_call_classes_follow_natures_risk_and_hours() -> None:
    classes = call_classes_for_hour(
        {"CRISIS": 1.0, "WELFARE CHECK": 2.0}, 0.25, [CRT, COR], ["crt", "cor"], 8
    )
    got = {c.name: (c.arrivals_per_h, c.order) for c in classes}
    assert got == {
        "CRISIS|standard": (0.75, ("crt", "cor")),
        "CRISIS|higher": (0.25, ("cor",)),
        "WELFARE CHECK|standard": (1.5, ("crt",)),
        "WELFARE CHECK|higher": (0.5, ()),
    }
    night = {
        c.name: c.order
        for c in call_classes_for_hour({"CRISIS": 1.0}, 0.25, [CRT, COR], ["crt", "cor"], 22)
    }
    assert night == {"CRISIS|standard": ("crt",), "CRISIS|higher": ()}
