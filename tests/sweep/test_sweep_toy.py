"""Grid files, dotted overrides and the cluster sizing rule: fast, no pipeline run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.config import load_scenario
from heart_plan.errors import ConfigError
from heart_plan.overrides import apply_dotted_overrides, flatten_dotted, parse_assignment
from heart_plan.sweep.cases import case_key
from heart_plan.sweep.execute import case_scenario, local_workers
from heart_plan.sweep.grid import load_grid


def _grid(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(text)
    return path


def test_grid_is_the_cartesian_product_plus_cases_without_duplicates(tmp_path: Path) -> None:
    path = _grid(
        tmp_path,
        """
[grid]
"response.standard_s" = [600, 900]
units.crt.on_scene_mean_min = [30.0, 45.0, 60.0]

[[case]]
name = "slow roads"
"network.time_bands.night.speed_factor" = 0.8

[[case]]
name = "same as a grid point"
"response.standard_s" = 600
"units.crt.on_scene_mean_min" = 30.0
""",
    )
    grid = load_grid(path)
    labels = [c.label for c in grid.cases]
    assert labels[0] == "base"
    assert len(grid.cases) == 1 + 2 * 3 + 1  # the duplicate case is run once
    assert "slow roads" in labels and "same as a grid point" not in labels
    assert [c.case_id for c in grid.cases] == [f"case_{i:03d}" for i in range(1, 9)]
    assert grid.parameters == (
        "network.time_bands.night.speed_factor", "response.standard_s",
        "units.crt.on_scene_mean_min",
    )  # fmt: skip
    slow = grid.scenario(grid.cases[labels.index("slow roads")])
    assert slow.network.time_bands["night"].speed_factor == 0.8
    assert slow.response.standard_s == grid.base.response.standard_s


def test_case_keys_follow_the_resolved_inputs(tmp_path: Path) -> None:
    grid = load_grid(_grid(tmp_path, '[grid]\n"response.standard_s" = [600, 720]\n'))
    base, s600, s720 = (case_scenario(grid, c, None) for c in grid.cases)
    assert case_key(base) == case_key(s720)  # 720 s is the default: same inputs, same key
    assert case_key(base) != case_key(s600)
    one_thread = case_scenario(grid, grid.cases[0], 1)
    assert case_key(one_thread) != case_key(base)  # solver threads are part of the key
    assert one_thread.solver.workers == 1 and one_thread.shifts.workers == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[grid]\n"response.nope" = [1]\n', "unknown key 'nope'"),
        ('[grid]\n"response.standard_s" = 600\n', "must be a non-empty list"),
        ('[grid]\n"response.standard_s" = [-5]\n', "out of range"),
        ("bogus = 1\n", "unknown key 'bogus'"),
        ('base = "missing.toml"\n', "scenario file not found"),
        ("include_base = false\n", "no cases"),
    ],
)
def test_bad_grid_files_are_one_line_usage_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = _grid(tmp_path, text)
    with pytest.raises(ConfigError, match=fragment):
        load_grid(path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sweep", "--grid", str(path), "--out", str(out), "--serial"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and str(path) in result.output
    assert not out.exists()


def test_dotted_overrides_on_dicts_and_scenarios() -> None:
    scenario = load_scenario()
    raw = scenario.to_dict()
    changed = apply_dotted_overrides(raw, {"response.standard_s": 600})
    assert changed["response"]["standard_s"] == 600 and raw["response"]["standard_s"] == 720
    assert apply_dotted_overrides(scenario, {"response.standard_s": 600}).response.standard_s == 600
    with pytest.raises(ConfigError, match="no section 'nosuch'"):
        apply_dotted_overrides(raw, {"nosuch.key": 1})
    assert parse_assignment("response.standard_s=600") == ("response.standard_s", 600)
    assert parse_assignment("demand.covariate=population") == ("demand.covariate", "population")
    assert parse_assignment('x.y=["A", "B"]') == ("x.y", ["A", "B"])
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_assignment("standard_s")
    assert flatten_dotted({"a": {"b": [1]}, "c.d": 2}) == {"a.b": [1], "c.d": 2}


def test_local_cluster_never_oversubscribes_the_cores() -> None:
    assert local_workers(None, 2, 2) == 1
    assert local_workers(None, 1, 2) == 2
    assert local_workers(2, 1, 2) == 2
    with pytest.raises(ConfigError, match="exceeds the 2 cores"):
        local_workers(2, 2, 2)


def test_run_sensitivity_needs_a_sweep_folder(tmp_path: Path) -> None:
    """``run --sensitivity DIR`` checks the folder before any pipeline step runs."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", "--sensitivity", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 2
    assert "no results.parquet" in result.output and not out.exists()
