"""Issue 13, items 4-6: one-line errors with the right exit code for everything a user can
cause, validation instead of coercion (scenario keys, plan.json), calls data quality."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.cli import cli, describe_error, main
from heart_plan.config import BOUNDS, Scenario, default_scenario_path, load_scenario, numeric_leaves
from heart_plan.errors import ConfigError, DataError, PlanError
from heart_plan.loaders.calls import calls_quality_table, check_calls_quality, load_calls
from heart_plan.plan import Plan, daily_window_on_duty, read_plan, write_plan

FIXTURES = Path(__file__).parent / "fixtures"
CAD = FIXTURES / "cad_calls_toy.csv"


def toy_plan_dict() -> dict:
    plan = Plan(
        scenario_name="durham",
        scenario_sha256="x",
        command="test",
        service_area_beats=("111", "112"),
        teams_on_duty=daily_window_on_duty(7, 19, 2),
        hours={"daily_start": 7, "daily_end": 19},
        predicted={"mean_drive_time_s": 300.0},
    )
    return plan.to_dict()


def arrivals_csv(path: Path, total: float = 6000.0) -> Path:
    arr = np.full(168, total / 168)
    pd.DataFrame({"hour_of_week": range(168), "calls_per_year": arr}).to_csv(path, index=False)
    return path


def run_main(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    return int(exc.value.code), err


def assert_one_line(err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def scenario_with(tmp_path: Path, old: str, new: str) -> Path:
    text = default_scenario_path().read_text()
    assert old in text, old
    path = tmp_path / "scenario.toml"
    path.write_text(text.replace(old, new, 1))
    return path


# ----------------------------------------------------------------------------- 4. errors


def shifts_args(tmp_path: Path, plan_path: Path, out: Path) -> list[str]:
    return ["shifts", "--plan", str(plan_path), "--out", str(out),
            "--arrivals", str(arrivals_csv(tmp_path / "arrivals.csv"))]  # fmt: skip


@pytest.fixture
def plan_file(tmp_path) -> Path:
    path = tmp_path / "in" / "plan.json"
    path.parent.mkdir()
    path.write_text(json.dumps(toy_plan_dict()))
    return path


def test_out_under_a_file_is_one_line_os_error(tmp_path, plan_file, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, err = run_main(shifts_args(tmp_path, plan_file, blocker / "out"), capsys)
    assert code == 1
    assert_one_line(err, str(blocker), "not a folder")


def test_out_that_is_a_file_is_refused(tmp_path, plan_file, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, err = run_main(shifts_args(tmp_path, plan_file, blocker), capsys)
    assert code == 2 and "afile" in err


def test_disk_full_is_one_line_error_and_leaves_no_output(tmp_path, plan_file, capsys, monkeypatch):
    import heart_plan.atomic as atomic

    real = atomic.os.replace

    def full(src, dst):
        if str(dst).endswith("shifts.csv"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", full)
    out = tmp_path / "out"
    code, err = run_main(shifts_args(tmp_path, plan_file, out), capsys)
    assert code == 1
    assert_one_line(err, "No space left on device", "free disk space")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_cache_path_that_is_a_file_is_one_line_cache_error(tmp_path, monkeypatch):
    from heart_plan.errors import CacheError
    from heart_plan.paths import cache_dir

    blocker = tmp_path / "cachefile"
    blocker.write_text("x")
    monkeypatch.setenv("HEART_PLAN_CACHE", str(blocker))
    with pytest.raises(CacheError, match="HEART_PLAN_CACHE") as exc:
        cache_dir("matrix")
    assert describe_error(exc.value)[0] == 1


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "/ro/out"), ["/ro/out", "writable"]),
        (OSError(errno.ENOSPC, "No space left on device", "/d/x"), ["/d/x", "disk space"]),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/f/x"), ["/f/x", "not a folder"]),
        (OSError(errno.EROFS, "Read-only file system", "/ro"), ["/ro", "writable"]),
    ],
)
def test_os_errors_name_the_path_and_the_fix(err, words):
    code, message = describe_error(err)
    assert code == 1 and "\n" not in message
    for w in words:
        assert w in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_out_parent(tmp_path, plan_file, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, err = run_main(shifts_args(tmp_path, plan_file, ro / "out"), capsys)
    finally:
        ro.chmod(0o700)
    assert code == 1
    assert_one_line(err, str(ro), "Permission denied")


def test_unexpected_errors_are_one_line_unless_debug(tmp_path, plan_file, capsys, monkeypatch):
    import heart_plan.staffing.shifts as shifts_mod

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(shifts_mod, "plan_shifts", boom)
    args = shifts_args(tmp_path, plan_file, tmp_path / "out")
    code, err = run_main(args, capsys)
    assert code == 1
    assert_one_line(err, "internal error RuntimeError: boom", "--debug")
    result = CliRunner().invoke(cli, ["--debug", *args])
    assert isinstance(result.exception, RuntimeError)  # the traceback is shown with --debug


@pytest.mark.parametrize(
    ("option", "value"),
    [("--fte-budget", "nan"), ("--fte-budget", "inf"), ("--fte-budget", "-1"),
     ("--mean-drive-s", "nan"), ("--mean-drive-s", "-5")],
)  # fmt: skip
def test_non_finite_or_negative_options_are_usage_errors(tmp_path, plan_file, option, value):
    args = [*shifts_args(tmp_path, plan_file, tmp_path / "out"), option, value]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert not (tmp_path / "out").exists()


def test_negative_seed_is_a_usage_error(tmp_path, plan_file):
    result = CliRunner().invoke(cli, ["simulate", "--plan", str(plan_file), "--seed", "-1"])
    assert result.exit_code == 2 and "--seed" in result.output


# ----------------------------------------------------------------------------- 5. scenario


def test_every_numeric_scenario_key_has_bounds():
    scenario = load_scenario()
    leaves = [
        (path, pattern)
        for path, pattern, value in numeric_leaves(scenario)
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    missing = sorted({pattern for _, pattern in leaves if pattern not in BOUNDS})
    assert not missing, missing
    # numeric fields that are empty lists or tables in the default still have bounds
    for pattern in ("eligibility.priorities[]", "network.time_bands.*.weekend_hours[]"):
        assert pattern in BOUNDS


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("modeled_points_per_beat = 25", "modeled_points_per_beat = 0", "demand.modeled_points_per_beat"),
        ("max_teams = 12", "max_teams = 0", "expansion.max_teams"),
        ("isochrone_minutes = [8, 12, 15]", "isochrone_minutes = [8, -12]", "network.isochrone_minutes[1]"),
        ("cost_per_staff_hour_usd = 50.0", "cost_per_staff_hour_usd = -50.0", "units.crt.cost_per_staff_hour_usd"),
        ("daily_windows_h = [8, 10, 12, 14, 16, 20, 24]", "daily_windows_h = [8, 30]", "shifts.daily_windows_h[1]"),
        ("workers = 2", "workers = 0", "solver.workers"),
        ("workers = 1\n", "workers = 0\n", "shifts.workers"),
        ("speed_factor = 0.9", "speed_factor = 1e300", "network.time_bands.evening.speed_factor"),
        ("access_speed_kph = 20.0", "access_speed_kph = inf", "network.access_speed_kph"),
        ("snap_warn_m = 500.0", "snap_warn_m = -1.0", "network.snap_warn_m"),
        ("crt_fte = 30.0", "crt_fte = nan", "budget.crt_fte"),
        ("growth_factor = 1.0", "growth_factor = 0.0", "demand.growth_factor"),
        ("replications = 20", "replications = 0", "simulation.replications"),
        ("motorway = 105.0", "motorway = -105.0", "network.speed_kph_by_class.motorway"),
        ('observed_end = "2021-09-30"', 'observed_end = "2020-09-30"', "calls.observed_end"),
        ('observed_end = "2021-09-30"', 'observed_end = "soon"', "calls.observed_end"),
        ('on_checksum_mismatch = "error"', 'on_checksum_mismatch = "ignore"', "data.on_checksum_mismatch"),
        ("lengths_h = [8, 10, 12]", "lengths_h = []", "shifts.lengths_h"),
    ],
)  # fmt: skip
def test_scenario_keys_are_range_checked(tmp_path, capsys, old, new, key):
    path = scenario_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert key in str(exc.value) and "\n" not in str(exc.value)
    code, err = run_main(["demand", "--scenario", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert_one_line(err, key)
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- 5. plan.json


def _post(**changes) -> dict:
    """A schema 2 post object (one team)."""
    return {"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1} | changes


def _sets(*posts: dict, band: str = "", k: str = "1") -> dict:
    """Schema 2 ``posts``: one set ``posts[band][k]``."""
    return {band: {k: list(posts)}}


def _mutated(**changes) -> dict:
    raw = toy_plan_dict()
    for key, value in changes.items():
        raw[key] = value
    return raw


BAD_PLANS = {
    "fractional teams": _mutated(teams_on_duty=[1.9] * 168),
    "dict of teams": _mutated(teams_on_duty={str(i): 1 for i in range(168)}),
    "string teams": _mutated(teams_on_duty=["1"] * 168),
    "bool teams": _mutated(teams_on_duty=[True] * 168),
    "167 values": _mutated(teams_on_duty=[1] * 167),
    "negative teams": _mutated(teams_on_duty=[-1] + [1] * 167),
    "empty area": _mutated(service_area_beats=[]),
    "numeric beat": _mutated(service_area_beats=[111]),
    "duplicate beat": _mutated(service_area_beats=["111", "111"]),
    "unknown field": _mutated(colour="red"),
    "no scenario": {k: v for k, v in toy_plan_dict().items() if k != "scenario"},
    "bad version": _mutated(schema_version="1"),
    "version 3": _mutated(schema_version=3),
    "negative access": _mutated(posts=_sets(_post(access_s=-5))),
    "float node": _mutated(posts=_sets(_post(node_id=1.5))),
    "lat out of range": _mutated(posts=_sets(_post(lat=99))),
    "set teams not summing to k": _mutated(posts=_sets(_post(), k="2")),
    "k key zero": _mutated(posts=_sets(_post(), k="0")),
    "k key not a number": _mutated(posts=_sets(_post(), k="one")),
    "k key with a sign": _mutated(posts=_sets(_post(), k="+1")),
    "unknown band": _mutated(
        posts=_sets(_post(), band="dusk"), time_bands={"night": {"speed_factor": 1.0, "bins": [0]}}
    ),
    "empty set": _mutated(posts={"": {"1": []}}),
    "set not a list": _mutated(posts={"": {"1": _post()}}),
    "band not an object": _mutated(posts={"": [_post()]}),
    "post without teams": _mutated(posts=_sets({k: v for k, v in _post().items() if k != "teams"})),
    "post with zero teams": _mutated(posts=_sets(_post(teams=0))),
    "post with a band field": _mutated(posts=_sets(_post(band=""))),
    "site twice in a set": _mutated(posts=_sets(_post(), _post(), k="2")),
    "v1 posts in a v2 file": _mutated(posts=[_post()]),
    "v1 negative access": _mutated(
        schema_version=1,
        posts=[{"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0, "access_s": -5}],
    ),
    "negative predicted time": _mutated(predicted={"mean_drive_time_s": -3.0}),
    "string predicted": _mutated(predicted={"reached_share": "high"}),
    "shift day 7": _mutated(shifts=[{"day": 7, "start_hour": 7, "length_h": 8, "teams": 1}]),
    "posts not an object": _mutated(posts="a"),
    "v1 posts not a list": _mutated(schema_version=1, posts={"a": 1}),
    "hours string": _mutated(hours={"daily_start": "7"}),
}


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_invalid_plans_are_plan_errors_exit_2(tmp_path, capsys, name):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(BAD_PLANS[name]))
    with pytest.raises(PlanError):
        read_plan(path)
    code, err = run_main(shifts_args(tmp_path, path, tmp_path / "out"), capsys)
    assert code == 2
    assert_one_line(err, str(path))


@pytest.mark.parametrize(
    "content", [b"\xff\xfe not utf-8", b"{", b'{"schema_version": NaN}', b"[]", b""]
)
def test_unreadable_plan_files_are_exit_2(tmp_path, capsys, content):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    code, err = run_main(shifts_args(tmp_path, path, tmp_path / "out"), capsys)
    assert code == 2
    assert_one_line(err, str(path))


def test_plan_checked_against_beats_nodes_bands_units():
    plan = Plan.from_dict(toy_plan_dict())
    with pytest.raises(PlanError, match="'112', not a city beat"):
        plan.check_against(source="p", city_beats=["111"])
    raw = _mutated(posts=_sets(_post(node_id=5), band="x"))
    plan = Plan.from_dict(raw)
    with pytest.raises(PlanError, match="node_id 5 is not a node"):
        plan.check_against(source="p", node_ids=np.array([1, 2, 3]))
    with pytest.raises(PlanError, match="band 'x'"):
        plan.check_against(source="p", bands=["night"])
    with pytest.raises(PlanError, match="unit_type"):
        plan.check_against(source="p", unit_types=["cor"])
    assert isinstance(PlanError("x"), DataError) and PlanError.exit_code == 2


def test_valid_plan_round_trips(tmp_path):
    plan = Plan.from_dict(toy_plan_dict())
    assert read_plan(write_plan(tmp_path / "p.json", plan)) == plan


# ----------------------------------------------------------------------------- 6. calls


def _cad_scenario(**calls) -> Scenario:
    base = load_scenario()
    cfg = dataclasses.replace(base.calls, schema="durham_cad", observed_end="2021-12-31", **calls)
    return dataclasses.replace(base, calls=cfg)


def _toy_beats():
    from heart_plan.loaders import load_beats

    return load_beats(FIXTURES / "toy_beats.geojson")


def test_calls_quality_counts_every_drop_reason(tmp_path):
    frame = pd.read_csv(CAD, dtype=str, keep_default_na=False)
    extra = [
        frame.iloc[0].copy(),  # exact duplicate of row 1
        frame.iloc[1].copy(),  # same event number, other content -> duplicate id
        frame.iloc[3].copy(),  # negative priority
        frame.iloc[3].copy(),  # outside the observation window
        frame.iloc[3].copy(),  # empty beat
        frame.iloc[3].copy(),  # unknown beat
    ]
    extra[1]["Address"] = "ELSEWHERE"
    extra[2]["Event Number"], extra[2]["Priority"] = "E21-0102", "-3"
    extra[3]["Event Number"], extra[3]["Call Date"] = "E21-0103", "01/04/2022"
    extra[4]["Event Number"], extra[4]["Beat"] = "E21-0104", ""
    extra[5]["Event Number"], extra[5]["Beat"] = "E21-0105", "777"
    path = tmp_path / "calls.csv"
    pd.concat([frame, pd.DataFrame(extra)], ignore_index=True).to_csv(path, index=False)
    calls = load_calls(path, _cad_scenario(), beats=_toy_beats())
    table = calls_quality_table(calls).set_index("check")["rows"]
    assert table["rows_read"] == 12
    assert table["duplicates"] == 2
    assert table["coordinates"] == 1  # the 0/0 row of the fixture
    assert table["times"] == 1
    assert table["beat"] == 2
    assert table["priority"] == 1
    assert table["rows_kept"] == len(calls) == 5
    assert 3 not in set(calls.loc[calls["call_id"] == "E21-0102", "priority"])
    # large losses become errors naming the key; so do too few calls
    with pytest.raises(DataError, match="calls.max_dropped_share"):
        check_calls_quality(calls, _cad_scenario(), path)
    with pytest.raises(DataError, match="calls.min_calls"):
        check_calls_quality(calls, _cad_scenario(max_dropped_share=1.0), path)
    check_calls_quality(calls, _cad_scenario(max_dropped_share=1.0, min_calls=5), path)


def test_polygon_in_a_geojson_calls_file_is_a_data_error(tmp_path, monkeypatch):
    import geopandas as gpd
    from shapely.geometry import Point, box

    import heart_plan.loaders.calls as calls_mod

    frame = gpd.GeoDataFrame(
        {"call_date": ["1/5/2021", "1/6/2021"], "call_time": ["1:00:00PM", "2:00:00PM"],
         "nature": ["CRISIS", "CRISIS"], "beat": ["111", "111"]},
        geometry=[Point(-78.9, 36.0), box(-78.9, 36.0, -78.89, 36.01)], crs="EPSG:4326",
    )  # fmt: skip
    path = tmp_path / "calls.geojson"
    frame.to_file(path)
    # the mirror mapping without x/y columns: coordinates come from the layer geometry
    schema = {k: v for k, v in calls_mod.SCHEMAS["durham_mirror_2021"].items() if k not in "xy"}
    monkeypatch.setitem(calls_mod.SCHEMAS, "geo_test", schema)
    monkeypatch.setitem(calls_mod.SCHEMA_CRS, "geo_test", "EPSG:4326")
    base = load_scenario()
    scenario = dataclasses.replace(base, calls=dataclasses.replace(base.calls, schema="geo_test"))
    with pytest.raises(DataError, match="Polygon, not a Point") as exc:
        load_calls(path, scenario)
    assert "feature 2" in str(exc.value)


@pytest.mark.durham
def test_durham_calls_quality_is_clean_and_counted(durham_inputs):
    table = calls_quality_table(durham_inputs.calls).set_index("check")["rows"]
    assert table["rows_read"] == 3027 and table["rows_kept"] == 3027
    # 8 calls of city beats fall just outside the derived city-limits polygon: kept, flagged
    assert table["outside_city_limits_in_city_beat"] == 8


@pytest.mark.durham
def test_one_row_calls_file_is_an_error_not_served_zero(tmp_path, mirror, capsys):
    src = mirror / "calls" / "dpd_calls2021_comsafe_6types__combined.csv"
    path = tmp_path / "one.csv"
    path.write_text("".join(src.read_text().splitlines(keepends=True)[:2]))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(toy_plan_dict()))
    out = tmp_path / "sim"
    args = ["simulate", "--plan", str(plan), "--calls", str(path), "--mirror", str(mirror)]
    code, err = run_main([*args, "--out", str(out)], capsys)
    assert code == 1
    assert_one_line(err, "calls.min_calls", str(path))
    assert not out.exists()
