"""``heart-plan data`` and ``heart-plan demand`` end to end (subprocess-free: ``cli.main``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from heart_plan.cli import main
from heart_plan.commands.demand import OUTPUT_FILES
from heart_plan.config import default_scenario_path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def _scenario_with(tmp_path: Path, old: str, new: str) -> Path:
    text = default_scenario_path().read_text()
    assert old in text
    path = tmp_path / "scenario.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.durham
def test_data_check(mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["data", "check", "--mirror", str(mirror)], capsys)
    assert code == 0
    assert (
        "beats" in out and "7275b2491d85e852228615dd997c9bad8a4233122912f445b14602b7fd28aac5" in out
    )
    assert "datasets OK" in out


@pytest.mark.durham
def test_data_fetch_into_dest(
    mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["data", "fetch", "--mirror", str(mirror), "--dest", str(tmp_path)], capsys)
    assert code == 0
    assert (tmp_path / "beats" / "durham_police_beats.geojson").is_file()
    assert "copied" in out


@pytest.mark.durham
@pytest.mark.slow
def test_demand_writes_outputs(
    mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "demand"
    code, out, err = _run(["demand", "--out", str(out_dir), "--mirror", str(mirror)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(OUTPUT_FILES)
    beats = pd.read_csv(out_dir / "beat_demand.csv", dtype={"beat_id": str})
    assert len(beats) == 35
    assert beats["eligible_calls_per_year"].sum() == pytest.approx(14_745, abs=0.5)  # rounded
    how = pd.read_csv(out_dir / "hour_of_week.csv")
    assert len(how) == 168 and how["calls_per_year"].sum() == pytest.approx(14_745, abs=1)
    long = pd.read_csv(out_dir / "beat_nature_demand.csv")
    assert list(long.columns) == ["beat_id", "nature", "calls_per_year", "basis"]
    import geopandas as gpd

    pts = gpd.read_parquet(out_dir / "demand_points.parquet")
    assert pts.crs.to_epsg() == 4326 and pts["calls_per_year"].sum() == pytest.approx(14_745)
    assert "leave-one-beat-out" in out and "14,745" in out


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        (
            'local_dir = "data"',
            'local_dir = "data"\ncolour = "red"',
            2,
            ["unknown key 'colour'", "[data]"],
        ),
        (
            'dataset = "calls_2021"',
            'dataset = "no_such_calls.csv"',
            1,
            ["no_such_calls.csv", "not found"],
        ),
        (
            'schema = "durham_mirror_2021"',
            'schema = "durham_cad"',
            1,
            ["unknown column", "calls.schema"],
        ),
        (
            "priorities = [1, 2, 3, 4, 5, 6]",
            "priorities = [9]",
            1,
            ["no eligible calls", "eligibility"],
        ),
    ],
    ids=["unknown-key", "missing-file", "unknown-column", "no-eligible-calls"],
)
@pytest.mark.durham
def test_demand_bad_inputs_no_partial_outputs(
    mirror: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    code: int,
    words: list[str],
) -> None:
    scenario = _scenario_with(tmp_path, old, new)
    out_dir = tmp_path / "out"
    got, _, err = _run(
        ["demand", "--scenario", str(scenario), "--out", str(out_dir), "--mirror", str(mirror)],
        capsys,
    )
    assert got == code
    line = err.strip()
    assert "\n" not in line and line.startswith("heart-plan: error:")
    for w in words:
        assert w in line, (w, line)
    assert not out_dir.exists() or not any(out_dir.iterdir())
