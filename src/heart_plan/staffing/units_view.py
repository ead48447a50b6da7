"""All four HEART units in one week: hours, teams or staff, FTE, cost, calls per unit.

:func:`units_view` takes the citywide eligible calls per year by nature and hour of week
and the scenario's ``[units.<type>]``, ``[dispatch]`` and ``[call_center]`` sections, and
walks each hour of the week through the dispatch order:

1. **Phone units** (CCD; :mod:`heart_plan.staffing.ccd`): the standard-risk calls of their
   natures, while on duty, are transferred to clinicians (Erlang A); the answered ones are
   handled and ``phone.resolved_share`` of them resolved by phone (``resolved_by_phone``:
   never added to served or reached); the rest go on.
2. **Field units** (CRT, CoR): each nature x risk class (``[dispatch] higher_risk_share``)
   meets the field types in order that take it and are on duty; each type is a loss model
   (Erlang B, busy time = turnout + ``default_mean_drive_s`` + on-scene mean) with the
   earlier types' overflow added (:func:`heart_plan.queueing.dispatch.overflow_approximation`).
   This gives calls *served*, not *reached*: it has no drive times (the queue-aware
   evaluator and the simulator, which have them, are not wired to the other unit types yet).
3. **Follow-up units** (CN; :mod:`heart_plan.staffing.cn`): follow-ups of the calls served
   by the field units, navigators for the deadline.

CRT's hours and teams are the plan's: ``[current]`` (today, citywide) when ``[units.crt]``
has ``hours = []`` / ``teams = 0``.  FTE of every unit by the roster convention (CONVENTIONS
"FTE"): the least-cost roster of its cover, FTE = crews x crew x relief, cost = its pay
(:func:`heart_plan.staffing.cover_staff.staff_cover`; position-hours x crew / productive
hours only when no roster fits, said in ``fte_basis``).  The view is
citywide: ``[current] service_area_beats`` is not applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import ModelError
from heart_plan.queueing.dispatch import CallClass, TypeCapacity, overflow_approximation
from heart_plan.staffing.ccd import (
    CalltakerEffect,
    CcdWeek,
    calltaker_effect,
    ccd_week,
    clinicians_needed_by_how,
    staffing_curve,
)
from heart_plan.staffing.cn import CnAnswer, navigators_needed
from heart_plan.staffing.cover_staff import staff_cover
from heart_plan.staffing.workload import WEEKS_PER_YEAR, unit_busy_time_h

#: Service levels of the CCD staffing curve (the scenario's target is added).
CURVE_SERVICE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: Scenario keys (ASSUMPTIONS) behind every field-unit figure (``{u}`` = unit name).
FIELD_ASSUMPTIONS = (
    "units.{u}.on_scene_mean_min",
    "units.{u}.default_mean_drive_s",
    "units.{u}.turnout_s",
    "units.{u}.eligible_natures",
    "units.{u}.hours",
    "units.{u}.teams",
    "dispatch.higher_risk_share",
    "dispatch.order",
)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class UnitRow:
    """One unit type's figures for a year (see :func:`units_view`).

    ``fte`` / ``cost_per_year_usd``: the least-cost roster of the unit's cover
    (:func:`heart_plan.staffing.cover_staff.staff_cover`; ``fte_basis`` says how).
    ``handled_calls_per_year``: served (field), answered by a clinician (phone) or followed
    up (follow-up).  ``reached_share_of_unit_eligible``: answered share for a phone unit;
    NaN for field units (no drive times in this view: ``served_share_of_unit_eligible``).
    """

    unit: str
    label: str
    role: str
    drives: bool
    hours: str
    days: str
    on_duty_hours_per_week: int
    teams_or_staff: int
    teams_basis: str
    position_hours_per_week: float
    fte: float
    cost_per_year_usd: float
    eligible_calls_per_year: float
    handled_calls_per_year: float
    served_share_of_unit_eligible: float
    reached_share_of_unit_eligible: float
    assumptions: tuple[str, ...]
    fte_basis: str = ""


@dataclass(frozen=True)
class UnitsView:
    """Every unit type over one week, citywide (see module).

    ``field_hours``: per hour of week and field type ``hour_of_week, unit, teams,
    offered_per_h, served_per_h, blocking``.  ``ccd`` / ``ccd_curve`` / ``calltaker`` for the
    first phone unit and ``cn`` for the first follow-up unit (``None`` without one).
    """

    rows: tuple[UnitRow, ...]
    field_hours: pd.DataFrame
    eligible_calls_per_year: float
    served_calls_per_year: float
    resolved_by_phone_calls_per_year: float
    ccd: CcdWeek | None
    ccd_unit: str
    ccd_curve: pd.DataFrame | None
    calltaker: CalltakerEffect | None
    cn: CnAnswer | None
    cn_unit: str

    @property
    def served_share(self) -> float:
        """Share of citywide eligible calls served by a field unit (CRT, CoR)."""
        return self.served_calls_per_year / self.eligible_calls_per_year

    @property
    def resolved_by_phone_share(self) -> float:
        """Share of citywide eligible calls resolved by phone (never added to served)."""
        return self.resolved_by_phone_calls_per_year / self.eligible_calls_per_year

    def table(self) -> pd.DataFrame:
        """One row per unit plus ``all`` (budget view: FTE and cost summed)."""
        frame = pd.DataFrame(
            [{**r.__dict__, "assumptions": "; ".join(r.assumptions)} for r in self.rows]
        )
        total: dict[str, object] = {
            c: np.nan if pd.api.types.is_numeric_dtype(frame[c]) else "" for c in frame.columns
        }
        total.update(
            unit="all", label="all four units (budget view)",
            position_hours_per_week=float(frame["position_hours_per_week"].sum()),
            fte=float(frame["fte"].sum()), cost_per_year_usd=float(frame["cost_per_year_usd"].sum()),
        )  # fmt: skip
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)

    def assumptions(self) -> pd.DataFrame:
        """``output, scenario_key``: every ASSUMPTION each output depends on."""
        rows = [(f"units.csv:{r.unit}", key) for r in self.rows for key in r.assumptions]
        if self.calltaker is not None:
            rows += [("ccd_911_effect.csv", key) for key in self.calltaker.assumptions]
        if self.ccd is not None:
            rows += [("ccd_staffing_curve.csv", key) for key in self.ccd.assumptions]
        if self.cn is not None:
            rows += [("cn_staff.csv", key) for key in self.cn.assumptions]
        return pd.DataFrame(rows, columns=["output", "scenario_key"])


def _hours_text(start: int, end: int) -> str:
    return f"{start:02d}:00-{end:02d}:00"


def _days_text(days: tuple[int, ...]) -> str:
    if sorted(days) == list(range(7)):
        return "every day"
    return " ".join(_DAYS[d] for d in sorted(days))


def _plan_hours(scenario: Scenario, name: str) -> tuple[int, int]:
    """A unit's daily hours; ``[current]`` for one without its own (CRT)."""
    return scenario.units[name].on_duty_hours_of_day(
        (scenario.current.hours_start, scenario.current.hours_end)
    )


