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

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from heart_plan.atomic import write_json
from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import DataError

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
            raise DataError(
                f"plan teams_on_duty has {len(self.teams_on_duty)} values; "
                f"expected {HOURS_PER_WEEK} (one per hour of week)"
            )
        if any(t < 0 for t in self.teams_on_duty):
            raise DataError("plan teams_on_duty has a negative value; teams must be >= 0")

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
        """Parse the JSON form; raise ``DataError`` naming the field on bad input."""
        if not isinstance(raw, dict):
            raise DataError(f"{source}: a plan must be a JSON object; regenerate the plan")
        if raw.get("schema_version") != SCHEMA_VERSION:
            raise DataError(
                f"{source}: schema_version {raw.get('schema_version')!r} is not supported "
                f"(expected {SCHEMA_VERSION}); regenerate the plan with this heart-plan"
            )
        try:
            return cls(
                scenario_name=str(raw["scenario"]["name"]),
                scenario_sha256=str(raw["scenario"]["sha256"]),
                command=str(raw.get("command", "")),
                unit_type=str(raw.get("unit_type", "crt")),
                service_area_beats=tuple(str(b) for b in raw["service_area_beats"]),
                time_bands=dict(raw.get("time_bands", {})),
                posts=tuple(
                    Post(
                        site_id=str(p["site_id"]),
                        node_id=int(p["node_id"]),
                        lon=float(p["lon"]),
                        lat=float(p["lat"]),
                        band=str(p.get("band", "")),
                        teams=int(p.get("teams", 1)),
                        access_s=float(p.get("access_s", 0.0)),
                    )
                    for p in raw.get("posts", [])
                ),
                teams_on_duty=tuple(int(t) for t in raw["teams_on_duty"]),
                hours={k: int(v) for k, v in raw.get("hours", {}).items()},
                shifts=tuple(Shift(**s) for s in raw.get("shifts", [])),
                predicted={k: v for k, v in raw.get("predicted", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"{source}: invalid plan file ({type(exc).__name__}: {exc}); "
                f"regenerate it with `heart-plan place` or `heart-plan run`"
            ) from None


def window_length_h(start_hour: int, end_hour: int) -> int:
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
    """Read a ``plan.json``; a missing or malformed file is a one-line ``DataError``."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"{path}: plan file not found; pass the plan.json a command wrote"
        ) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return Plan.from_dict(raw, source=str(path))


def write_plan(path: str | Path, plan: Plan) -> Path:
    """Write a plan atomically."""
    return write_json(path, plan.to_dict())
