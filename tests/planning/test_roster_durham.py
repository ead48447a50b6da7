"""The Durham run's roster: the recommended plan's hours come from named crews whose weekly
hours, rest and FTE are checked here from the written roster CSV (session ``durham_run``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import load_scenario
from heart_plan.plan import read_plan

pytestmark = pytest.mark.durham

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_durham_roster_meets_hours_rest_budget_and_is_the_plans_cover(durham_run) -> None:
    s = load_scenario()
    cfg = s.roster
    rows = pd.read_csv(durham_run / "roster.csv")
    assert list(rows.columns) == [
        "unit_type", "crew", "week", "day", "start_local", "end_local", "duration_h",
    ]  # fmt: skip
    weeks = int(rows["week"].max())
    assert weeks == cfg.weeks
    rows["cycle_day"] = (rows["week"] - 1) * 7 + rows["day"].map(DAYS.index)
    rows["start_h"] = rows["start_local"].str[:2].astype(int)
    cycle_h = 24 * 7 * weeks
    on = np.zeros(cycle_h, dtype=int)
    for crew, shifts in rows.groupby("crew"):
        assert shifts[["start_local", "duration_h"]].drop_duplicates().shape[0] == 1  # fixed shift
        week_hours = shifts.groupby("week")["duration_h"].sum()
        assert week_hours.max() <= cfg.max_weekly_hours, crew
        assert week_hours.sum() / weeks <= cfg.max_average_weekly_hours + 1e-9, crew
        starts = np.sort((24 * shifts["cycle_day"] + shifts["start_h"]).to_numpy())
        length = int(shifts["duration_h"].iloc[0])
        gaps = np.diff(np.append(starts, starts[0] + cycle_h)) - length
        assert gaps.min() >= cfg.min_rest_h, crew  # rest, around the cycle
        off = sorted(set(range(7 * weeks)) - set(shifts["cycle_day"]))
        for d in off:  # days off come in runs of at least min_consecutive_days_off
            run = {(d + i) % (7 * weeks) for i in range(-1, 2)} & set(off)
            assert len(run) >= min(2, cfg.min_consecutive_days_off), crew
        for b in starts:
            on[(b + np.arange(length)) % cycle_h] += 1
    plan = read_plan(durham_run / "plan_recommended.json")
    for wk in range(weeks):  # every week of the cycle staffs the plan's cover
        assert tuple(on[168 * wk : 168 * (wk + 1)]) == plan.teams_on_duty
    key = json.loads((durham_run / "run.json").read_text())["key_results"]
    roster = key["roster"]
    crews = rows["crew"].nunique()
    assert roster["fte"] == pytest.approx(crews * s.crt.crew_size * cfg.relief_factor)
    assert roster["fte"] <= s.budget.crt_fte
    assert key["recommended"]["fte"] == pytest.approx(roster["fte"])
    pay = roster["pay"]
    assert key["recommended"]["cost_per_year_usd"] == pytest.approx(pay["total_usd"])
    assert pay["night_usd"] > 0 and pay["weekend_usd"] > 0  # the plan works nights, weekends
    full = roster["pay_of_cover_usd"]["24_7_full"]
    assert full["night_usd"] > 0 and full["total_usd"] > full["base_usd"]
    report = (durham_run / "report.html").read_text()
    assert "id='roster'" in report and "W1 Mon" in report
