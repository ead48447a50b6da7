"""Scenario configuration: frozen dataclasses loaded from TOML.

A scenario file (``scenarios/durham.toml`` is the embedded default) holds every
assumption that changes a result.  Unknown keys are errors; every key is documented in
the default file.  A ``Scenario`` is a pure, serializable value: ``to_dict`` gives back
a plain dict that ``from_dict`` accepts, so scenarios can be shipped to other processes
or machines unchanged.

Section layout (see CONVENTIONS.md):

``[data]`` where the data comes from; ``[calls]`` the calls export and its column
mapping; ``[eligibility]`` which calls HEART could take; ``[demand]`` calibration and
completion; ``[network]`` road graph, speeds, time bands; ``[response]`` the response
standard; ``[units.<type>]`` per unit type (``crt`` first); ``[baseline]`` the pilot plan;
``[budget]``; ``[candidates]`` candidate posts; ``[expansion]``; ``[shifts]``;
``[simulation]``; ``[solver]``; ``[dispatch]`` how calls meet the unit types;
``[call_center]`` the 911 center (CCD's effect on answer times).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import math
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from heart_plan.errors import ConfigError

HOURS_PER_WEEK = 168
#: Names that become parts of file names (scenario, time bands, unit types): a safe slug.
SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

# ----------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class DataConfig:
    """Where datasets come from.  ``mirror`` empty means: the default resolution order."""

    mirror: str = ""
    local_dir: str = "data"
    on_checksum_mismatch: str = "error"


@dataclass(frozen=True)
class CallsConfig:
    """The calls export: file, column mapping and observation window.

    ``dataset`` is a manifest dataset id, or a path to a CSV/GeoJSON/shapefile export.
    ``schema`` names a built-in column mapping (``durham_mirror_2021`` or ``durham_cad``);
    ``columns`` overrides it entry by entry (normalized name -> source column name).
    ``observed_start``/``observed_end`` (inclusive, local dates) give D, the number of days
    observed; annual rates are counts x 365 / D.  ``coordinates_crs`` is the CRS of the x/y
    columns (empty: the schema's, EPSG:4326 for the mirror, EPSG:2264 for the CAD export).
    """

    dataset: str = "calls_2021"
    schema: str = "durham_mirror_2021"
    columns: dict[str, str] = field(default_factory=dict)
    timezone: str = "America/New_York"
    observed_start: str = "2021-01-01"
    observed_end: str = "2021-09-30"
    coordinates_crs: str = ""
    max_dropped_share: float = 0.05
    min_calls: int = 100


@dataclass(frozen=True)
class EligibilityConfig:
    """Which calls HEART could take (phase-1 list by default)."""

    natures: tuple[str, ...] = ()
    priorities: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    exclude_flag_columns: tuple[str, ...] = ("weapon", "violence")
    exclude_cancelled: bool = True
    exclude_self_initiated: bool = True


@dataclass(frozen=True)
class DemandConfig:
    """Calibration to published totals and completion where no call points exist."""

    calibration_year: int = 2021
    observed_beats: tuple[str, ...] = ()
    city_totals: dict[str, float] = field(default_factory=dict)
    observed_beat_totals: dict[str, float] = field(default_factory=dict)
    covariate: str = "population"
    model: str = "share"
    glm_covariates: tuple[str, ...] = ("incidents_2013",)
    glm_candidates: tuple[str, ...] = ()
    rake_observed: bool = True
    shape_from_nature: dict[str, str] = field(default_factory=dict)
    modeled_points_per_beat: int = 25
    growth_factor: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class TimeBand:
    """A named group of hour-of-week bins sharing one speed factor.

    ``weekday_hours`` apply Monday-Friday, ``weekend_hours`` Saturday-Sunday (hours of day
    0-23).  ``speed_factor`` multiplies free-flow speeds (1.0 = free flow); ``class_factors``
    (road class name of ``[network.speed_kph_by_class]`` -> factor, default 1.0) multiplies
    them again for that class in this band.
    """

    speed_factor: float = 1.0
    weekday_hours: tuple[int, ...] = ()
    weekend_hours: tuple[int, ...] = ()
    class_factors: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkConfig:
    """Road graph source, speeds and time bands."""

    source: str = "trm"
    graph_file: str = ""
    speed_kph_by_class: dict[str, float] = field(default_factory=dict)
    snap_warn_m: float = 500.0
    access_speed_kph: float = 20.0
    isochrone_minutes: tuple[int, ...] = (8, 12, 15)
    time_bands: dict[str, TimeBand] = field(default_factory=dict)

    def band_of_hour(self) -> tuple[str, ...]:
        """The band name of each of the 168 hour-of-week bins (bin 0 = Monday 00:00)."""
        out: list[str] = []
        for b in range(HOURS_PER_WEEK):
            day, hour = divmod(b, 24)
            weekend = day >= 5
            names = [
                name
                for name, band in self.time_bands.items()
                if hour in (band.weekend_hours if weekend else band.weekday_hours)
            ]
            out.append(names[0] if names else "")
        return tuple(out)


@dataclass(frozen=True)
class ResponseConfig:
    """The response standard (drive time from post to scene), and a reported mean response
    (turnout + drive, minutes; 0 = none) the simulated pilot is compared with.
    """

    standard_s: int = 720
    reference_mean_response_min: float = 0.0
    reference_source: str = ""


#: How a team comes back into service after a call (:class:`UnitConfig`).
RETURN_RULES = ("at_post_when_clear", "drive_back", "stay_at_scene")
#: What a unit type does (:class:`UnitConfig` ``role``): ``field`` - teams dispatched to the
#: scene (CRT, CoR); ``phone`` - clinicians resolving calls on the phone inside the 911
#: center (CCD); ``follow_up`` - follow-up after a field response (CN).
UNIT_ROLES = ("field", "phone", "follow_up")


@dataclass(frozen=True)
class PhoneConfig:
    """A phone unit's parameters (``[units.<type>.phone]``, used by ``role = "phone"``,
    i.e. CCD; see :mod:`heart_plan.staffing.ccd`).  All are ASSUMPTIONS (the data has no
    handle times, phone-resolution shares or 911 staffing).

    ``handle_mean_min``: clinician minutes per call handled (exponential in Erlang A/C);
    ``resolved_share``: share of the calls a clinician handles that are resolved by phone
    (the rest go on to the field units); ``patience_mean_s``: mean time a transferred caller
    waits for a free clinician before the call goes on to dispatch (Erlang A abandonment);
    ``answer_within_s`` and ``service_level``: the staffing target (that share of its calls
    answered by a clinician within that many seconds); ``calltaker_added_s``: added 911
    call-taker seconds per call routed to the unit (screening and warm transfer).
    """

    handle_mean_min: float = 20.0
    resolved_share: float = 0.5
    patience_mean_s: float = 120.0
    answer_within_s: float = 60.0
    service_level: float = 0.8
    calltaker_added_s: float = 30.0


@dataclass(frozen=True)
class FollowUpConfig:
    """A follow-up unit's parameters (``[units.<type>.follow_up]``, used by
    ``role = "follow_up"``, i.e. CN; see :mod:`heart_plan.staffing.cn`).

    ``rate``: share of the calls served by ``from_units`` (empty: every field unit) that get
    a follow-up (ASSUMPTION); ``hours_per_follow_up``: navigator hours each (ASSUMPTION);
    ``deadline_h``: hours from the call by which the follow-up must be done (about 48 h,
    published).
    """

    rate: float = 0.3
    hours_per_follow_up: float = 1.5
    deadline_h: float = 48.0
    from_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitConfig:
    """One unit type (``[units.crt]``): crew, busy time, costs.  On-scene times are an
    assumption (no on-scene times in the data): lognormal with the given mean and sd.

    ``return_rule`` (one rule for the simulator and the queue-aware evaluator):
    ``at_post_when_clear`` (default) - a team clear of the scene is free at its post (the
    drive back is neither busy time nor a dispatch origin); ``drive_back`` - it drives back
    and can be dispatched from its last scene on the way; ``stay_at_scene`` - it waits at
    the scene.  Busy time per call is turnout + drive + on-scene under every rule.
    """

    crew_size: int = 3
    on_scene_mean_min: float = 45.0
    on_scene_sd_min: float = 30.0
    turnout_s: int = 60
    return_rule: str = "at_post_when_clear"
    cost_per_staff_hour_usd: float = 50.0
    productive_hours_per_fte: float = 1800.0
    # ASSUMPTION: mean post-to-call drive time (s) when a plan carries none (busy time).
    default_mean_drive_s: float = 480.0
    # ---- all four HEART units (issue 16); the defaults keep a plain CRT section unchanged.
    label: str = ""
    role: str = "field"
    drives: bool = True
    eligible_natures: tuple[str, ...] = ()
    takes_standard: bool = True
    takes_higher_risk: bool = False
    hours: tuple[int, ...] = ()
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    teams: int = 0
    phone: PhoneConfig = PhoneConfig()
    follow_up: FollowUpConfig = FollowUpConfig()

    def __post_init__(self) -> None:
        if self.return_rule not in RETURN_RULES:
            raise ConfigError(
                f"units.*.return_rule = {self.return_rule!r}; use one of "
                f"{', '.join(map(repr, RETURN_RULES))}"
            )
        if self.role not in UNIT_ROLES:
            raise ConfigError(
                f"units.*.role = {self.role!r}; use one of {', '.join(map(repr, UNIT_ROLES))}"
            )

    def on_duty_hours_of_day(self, fallback: tuple[int, int]) -> tuple[int, int]:
        """Daily hours ``[start, end)`` on duty: ``hours``, or ``fallback`` when empty."""
        return (self.hours[0], self.hours[1]) if self.hours else fallback

    def on_duty_by_how(self, fallback: tuple[int, int]) -> tuple[bool, ...]:
        """168 flags (hour of week, bin 0 = Monday 00:00): on duty on ``days`` within the
        daily hours (:meth:`on_duty_hours_of_day`).
        """
        start, end = self.on_duty_hours_of_day(fallback)
        return tuple(
            (b // 24) in self.days and start <= b % 24 < end for b in range(HOURS_PER_WEEK)
        )


@dataclass(frozen=True)
class BaselineConfig:
    """The pilot plan: service area, daily hours [start, end), teams."""

    service_area_beats: tuple[str, ...] = ()
    hours_start: int = 7
    hours_end: int = 19
    teams: int = 2


@dataclass(frozen=True)
class CurrentConfig:
    """Today's operation (``current``, CONVENTIONS.md: Durham since Oct 2023): service area
    (empty = citywide), daily hours [start, end) every day and teams on duty.  The window
    and team count are assumptions (not published); 4 teams 12 hours a day is about the
    ``[budget] crt_fte`` default.
    """

    service_area_beats: tuple[str, ...] = ()
    hours_start: int = 7
    hours_end: int = 19
    teams: int = 4


@dataclass(frozen=True)
class PlacementConfig:
    """Post search (:mod:`heart_plan.planning.posts`): candidate pool size (sites) and
    rounds of best-improvement exchanges per team count.
    """

    pool_size: int = 16
    exchange_rounds: int = 3


@dataclass(frozen=True)
class BudgetConfig:
    """Budget and targets."""

    crt_fte: float = 30.0
    target_reached_share: float = 0.9
    served_share_target: float = 0.9


@dataclass(frozen=True)
class CandidatesConfig:
    """Candidate posts: fire stations and/or road nodes."""

    sources: tuple[str, ...] = ("fire_stations", "road_nodes")


@dataclass(frozen=True)
class ExpansionConfig:
    """Service-area expansion roadmap options and the recommendation's candidate areas.

    ``recommend_beats`` (``run --beats``): a fixed service area for the recommended plan
    (empty: the candidate areas of the roadmap).  ``recommend_hours`` (``run --hours``):
    ``"HH-HH"`` the same daily window every day, ``"24/7"``, or empty (the shift planner
    chooses the hours); see :func:`daily_window_hours`.
    """

    contiguous: bool = True
    max_teams: int = 12
    recommend_every_steps: int = 6
    recommend_beats: tuple[str, ...] = ()
    recommend_hours: str = ""

    def __post_init__(self) -> None:
        try:
            daily_window_hours(self.recommend_hours)
        except ConfigError as exc:
            raise ConfigError(f"expansion.recommend_{exc}") from None


def daily_window_hours(text: str) -> tuple[int, ...] | None:
    """Hours of day of a daily window: ``"07-19"`` -> 7..18, ``"20-04"`` -> 20..23, 0..3,
    ``"24/7"`` or ``"00-24"`` -> 0..23; ``""`` -> None (no window).  Bad text raises a
    ``ConfigError`` naming the fix.
    """
    text = text.strip()
    if not text:
        return None
    if text.lower() in ("24/7", "24x7"):
        return tuple(range(24))
    match = re.fullmatch(r"(\d{1,2})(?::00)?-(\d{1,2})(?::00)?", text)
    start, end = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if not match or not 0 <= start <= 23 or not 1 <= end <= 24 or start == end:
        raise ConfigError(
            f"hours {text!r}: use HH-HH (start 00-23, end 01-24, e.g. 07-19 or 20-04) or 24/7"
        )
    if start < end:
        return tuple(range(start, end))
    return (*range(start, 24), *range(0, end))


@dataclass(frozen=True)
class ShiftsConfig:
    """Shift templates, hard limits and soft-rule penalties of the CP-SAT shift planner
    (``[shifts]``; the one copy: :func:`heart_plan.staffing.shifts.plan_shifts` reads it).

    Penalties are in expected calls served per year per unit (team start at an unsocial
    hour, or day-to-day change of a template's starts).
    """

    lengths_h: tuple[int, ...] = (8, 10, 12)
    start_hours: tuple[int, ...] = (0, 6, 7, 8, 10, 12, 14, 16, 18, 20, 22)
    min_rest_h: int = 10
    max_teams_per_hour: int = 8
    daily_windows_h: tuple[int, ...] = (8, 10, 12, 14, 16, 20, 24)
    # Soft rules (penalties in expected calls served per year; see staffing/shifts.py).
    unsocial_start_hours: tuple[int, ...] = (22, 23, 0, 1, 2, 3, 4, 5)
    unsocial_start_penalty_calls: float = 1.0
    stability_penalty_calls: float = 0.5
    # Shift-planner solver overrides of [solver]: stop within this relative gap; workers.
    relative_gap_limit: float = 0.005
    workers: int = 1
    # FTE budgets of the calls-served-vs-FTE curve.
    fte_curve_budgets: tuple[float, ...] = (10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 44.0, 50.0, 60.0)

    def __post_init__(self) -> None:
        if not self.lengths_h or any(not 1 <= length <= 24 for length in self.lengths_h):
            raise ConfigError("shifts.lengths_h must list shift lengths between 1 and 24 hours")
        if not self.start_hours or any(not 0 <= s < 24 for s in self.start_hours):
            raise ConfigError("shifts.start_hours must list hours of day 0-23")
        if self.max_teams_per_hour < 1:
            raise ConfigError("shifts.max_teams_per_hour must be >= 1")
        if self.min_rest_h < 0:
            raise ConfigError("shifts.min_rest_h must be >= 0")
        if self.unsocial_start_penalty_calls < 0 or self.stability_penalty_calls < 0:
            raise ConfigError("shifts penalties must be >= 0 calls per year")


@dataclass(frozen=True)
class RosterPattern:
    """One work pattern a crew can be rostered on (``[roster.patterns.<name>]``).

    ``length_h``: the fixed shift length; work days per calendar week (Mon-Sun) in
    ``[min_days_per_week, max_days_per_week]``; runs of consecutive work days between
    ``min_consecutive_work_days`` and ``max_consecutive_work_days``; runs of days off at
    most ``max_consecutive_days_off`` (at least ``[roster] min_consecutive_days_off``).
    E.g. 4x10: 10 h, 4 days a week; 4-on-4-off 12s: 12 h, runs of exactly 4 on and 4 off
    (needs a cycle of a multiple of 8 days: ``[roster] weeks = 8``).
    """

    length_h: int = 8
    min_days_per_week: int = 5
    max_days_per_week: int = 5
    min_consecutive_work_days: int = 1
    max_consecutive_work_days: int = 5
    max_consecutive_days_off: int = 7

    def __post_init__(self) -> None:
        if not 1 <= self.length_h <= 24:
            raise ConfigError("roster.patterns.*.length_h must be 1-24 hours")
        if not 0 <= self.min_days_per_week <= self.max_days_per_week <= 7:
            raise ConfigError(
                "roster.patterns.*: need 0 <= min_days_per_week <= max_days_per_week <= 7"
            )
        if not 1 <= self.min_consecutive_work_days <= self.max_consecutive_work_days:
            raise ConfigError(
                "roster.patterns.*: need 1 <= min_consecutive_work_days <= "
                "max_consecutive_work_days"
            )
        if self.max_consecutive_days_off < 1:
            raise ConfigError("roster.patterns.*.max_consecutive_days_off must be >= 1")


def _default_patterns() -> dict[str, RosterPattern]:
    return {
        "5x8": RosterPattern(8, 5, 5, 1, 5, 7),
        "4x10": RosterPattern(10, 4, 4, 1, 4, 7),
        "3x12": RosterPattern(12, 3, 4, 1, 3, 7),
    }


@dataclass(frozen=True)
class OffLineConfig:
    """Unavailable time on duty (``[roster.off_line]``; :mod:`heart_plan.staffing.off_line`).

    Each team slot's on-duty stretch is cut into shifts of at most ``max_shift_h`` hours;
    every shift has one meal break of ``meal_break_min`` and ``rest_breaks_per_8h`` rest
    breaks of ``rest_break_min`` per 8 hours (rounded half up), at scheduled times; every
    served call adds ``documentation_min`` busy minutes after the team clears the scene.
    Zero everywhere = teams on line every minute on duty.
    """

    meal_break_min: float = 30.0
    rest_break_min: float = 15.0
    rest_breaks_per_8h: float = 2.0
    documentation_min: float = 10.0
    max_shift_h: float = 12.0

    def __post_init__(self) -> None:
        if min(self.meal_break_min, self.rest_break_min, self.rest_breaks_per_8h,
               self.documentation_min) < 0:  # fmt: skip
            raise ConfigError(
                "roster.off_line: meal_break_min, rest_break_min, rest_breaks_per_8h and "
                "documentation_min must be >= 0 (0 = none)"
            )
        if not 1.0 <= self.max_shift_h <= 24.0:
            raise ConfigError("roster.off_line.max_shift_h must be 1-24 hours")


@dataclass(frozen=True)
class RosterConfig:
    """Crews, work patterns, rest, hours caps, relief and pay differentials (``[roster]``;
    :mod:`heart_plan.staffing.roster` and :mod:`heart_plan.staffing.pay`).

    Every default is documented in ``scenarios/durham.toml`` with its source or the word
    assumption.
    """

    weeks: int = 1
    max_crews: int = 12
    start_hours: tuple[int, ...] = (0, 6, 7, 8, 10, 12, 14, 16, 18, 20, 22)
    patterns: dict[str, RosterPattern] = field(default_factory=_default_patterns)
    min_rest_h: int = 10
    min_consecutive_days_off: int = 2
    max_weekly_hours: float = 48.0
    max_average_weekly_hours: float = 42.0
    min_crews_per_start: int = 1
    relief_factor: float = 1.2
    night_hours: tuple[int, ...] = (22, 23, 0, 1, 2, 3, 4, 5)
    night_differential: float = 0.10
    weekend_differential: float = 0.05
    overtime_after_weekly_h: float = 40.0
    overtime_premium: float = 0.5
    weekend_work_penalty_calls: float = 0.2
    unsocial_start_penalty_calls: float = 0.5
    overtime_penalty_calls: float = 0.5
    max_deterministic_time: float = 10.0
    relative_gap_limit: float = 0.01
    workers: int = 1
    off_line: OffLineConfig = OffLineConfig()

    def __post_init__(self) -> None:
        if not 1 <= self.weeks <= 8:
            raise ConfigError("roster.weeks must be 1-8 (the repeating cycle, in weeks)")
        if not 1 <= self.max_crews <= 60:
            raise ConfigError("roster.max_crews must be 1-60")
        if not self.start_hours or any(not 0 <= s < 24 for s in self.start_hours):
            raise ConfigError("roster.start_hours must list hours of day 0-23")
        if not self.patterns:
            raise ConfigError("roster.patterns is empty; define at least one pattern")
        if self.relief_factor < 1:
            raise ConfigError("roster.relief_factor must be >= 1 (crews x crew x relief = FTE)")
        if self.min_consecutive_days_off < 1 or self.min_crews_per_start < 1:
            raise ConfigError(
                "roster.min_consecutive_days_off and roster.min_crews_per_start must be >= 1"
            )
        if any(
            v < 0
            for v in (
                self.night_differential, self.weekend_differential, self.overtime_premium,
                self.weekend_work_penalty_calls,
                self.unsocial_start_penalty_calls, self.overtime_penalty_calls,
                self.min_rest_h,
            )
        ):  # fmt: skip
            raise ConfigError("roster: differentials, penalties and rest must be >= 0")
        if self.max_deterministic_time <= 0 or not 0 <= self.relative_gap_limit < 1:
            raise ConfigError(
                "roster.max_deterministic_time must be > 0 and relative_gap_limit in [0, 1)"
            )


#: ``[simulation] variation`` choices (:mod:`heart_plan.simulation.variation`).
VARIATIONS = ("calls+demand", "calls", "on_scene")


@dataclass(frozen=True)
class SimulationConfig:
    """Trace-driven simulation options.  ``max_replications`` caps the replications used to
    tell candidate plans apart (common random numbers; stop once the margin's 95% CI
    excludes zero).  ``variation``: what differs between replications
    (:mod:`heart_plan.simulation.variation`): ``calls+demand`` (default, issue 18: each
    replication sees its own calls at its own per-beat demand level drawn from the demand
    model's interval), ``calls`` (own calls, demand at its estimate) or ``on_scene`` (only
    the on-scene draws on one fixed trace, the narrower intervals before issue 18).
    """

    replications: int = 20
    seed: int = 0
    observed_only: bool = False
    max_replications: int = 200
    first_replications: int = 10
    variation: str = "calls+demand"

    def __post_init__(self) -> None:
        if not 1 <= self.first_replications <= self.max_replications:
            raise ConfigError(
                "simulation.first_replications must be >= 1 and <= simulation.max_replications"
            )


@dataclass(frozen=True)
class DispatchConfig:
    """How an eligible call meets the unit types (``[dispatch]``; :mod:`heart_plan.queueing.
    dispatch`).  ``order``: the unit types tried in turn (empty: phone units, then field units
    in file order); a call goes to the first that takes it (its nature, its risk class), is on
    duty and has a team or clinician free; a phone unit resolves ``phone.resolved_share`` of
    the calls it handles and passes the rest on; a call no unit takes goes to police (not
    reached by HEART).  ``higher_risk_share``: ASSUMPTION (the data has no weapon or violence
    flags): share of eligible calls with a weapon or violence present, taken only by units
    with ``takes_higher_risk`` (CoR).
    """

    order: tuple[str, ...] = ()
    higher_risk_share: float = 0.1


@dataclass(frozen=True)
class CallCenterConfig:
    """The 911 center whose call-takers answer every call (``[call_center]``; used by
    :func:`heart_plan.staffing.ccd.calltaker_effect`).  ASSUMPTIONS all (the data has no 911
    volumes or staffing): ``calls_per_year`` answered by call-takers, spread over the week like
    the eligible calls; ``calltakers_by_hour`` on duty per hour of day (24 values);
    ``handle_mean_s`` call-taker seconds per call; ``patience_mean_s`` mean time a caller
    waits before hanging up (Erlang A).  ``standard_answer_s`` / ``standard_share``: the
    answer-time standard (90% within 15 s, NENA; published).
    """

    calls_per_year: float = 250_000.0
    calltakers_by_hour: tuple[int, ...] = (6,) * 24
    handle_mean_s: float = 120.0
    patience_mean_s: float = 60.0
    standard_answer_s: float = 15.0
    standard_share: float = 0.9


@dataclass(frozen=True)
class SolverConfig:
    """The one solver configuration (``[solver]``): every MIP (SCIP/HiGHS) and CP-SAT
    solve reads it.  Fixed ``seed`` and ``workers`` (threads, <= 2 here; also the processes
    of a run's independent steps, :mod:`heart_plan.processes`); stop within
    ``relative_gap_limit`` (0 proves optimality); ``max_deterministic_time`` is CP-SAT's
    deterministic limit (MIP solves run to the gap, with a wall-clock safety net).
    """

    seed: int = 0
    workers: int = 2
    max_deterministic_time: float = 30.0
    relative_gap_limit: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= int(self.workers) <= 64:
            raise ConfigError(f"solver.workers: got {self.workers}; expected 1..64 (use 2)")
        if not 0.0 <= float(self.relative_gap_limit) < 1.0:
            raise ConfigError(
                f"solver.relative_gap_limit: got {self.relative_gap_limit}; "
                "expected 0 <= gap < 1 (0 proves optimality)"
            )
        if not float(self.max_deterministic_time) > 0:
            raise ConfigError(
                f"solver.max_deterministic_time: got {self.max_deterministic_time}; "
                "expected a positive number"
            )


@dataclass(frozen=True)
class Scenario:
    """A whole scenario.  ``source`` and ``sha256`` identify the file it came from."""

    name: str = "durham"
    description: str = ""
    data: DataConfig = DataConfig()
    calls: CallsConfig = CallsConfig()
    eligibility: EligibilityConfig = EligibilityConfig()
    demand: DemandConfig = DemandConfig()
    network: NetworkConfig = NetworkConfig()
    response: ResponseConfig = ResponseConfig()
    units: dict[str, UnitConfig] = field(default_factory=dict)
    baseline: BaselineConfig = BaselineConfig()
    current: CurrentConfig = CurrentConfig()
    budget: BudgetConfig = BudgetConfig()
    candidates: CandidatesConfig = CandidatesConfig()
    expansion: ExpansionConfig = ExpansionConfig()
    placement: PlacementConfig = PlacementConfig()
    shifts: ShiftsConfig = ShiftsConfig()
    roster: RosterConfig = RosterConfig()
    simulation: SimulationConfig = SimulationConfig()
    solver: SolverConfig = SolverConfig()
    dispatch: DispatchConfig = DispatchConfig()
    call_center: CallCenterConfig = CallCenterConfig()
    source: str = field(default="", compare=False)
    sha256: str = field(default="", compare=False)

    @property
    def crt(self) -> UnitConfig:
        """The CRT unit section (the field unit placed by the planner)."""
        return self.units["crt"]

    def dispatch_order(self) -> tuple[str, ...]:
        """The unit types an eligible call meets in turn (``[dispatch] order``, or phone
        units then field units in file order when it is empty).
        """
        if self.dispatch.order:
            return self.dispatch.order
        phone = [n for n, u in self.units.items() if u.role == "phone"]
        return (*phone, *(n for n, u in self.units.items() if u.role == "field"))

    def unit_natures(self, name: str) -> tuple[str, ...]:
        """The eligible natures of unit ``name``: its list within ``[eligibility] natures``
        (every eligible nature when its list is empty).
        """
        own = self.units[name].eligible_natures
        if not own:
            return self.eligibility.natures
        return tuple(n for n in own if n in self.eligibility.natures)

    def unit_takes(self, name: str, nature: str, higher_risk: bool) -> bool:
        """Whether unit ``name`` takes a call of ``nature`` and risk class (``[dispatch]``:
        its natures, ``takes_standard`` / ``takes_higher_risk``).
        """
        if nature not in self.unit_natures(name):
            return False
        unit = self.units[name]
        return unit.takes_higher_risk if higher_risk else unit.takes_standard

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serializable dict (the resolved configuration)."""
        out = _to_plain(self)
        out.pop("source", None)
        out.pop("sha256", None)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "<dict>") -> Scenario:
        """Build and validate a scenario from a dict; unknown keys raise ``ConfigError``."""
        scenario = _build(cls, raw, source, "")
        _validate(scenario, source)
        return scenario


# ----------------------------------------------------------------------------- loading


DEFAULT_SCENARIO_NAME = "durham.toml"


def default_scenario_path() -> Path:
    """The embedded default scenario shipped with the package."""
    return Path(str(resources.files("heart_plan") / "scenarios" / DEFAULT_SCENARIO_NAME))


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load a scenario TOML file (the embedded Durham default when ``path`` is None).

    A file may start with ``extends = "durham"`` (the embedded default) or ``extends =
    "other.toml"`` (a path, relative to the file) and set only what changes: tables are
    merged key by key into the base (a partial ``[units.crt]`` keeps the base's other
    keys), lists and values replace the base's, and ``[network.time_bands]`` replaces the
    base's bands as a whole (bands must cover the week together).  A file that extends
    another must set its own ``name`` (it names the output folder).
    """
    path = Path(path) if path is not None else default_scenario_path()
    raw, digest = _read_raw(path, chain=())
    scenario = Scenario.from_dict(raw, source=str(path))
    return dataclasses.replace(scenario, source=str(path), sha256=digest)


#: ``extends = "durham"`` names the embedded default.
EMBEDDED_SCENARIOS = {"durham": DEFAULT_SCENARIO_NAME}
#: Tables replaced as a whole by an extending file (their entries only make sense together).
REPLACED_TABLES = ("network.time_bands",)


def _read_raw(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], str]:
    """The merged raw dict of ``path`` (``extends`` resolved) and a sha256 of the chain."""
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        what = f"extended by {chain[-1]}" if chain else "pass an existing file to --scenario"
        raise ConfigError(
            f"{path}: scenario file not found; {what}"
            + ("" if chain else " or omit it to use the embedded Durham default")
        ) from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    digest = hashlib.sha256(raw_bytes).hexdigest()
    if "extends" not in raw:
        return raw, digest
    base_ref = raw.pop("extends")
    if not isinstance(base_ref, str) or not base_ref.strip():
        raise ConfigError(
            f'{path}: extends must be "durham" or the path of a scenario file, got {base_ref!r}'
        )
    if "name" not in raw:
        raise ConfigError(
            f"{path}: a scenario that extends {base_ref!r} must set its own name (name = "
            f'"{path.stem}"); the name is its output folder, outputs/<name>'
        )
    if base_ref in EMBEDDED_SCENARIOS:
        base_path = Path(str(resources.files("heart_plan") / "scenarios"))
        base_path = base_path / EMBEDDED_SCENARIOS[base_ref]
    else:
        base_path = (path.parent / base_ref).resolve()
    if base_path.resolve() in {p.resolve() for p in (*chain, path)}:
        raise ConfigError(f"{path}: extends {base_ref!r} makes a loop; remove one extends")
    base, base_digest = _read_raw(base_path, (*chain, path))
    merged = _deep_merge(base, raw, "")
    return merged, hashlib.sha256((base_digest + digest).encode("utf-8")).hexdigest()


def _deep_merge(base: dict[str, Any], over: dict[str, Any], where: str) -> dict[str, Any]:
    """``base`` with ``over`` merged in: tables key by key, everything else replaced."""
    out = dict(base)
    for key, value in over.items():
        path = f"{where}.{key}" if where else key
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and path not in (REPLACED_TABLES)
        ):
            out[key] = _deep_merge(out[key], value, path)
        else:
            out[key] = value
    return out


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A scenario with dotted-key overrides applied (``{"response.standard_s": 600}``),
    validated like a file; the sha256 covers the source file's hash and the overrides.
    """
    if not overrides:
        return scenario
    raw = scenario.to_dict()
    for dotted, value in sorted(overrides.items()):
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            if not isinstance(node.get(key), dict):
                raise ConfigError(f"override {dotted!r}: no section {key!r} in the scenario")
            node = node[key]
        if leaf not in node:
            raise ConfigError(f"override {dotted!r}: unknown key {leaf!r}; see the scenario file")
        node[leaf] = value
    out = Scenario.from_dict(raw, source=f"{scenario.source} + overrides")
    digest = hashlib.sha256(
        (scenario.sha256 + repr(sorted(overrides.items()))).encode("utf-8")
    ).hexdigest()
    return dataclasses.replace(out, source=scenario.source, sha256=digest)


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_to_plain(v) for v in value]
    return value


