"""``heart-plan shifts --cover-from-plan``: the least-cost roster for a plan's cover."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.plan import Plan, daily_window_on_duty, read_plan, write_plan


def _plan() -> Plan:
    return Plan(
        scenario_name="durham", scenario_sha256="x", command="test",
        service_area_beats=("111", "112"), teams_on_duty=daily_window_on_duty(8, 16, 1),
        hours={"daily_start": 8, "daily_end": 16}, predicted={"reached_share": 0.3},
    )  # fmt: skip


def test_cover_from_plan_writes_a_roster_that_meets_the_cover(tmp_path):
    plan_path = tmp_path / "in" / "plan.json"
    write_plan(plan_path, _plan())
    before = plan_path.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["shifts", "--cover-from-plan", str(plan_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert plan_path.read_bytes() == before
    assert "crews" in result.output and "input cover" in result.output
    rows = pd.read_csv(out / "roster.csv")
    assert list(rows.columns) == [
        "unit_type", "crew", "week", "day", "start_local", "end_local", "duration_h",
    ]  # fmt: skip
    record = json.loads((out / "roster.json").read_text())
    new = read_plan(out / "plan.json")
    required = _plan().teams_on_duty
    assert all(n >= r for n, r in zip(new.teams_on_duty, required, strict=True))
    assert new.predicted["fte"] == record["fte"]
    assert "reached_share" not in new.predicted  # the evaluator's measure of the old cover
    # Every crew rests and caps its week; seven 8-hour days need at least two crews.
    assert len(record["crews"]) >= 2
    for crew in record["crews"]:
        assert max(crew["weekly_hours"]) <= 48
    assert sum(rows["duration_h"]) == record["team_hours_per_week"] >= sum(new.teams_on_duty)


def test_cover_from_plan_and_plan_together_is_a_usage_error(tmp_path):
    plan_path = tmp_path / "plan.json"
    write_plan(plan_path, _plan())
    args = ["shifts", "--cover-from-plan", str(plan_path), "--plan", str(plan_path)]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "not both" in result.output
