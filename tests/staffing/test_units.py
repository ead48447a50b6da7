"""All four HEART units: scenario keys, CCD staffing and 911 effect, CN deadline check, the
units view, the report section and ``heart-plan units`` (toy arrivals; no Durham data)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.config import CallCenterConfig, FollowUpConfig, Scenario, UnitConfig, load_scenario
from heart_plan.errors import ConfigError, ModelError
from heart_plan.queueing.erlang import erlang_a_measures
from heart_plan.report.units_section import published_comparison, units_section_html
from heart_plan.staffing.ccd import calltaker_effect, ccd_week, clinicians_needed_by_how
from heart_plan.staffing.cn import deadline_check, navigators_needed
from heart_plan.staffing.units_view import arrivals_table, units_view
from heart_plan.staffing.workload import WEEKS_PER_YEAR


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario()


def _toy_arrivals(scenario: Scenario) -> dict[str, np.ndarray]:
    """The scenario's published city totals spread over the week (less overnight)."""
    profile = np.array([0.3 if h % 24 < 6 else 1.0 for h in range(168)])
    profile /= profile.sum()
    return {n: v * profile for n, v in scenario.demand.city_totals.items()}


# ----------------------------------------------------------------------------- scenario


def test_default_scenario_has_all_four_units(scenario: Scenario) -> None:
    roles = {n: u.role for n, u in scenario.units.items()}
    assert roles == {"crt": "field", "cor": "field", "ccd": "phone", "cn": "follow_up"}
    assert scenario.dispatch_order() == ("ccd", "crt", "cor")
    cor = scenario.units["cor"]
    assert cor.hours == (6, 21) and cor.takes_higher_risk and cor.crew_size == 2
    on = cor.on_duty_by_how((0, 24))
    assert sum(on) == 7 * 15 and on[6] and not on[5] and not on[21]
    # CRT keeps the pre-issue-16 keys and values
    crt = scenario.crt
    assert (crt.crew_size, crt.on_scene_mean_min, crt.return_rule) == (
        3,
        45.0,
        "at_post_when_clear",
    )
    assert not crt.takes_higher_risk and crt.hours == () and crt.teams == 0


def test_narrowed_eligibility_narrows_unit_natures(scenario: Scenario) -> None:
    """Dropping natures from [eligibility] drops them from every unit, without an error."""
    raw = scenario.to_dict()
    raw["eligibility"]["natures"] = ["CRISIS", "TRESPASS OR UNWANTED"]
    s = Scenario.from_dict(raw, source="narrow.toml")
    assert s.unit_natures("cor") == ("CRISIS",)
    assert s.unit_natures("crt") == ("CRISIS", "TRESPASS OR UNWANTED")


def test_a_crt_only_scenario_still_loads(scenario: Scenario) -> None:
    raw = scenario.to_dict()
    raw["units"] = {"crt": {"crew_size": 3}}
    raw.pop("dispatch")
    raw.pop("call_center")
    s = Scenario.from_dict(raw, source="old.toml")
    assert s.dispatch_order() == ("crt",) and s.crt.role == "field"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["units"]["ccd"].update(drives=True), "phone unit does not drive"),
        (
            lambda r: r["units"]["cor"].update(eligible_natures=["NOISE"]),
            "units.cor.eligible_natures",
        ),
        (lambda r: r["units"]["cor"].update(hours=[21, 6]), "units.cor.hours"),
        (lambda r: r["units"]["cor"].update(role="boat"), "units.*.role"),
        (lambda r: r["dispatch"].update(order=["crt", "ccd"]), "phone unit 'ccd' comes after"),
        (lambda r: r["dispatch"].update(order=["crt", "cn"]), "'cn' is not a field or phone unit"),
        (lambda r: r["dispatch"].update(order=["crt", "crt"]), "twice"),
        (lambda r: r["call_center"].update(calltakers_by_hour=[3, 3]), "24"),
        (lambda r: r["units"]["cn"]["follow_up"].update(from_units=["ccd"]), "from_units"),
        (lambda r: r["units"]["ccd"]["phone"].update(resolved_share=1.5), "resolved_share"),
    ],
)
def test_bad_unit_keys_are_one_line_errors(scenario: Scenario, edit, message: str) -> None:
    raw = scenario.to_dict()
    edit(raw)
    with pytest.raises(ConfigError, match="bad.toml") as info:
        Scenario.from_dict(raw, source="bad.toml")
    assert message in str(info.value) and "\n" not in str(info.value)


