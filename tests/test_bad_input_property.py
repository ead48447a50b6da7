"""Issue 13, item 9: property-based bad input.  Every generated scenario key, plan file and
calls file gives a valid result or a clean one-line error with the right exit code (2 for
scenario and plan.json, 1 for calls); never a traceback, never exit 0 on invalid input.
Bounded (``max_examples``) and derandomized in CI through the conftest's ``ci`` profile."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from heart_plan.cli import main
from heart_plan.config import BOUNDS, Scenario, default_scenario_path, load_scenario, numeric_leaves
from heart_plan.errors import ConfigError, DataError, PlanError
from heart_plan.plan import read_plan

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_TEXT = default_scenario_path().read_text()
#: ``key = <number>`` lines of the default scenario (line index, key).
NUMBER_LINES = [
    (i, m.group(1))
    for i, line in enumerate(DEFAULT_TEXT.splitlines())
    if (m := re.match(r"^([a-z_]+) = (-?[0-9][0-9.e_]*)\s*$", line))
]
TOML_VALUES = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "0", "-1", "-0.5", "1e300", "1e-300", "true",
                     '"12"', "[]", "[1, 2]", "{}", "2147483648", "0.0", "24", "25", "169"]),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**4), 10**4)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(argv)
        except SystemExit as exc:
            return int(exc.code or 0), err.getvalue()
    return 0, err.getvalue()


def _clean(err: str) -> None:
    assert "Traceback" not in err, err
    assert len([x for x in err.splitlines() if x.startswith("heart-plan: error")]) <= 1, err


def _toy_plan() -> dict:
    from heart_plan.plan import Plan, daily_window_on_duty

    return Plan(
        scenario_name="durham", scenario_sha256="x", command="test",
        service_area_beats=("111", "112"), teams_on_duty=daily_window_on_duty(7, 19, 2),
        hours={"daily_start": 7, "daily_end": 19}, predicted={"mean_drive_time_s": 300.0},
    ).to_dict()  # fmt: skip


def _arrivals(folder: Path) -> Path:
    path = folder / "arrivals.csv"
    frame = pd.DataFrame({"hour_of_week": range(168), "calls_per_year": np.full(168, 30.0)})
    frame.to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------- scenario keys


@functools.cache
def _default_raw_and_leaves() -> tuple[dict, list[tuple[str, str]]]:
    """The default scenario as a dict and its numeric leaves (parsed once, not per example)."""
    default = load_scenario()
    leaves = [
        (path, pattern)
        for path, pattern, value in numeric_leaves(default)
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return default.to_dict(), leaves


@settings(max_examples=150)
@given(st.data())
def test_scenario_numeric_keys_validated_in_process(data):
    """Any value for any numeric key: a scenario whose numbers are all in BOUNDS, or a
    ConfigError naming the key."""
    default_raw, leaves = _default_raw_and_leaves()
    raw = copy.deepcopy(default_raw)
    path, _ = data.draw(st.sampled_from(leaves))
    value = data.draw(
        st.one_of(
            st.floats(), st.integers(-(10**12), 10**12), st.booleans(), st.text(max_size=4),
            st.lists(st.integers(-5, 30), max_size=3),
        )
    )  # fmt: skip
    parts = re.split(r"\.|\[(\d+)\]", path)
    parts = [p for p in parts if p]
    node = raw
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    try:
        scenario = Scenario.from_dict(raw, source="gen.toml")
    except ConfigError as exc:
        assert "\n" not in str(exc) and "gen.toml" in str(exc)
        event("ConfigError")
        return
    event("valid")
    for _, pattern, v in numeric_leaves(scenario):
        if isinstance(v, int | float) and not isinstance(v, bool) and pattern in BOUNDS:
            lo, hi, lo_open = BOUNDS[pattern]
            assert np.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi, (pattern, v)


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(line=st.sampled_from(NUMBER_LINES), value=TOML_VALUES)
def test_scenario_values_through_the_cli(line, value):
    """A scenario TOML with one numeric value replaced, through ``heart-plan shifts``:
    invalid -> exit 2 with one line; valid -> exit 0 (or a clean model error, exit 1)."""
    index, key = line
    lines = DEFAULT_TEXT.splitlines()
    lines[index] = f"{key} = {value}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scen = folder / "s.toml"
        scen.write_text("\n".join(lines) + "\n")
        plan = folder / "plan.json"
        plan.write_text(json.dumps(_toy_plan()))
        try:
            load_scenario(scen)
            valid = True
        except ConfigError:
            valid = False
        code, err = _run(["shifts", "--scenario", str(scen), "--plan", str(plan),
                          "--arrivals", str(_arrivals(folder)), "--out", str(folder / "out")])  # fmt: skip
        _clean(err)
        event(f"valid={valid} exit={code}")
        if not valid:
            assert code == 2, err
            assert not (folder / "out").exists()
        else:  # a well-formed plan of a unit type the scenario lacks is a usage error
            assert code in (0, 1) or (code == 2 and "section in the scenario" in err), err
            assert (folder / "out").is_dir() == (code == 0)


# ----------------------------------------------------------------------------- plan files


def _mutate_plan(data) -> dict:
    raw = _toy_plan()
    keys = [*raw, "posts[0]", "posts keys", "v1 posts[0]", "teams_on_duty[]", "extra"]
    key = data.draw(st.sampled_from(keys))
    value = data.draw(JSON)
    if key == "posts[0]":  # schema 2: {band: {k: [post, ...]}}
        post = {"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1}
        field = data.draw(st.sampled_from([*post, "access_s", "band"]))
        post[field] = value
        raw["posts"] = {"": {"1": [post]}}
    elif key == "posts keys":
        post = {"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1}
        band, k = data.draw(st.text(max_size=4)), data.draw(st.text(max_size=4))
        raw["posts"] = {band: {k: [post]}}
    elif key == "v1 posts[0]":  # schema 1 files are still read
        post = {"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0}
        field = data.draw(st.sampled_from([*post, "band", "teams", "access_s"]))
        post[field] = value
        raw["schema_version"] = 1
        raw["posts"] = [post]
    elif key == "teams_on_duty[]":
        raw["teams_on_duty"][data.draw(st.integers(0, 167))] = value
    else:
        raw[key] = value
    return raw


@settings(max_examples=200)
@given(st.data())
def test_plan_files_validated(data):
    raw = _mutate_plan(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(raw))
        try:
            plan = read_plan(path)
        except PlanError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            event("PlanError")
            return
    event("valid")
    assert len(plan.teams_on_duty) == 168
    assert all(isinstance(t, int) and t >= 0 for t in plan.teams_on_duty)
    assert plan.service_area_beats and all(isinstance(b, str) for b in plan.service_area_beats)
    assert all(p.access_s >= 0 and np.isfinite([p.lon, p.lat]).all() for p in plan.posts)


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_plan_files_through_the_cli(data):
    raw = _mutate_plan(data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "plan.json"
        path.write_text(json.dumps(raw))
        try:
            read_plan(path)
            valid = True
        except PlanError:
            valid = False
        code, err = _run(["shifts", "--plan", str(path), "--arrivals", str(_arrivals(folder)),
                          "--out", str(folder / "out")])  # fmt: skip
        _clean(err)
        event(f"valid={valid} exit={code}")
        if not valid:
            assert code == 2, err
        else:  # a well-formed plan of a unit type the scenario lacks is a usage error
            assert code in (0, 1) or (code == 2 and "section in the scenario" in err), err


# ----------------------------------------------------------------------------- calls files

CELL = st.one_of(
    st.sampled_from(["", "0", "-3", "3", "P2", "nan", "1/5/2021", "13/45/2021", "25:00:00",
                     "12:00:00", "111", "112", "777", "CRISIS", "2029996.3", "816729.5",
                     "1e12", "N", "Y"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=6),
)  # fmt: skip
CAD_COLUMNS = ["Event Number", "Call Date", "Call Time", "Priority", "Nature", "X", "Y", "Beat",
               "Cancelled"]  # fmt: skip


@functools.cache
def _cad_scenario_and_toy_beats():
    """The default scenario read as a full-year CAD export, and the toy beats (loaded once,
    not per example; ``load_calls`` only reads them)."""
    import dataclasses

    from heart_plan.loaders import load_beats

    base = load_scenario()
    scenario = dataclasses.replace(
        base,
        calls=dataclasses.replace(base.calls, schema="durham_cad", observed_end="2021-12-31"),
    )
    return scenario, load_beats(FIXTURES / "toy_beats.geojson")


@settings(max_examples=120)
@given(st.data())
def test_calls_files_counted_or_refused(data):
    """A CAD-style file with some cells replaced: a DataError (one line, naming the file)
    or calls whose quality table accounts for every row read."""
    from heart_plan.loaders import load_calls
    from heart_plan.loaders.calls import calls_quality_table

    frame = pd.read_csv(FIXTURES / "cad_calls_toy.csv", dtype=str, keep_default_na=False)
    rows = data.draw(st.lists(st.integers(0, len(frame) - 1), min_size=1, max_size=10))
    frame = frame.iloc[rows].reset_index(drop=True)
    for _ in range(data.draw(st.integers(0, 4))):
        r = data.draw(st.integers(0, len(frame) - 1))
        c = data.draw(st.sampled_from(CAD_COLUMNS))
        frame.loc[r, c] = data.draw(CELL)
    scenario, toy_beats = _cad_scenario_and_toy_beats()
    beats = toy_beats.copy()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.csv"
        frame.to_csv(path, index=False)
        try:
            calls = load_calls(path, scenario, beats=beats)
        except (DataError, ConfigError) as exc:
            assert "\n" not in str(exc) and "calls.csv" in str(exc)
            event(type(exc).__name__)
            return
    event("loaded")
    table = calls_quality_table(calls).set_index("check")["rows"]
    dropped = sum(
        int(table[r])
        for r in ("duplicates", "coordinates", "times", "beat", "priority", "outside_city")
    )
    assert table["rows_read"] == len(frame) == dropped + table["rows_kept"]
    assert table["rows_kept"] == len(calls)
    if len(calls):
        assert calls["hour_of_week"].between(0, 167).all()
        assert (calls["priority"].dropna() >= 0).all()
        assert calls["beat_id"].isin(set(beats["beat_id"])).all()
        assert np.isfinite(calls[["lon", "lat"]].to_numpy()).all()


def test_property_suite_is_bounded_and_derandomized_in_ci():
    from hypothesis import settings as hs

    ci = hs.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and ci.max_examples <= 200


pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