def _build(cls: type, raw: Any, source: str, where: str) -> Any:
    """Recursively build dataclass ``cls`` from ``raw``, rejecting unknown keys."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{where or 'top level'}] must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.compare}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r} in [{where or 'top level'}]; "
            f"allowed keys: {', '.join(sorted(names))}"
        )
    kwargs = {}
    for key, value in raw.items():
        kwargs[key] = _coerce(hints[key], value, source, f"{where}.{key}" if where else key)
    try:
        return cls(**kwargs)
    except ConfigError as exc:  # a section's own checks (__post_init__): name the file
        message = str(exc)
        raise ConfigError(
            message if message.startswith(source) else f"{source}: {message}"
        ) from None


def _coerce(hint: Any, value: Any, source: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), value, source, where)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {where} must be a table, got {value!r}")
        return {str(k): _coerce(args[1], v, source, f"{where}.{k}") for k, v in value.items()}
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {where} must be a list, got {value!r}")
        return tuple(_coerce(args[0], v, source, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {where} must be a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {where} must be an integer, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {where} must be true or false, got {value!r}")
        return value
    if hint is str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {where} must be a string, got {value!r}")
        return value
    return value


def _validate(s: Scenario, source: str) -> None:
    """Cross-field checks that keep later steps from failing obscurely."""
    _validate_ranges(s, source)
    if "crt" not in s.units:
        raise ConfigError(f"{source}: missing [units.crt]; add the CRT unit section")
    if not s.eligibility.natures:
        raise ConfigError(f"{source}: eligibility.natures is empty; list the eligible natures")
    if s.response.standard_s <= 0:
        raise ConfigError(f"{source}: response.standard_s must be > 0 seconds")
    if not 0 <= s.baseline.hours_start < 24 or not 0 < s.baseline.hours_end <= 24:
        raise ConfigError(f"{source}: baseline.hours_start/hours_end must be hours 0-24")
    if s.baseline.teams < 0:
        raise ConfigError(f"{source}: baseline.teams must be >= 0")
    if not 0 < s.budget.target_reached_share <= 1:
        raise ConfigError(f"{source}: budget.target_reached_share must be in (0, 1]")
    if not 1 <= s.solver.workers <= 64:
        raise ConfigError(f"{source}: solver.workers must be between 1 and 64")
    if s.expansion.recommend_every_steps < 1:
        raise ConfigError(f"{source}: expansion.recommend_every_steps must be >= 1")
    if s.demand.growth_factor <= 0:
        raise ConfigError(f"{source}: demand.growth_factor must be > 0")
    if len(s.demand.glm_covariates) > 3:
        raise ConfigError(
            f"{source}: demand.glm_covariates must list at most 3 covariates, got "
            f"{list(s.demand.glm_covariates)}; twelve observed beats cannot support more"
        )
    for name, unit in s.units.items():
        if unit.crew_size < 1 or unit.productive_hours_per_fte <= 0:
            raise ConfigError(f"{source}: units.{name}: crew_size and hours must be positive")
        if unit.on_scene_mean_min <= 0 or unit.on_scene_sd_min < 0:
            raise ConfigError(f"{source}: units.{name}: on-scene mean must be > 0, sd >= 0")
    _validate_unit_types(s, source)
    if not s.network.time_bands:
        raise ConfigError(
            f"{source}: network.time_bands is empty; define at least one band covering all "
            f"168 hours (e.g. [network.time_bands.all] with weekday_hours and weekend_hours 0-23)"
        )
    bands = s.network.band_of_hour()
    missing = [b for b, name in enumerate(bands) if not name]
    if missing:
        raise ConfigError(
            f"{source}: network.time_bands leave hour-of-week bin {missing[0]} "
            f"without a band; every weekday and weekend hour 0-23 needs exactly one band"
        )
    for name, band in s.network.time_bands.items():
        if band.speed_factor <= 0:
            raise ConfigError(f"{source}: network.time_bands.{name}.speed_factor must be > 0")
        unknown = sorted(set(band.class_factors) - set(s.network.speed_kph_by_class))
        if unknown and s.network.speed_kph_by_class:
            raise ConfigError(
                f"{source}: network.time_bands.{name}.class_factors has {unknown[0]!r}, not a "
                f"class of [network.speed_kph_by_class]; use one of "
                f"{', '.join(s.network.speed_kph_by_class)}"
            )
        for h in (*band.weekday_hours, *band.weekend_hours):
            if not 0 <= h < 24:
                raise ConfigError(f"{source}: network.time_bands.{name}: hour {h} not 0-23")
    for day_kind in ("weekday_hours", "weekend_hours"):
        seen: dict[int, str] = {}
        for name, band in s.network.time_bands.items():
            for h in getattr(band, day_kind):
                if h in seen:
                    raise ConfigError(
                        f"{source}: network.time_bands: {day_kind} hour {h} is in both "
                        f"{seen[h]!r} and {name!r}; each hour belongs to one band"
                    )
                seen[h] = name


def _validate_unit_types(s: Scenario, source: str) -> None:
    """Checks of the unit-type keys of issue 16 (roles, natures, hours, dispatch order)."""
    # a unit may list natures the scenario has narrowed out of [eligibility] (they are then
    # ignored), but every name must be a known nature (catches typos)
    natures = {*s.eligibility.natures, *s.demand.city_totals, *s.demand.observed_beat_totals}
    for name, unit in s.units.items():
        where = f"{source}: units.{name}"
        if unit.role == "phone" and unit.drives:
            raise ConfigError(f"{where}: a phone unit does not drive; set drives = false")
        if unit.role == "field" and not unit.drives:
            raise ConfigError(f"{where}: a field unit drives; set drives = true or change role")
        unknown = [n for n in unit.eligible_natures if n not in natures]
        if unknown:
            raise ConfigError(
                f"{where}.eligible_natures: {unknown[0]!r} is not a known nature; list "
                f"natures from eligibility.natures or demand.city_totals (or [] for all)"
            )
        if unit.role != "follow_up" and not (unit.takes_standard or unit.takes_higher_risk):
            raise ConfigError(
                f"{where}: takes neither standard nor higher-risk calls; set takes_standard "
                f"or takes_higher_risk to true"
            )
        if unit.hours and (len(unit.hours) != 2 or not 0 <= unit.hours[0] < unit.hours[1] <= 24):
            raise ConfigError(
                f"{where}.hours = {list(unit.hours)}; give [start, end) hours of day with "
                f"0 <= start < end <= 24 (e.g. [6, 21]), or [] for the plan's hours"
            )
        if not unit.days or len(set(unit.days)) != len(unit.days):
            raise ConfigError(f"{where}.days: list each day 0 (Monday) - 6 (Sunday) once")
        for other in unit.follow_up.from_units:
            if other not in s.units or s.units[other].role != "field":
                raise ConfigError(
                    f"{where}.follow_up.from_units: {other!r} is not a field unit in [units]; "
                    f'list field units (e.g. "crt") or [] for all'
                )
    seen: set[str] = set()
    for name in s.dispatch.order:
        if name not in s.units or s.units[name].role == "follow_up":
            raise ConfigError(
                f"{source}: dispatch.order: {name!r} is not a field or phone unit in [units]; "
                f'list unit types defined as [units.<type>] (e.g. "ccd", "crt", "cor")'
            )
        if name in seen:
            raise ConfigError(f"{source}: dispatch.order lists {name!r} twice; list it once")
        if s.units[name].role == "phone" and any(s.units[n].role == "field" for n in seen):
            raise ConfigError(
                f"{source}: dispatch.order: phone unit {name!r} comes after a field unit; "
                f"list phone units (resolved on the phone first) before field units"
            )
        seen.add(name)
    if len(s.call_center.calltakers_by_hour) != 24:
        raise ConfigError(
            f"{source}: call_center.calltakers_by_hour has "
            f"{len(s.call_center.calltakers_by_hour)} values; give 24 (hours of day 0-23)"
        )


# ----------------------------------------------------------------------------- ranges

#: Bounds of every numeric key: (low, high, low_exclusive).  Path patterns use ``*`` for a
#: table key chosen by the user (a band, a unit type, a nature) and ``[]`` for list items.
#: Every float must also be finite.  ``tests/test_validation.py`` checks that every numeric
#: field of the scenario has an entry here.
BOUNDS: dict[str, tuple[float, float, bool]] = {
    "calls.max_dropped_share": (0.0, 1.0, False),
    "calls.min_calls": (1, 10_000_000, False),
    "eligibility.priorities[]": (0, 99, False),
    "demand.calibration_year": (1900, 2100, False),
    "demand.city_totals.*": (0.0, 1e9, False),
    "demand.observed_beat_totals.*": (0.0, 1e9, False),
    "demand.modeled_points_per_beat": (1, 10_000, False),
    "demand.growth_factor": (0.0, 100.0, True),
    "demand.seed": (0, 2**32 - 1, False),
    "network.speed_kph_by_class.*": (0.0, 200.0, True),
    "network.snap_warn_m": (0.0, 100_000.0, False),
    "network.access_speed_kph": (0.0, 200.0, True),
    "network.isochrone_minutes[]": (1, 180, False),
    "network.time_bands.*.speed_factor": (0.0, 10.0, True),
    "network.time_bands.*.class_factors.*": (0.0, 10.0, True),
    "network.time_bands.*.weekday_hours[]": (0, 23, False),
    "network.time_bands.*.weekend_hours[]": (0, 23, False),
    "response.standard_s": (1, 86_400, False),
    "response.reference_mean_response_min": (0.0, 1440.0, False),
    "units.*.crew_size": (1, 50, False),
    "units.*.on_scene_mean_min": (0.0, 1440.0, True),
    "units.*.on_scene_sd_min": (0.0, 1440.0, False),
    "units.*.turnout_s": (0, 3600, False),
    "units.*.cost_per_staff_hour_usd": (0.0, 10_000.0, False),
    "units.*.productive_hours_per_fte": (0.0, 8784.0, True),
    "units.*.default_mean_drive_s": (0.0, 86_400.0, False),
    "units.*.hours[]": (0, 24, False),
    "units.*.days[]": (0, 6, False),
    "units.*.teams": (0, 1000, False),
    "units.*.phone.handle_mean_min": (0.0, 1440.0, True),
    "units.*.phone.resolved_share": (0.0, 1.0, False),
    "units.*.phone.patience_mean_s": (0.0, 86_400.0, True),
    "units.*.phone.answer_within_s": (0.0, 86_400.0, False),
    "units.*.phone.service_level": (0.0, 0.999, True),
    "units.*.phone.calltaker_added_s": (0.0, 3600.0, False),
    "units.*.follow_up.rate": (0.0, 1.0, False),
    "units.*.follow_up.hours_per_follow_up": (0.0, 100.0, True),
    "units.*.follow_up.deadline_h": (1.0, 8760.0, False),
    "dispatch.higher_risk_share": (0.0, 1.0, False),
    "call_center.calls_per_year": (0.0, 1e9, False),
    "call_center.calltakers_by_hour[]": (0, 10_000, False),
    "call_center.handle_mean_s": (0.0, 86_400.0, True),
    "call_center.patience_mean_s": (0.0, 86_400.0, True),
    "call_center.standard_answer_s": (0.0, 86_400.0, False),
    "call_center.standard_share": (0.0, 1.0, True),
    "baseline.hours_start": (0, 23, False),
    "baseline.hours_end": (1, 24, False),
    "baseline.teams": (0, 1000, False),
    "current.hours_start": (0, 23, False),
    "current.hours_end": (1, 24, False),
    "current.teams": (1, 1000, False),
    "placement.pool_size": (1, 100_000, False),
    "placement.exchange_rounds": (0, 1000, False),
    "budget.crt_fte": (0.0, 100_000.0, False),
    "budget.target_reached_share": (0.0, 1.0, True),
    "budget.served_share_target": (0.0, 1.0, True),
    "expansion.max_teams": (1, 100, False),
    "expansion.recommend_every_steps": (1, 1000, False),
    "shifts.lengths_h[]": (1, 24, False),
    "shifts.start_hours[]": (0, 23, False),
    "shifts.min_rest_h": (0, 48, False),
    "shifts.max_teams_per_hour": (1, 1000, False),
    "shifts.daily_windows_h[]": (1, 24, False),
    "shifts.unsocial_start_hours[]": (0, 23, False),
    "shifts.unsocial_start_penalty_calls": (0.0, 1e6, False),
    "shifts.stability_penalty_calls": (0.0, 1e6, False),
    "shifts.relative_gap_limit": (0.0, 1.0, False),
    "shifts.workers": (1, 64, False),
    "shifts.fte_curve_budgets[]": (0.0, 100_000.0, False),
    "roster.weeks": (1, 8, False),
    "roster.max_crews": (1, 60, False),
    "roster.start_hours[]": (0, 23, False),
    "roster.min_rest_h": (0, 48, False),
    "roster.min_consecutive_days_off": (1, 7, False),
    "roster.max_weekly_hours": (1.0, 168.0, False),
    "roster.max_average_weekly_hours": (1.0, 168.0, False),
    "roster.min_crews_per_start": (1, 60, False),
    "roster.relief_factor": (1.0, 10.0, False),
    "roster.night_hours[]": (0, 23, False),
    "roster.night_differential": (0.0, 10.0, False),
    "roster.weekend_differential": (0.0, 10.0, False),
    "roster.overtime_after_weekly_h": (0.0, 168.0, False),
    "roster.overtime_premium": (0.0, 10.0, False),
    "roster.weekend_work_penalty_calls": (0.0, 1e6, False),
    "roster.unsocial_start_penalty_calls": (0.0, 1e6, False),
    "roster.overtime_penalty_calls": (0.0, 1e6, False),
    "roster.max_deterministic_time": (0.0, 1e6, True),
    "roster.relative_gap_limit": (0.0, 1.0, False),
    "roster.workers": (1, 64, False),
    "roster.off_line.meal_break_min": (0.0, 240.0, False),
    "roster.off_line.rest_break_min": (0.0, 120.0, False),
    "roster.off_line.rest_breaks_per_8h": (0.0, 8.0, False),
    "roster.off_line.documentation_min": (0.0, 240.0, False),
    "roster.off_line.max_shift_h": (1.0, 24.0, False),
    "roster.patterns.*.length_h": (1, 24, False),
    "roster.patterns.*.min_days_per_week": (0, 7, False),
    "roster.patterns.*.max_days_per_week": (0, 7, False),
    "roster.patterns.*.min_consecutive_work_days": (1, 56, False),
    "roster.patterns.*.max_consecutive_work_days": (1, 56, False),
    "roster.patterns.*.max_consecutive_days_off": (1, 56, False),
    "simulation.replications": (1, 10_000, False),
    "simulation.seed": (0, 2**32 - 1, False),
    "simulation.first_replications": (1, 10_000, False),
    "simulation.max_replications": (1, 10_000, False),
    "solver.seed": (0, 2**31 - 1, False),
    "solver.workers": (1, 64, False),
    "solver.max_deterministic_time": (0.0, 1e6, True),
    "solver.relative_gap_limit": (0.0, 1.0, False),
}
#: Keys whose value is one of a few strings.
CHOICES: dict[str, tuple[str, ...]] = {
    "data.on_checksum_mismatch": ("error", "warn"),
    "simulation.variation": VARIATIONS,
    "network.source": ("trm", "osm_file", "online"),
    "demand.covariate": ("population", "incidents_2013", "blend"),
    "demand.model": ("share", "glm"),
}
#: Lists that must not be empty.
NON_EMPTY = ("shifts.lengths_h", "shifts.start_hours", "shifts.daily_windows_h")


def numeric_leaves(value: Any, path: str = "", pattern: str = "") -> typing.Iterator[tuple]:
    """(path, pattern, value) of every leaf of a scenario (dataclasses, tables, lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if not f.compare:
                continue
            sub = f"{path}.{f.name}" if path else f.name
            pat = f"{pattern}.{f.name}" if pattern else f.name
            yield from numeric_leaves(getattr(value, f.name), sub, pat)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from numeric_leaves(v, f"{path}.{k}", f"{pattern}.*")
    elif isinstance(value, tuple | list):
        for i, v in enumerate(value):
            yield from numeric_leaves(v, f"{path}[{i}]", f"{pattern}[]")
    else:
        yield path, pattern, value


def _validate_ranges(s: Scenario, source: str) -> None:
    """Every number finite and inside ``BOUNDS``; choices and names checked."""
    for path, pattern, value in numeric_leaves(s):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{source}: {path} = {value!r} must be a finite number")
        bounds = BOUNDS.get(pattern)
        if bounds is None:
            continue
        lo, hi, lo_open = bounds
        if (value <= lo if lo_open else value < lo) or value > hi:
            low = f"> {lo:g}" if lo_open else f">= {lo:g}"
            raise ConfigError(
                f"{source}: {path} = {value!r} is out of range; it must be {low} and <= {hi:g}"
            )
    for key, allowed in CHOICES.items():
        section, name = key.split(".")
        value = getattr(getattr(s, section), name)
        if value not in allowed:
            raise ConfigError(
                f"{source}: {key} = {value!r}; use one of {', '.join(map(repr, allowed))}"
            )
    for key in NON_EMPTY:
        section, name = key.split(".")
        if not getattr(getattr(s, section), name):
            raise ConfigError(f"{source}: {key} is empty; list at least one value")
    names = [("name", s.name)]
    names += [(f"network.time_bands.{b}", b) for b in s.network.time_bands]
    names += [(f"units.{u}", u) for u in s.units]
    for where, name in names:
        if not SLUG_RE.fullmatch(name):
            raise ConfigError(
                f"{source}: {where}: name {name!r} is not allowed (it becomes part of file "
                f"names); use letters, digits, '_' and '-' only, at most 64 characters, "
                f"starting with a letter or digit"
            )
    for i, nature in enumerate(s.eligibility.natures):
        if not nature.strip() or len(nature) > 100 or any(ord(c) < 32 for c in nature):
            raise ConfigError(
                f"{source}: eligibility.natures[{i}] = {nature!r}; natures must be 1-100 "
                f"printable characters"
            )
    for i, beat in enumerate(s.baseline.service_area_beats):
        if not beat.strip():
            raise ConfigError(f"{source}: baseline.service_area_beats[{i}] is empty")
    dates = {}
    for key in ("observed_start", "observed_end"):
        text = getattr(s.calls, key)
        try:
            dates[key] = _dt.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"{source}: calls.{key} = {text!r} is not a date; use YYYY-MM-DD"
            ) from None
    if dates["observed_end"] < dates["observed_start"]:
        raise ConfigError(
            f"{source}: calls.observed_end {s.calls.observed_end} is before "
            f"calls.observed_start {s.calls.observed_start}; swap them"
        )
