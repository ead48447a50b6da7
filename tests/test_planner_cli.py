"""The planner's what-if tools: ``heart-plan init``, scenarios that ``extends`` another,
``--set`` overrides on every command, the default output folder, ``--help`` examples,
rounded CSVs and the README.txt of every output folder.  Toy files only; no Durham run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.commands._common import output_dir
from heart_plan.config import daily_window_hours, load_scenario
from heart_plan.csvround import decimals_of, round_frame
from heart_plan.errors import ConfigError
from heart_plan.output_docs import describe_column, readme_text
from heart_plan.overrides import apply_overrides, parse_override, parse_overrides


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _uncommented(text: str) -> str:
    """The template with every commented key line switched on."""
    return re.sub(r"^# ([a-z_]+ = )", r"\1", text, flags=re.MULTILINE)


# ----------------------------------------------------------------------------- init, extends


def test_init_writes_a_template_that_loads_and_extends_the_default(tmp_path: Path) -> None:
    path = tmp_path / "night_shift.toml"
    result = _invoke(["init", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith("# heart_plan scenario") and 'extends = "durham"' in text
    assert 'name = "night_shift"' in text
    default = load_scenario()
    plain = load_scenario(path)
    # nothing uncommented but the name and description: the default's values
    assert plain.name == "night_shift" and plain.budget == default.budget
    assert plain.crt == default.crt and plain.network == default.network
    # every key shown commented out exists and loads with the value shown
    full = tmp_path / "full.toml"
    full.write_text(_uncommented(text))
    changed = load_scenario(full)
    assert changed.budget.crt_fte == 40.0 and changed.response.standard_s == 600
    assert changed.crt.crew_size == 2 and changed.crt.turnout_s == default.crt.turnout_s
    assert changed.expansion.recommend_hours == "07-19"
    assert changed.demand.growth_factor == 1.3
    assert changed.sha256 != default.sha256
    # never overwrites without --force
    again = _invoke(["init", str(path)])
    assert again.exit_code == 2 and "--force" in again.output
    assert _invoke(["init", str(path), "--force"]).exit_code == 0


def test_extending_scenario_merges_tables_and_must_name_itself(tmp_path: Path) -> None:
    default = load_scenario()
    partial = tmp_path / "two_crew.toml"
    partial.write_text('extends = "durham"\nname = "two_crew"\n[units.crt]\ncrew_size = 2\n')
    s = load_scenario(partial)
    assert s.crt.crew_size == 2  # a partial [units.crt] keeps the default's other keys
    assert s.crt.on_scene_mean_min == default.crt.on_scene_mean_min
    assert s.eligibility == default.eligibility and s.name == "two_crew"
    # a chain through a path, relative to the extending file
    child = tmp_path / "sub" / "child.toml"
    child.parent.mkdir()
    child.write_text('extends = "../two_crew.toml"\nname = "child"\n[response]\nstandard_s = 600\n')
    c = load_scenario(child)
    assert (c.crt.crew_size, c.response.standard_s, c.name) == (2, 600, "child")
    # time bands are replaced as a whole: one band covering the week is valid
    bands = tmp_path / "one_band.toml"
    hours = list(range(24))
    bands.write_text(
        f'extends = "durham"\nname = "one_band"\n[network.time_bands.all]\n'
        f"speed_factor = 1.0\nweekday_hours = {hours}\nweekend_hours = {hours}\n"
    )
    assert list(load_scenario(bands).network.time_bands) == ["all"]
    nameless = tmp_path / "nameless.toml"
    nameless.write_text('extends = "durham"\n[budget]\ncrt_fte = 40\n')
    with pytest.raises(ConfigError, match="must set its own name"):
        load_scenario(nameless)
    result = _invoke(["run", "--scenario", str(nameless)])
    assert result.exit_code == 2 and "must set its own name" in result.output
    assert "Traceback" not in result.output
    loop = tmp_path / "loop.toml"
    loop.write_text('extends = "loop.toml"\nname = "loop"\n')
    with pytest.raises(ConfigError, match="loop"):
        load_scenario(loop)
    missing = tmp_path / "missing.toml"
    missing.write_text('extends = "nowhere.toml"\nname = "missing"\n')
    with pytest.raises(ConfigError, match="nowhere.toml: scenario file not found"):
        load_scenario(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "durham"\nname = "bad"\n[units.crt]\ncrew = 2\n')
    with pytest.raises(ConfigError, match="unknown key 'crew'"):
        load_scenario(bad)


def test_output_folder_defaults_to_the_scenario_name(tmp_path: Path) -> None:
    assert output_dir(None, load_scenario()) == Path("outputs/durham")
    assert output_dir(None, load_scenario(), "place") == Path("outputs/durham/place")
    other = tmp_path / "other.toml"
    other.write_text('extends = "durham"\nname = "other"\n')
    assert output_dir(None, load_scenario(other)) == Path("outputs/other")
    assert output_dir(tmp_path, load_scenario(other)) == tmp_path
    renamed = apply_overrides(load_scenario(), parse_overrides(["name=what_if"]))
    assert output_dir(None, renamed, "expand") == Path("outputs/what_if/expand")


# ----------------------------------------------------------------------------- --set


def test_override_values_use_toml_syntax() -> None:
    assert parse_override("budget.crt_fte=40") == ("budget.crt_fte", 40)
    assert parse_override("budget.target_reached_share = 0.85") == (
        "budget.target_reached_share",
        0.85,
    )
    assert parse_override("simulation.observed_only=true") == ("simulation.observed_only", True)
    assert parse_override('expansion.recommend_beats=["111", "112"]')[1] == ["111", "112"]
    assert parse_override("calls.schema=durham_cad") == ("calls.schema", "durham_cad")
    assert parse_override('calls.schema="durham_cad"')[1] == "durham_cad"
    s = apply_overrides(
        load_scenario(),
        parse_overrides(["budget.crt_fte=40", "units.crt.crew_size=2", "response.standard_s=600"]),
    )
    assert (s.budget.crt_fte, s.crt.crew_size, s.response.standard_s) == (40.0, 2, 600)
    assert apply_overrides(s, {}) is s
    for text in ("budget.crt_fte", "=3", "budget.crt_fte=", "budget..x=1"):
        with pytest.raises(ConfigError, match="--set"):
            parse_override(text)
    with pytest.raises(ConfigError, match="not a TOML value"):
        parse_override("expansion.recommend_beats=[111,")


COMMANDS_WITH_SCENARIO = (
    ["run"],
    ["place"],
    ["expand"],
    ["demand"],
    ["network", "build"],
    ["network", "matrix"],
    ["data", "check"],
    ["simulate", "--plan", "PLAN"],
    ["shifts", "--plan", "PLAN"],
)


@pytest.mark.parametrize("command", COMMANDS_WITH_SCENARIO, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("budget.crt_fte=-5", "budget.crt_fte = -5.0 is out of range"),
        ("budget.crt_ftee=5", "unknown key 'crt_ftee'"),
        ("nosuch.key=1", "no section 'nosuch'"),
        ("response.standard_s=fast", "response.standard_s must be an integer"),
    ],
)
def test_set_on_every_command_fails_in_one_line_naming_the_key(
    tmp_path: Path, command: list[str], setting: str, words: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    args = [str(plan) if a == "PLAN" else a for a in command]
    out = [] if command[0] == "data" else ["--out", str(tmp_path / "out")]
    result = _invoke([*args, "--set", setting, *out])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--set" in lines[0] and words in lines[0], result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hours", ["25-03", "7", "07-07", "morning"])
def test_run_hours_must_be_a_daily_window(hours: str, tmp_path: Path) -> None:
    result = _invoke(["run", "--hours", hours, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--hours" in result.output and "HH-HH" in result.output
    assert not (tmp_path / "out").exists()


def test_daily_windows() -> None:
    assert daily_window_hours("07-19") == tuple(range(7, 19))
    assert daily_window_hours("20-04") == (20, 21, 22, 23, 0, 1, 2, 3)
    assert daily_window_hours("24/7") == daily_window_hours("00-24") == tuple(range(24))
    assert daily_window_hours("") is None
    with pytest.raises(ConfigError, match="HH-HH"):
        daily_window_hours("7pm-3am")


def test_run_fte_budget_must_be_a_number(tmp_path: Path) -> None:
    result = _invoke(["run", "--fte-budget", "-1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--fte-budget" in result.output


# ----------------------------------------------------------------------------- help


def _commands() -> list[list[str]]:
    out: list[list[str]] = []
    for name, cmd in cli.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        out += [[name, sub] for sub in subs] if subs else [[name]]
    return out


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_help_has_examples_and_no_internal_names(command: list[str]) -> None:
    result = _invoke([*command, "--help"])
    assert result.exit_code == 0
    text = result.output
    assert "Examples:" in text and f"heart-plan {' '.join(command)}" in text
    assert "OUTPUT_FILES" not in text and "(see " not in text
    if command[0] not in ("init", "sweep", "compare"):  # no --scenario
        assert "--set SECTION.KEY=VALUE" in text, f"{command} has no --set"


def test_file_names_are_one_vocabulary() -> None:
    """Every command's files are named in the one table of output files, and the tables
    ``run`` also writes carry run's names (``shifts.csv``, ``hours_*.csv``, ...)."""
    from heart_plan.commands import (
        backtest,
        compare,
        demand,
        expand,
        network,
        place,
        run,
        shifts,
        units,
    )
    from heart_plan.output_docs import describe_file
    from heart_plan.simulation import outputs as simulation_outputs

    modules = (demand, expand, place, run, shifts, simulation_outputs, backtest, units, compare)
    named = [(m.__name__, n) for m in modules for n in m.OUTPUT_FILES]
    named += [("shifts --cover-from-plan", n) for n in shifts.ROSTER_FILES]
    named += [("network calibrate", n) for n in network.CALIBRATE_FILES]
    for module_name, name in named:
        if "*" not in name and name != "demand/":
            assert describe_file(name) != "(not described)", (module_name, name)
    assert {"shifts.csv", "hours_curve.csv", "hours_fte_curve.csv", "hours_overnight.csv"} <= set(
        shifts.OUTPUT_FILES
    )
    assert {"roadmap.csv", "citywide_curve.csv", "plan.gpkg"} <= set(expand.OUTPUT_FILES)
    assert {"posts.csv", "plan.json", "plan.gpkg"} <= set(place.OUTPUT_FILES)