# ----------------------------------------------------------------------------- CCD


def test_ccd_week_hand_checked() -> None:
    """One on-duty hour, 3 calls/h, 1 clinician, 20 min, patience 2 min: handled = Erlang A
    answered share; resolved = half of it; nothing off duty."""
    unit = UnitConfig(role="phone", drives=False)
    calls = np.zeros(168)
    calls[10] = 3.0 * WEEKS_PER_YEAR
    calls[11] = 2.0 * WEEKS_PER_YEAR
    on = [h == 10 for h in range(168)]
    week = ccd_week(calls, unit, on, np.ones(168))
    m = erlang_a_measures(1, 3.0, 1200.0, 120.0)
    assert week.handled_calls_per_year == pytest.approx(3 * WEEKS_PER_YEAR * m.answered_share)
    assert week.resolved_by_phone_calls_per_year == pytest.approx(week.handled_calls_per_year / 2)
    assert week.reached_share_of_unit_eligible == pytest.approx(3 * m.answered_share / 5)
    assert week.clinician_hours_per_week == 1.0
    assert "units.ccd.phone.handle_mean_min" in week.assumptions


def test_clinicians_needed_meet_the_level_and_no_fewer() -> None:
    unit = UnitConfig(role="phone", drives=False)
    calls = np.full(168, 4.0 * WEEKS_PER_YEAR)
    on = [True] * 168
    need = clinicians_needed_by_how(calls, unit, on, 0.8)
    n = int(need[0])
    within = [
        erlang_a_measures(k, 4.0, 1200.0, 120.0).answered_within_share(60.0) for k in (n - 1, n)
    ]
    assert within[0] < 0.8 <= within[1]
    assert (need == n).all()


def test_calltaker_effect_grows_with_added_time_and_load() -> None:
    """Added call-taker seconds raise the handle time and lower the 10-s share; zero added
    time changes nothing; a tight center suffers more than a generous one."""
    unit = UnitConfig(role="phone", drives=False)
    routed = np.full(168, 2.0 * WEEKS_PER_YEAR)  # 2 routed calls an hour
    flat = np.ones(168)
    tight = CallCenterConfig(
        calls_per_year=30.0 * 168 * WEEKS_PER_YEAR, calltakers_by_hour=(2,) * 24
    )
    wide = dataclasses.replace(tight, calltakers_by_hour=(6,) * 24)
    none = dataclasses.replace(unit, phone=dataclasses.replace(unit.phone, calltaker_added_s=0))
    e0 = calltaker_effect(tight, routed, flat, none)
    assert e0.within_share_after == e0.within_share_before
    e1 = calltaker_effect(tight, routed, flat, unit)
    assert e1.within_share_after[10.0] < e1.within_share_before[10.0]
    # handle time 120 s + 2/30 x 30 s = 122 s in every hour
    assert e1.hours["handle_mean_s_after"].iloc[0] == pytest.approx(122.0)
    assert e1.added_calltaker_s_per_911_call == pytest.approx(2 * 30 / 30, rel=1e-3)
    m = erlang_a_measures(2, 30.0, 122.0, 60.0)
    assert e1.within_share_after[10.0] == pytest.approx(m.answered_within_share(10.0))
    e2 = calltaker_effect(wide, routed, flat, unit)
    drop_tight = e1.within_share_before[10.0] - e1.within_share_after[10.0]
    drop_wide = e2.within_share_before[10.0] - e2.within_share_after[10.0]
    assert drop_tight > drop_wide >= 0
    assert e2.meets_standard_after and not e1.meets_standard_before


# ----------------------------------------------------------------------------- CN


