"""The plan file (``plan.json``): the contract between placement, shifts, simulation,
maps and report.

A plan is a pure value: where teams are posted, in which beats HEART operates, and how
many teams are on duty in each of the 168 hour-of-week bins (bin 0 = Monday 00:00 local).
Commands that refine a plan read one file and write a new one in their ``--out``; the input
file is never modified.

Schema (``schema_version`` 1)::

    schema_version      int
    scenario            {"name": str, "sha256": str}
    command             str            the command line that made the plan
    unit_type           str            "crt"
    service_area_beats  [str]          beat ids (strings)
    time_bands          {name: {"speed_factor": float, "bins": [int]}}
    posts               [{"site_id", "node_id", "lon", "lat", "band", "teams", "access_s"}]
                        band "" = the post is used in every band
    teams_on_duty       [int] * 168
    hours               {"daily_start": int, "daily_end": int} or {} when irregular
    shifts              [{"day": int, "start_hour": int, "length_h": int, "teams": int}]
    predicted           {measure name: number}  names per CONVENTIONS.md measures
"""

from __future__ import annotations

import builtins
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from heart_plan.atomic import write_json
from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import PlanError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Post:
    """A staging post: a candidate site snapped to a road node, staffed in one band.

    ``access_s`` is the drive between the site and its road node (0 for a road-node site).
    """

    site_id: str
    node_id: int
    lon: float
    lat: float
    band: str = ""
    teams: int = 1
    access_s: float = 0.0
    team_count: int = 0


@dataclass(frozen=True)
class Shift:
    """``teams`` teams start at ``start_hour`` on ``day`` (0 = Monday) for ``length_h`` h."""

    day: int
    start_hour: int
    length_h: int
    teams: int = 1


