"""Planning helpers on hand-made toy inputs: beat adjacency, curve targets, plan files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from heart_plan.errors import DataError
from heart_plan.plan import Plan, Post, daily_window_on_duty, read_plan, write_plan
from heart_plan.planning.expansion import beat_adjacency


def test_beat_adjacency_on_a_row_of_three_squares() -> None:
    # A | B | C side by side, D far away: A-B and B-C touch, A-C and D touch nothing.
    beats = gpd.GeoDataFrame(
        {"beat_id": ["A", "B", "C", "D"]},
        geometry=[
            box(-78.92, 35.98, -78.91, 35.99),
            box(-78.91, 35.98, -78.90, 35.99),
            box(-78.90, 35.98, -78.89, 35.99),
            box(-78.80, 35.90, -78.79, 35.91),
        ],
        crs=4326,
    )
    adj = beat_adjacency(beats)
    assert adj == {"A": {"B"}, "B": {"A", "C"}, "C": {"B"}, "D": set()}


@pytest.mark.parametrize(
    ("start", "end", "hours_per_day"),
    [(7, 19, 12), (19, 7, 12), (0, 24, 24), (22, 2, 4)],
)
def test_daily_window_on_duty_counts_hours(start: int, end: int, hours_per_day: int) -> None:
    on = daily_window_on_duty(start, end, 2)
    assert len(on) == 168
    assert sum(on) == 2 * 7 * hours_per_day
    assert on[start] == 2  # Monday at the start hour
    assert on[(start - 1) % 168] == (2 if hours_per_day == 24 else 0)


def _toy_plan() -> Plan:
    return Plan(
        scenario_name="toy",
        scenario_sha256="0" * 64,
        command="test",
        service_area_beats=("111", "112"),
        teams_on_duty=daily_window_on_duty(7, 19, 2),
        posts=(Post("FS01", 42, -78.9, 36.0, "midday", 1), Post("N7", 7, -78.8, 36.1, "", 2)),
        hours={"daily_start": 7, "daily_end": 19},
        predicted={"covered_share_of_area": 0.97},
    )


def test_plan_round_trips_through_json(tmp_path: Path) -> None:
    # legacy (team_count 0) posts are written as the explicit sets of the prefix rule
    plan = _toy_plan()
    path = write_plan(tmp_path / "plan.json", plan)
    again = read_plan(path)
    assert again == plan.with_explicit_post_sets()
    assert all(p.team_count > 0 for p in again.posts)
    assert read_plan(write_plan(tmp_path / "again.json", again)) == again
    assert again.team_hours_per_week == 2 * 12 * 7
    assert json.loads(path.read_text())["schema_version"] == 2


def test_plan_with_wrong_hours_is_rejected_naming_the_field(tmp_path: Path) -> None:
    raw = _toy_plan().to_dict()
    raw["teams_on_duty"] = raw["teams_on_duty"][:100]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="teams_on_duty has 100 values; expected 168"):
        read_plan(path)


def test_plan_with_unknown_schema_version_is_rejected(tmp_path: Path) -> None:
    raw = _toy_plan().to_dict() | {"schema_version": 99}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="schema_version 99 is not supported"):
        read_plan(path)


def test_missing_plan_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="plan file not found"):
        read_plan(tmp_path / "nope.json")


def test_plan_that_is_not_an_object_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[1, 2]")
    with pytest.raises(DataError, match="a plan must be a JSON object"):
        read_plan(path)


def test_json_outputs_are_strict_json(tmp_path: Path) -> None:
    import numpy as np

    from heart_plan.atomic import write_json

    path = write_json(tmp_path / "x.json", {"a": float("nan"), "b": [np.float64(np.inf), 1.5]})
    assert json.loads(path.read_text()) == {"a": None, "b": [None, 1.5]}
    assert "NaN" not in path.read_text()