def test_deadline_check_hand_computed() -> None:
    """10 navigator-hours arrive Monday 00:00; one navigator works Monday 08-12 and
    Tuesday 08-14: done Tuesday 14:00 = 38 h after arrival (deadline 48 h met; 36 h not)."""
    work = np.zeros(168)
    work[0] = 10.0
    nav = np.zeros(168)
    nav[8:12] = 1
    nav[24 + 8 : 24 + 14] = 1
    ok = deadline_check(work, nav, 48.0)
    assert ok.deadline_met and ok.worst_completion_h == pytest.approx(38.0)
    late = deadline_check(work, nav, 36.0)
    # work done by 36 h (Tue 12:00): 4 + 4 = 8 of 10 hours
    assert not late.deadline_met and late.on_time_share == pytest.approx(0.8)
    over = deadline_check(np.full(168, 1.0), np.full(168, 0.5), 48.0)
    assert not over.periodic and not over.deadline_met


def test_navigators_needed_weekday_only_misses_weekend_work() -> None:
    """Follow-ups every hour of the week; navigators weekdays 8-20 only: Friday-evening work
    cannot wait until Monday (more than 48 h), so no staffing meets the deadline
    -> ModelError; with every day it is met, with the fewest navigators."""
    served = np.full(168, 2.0 * WEEKS_PER_YEAR)  # 2 calls served an hour
    unit = UnitConfig(
        role="follow_up", drives=False, hours=(8, 20), crew_size=1, follow_up=FollowUpConfig()
    )
    weekdays = dataclasses.replace(unit, days=(0, 1, 2, 3, 4))
    with pytest.raises(ModelError, match="deadline"):
        navigators_needed(served, weekdays, weekdays.on_duty_by_how((0, 24)), max_navigators=20)
    answer = navigators_needed(served, unit, unit.on_duty_by_how((0, 24)))
    work_week = 2 * 168 * 0.3 * 1.5
    assert answer.workload_h_per_week == pytest.approx(work_week)
    assert answer.check.deadline_met
    k = answer.navigators_on_duty
    on = np.array(unit.on_duty_by_how((0, 24)))
    assert not deadline_check(np.asarray(answer.work_h_by_how), on * (k - 1), 48.0).deadline_met
    assert answer.fte == pytest.approx(k * 84 * WEEKS_PER_YEAR / 1800.0)


# ----------------------------------------------------------------------------- view


def test_units_view_counts_and_budget(scenario: Scenario) -> None:
    view = units_view(_toy_arrivals(scenario), scenario)
    rows = {r.unit: r for r in view.rows}
    assert set(rows) == {"crt", "cor", "ccd", "cn"}
    total = sum(scenario.demand.city_totals.values())
    assert view.eligible_calls_per_year == pytest.approx(total)
    # served never includes resolved by phone; both are shares of the citywide total
    served = rows["crt"].handled_calls_per_year + rows["cor"].handled_calls_per_year
    assert view.served_calls_per_year == pytest.approx(served)
    assert 0 < view.served_share < 1 and 0 < view.resolved_by_phone_share < 1
    assert view.served_share + view.resolved_by_phone_share <= 1
    # CRT: [current] 4 teams 07-19 = 336 team-hours a week; FTE by the roster convention:
    # crews x 3 crew x relief, and at least ceil(336 / max average weekly hours) crews
    assert rows["crt"].teams_or_staff == 4 and rows["crt"].hours == "07:00-19:00"
    per_crew = 3 * scenario.roster.relief_factor
    crews = rows["crt"].fte / per_crew
    assert crews == pytest.approx(round(crews)) and "roster" in rows["crt"].fte_basis
    assert round(crews) >= math.ceil(336 / scenario.roster.max_average_weekly_hours)
    for r in view.rows:  # every unit rostered: FTE a whole number of crews
        n = r.fte / (scenario.units[r.unit].crew_size * scenario.roster.relief_factor)
        assert n == pytest.approx(round(n)) and "roster" in r.fte_basis, r.unit
    # CoR eligible: its natures x (all higher-risk + all standard)
    cor_nat = scenario.units["cor"].eligible_natures
    assert rows["cor"].eligible_calls_per_year == pytest.approx(
        sum(scenario.demand.city_totals[n] for n in cor_nat)
    )
    assert math.isnan(rows["cor"].reached_share_of_unit_eligible)
    table = view.table()
    assert table["fte"].iloc[-1] == pytest.approx(sum(r.fte for r in view.rows))
    # CoR serves only 06-21; the field hours table says so
    fh = view.field_hours
    assert (fh[(fh.unit == "cor") & (fh.hour_of_week % 24 >= 21)]["served_per_h"] == 0).all()
    # CN's follow-ups: the rate times the calls served by the field units
    assert view.cn is not None
    assert view.cn.follow_ups_per_year == pytest.approx(0.3 * view.served_calls_per_year)
    keys = set(view.assumptions()["scenario_key"])
    assert {
        "dispatch.higher_risk_share",
        "units.cn.follow_up.rate",
        "call_center.calls_per_year",
    } <= keys