@dataclass(frozen=True)
class Plan:
    """A HEART deployment plan (see module docstring for the file schema)."""

    scenario_name: str
    scenario_sha256: str
    command: str
    service_area_beats: tuple[str, ...]
    teams_on_duty: tuple[int, ...]
    posts: tuple[Post, ...] = ()
    time_bands: dict[str, dict[str, Any]] = field(default_factory=dict)
    hours: dict[str, int] = field(default_factory=dict)
    shifts: tuple[Shift, ...] = ()
    predicted: dict[str, float] = field(default_factory=dict)
    unit_type: str = "crt"
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if len(self.teams_on_duty) != HOURS_PER_WEEK:
            raise PlanError(
                f"plan teams_on_duty has {len(self.teams_on_duty)} values; "
                f"expected {HOURS_PER_WEEK} (one per hour of week)"
            )
        if any(t < 0 for t in self.teams_on_duty):
            raise PlanError("plan teams_on_duty has a negative value; teams must be >= 0")

    @property
    def team_hours_per_week(self) -> int:
        """Staffed team-hours in one week."""
        return int(sum(self.teams_on_duty))

    def with_changes(self, **changes: Any) -> Plan:
        """A copy with some fields replaced (plans are immutable)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema in the module docstring)."""
        return {
            "schema_version": self.schema_version,
            "scenario": {"name": self.scenario_name, "sha256": self.scenario_sha256},
            "command": self.command,
            "unit_type": self.unit_type,
            "service_area_beats": list(self.service_area_beats),
            "time_bands": self.time_bands,
            "posts": [asdict(p) for p in self.posts],
            "teams_on_duty": list(self.teams_on_duty),
            "hours": self.hours,
            "shifts": [asdict(s) for s in self.shifts],
            "predicted": self.predicted,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "<plan>") -> Plan:
        """Validate and parse the JSON form (schema in the module docstring).

        Validation, not coercion: every field must have its schema type (1.9 teams, a dict
        of teams or a string number are errors), ``teams_on_duty`` is 168 non-negative
        integers, times and coordinates are finite and non-negative where they must be.
        Raises ``PlanError`` (exit 2) naming the field and the fix.
        """
        v = _PlanValidator(source)
        if not isinstance(raw, dict):
            raise PlanError(f"{source}: a plan must be a JSON object; regenerate the plan")
        if raw.get("schema_version") != SCHEMA_VERSION or isinstance(
            raw.get("schema_version"), bool
        ):
            raise PlanError(
                f"{source}: schema_version {raw.get('schema_version')!r} is not supported "
                f"(expected {SCHEMA_VERSION}); regenerate the plan with this heart-plan"
            )
        v.keys(raw, "plan", required=_REQUIRED_KEYS, allowed=_PLAN_KEYS)
        scen = v.obj(raw["scenario"], "scenario", required=("name", "sha256"))
        teams = v.int_list(raw["teams_on_duty"], "teams_on_duty", lo=0, hi=10_000)
        if len(teams) != HOURS_PER_WEEK:
            raise PlanError(
                f"{source}: teams_on_duty has {len(teams)} values; expected {HOURS_PER_WEEK} "
                f"(one per hour of week, bin 0 = Monday 00:00)"
            )
        beats = v.str_list(raw["service_area_beats"], "service_area_beats")
        if not beats:
            raise PlanError(
                f"{source}: service_area_beats is empty; a plan needs at least one beat "
                f"(e.g. write it with `heart-plan place --beats ...`)"
            )
        if len(set(beats)) != len(beats):
            dup = next(b for b in beats if beats.count(b) > 1)
            raise PlanError(f"{source}: service_area_beats lists beat {dup!r} twice")
        bands = v.obj(raw.get("time_bands", {}), "time_bands")
        for name, band in bands.items():
            b = v.obj(band, f"time_bands.{name}", required=("speed_factor", "bins"))
            v.number(b["speed_factor"], f"time_bands.{name}.speed_factor", lo=0, lo_open=True)
            v.int_list(b["bins"], f"time_bands.{name}.bins", lo=0, hi=HOURS_PER_WEEK - 1)
        posts = []
        for i, p in enumerate(v.list(raw.get("posts", []), "posts")):
            where = f"posts[{i}]"
            p = v.obj(p, where, required=("site_id", "node_id", "lon", "lat"), allowed=_POST_KEYS)
            band = v.str(p.get("band", ""), f"{where}.band")
            if band and bands and band not in bands:
                raise PlanError(
                    f"{source}: {where}.band = {band!r} is not one of the plan's time_bands "
                    f"({', '.join(bands)})"
                )
            posts.append(
                Post(
                    site_id=v.str(p["site_id"], f"{where}.site_id", empty=False),
                    node_id=v.int(p["node_id"], f"{where}.node_id"),
                    lon=v.number(p["lon"], f"{where}.lon", lo=-180, hi=180),
                    lat=v.number(p["lat"], f"{where}.lat", lo=-90, hi=90),
                    band=band,
                    teams=v.int(p.get("teams", 1), f"{where}.teams", lo=0, hi=10_000),
                    access_s=v.number(p.get("access_s", 0.0), f"{where}.access_s", lo=0),
                    team_count=v.int(p.get("team_count", 0), f"{where}.team_count", lo=0),
                )
            )
        hours = {
            k: v.int(h, f"hours.{k}", lo=0, hi=24)
            for k, h in v.obj(raw.get("hours", {}), "hours", allowed=_HOURS_KEYS).items()
        }
        shifts = []
        for i, sh in enumerate(v.list(raw.get("shifts", []), "shifts")):
            where = f"shifts[{i}]"
            sh = v.obj(sh, where, required=("day", "start_hour", "length_h"), allowed=_SHIFT_KEYS)
            shifts.append(
                Shift(
                    day=v.int(sh["day"], f"{where}.day", lo=0, hi=6),
                    start_hour=v.int(sh["start_hour"], f"{where}.start_hour", lo=0, hi=23),
                    length_h=v.int(sh["length_h"], f"{where}.length_h", lo=1, hi=24),
                    teams=v.int(sh.get("teams", 1), f"{where}.teams", lo=0, hi=10_000),
                )
            )
        predicted: dict[str, Any] = {}
        for k, val in v.obj(raw.get("predicted", {}), "predicted").items():
            predicted[k] = None if val is None else v.number(val, f"predicted.{k}")
        for k in ("reached_share", "served_share", "covered_share", "mean_drive_time_s"):
            val = predicted.get(k)
            if val is not None and val < 0:
                raise PlanError(f"{source}: predicted.{k} = {val!r} must be >= 0")
        return cls(
            scenario_name=v.str(scen["name"], "scenario.name"),
            scenario_sha256=v.str(scen["sha256"], "scenario.sha256"),
            command=v.str(raw.get("command", ""), "command"),
            unit_type=v.str(raw.get("unit_type", "crt"), "unit_type", empty=False),
            service_area_beats=tuple(beats),
            time_bands={k: dict(b) for k, b in bands.items()},
            posts=tuple(posts),
            teams_on_duty=tuple(teams),
            hours=hours,
            shifts=tuple(shifts),
            predicted=predicted,
        )

    def check_against(
        self,
        *,
        source: str,
        city_beats: Iterable[str] | None = None,
        node_ids: Any = None,
        bands: Iterable[str] | None = None,
        unit_types: Iterable[str] | None = None,
    ) -> None:
        """Check the plan against the data it will run on: known beats, posts on graph
        nodes, known bands and unit type; ``PlanError`` naming the first problem.
        """
        if city_beats is not None:
            known = set(city_beats)
            bad = [b for b in self.service_area_beats if b not in known]
            if bad:
                raise PlanError(
                    f"{source}: service_area_beats has {bad[0]!r}, not a city beat "
                    f"(known: {', '.join(sorted(known)[:5])}, ...); fix the plan or regenerate it"
                )
        if node_ids is not None and self.posts:
            import numpy as np

            ids = np.asarray(node_ids)
            posts = np.array([p.node_id for p in self.posts], dtype=np.int64)
            missing = posts[~np.isin(posts, ids)]
            if missing.size:
                raise PlanError(
                    f"{source}: post node_id {int(missing[0])} is not a node of the road graph; "
                    f"regenerate the plan for this scenario (`heart-plan place`)"
                )
        if bands is not None:
            known_bands = set(bands)
            bad_bands = sorted({p.band for p in self.posts if p.band and p.band not in known_bands})
            if bad_bands:
                raise PlanError(
                    f"{source}: post band {bad_bands[0]!r} is not a time band of the scenario "
                    f"({', '.join(sorted(known_bands))}); regenerate the plan"
                )
        if unit_types is not None and self.unit_type not in set(unit_types):
            raise PlanError(
                f"{source}: unit_type {self.unit_type!r} has no [units.{self.unit_type}] "
                f"section in the scenario"
            )