def _field_teams(scenario: Scenario, name: str) -> tuple[int, str]:
    unit = scenario.units[name]
    if unit.teams > 0:
        return unit.teams, f"[units.{name}] teams"
    if name == "crt":
        return scenario.current.teams, "[current] teams (today)"
    raise ModelError(
        f"units.{name}: a field unit needs teams >= 1 (or, for crt, [current] teams); set it"
    )


def units_view(arrivals_by_nature: Mapping[str, ArrayLike], scenario: Scenario) -> UnitsView:
    """All unit types of ``scenario`` for the eligible calls ``arrivals_by_nature`` (calls
    per year per hour-of-week bin, citywide, one array of 168 per eligible nature).
    """
    calls = {n: np.asarray(v, dtype=float) for n, v in arrivals_by_nature.items()}
    for n, v in calls.items():
        if v.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(v)) or (v < 0).any():
            raise ModelError(f"units_view: nature {n!r} needs 168 finite arrivals >= 0")
    total = float(sum(v.sum() for v in calls.values()))
    if total <= 0:
        raise ModelError("units_view: no eligible calls")
    risk = scenario.dispatch.higher_risk_share
    order = scenario.dispatch_order()
    units = scenario.units
    on_duty = {n: np.array(u.on_duty_by_how(_plan_hours(scenario, n))) for n, u in units.items()}
    # (nature, higher_risk) -> calls per year per bin still looking for a unit
    pending = {
        (n, hr): v * (risk if hr else 1.0 - risk) for n, v in calls.items() for hr in (False, True)
    }
    rows: list[UnitRow] = []
    ccd: CcdWeek | None = None
    ccd_name, ccd_curve, effect = "", None, None
    resolved_total = 0.0
    profile = sum(calls.values())
    for name in (n for n in order if units[n].role == "phone"):
        unit = units[name]
        keys = [k for k in pending if scenario.unit_takes(name, *k)]
        eligible = sum((pending[k] for k in keys), np.zeros(HOURS_PER_WEEK))
        if unit.teams > 0:
            staff = np.where(on_duty[name], unit.teams, 0)
            basis = f"[units.{name}] teams"
        else:
            staff = clinicians_needed_by_how(
                eligible, unit, on_duty[name], unit.phone.service_level
            )
            basis = (
                f"Erlang A: {unit.phone.service_level:.0%} within {unit.phone.answer_within_s:g} s"
            )
        week = ccd_week(eligible, unit, on_duty[name], staff, unit_name=name)
        answered = np.divide(
            week.hours["handled_calls_per_year"].to_numpy(), eligible,
            out=np.zeros(HOURS_PER_WEEK), where=eligible > 0,
        )  # fmt: skip
        for k in keys:
            pending[k] = pending[k] * (1.0 - answered * unit.phone.resolved_share)
        resolved_total += week.resolved_by_phone_calls_per_year
        fte, cost, fte_basis = _staff(scenario, name, staff)
        start, end = _plan_hours(scenario, name)
        rows.append(
            UnitRow(
                name, unit.label or name, unit.role, unit.drives, _hours_text(start, end),
                _days_text(unit.days), int(on_duty[name].sum()), int(staff.max()), basis,
                week.clinician_hours_per_week, fte, cost, week.eligible_calls_per_year,
                week.handled_calls_per_year, week.reached_share_of_unit_eligible,
                week.reached_share_of_unit_eligible, week.assumptions, fte_basis,
            )
        )  # fmt: skip
        if ccd is None:
            ccd, ccd_name = week, name
            levels = sorted({*CURVE_SERVICE_LEVELS, unit.phone.service_level})
            ccd_curve = staffing_curve(eligible, unit, on_duty[name], levels, unit_name=name)
            routed = eligible * on_duty[name]
            effect = calltaker_effect(scenario.call_center, routed, profile, unit, unit_name=name)
    field = [n for n in order if units[n].role == "field"]
    teams = {n: _field_teams(scenario, n) for n in field}
    busy = {n: unit_busy_time_h(units[n], units[n].default_mean_drive_s) for n in field}
    served = {n: np.zeros(HOURS_PER_WEEK) for n in field}
    field_rows = []
    for h in range(HOURS_PER_WEEK):
        classes = []
        for (nature, hr), v in pending.items():
            takers = tuple(n for n in field if on_duty[n][h] and scenario.unit_takes(n, nature, hr))
            classes.append(CallClass(f"{nature}|{hr}", v[h] / WEEKS_PER_YEAR, takers))
        caps = [TypeCapacity(n, teams[n][0] if on_duty[n][h] else 0, busy[n]) for n in field]
        result = overflow_approximation(classes, caps)
        for n in field:
            served[n][h] = result.type_served_per_h(n) * WEEKS_PER_YEAR
            field_rows.append(
                (h, n, teams[n][0] if on_duty[n][h] else 0, result.offered_per_h[n],
                 served[n][h] / WEEKS_PER_YEAR, result.blocking[n])
            )  # fmt: skip
    for n in field:
        unit = units[n]
        unit_eligible = float(
            sum(calls[nat].sum() * (risk if hr else 1 - risk)
                for nat in calls for hr in (False, True) if scenario.unit_takes(n, nat, hr))
        )  # fmt: skip
        hours_week = float(on_duty[n].sum() * teams[n][0])
        fte, cost, fte_basis = _staff(scenario, n, np.where(on_duty[n], teams[n][0], 0))
        start, end = _plan_hours(scenario, n)
        handled = float(served[n].sum())
        rows.append(
            UnitRow(
                n, unit.label or n, unit.role, unit.drives, _hours_text(start, end),
                _days_text(unit.days), int(on_duty[n].sum()), teams[n][0], teams[n][1],
                hours_week, fte, cost, unit_eligible, handled,
                handled / unit_eligible if unit_eligible else math.nan, math.nan,
                tuple(k.format(u=n) for k in FIELD_ASSUMPTIONS), fte_basis,
            )
        )  # fmt: skip
    cn, cn_name = None, ""
    for name, unit in units.items():
        if unit.role != "follow_up":
            continue
        sources = unit.follow_up.from_units or tuple(field)
        base = sum((served[s] for s in sources if s in served), np.zeros(HOURS_PER_WEEK))
        answer = navigators_needed(base, unit, on_duty[name], unit_name=name)
        fte, cost, fte_basis = _staff(
            scenario, name, np.where(on_duty[name], answer.navigators_on_duty, 0)
        )
        start, end = _plan_hours(scenario, name)
        basis = (
            f"[units.{name}] teams"
            if unit.teams > 0
            else f"fewest meeting the {unit.follow_up.deadline_h:g}-hour deadline"
        )
        rows.append(
            UnitRow(
                name, unit.label or name, unit.role, unit.drives, _hours_text(start, end),
                _days_text(unit.days), int(on_duty[name].sum()), answer.navigators_on_duty,
                basis, answer.navigator_hours_per_week, fte, cost,
                float(base.sum()), answer.follow_ups_per_year, math.nan, math.nan,
                answer.assumptions, fte_basis,
            )
        )  # fmt: skip
        if cn is None:
            cn, cn_name = answer, name
    return UnitsView(
        rows=tuple(rows),
        field_hours=pd.DataFrame(
            field_rows,
            columns=["hour_of_week", "unit", "teams", "offered_per_h", "served_per_h", "blocking"],
        ),
        eligible_calls_per_year=total,
        served_calls_per_year=float(sum(v.sum() for v in served.values())),
        resolved_by_phone_calls_per_year=resolved_total,
        ccd=ccd, ccd_unit=ccd_name, ccd_curve=ccd_curve, calltaker=effect, cn=cn, cn_unit=cn_name,
    )  # fmt: skip


