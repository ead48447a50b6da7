"""Crisis Call Diversion (CCD): clinicians in the 911 center, and their effect on 911.

Model (per hour-of-week bin ``h``, each a steady-state queue, as in
:mod:`heart_plan.staffing.workload`):

* **Clinicians** (:func:`ccd_week`): the CCD-eligible calls (its natures, standard risk) of
  an on-duty hour, ``lambda_h = calls_per_year_h / 52.143`` per hour, are transferred to
  ``n_h`` clinicians; a caller waits for a free clinician (Erlang A, exponential handle time
  ``phone.handle_mean_min`` and patience ``phone.patience_mean_s``); a transferred call not
  answered within its patience goes on to the field units.  CCD *handles* the answered
  calls and *resolves by phone* ``phone.resolved_share`` of them (``resolved_by_phone``:
  never counted as reached).  ``reached_share_of_unit_eligible`` = calls handled / CCD-
  eligible calls (CCD's "reach", the figure Durham publishes for CCD).
* **Staffing curve** (:func:`staffing_curve`): per service level ``s``, the fewest clinicians
  per on-duty hour with ``s`` of the transferred calls answered within
  ``phone.answer_within_s`` (:func:`heart_plan.queueing.erlang.servers_needed`), summed to
  clinician-hours per week, FTE (x 52.143 / productive hours) and cost.
* **911 answer times** (:func:`calltaker_effect`): call-takers answer every 911 call, an
  Erlang A queue per hour of week with ``call_center.calltakers_by_hour`` servers,
  ``calls_per_year`` spread over the week like the eligible calls, handle time
  ``handle_mean_s`` and patience ``patience_mean_s``.  Each call routed to CCD adds
  ``phone.calltaker_added_s`` seconds of call-taker time (screening, warm transfer), which
  raises the hour's mean handle time to ``handle + routed_h / lambda911_h x added``.  The
  share of 911 calls answered within 10 and 15 s is compared before and after (weighted by
  calls over the week).

Every result lists the scenario keys that are ASSUMPTIONS it depends on (``assumptions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from heart_plan.config import HOURS_PER_WEEK, CallCenterConfig, UnitConfig
from heart_plan.errors import ModelError
from heart_plan.queueing.erlang import erlang_a_measures, servers_needed
from heart_plan.staffing.workload import WEEKS_PER_YEAR

#: Scenario keys (ASSUMPTIONS) every CCD clinician result depends on (``{u}`` = unit name).
CCD_ASSUMPTIONS = (
    "units.{u}.eligible_natures",
    "units.{u}.hours",
    "units.{u}.teams",
    "units.{u}.phone.handle_mean_min",
    "units.{u}.phone.patience_mean_s",
    "dispatch.higher_risk_share",
)
#: ... and the 911 answer-time effect.
CALLTAKER_ASSUMPTIONS = (
    "units.{u}.phone.calltaker_added_s",
    "call_center.calls_per_year",
    "call_center.calltakers_by_hour",
    "call_center.handle_mean_s",
    "call_center.patience_mean_s",
)
#: Answer-time thresholds reported for 911 (s): Durham's 10 s figure and the 15 s standard.
ANSWER_THRESHOLDS_S = (10.0, 15.0)


def assumptions_of(keys: Sequence[str], unit_name: str) -> tuple[str, ...]:
    """``keys`` with the unit name filled in."""
    return tuple(k.format(u=unit_name) for k in keys)


def _how(values: ArrayLike, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ModelError(f"{what}: need {HOURS_PER_WEEK} finite values >= 0 (hour of week)")
    return arr


@dataclass(frozen=True)
class CcdWeek:
    """CCD over a week at given clinicians per hour.

    ``hours``: one row per hour of week (``hour_of_week, on_duty, clinicians,
    eligible_calls_per_year, handled_calls_per_year, resolved_by_phone_calls_per_year,
    answered_within_target_share``).  Shares are of CCD-eligible calls, except
    ``resolved_by_phone_share_of_eligible``.
    """

    hours: pd.DataFrame
    eligible_calls_per_year: float
    handled_calls_per_year: float
    resolved_by_phone_calls_per_year: float
    clinician_hours_per_week: float
    assumptions: tuple[str, ...]

    @property
    def reached_share_of_unit_eligible(self) -> float:
        """Calls a clinician answered / CCD-eligible calls."""
        e = self.eligible_calls_per_year
        return self.handled_calls_per_year / e if e else float("nan")

    @property
    def resolved_by_phone_share_of_eligible(self) -> float:
        """Calls resolved by phone / CCD-eligible calls."""
        e = self.eligible_calls_per_year
        return self.resolved_by_phone_calls_per_year / e if e else float("nan")


def ccd_week(
    eligible_per_year_by_how: ArrayLike,
    unit: UnitConfig,
    on_duty_by_how: ArrayLike,
    clinicians_by_how: ArrayLike,
    *,
    unit_name: str = "ccd",
) -> CcdWeek:
    """Handled and resolved calls of CCD with ``clinicians_by_how`` on duty (see module).

    Parameters
    ----------
    eligible_per_year_by_how
        CCD-eligible calls per year in each hour-of-week bin (its natures, standard risk).
    unit
        The CCD unit section (``phone`` parameters).
    on_duty_by_how
        168 flags: CCD on duty in the bin.
    clinicians_by_how
        Clinicians on duty per bin (ignored off duty).
    """
    calls = _how(eligible_per_year_by_how, "ccd_week: eligible calls")
    on_duty = np.asarray(on_duty_by_how, dtype=bool)
    staff = _how(clinicians_by_how, "ccd_week: clinicians")
    phone = unit.phone
    rows = []
    for h in range(HOURS_PER_WEEK):
        on = bool(on_duty[h])
        n = int(round(staff[h])) if on else 0
        if on and n > 0:
            m = erlang_a_measures(
                n, calls[h] / WEEKS_PER_YEAR, 60.0 * phone.handle_mean_min, phone.patience_mean_s
            )
            answered, within = m.answered_share, m.answered_within_share(phone.answer_within_s)
        else:
            answered, within = 0.0, 0.0
        handled = calls[h] * answered
        rows.append((h, on, n, calls[h], handled, handled * phone.resolved_share, within))
    hours = pd.DataFrame(
        rows,
        columns=[
            "hour_of_week", "on_duty", "clinicians", "eligible_calls_per_year",
            "handled_calls_per_year", "resolved_by_phone_calls_per_year",
            "answered_within_target_share",
        ],
    )  # fmt: skip
    return CcdWeek(
        hours=hours,
        eligible_calls_per_year=float(calls.sum()),
        handled_calls_per_year=float(hours["handled_calls_per_year"].sum()),
        resolved_by_phone_calls_per_year=float(hours["resolved_by_phone_calls_per_year"].sum()),
        clinician_hours_per_week=float(hours["clinicians"].sum()),
        assumptions=assumptions_of((*CCD_ASSUMPTIONS, "units.{u}.phone.resolved_share"), unit_name),
    )


def clinicians_needed_by_how(
    eligible_per_year_by_how: ArrayLike,
    unit: UnitConfig,
    on_duty_by_how: ArrayLike,
    service_level: float,
) -> np.ndarray:
    """Fewest clinicians per on-duty bin for ``service_level`` of the transferred calls
    answered within ``phone.answer_within_s`` (0 off duty or with no calls).
    """
    calls = _how(eligible_per_year_by_how, "clinicians_needed: eligible calls")
    on_duty = np.asarray(on_duty_by_how, dtype=bool)
    phone = unit.phone
    out = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
    cache: dict[float, int] = {}
    for h in range(HOURS_PER_WEEK):
        if not on_duty[h]:
            continue
        rate = round(float(calls[h]) / WEEKS_PER_YEAR, 9)
        if rate not in cache:
            cache[rate] = servers_needed(
                rate,
                60.0 * phone.handle_mean_min,
                phone.patience_mean_s,
                answer_within_s=phone.answer_within_s,
                service_level=service_level,
            )
        out[h] = cache[rate]
    return out


def staffing_curve(
    eligible_per_year_by_how: ArrayLike,
    unit: UnitConfig,
    on_duty_by_how: ArrayLike,
    service_levels: Sequence[float],
    *,
    unit_name: str = "ccd",
) -> pd.DataFrame:
    """The CCD staffing curve: per service level, clinicians needed (peak and per week),
    FTE, cost per year, and the share of CCD-eligible calls handled and resolved by phone.

    Columns: ``service_level, answer_within_s, peak_clinicians, clinician_hours_per_week,
    fte, cost_per_year_usd, reached_share_of_unit_eligible,
    resolved_by_phone_share_of_eligible``.
    """
    rows = []
    for level in service_levels:
        need = clinicians_needed_by_how(eligible_per_year_by_how, unit, on_duty_by_how, level)
        week = ccd_week(eligible_per_year_by_how, unit, on_duty_by_how, need, unit_name=unit_name)
        fte, cost = staff_fte_and_cost(week.clinician_hours_per_week, unit)
        rows.append(
            (
                level, unit.phone.answer_within_s, int(need.max()), week.clinician_hours_per_week,
                fte, cost, week.reached_share_of_unit_eligible,
                week.resolved_by_phone_share_of_eligible,
            )
        )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=[
            "service_level", "answer_within_s", "peak_clinicians", "clinician_hours_per_week",
            "fte", "cost_per_year_usd", "reached_share_of_unit_eligible",
            "resolved_by_phone_share_of_eligible",
        ],
    )  # fmt: skip


def staff_fte_and_cost(position_hours_per_week: float, unit: UnitConfig) -> tuple[float, float]:
    """(FTE, cost per year in USD) of ``position_hours_per_week`` staffed positions:
    hours x 52.143 x crew size / productive hours per FTE, and x cost per staff hour.
    """
    staff_hours_per_year = position_hours_per_week * WEEKS_PER_YEAR * unit.crew_size
    return (
        staff_hours_per_year / unit.productive_hours_per_fte,
        staff_hours_per_year * unit.cost_per_staff_hour_usd,
    )


@dataclass(frozen=True)
class CalltakerEffect:
    """911 answer times before and after CCD routing (see module).

    ``hours``: per hour of week ``hour_of_week, calls_911_per_h, calltakers,
    routed_to_ccd_per_h, handle_mean_s_before, handle_mean_s_after,
    answered_within_10s_before, answered_within_10s_after, answered_within_15s_before,
    answered_within_15s_after``.  ``within_share_before[t]`` / ``..._after[t]``: call-
    weighted shares over the week for each threshold of ``ANSWER_THRESHOLDS_S``.
    """

    hours: pd.DataFrame
    added_calltaker_s_per_routed_call: float
    added_calltaker_s_per_911_call: float
    routed_calls_per_year: float
    within_share_before: dict[float, float]
    within_share_after: dict[float, float]
    standard_answer_s: float
    standard_share: float
    assumptions: tuple[str, ...]

    @property
    def meets_standard_before(self) -> bool:
        """The standard share answered within the standard seconds, before CCD."""
        return self._within(self.within_share_before) >= self.standard_share

    @property
    def meets_standard_after(self) -> bool:
        """... and with CCD's added call-taker time."""
        return self._within(self.within_share_after) >= self.standard_share

    def _within(self, shares: dict[float, float]) -> float:
        return shares.get(self.standard_answer_s, float("nan"))

    def summary_rows(self) -> pd.DataFrame:
        """One row per threshold: ``answer_within_s, share_before, share_after, change``."""
        rows = [
            (t, self.within_share_before[t], self.within_share_after[t],
             self.within_share_after[t] - self.within_share_before[t])
            for t in self.within_share_before
        ]  # fmt: skip
        return pd.DataFrame(
            rows, columns=["answer_within_s", "share_before", "share_after", "change"]
        )


