"""Backtest: the shift measure on a hand-checkable toy, and Durham trained on January-June
and tested on July-September (predicted vs realized reached share within 5 points)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.config import Scenario, with_overrides


def test_total_variation_by_hand() -> None:
    from heart_plan.planning.backtest import shift_table, total_variation

    a = pd.Series(["x", "x", "y", "y"])  # x 1/2, y 1/2
    b = pd.Series(["x", "z", "z", "z"])  # x 1/4, z 3/4
    # 0.5 * (|1/2 - 1/4| + |1/2 - 0| + |0 - 3/4|) = 0.5 * 1.5
    assert total_variation(a, b) == pytest.approx(0.75)
    assert total_variation(a, a) == 0.0
    same = pd.DataFrame({"hour_of_week": [1, 2] * 200, "beat_id": "A", "nature": "X"})
    moved = pd.DataFrame({"hour_of_week": [3, 4] * 200, "beat_id": "A", "nature": "X"})
    t = shift_table(same, moved, seed=0).set_index("dimension")
    assert t.loc["hour_of_week", "total_variation"] == pytest.approx(1.0)
    assert bool(t.loc["hour_of_week", "beyond_noise"])
    assert t.loc["beat_id", "total_variation"] == 0.0
    assert not bool(t.loc["beat_id", "beyond_noise"])
    assert 0.0 <= t.loc["hour_of_week", "noise_mean"] < 0.2


@pytest.mark.durham
@pytest.mark.slow
def test_durham_backtest_jan_jun_plan_on_jul_sep(
    mirror: Path, scenario: Scenario, tmp_path: Path
) -> None:
    from heart_plan.api import plan_posts
    from heart_plan.cli import cli
    from heart_plan.eligibility import filter_eligible
    from heart_plan.loaders.calls import load_calls
    from heart_plan.plan import write_plan
    from heart_plan.planning.backtest import backtest
    from heart_plan.planning.context import build_context

    train = with_overrides(
        scenario,
        {
            "calls.observed_end": "2021-06-30",
            "calls.max_dropped_share": 0.5,
            "demand.rake_observed": False,
        },
    )
    ctx = build_context(train, mirror)
    # no leakage: observed cells are the Jan-Jun counts x 365/181, not the published totals
    bn = ctx.demand.beat_nature
    obs = bn[bn["basis"].eq("observed")]
    jan_jun = ctx.demand.eligible_calls
    assert obs["calls_per_year"].sum() == pytest.approx(len(jan_jun) * 365 / 181)
    assert jan_jun["called_at"].dt.month.max() == 6
    pilot = list(scenario.baseline.service_area_beats)
    plan = plan_posts(ctx, pilot, scenario.baseline.teams, hours=(7, 19))
    test_scenario = with_overrides(
        train, {"calls.observed_start": "2021-07-01", "calls.observed_end": "2021-09-30"}
    )
    path = ctx.inputs.paths["calls_2021"]
    raw = load_calls(path, test_scenario, beats=ctx.inputs.beats)
    test = filter_eligible(raw, test_scenario)
    start, end = dt.date(2021, 7, 1), dt.date(2021, 9, 30)
    result = backtest(plan, ctx, test, start=start, end=end, replications=5, seed=0)
    cmp = result.comparison.set_index(["scope", "measure"])
    for scope in ("city", "observed_cells"):
        row = cmp.loc[(scope, "reached_share")]
        assert abs(row["difference"]) < 0.05, (scope, row.to_dict())
        assert row["predicted_ci_low"] <= row["predicted"] <= row["predicted_ci_high"]
        assert 0.0 < row["realized"] < 1.0
    # the real Jul-Sep calls of the observed cells replace the modeled ones, the rest is equal
    assert cmp.loc[("observed_cells", "reached_share"), "calls_realized"] == len(test)
    by_beat = result.by_beat.set_index("beat_id")
    unobserved = [b for b in ctx.city_beats if b not in ctx.demand.observed_beats]
    assert (
        by_beat.loc[unobserved, "calls_predicted"] == by_beat.loc[unobserved, "calls_realized"]
    ).all()
    assert set(result.shift["dimension"]) == {"hour_of_week", "beat_id", "nature"}
    assert (result.shift["noise_p95"] >= result.shift["noise_mean"]).all()

    # the command refuses a test window that overlaps the training window (exit 2)
    scen = tmp_path / "train.toml"
    text = Path(str(scenario.source)).read_text(encoding="utf-8")
    text = text.replace('observed_end = "2021-09-30"', 'observed_end = "2021-06-30"')
    scen.write_text(text, encoding="utf-8")
    plan_file = write_plan(tmp_path / "plan.json", plan)
    out = tmp_path / "bt"
    args = ["backtest", "--plan", str(plan_file), "--calls", str(path), "--scenario", str(scen)]
    bad = CliRunner().invoke(
        cli, [*args, "--window", "2021-06-01", "2021-07-31", "--out", str(out)]
    )
    assert bad.exit_code == 2, bad.output
    assert "overlaps the training window" in bad.output
    assert not out.exists()
