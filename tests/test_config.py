"""Scenario loading: the embedded default, unknown keys, types, time bands."""

from __future__ import annotations

from pathlib import Path

import pytest

from heart_plan.config import HOURS_PER_WEEK, Scenario, load_scenario
from heart_plan.errors import ConfigError


def test_default_scenario_loads_with_conventions_defaults(scenario: Scenario) -> None:
    assert scenario.name == "durham"
    assert scenario.response.standard_s == 720
    assert scenario.crt.crew_size == 3
    assert scenario.crt.productive_hours_per_fte == 1800.0
    assert len(scenario.baseline.service_area_beats) == 12
    assert (scenario.baseline.hours_start, scenario.baseline.hours_end) == (7, 19)
    assert scenario.baseline.teams == 2
    assert scenario.budget.crt_fte == 30.0
    assert len(scenario.eligibility.natures) == 9
    assert len(scenario.sha256) == 64


def test_every_hour_of_week_has_exactly_one_band(scenario: Scenario) -> None:
    bands = scenario.network.band_of_hour()
    assert len(bands) == HOURS_PER_WEEK
    assert all(bands)
    assert bands[0] == "night"  # Monday 00:00
    assert bands[17] == "pm_peak"  # Monday 17:00
    assert bands[5 * 24 + 17] == "midday"  # Saturday 17:00


def test_round_trip_through_plain_dict(scenario: Scenario) -> None:
    again = Scenario.from_dict(scenario.to_dict())
    assert again == scenario


def test_unknown_key_is_an_error_naming_it(tmp_path: Path, scenario: Scenario) -> None:
    raw = scenario.to_dict()
    raw["budget"]["crt_ftes"] = 3
    text = _to_toml(raw)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"bad.toml: unknown key 'crt_ftes' in \[budget\]"):
        load_scenario(path)


def test_wrong_type_names_field(scenario: Scenario) -> None:
    raw = scenario.to_dict()
    raw["response"]["standard_s"] = "twelve minutes"
    with pytest.raises(ConfigError, match="response.standard_s must be an integer"):
        Scenario.from_dict(raw)


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_band_gap_is_reported(scenario: Scenario) -> None:
    raw = scenario.to_dict()
    raw["network"]["time_bands"]["night"]["weekday_hours"] = [0, 1]
    with pytest.raises(ConfigError, match="without a band"):
        Scenario.from_dict(raw)


def _to_toml(raw: dict) -> str:
    """Minimal TOML writer for tests (tables, scalars, lists)."""
    import json

    lines: list[str] = []

    def emit(prefix: str, table: dict) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{json.dumps(k)} = {json.dumps(v)}")
        for k, v in subs.items():
            emit(f"{prefix}.{json.dumps(k)}" if prefix else json.dumps(k), v)

    emit("", raw)
    return "\n".join(lines) + "\n"


def test_no_time_bands_is_an_error(scenario: Scenario) -> None:
    raw = scenario.to_dict()
    raw["network"]["time_bands"] = {}
    with pytest.raises(ConfigError, match="network.time_bands is empty"):
        Scenario.from_dict(raw)