def test_more_cor_teams_serve_more_and_relieve_crt_overflow(scenario: Scenario) -> None:
    arrivals = _toy_arrivals(scenario)
    base = units_view(arrivals, scenario)
    more = dataclasses.replace(
        scenario,
        units={**scenario.units, "cor": dataclasses.replace(scenario.units["cor"], teams=4)},
    )
    view = units_view(arrivals, more)
    assert view.served_calls_per_year > base.served_calls_per_year
    crt_b = next(r for r in base.rows if r.unit == "crt").handled_calls_per_year
    crt_m = next(r for r in view.rows if r.unit == "crt").handled_calls_per_year
    assert crt_m == pytest.approx(crt_b)  # CRT is first in order: CoR does not take its calls


def test_report_section_html(scenario: Scenario) -> None:
    view = units_view(_toy_arrivals(scenario), scenario)
    html = units_section_html(view)
    assert html.startswith("<section id='units'>") and html.endswith("</section>")
    for text in ("Co-Response", "Will these new responses slow down 911?", "82%", "75%",
                 "never tuned to", "resolved_by_phone_share", "dispatch.higher_risk_share"):  # fmt: skip
        assert text in html, text
    comparison = published_comparison(view)
    cor = comparison[(comparison.unit == "cor") & comparison.published.str.contains("12%")]
    assert cor["model"].iloc[0].endswith("served (no drive times)")


# ----------------------------------------------------------------------------- CLI


def test_units_cli_writes_tables(tmp_path: Path, scenario: Scenario) -> None:
    arrivals = tmp_path / "arr.csv"
    arrivals_table(_toy_arrivals(scenario)).to_csv(arrivals, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["units", "--arrivals", str(arrivals), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "resolved_by_phone_share" in result.output and "48-hour deadline met" in result.output
    units = pd.read_csv(out / "units.csv", dtype={"unit": str})
    assert list(units["unit"]) == ["ccd", "crt", "cor", "cn", "all"]
    curve = pd.read_csv(out / "ccd_staffing_curve.csv")
    assert curve["peak_clinicians"].is_monotonic_increasing and 0.8 in set(curve["service_level"])
    effect = pd.read_csv(out / "ccd_911_effect.csv")
    assert set(effect["answer_within_s"]) == {10.0, 15.0} and effect["scenario_value"].sum() == 2
    assert (effect["change"] <= 1e-12).all()
    info = json.loads((out / "run_info.json").read_text())
    assert info["scenario"]["resolved"]["dispatch"]["order"] == ["ccd", "crt", "cor"]
    assert "arrivals" in info["data_checksums"]
    again = tmp_path / "again"
    rerun = CliRunner().invoke(
        cli, ["units", "--arrivals", str(out / "arrivals_by_nature.csv"), "--out", str(again)]
    )
    assert rerun.exit_code == 0
    # the arrivals it wrote give the same answer, up to their rounding (each hour x nature
    # cell to 0.01 call a year: at most 0.005 x 168 x natures calls a year per unit)
    second = pd.read_csv(again / "units.csv", dtype={"unit": str})
    assert np.allclose(second["fte"], units["fte"]) and np.allclose(
        second["handled_calls_per_year"].fillna(0),
        units["handled_calls_per_year"].fillna(0),
        rtol=1e-3,
    )


def test_units_cli_bad_arrivals_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    frame = pd.DataFrame({"hour_of_week": range(168), "calls_per_year__NOISE": 1.0})
    frame.to_csv(bad, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["units", "--arrivals", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "NOISE" in result.output and "eligibility.natures" in result.output
    assert not out.exists()