def _staff(scenario: Scenario, name: str, cover: ArrayLike) -> tuple[float, float, str]:
    staffing = staff_cover(scenario, name, np.asarray(cover, dtype=int).tolist())
    return staffing.fte, staffing.cost_per_year_usd, staffing.basis


def arrivals_by_nature_from_demand(
    beat_nature: pd.DataFrame, shapes: ArrayLike
) -> dict[str, np.ndarray]:
    """Citywide eligible calls per year per hour-of-week bin, by nature, from a demand's
    ``beat_nature`` rows (``nature, calls_per_year``) and their hour-of-week ``shapes``
    (one row of 168 shares per ``beat_nature`` row, summing to 1).
    """
    shape = np.asarray(shapes, dtype=float)
    if shape.shape != (len(beat_nature), HOURS_PER_WEEK):
        raise ModelError(
            f"arrivals_by_nature: shapes {shape.shape} do not match {len(beat_nature)} rows"
        )
    weights = beat_nature["calls_per_year"].to_numpy(dtype=float)[:, None] * shape
    natures = beat_nature["nature"].astype(str).to_numpy()
    return {str(n): weights[natures == n].sum(axis=0) for n in sorted(set(natures))}


def arrivals_table(arrivals_by_nature: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """``hour_of_week`` and one ``calls_per_year__<NATURE>`` column per nature (168 rows;
    what ``heart-plan units --arrivals`` reads).
    """
    frame = pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK)})
    for n, v in sorted(arrivals_by_nature.items()):
        frame[f"calls_per_year__{n}"] = np.asarray(v, dtype=float)
    return frame