# ----------------------------------------------------------------------------- CSVs, README


def test_csv_decimals_follow_the_unit_in_the_column_name(tmp_path: Path) -> None:
    from heart_plan.atomic import write_csv

    assert decimals_of("lon") == decimals_of("lat") == 6
    assert decimals_of("mean_drive_time_s") == 1 and decimals_of("cost_per_year_usd") == 2
    assert decimals_of("reached_share__current") == 4 and decimals_of("ci_low") == 4
    assert decimals_of("calls_per_year") == 2 and decimals_of("fte") == 3
    assert decimals_of("predicted_value") is None
    frame = pd.DataFrame(
        {
            "reached_share": [0.123456789],
            "drive_time_s": [123.456789],
            "calls_per_year": [14745.123456],
            "predicted_value": [0.000123456789],
            "teams": [3],
            "name": ["x"],
        }
    )
    rounded = round_frame(frame)
    assert rounded.iloc[0].tolist() == [0.1235, 123.5, 14745.12, 0.000123457, 3, "x"]
    write_csv(tmp_path / "t.csv", frame)
    text = (tmp_path / "t.csv").read_text()
    assert "0.123456789" not in text and "0.1235" in text


def test_readme_describes_files_columns_and_codes(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    pd.DataFrame({"hour_of_week": [0], "reached_share__current": [0.5]}).to_csv(
        tmp_path / "hours_curve.csv", index=False
    )
    pd.DataFrame({"mystery": [1]}).to_csv(tmp_path / "sub" / "odd.csv", index=False)
    text = readme_text(tmp_path)
    assert "hours_curve.csv" in text and "sub/odd.csv" in text
    assert "Columns of hours_curve.csv" in text
    assert "0 = Monday 00:00-01:00" in text  # the hour-of-week code
    assert "0 = Monday, 1 = Tuesday" in text  # the day code
    assert text.count("(not described)") == 2  # odd.csv and its column mystery
    assert describe_column("calls_per_year__CRISIS").startswith("eligible calls per year")