def calltaker_effect(
    center: CallCenterConfig,
    routed_per_year_by_how: ArrayLike,
    profile_by_how: ArrayLike,
    unit: UnitConfig,
    *,
    unit_name: str = "ccd",
) -> CalltakerEffect:
    """The effect of CCD routing on 911 answer times (see module).

    Parameters
    ----------
    center
        ``[call_center]``: 911 volume, call-takers by hour of day, handle time, patience.
    routed_per_year_by_how
        Calls per year routed to CCD in each hour-of-week bin (CCD-eligible, on duty).
    profile_by_how
        Hour-of-week shape of 911 volume (any non-negative weights; normalized here).
    unit
        The CCD unit (``phone.calltaker_added_s``).
    """
    routed = _how(routed_per_year_by_how, "calltaker_effect: routed calls")
    profile = _how(profile_by_how, "calltaker_effect: 911 profile")
    if profile.sum() <= 0:
        raise ModelError("calltaker_effect: the 911 hour-of-week profile is all zero")
    calls_911 = center.calls_per_year * profile / profile.sum() / WEEKS_PER_YEAR  # per hour
    routed_h = routed / WEEKS_PER_YEAR
    added_s = unit.phone.calltaker_added_s
    thresholds = sorted({*ANSWER_THRESHOLDS_S, center.standard_answer_s})
    rows = []
    for h in range(HOURS_PER_WEEK):
        n = int(center.calltakers_by_hour[h % 24])
        lam = float(calls_911[h])
        before_s = center.handle_mean_s
        after_s = before_s + (routed_h[h] / lam * added_s if lam > 0 else 0.0)
        before = erlang_a_measures(n, lam, before_s, center.patience_mean_s)
        after = erlang_a_measures(n, lam, after_s, center.patience_mean_s)
        row: dict[str, float] = {
            "hour_of_week": h, "calls_911_per_h": lam, "calltakers": n,
            "routed_to_ccd_per_h": float(routed_h[h]),
            "handle_mean_s_before": before_s, "handle_mean_s_after": after_s,
        }  # fmt: skip
        for t in thresholds:
            row[f"answered_within_{t:g}s_before"] = before.answered_within_share(t)
            row[f"answered_within_{t:g}s_after"] = after.answered_within_share(t)
        rows.append(row)
    hours = pd.DataFrame(rows)
    weights = hours["calls_911_per_h"].to_numpy()
    share_before = {
        t: float(np.average(hours[f"answered_within_{t:g}s_before"], weights=weights))
        for t in thresholds
    }
    share_after = {
        t: float(np.average(hours[f"answered_within_{t:g}s_after"], weights=weights))
        for t in thresholds
    }
    routed_total = float(routed.sum())
    return CalltakerEffect(
        hours=hours,
        added_calltaker_s_per_routed_call=added_s,
        added_calltaker_s_per_911_call=routed_total * added_s / center.calls_per_year
        if center.calls_per_year
        else 0.0,
        routed_calls_per_year=routed_total,
        within_share_before=share_before,
        within_share_after=share_after,
        standard_answer_s=center.standard_answer_s,
        standard_share=center.standard_share,
        assumptions=assumptions_of((*CALLTAKER_ASSUMPTIONS, *CCD_ASSUMPTIONS[:2]), unit_name),
    )