_REQUIRED_KEYS = ("schema_version", "scenario", "service_area_beats", "teams_on_duty")
_PLAN_KEYS = (
    *_REQUIRED_KEYS, "command", "unit_type", "time_bands", "posts", "hours", "shifts",
    "predicted",
)  # fmt: skip
_POST_KEYS = ("site_id", "node_id", "lon", "lat", "band", "teams", "access_s", "team_count")
_SHIFT_KEYS = ("day", "start_hour", "length_h", "teams")
_HOURS_KEYS = ("daily_start", "daily_end")


class _PlanValidator:
    """Type and range checks with one-line ``PlanError`` messages naming the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: builtins.str, value: Any, expected: str) -> PlanError:
        text = repr(value)
        text = text if len(text) <= 60 else text[:57] + "..."
        return PlanError(
            f"{self.source}: {where} = {text} is not {expected}; fix the plan file or "
            f"regenerate it with `heart-plan place` or `heart-plan run`"
        )

    def keys(self, obj: dict, where: builtins.str, *, required=(), allowed=None) -> None:
        missing = [k for k in required if k not in obj]
        if missing:
            raise PlanError(f"{self.source}: {where} has no {missing[0]!r} field; regenerate it")
        if allowed is not None:
            unknown = sorted(set(obj) - set(allowed))
            if unknown:
                raise PlanError(
                    f"{self.source}: {where} has unknown field {unknown[0]!r}; allowed: "
                    f"{', '.join(allowed)}"
                )

    def obj(self, value: Any, where: builtins.str, *, required=(), allowed=None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, value, "a JSON object")
        self.keys(value, where, required=required, allowed=allowed)
        return value

    def list(self, value: Any, where: builtins.str) -> builtins.list:
        if not isinstance(value, list):
            raise self.fail(where, value, "a JSON list")
        return value

    def str(self, value: Any, where: builtins.str, *, empty: bool = True) -> builtins.str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(where, value, "a string" if empty else "a non-empty string")
        return value

    def str_list(self, value: Any, where: builtins.str) -> builtins.list[builtins.str]:
        return [
            self.str(x, f"{where}[{i}]", empty=False) for i, x in enumerate(self.list(value, where))
        ]

    def int(
        self,
        value: Any,
        where: builtins.str,
        *,
        lo: builtins.int | None = None,
        hi: builtins.int | None = None,
    ) -> builtins.int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, value, "an integer")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.fail(where, value, f"an integer in [{lo}, {hi}]")
        return value

    def int_list(
        self,
        value: Any,
        where: builtins.str,
        *,
        lo: builtins.int | None = None,
        hi: builtins.int | None = None,
    ) -> builtins.list[builtins.int]:
        return [
            self.int(x, f"{where}[{i}]", lo=lo, hi=hi)
            for i, x in enumerate(self.list(value, where))
        ]

    def number(
        self, value: Any, where: builtins.str, *, lo: float | None = None, hi: float | None = None,
        lo_open: bool = False,
    ) -> float:  # fmt: skip
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(where, value, "a finite number")
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise self.fail(where, value, f"a number {'>' if lo_open else '>='} {lo}")
        if hi is not None and value > hi:
            raise self.fail(where, value, f"a number <= {hi}")
        return float(value)


def window_length_h(start_hour: int, end_hour: int) -> builtins.int:
    """Hours in the daily window [start, end); an end equal to the start modulo 24 (e.g.
    (0, 24) or (7, 7)) is the whole day, and windows may cross midnight ((19, 7) = 12).
    """
    return (end_hour - start_hour) % 24 or 24


def daily_window_on_duty(start_hour: int, end_hour: int, teams: int) -> tuple[int, ...]:
    """Teams on duty per hour of week for the same daily window [start, end) every day.

    ``end_hour`` may be < ``start_hour`` for windows crossing midnight; a window whose end
    equals its start modulo 24 (e.g. (0, 24)) is 24 hours a day.
    """
    length = window_length_h(start_hour, end_hour)
    on = [0] * HOURS_PER_WEEK
    for day in range(7):
        for k in range(length):
            on[(day * 24 + start_hour + k) % HOURS_PER_WEEK] = teams
    return tuple(on)


def bands_for_plan(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's time bands in plan form: speed factor and hour-of-week bins."""
    band_of_hour = scenario.network.band_of_hour()
    return {
        name: {
            "speed_factor": band.speed_factor,
            "bins": [b for b, n in enumerate(band_of_hour) if n == name],
        }
        for name, band in scenario.network.time_bands.items()
    }


def read_plan(path: str | Path) -> Plan:
    """Read and validate a ``plan.json``; any problem is a one-line ``PlanError`` (exit 2)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_reject_constant)
    except FileNotFoundError:
        raise PlanError(
            f"{path}: plan file not found; pass the plan.json a command wrote"
        ) from None
    except IsADirectoryError:
        raise PlanError(f"{path}: is a folder; pass the plan.json file inside it") from None
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{path}: not UTF-8 text (byte {exc.start}); pass the plan.json a command wrote"
        ) from None
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix or regenerate it"
        ) from None
    except ValueError as exc:
        raise PlanError(f"{path}: {exc}; JSON has no NaN or Infinity") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror or exc})") from None
    return Plan.from_dict(raw, source=str(path))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def write_plan(path: str | Path, plan: Plan) -> Path:
    """Write a plan atomically."""
    return write_json(path, plan.to_dict())
