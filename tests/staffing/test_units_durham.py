"""All four units on the calibrated Durham demand (shares the ``durham_demand`` fixture)."""

from __future__ import annotations

import numpy as np
import pytest

from heart_plan.config import Scenario
from heart_plan.staffing.units_view import arrivals_by_nature_from_demand, units_view


def test_durham_units_view(durham_demand, scenario: Scenario) -> None:
    arrivals = arrivals_by_nature_from_demand(durham_demand.beat_nature, durham_demand.shapes)
    assert set(arrivals) == set(scenario.eligibility.natures)
    total = sum(v.sum() for v in arrivals.values())
    assert total == pytest.approx(durham_demand.beats["eligible_calls_per_year"].sum(), rel=1e-9)
    view = units_view(arrivals, scenario)
    rows = {r.unit: r for r in view.rows}
    # every unit staffed, with FTE and cost; CRT today is [current]: 336 team-hours a week,
    # rostered (crews x crew x relief), so at least the position-hours FTE times the relief
    assert all(r.fte > 0 and r.cost_per_year_usd > 0 for r in view.rows)
    crt = scenario.units["crt"]
    position_fte = 336 * crt.crew_size * 52.143 / crt.productive_hours_per_fte
    assert rows["crt"].fte >= position_fte and "roster" in rows["crt"].fte_basis
    # nothing is on duty midnight-6 am in the default scenario (published 2025)
    fh = view.field_hours
    assert (fh[fh.hour_of_week % 24 < 6]["served_per_h"] == 0).all()
    assert (
        view.ccd is not None and not view.ccd.hours.query("hour_of_week % 24 < 6")["on_duty"].any()
    )
    # served and resolved by phone are separate shares of the citywide eligible calls
    assert 0.2 < view.served_share < 0.8 and 0 < view.resolved_by_phone_share < 0.5
    assert view.served_share + view.resolved_by_phone_share < 1
    # the CCD staffing curve rises with the service level; 911 answer times never improve
    assert view.ccd_curve is not None
    assert np.all(np.diff(view.ccd_curve["clinician_hours_per_week"]) >= 0)
    assert view.calltaker is not None
    for t in (10.0, 15.0):
        assert view.calltaker.within_share_after[t] <= view.calltaker.within_share_before[t]
    assert view.cn is not None and view.cn.check.deadline_met
