"""Workload: busy time per call and offered load per hour of week.

Model and assumptions (documented here once; the planner and the curves rely on them):

* **Busy time** per call (hours) = turnout + drive to the scene + on-scene time (a team
  is free again once clear of the scene under every ``UnitConfig.return_rule``, in the
  simulator and the queue-aware evaluator alike).  Drive times are the *mean* post-to-call drive time of the plan; on-scene time is
  the scenario's lognormal *mean* (an ASSUMPTION: the data have no on-scene times).  Only
  means matter because Erlang B is insensitive to the busy-time distribution.
* **Arrivals** in hour-of-week bin ``h`` (bin 0 = Monday 00:00 local): annual eligible
  calls in the bin / 52.143 weeks = calls per hour ``lambda_h``; Poisson and stationary
  within the hour (each bin is an independent steady-state loss system; busy periods that
  straddle an hour boundary are ignored, which is mild when the busy time is about an hour).
* **Offered load** ``a_h = lambda_h * busy_time_h`` erlangs; a call that finds every team
  busy goes to police (loss system, no queue).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK, UnitConfig
from heart_plan.errors import DataError, ModelError
from heart_plan.staffing.erlang import served_share

#: Weeks per year (365 / 7), the same factor as ``shifts.fte_of_team_hours``.
WEEKS_PER_YEAR = 52.143


def busy_time_h(
    mean_drive_s: float,
    on_scene_mean_min: float,
    turnout_s: float,
) -> float:
    """Mean hours a team is busy per call.

    ``turnout_s + mean_drive_s + 60 * on_scene_mean_min`` seconds, in hours.  The drive
    back is not busy time under any return rule (``UnitConfig.return_rule``): a team is
    free once clear of the scene.
    """
    if mean_drive_s < 0 or turnout_s < 0 or on_scene_mean_min <= 0:
        raise ModelError(
            f"busy_time_h: need drive >= 0 s, turnout >= 0 s and on-scene > 0 min; got "
            f"drive {mean_drive_s}, turnout {turnout_s}, on-scene {on_scene_mean_min}"
        )
    seconds = turnout_s + mean_drive_s + 60.0 * on_scene_mean_min
    return seconds / 3600.0


def unit_busy_time_h(unit: UnitConfig, mean_drive_s: float) -> float:
    """Mean busy hours per call of a unit type (:func:`busy_time_h` with its turnout,
    on-scene mean and return rule) given the mean post-to-scene drive (s).
    """
    return busy_time_h(mean_drive_s, unit.on_scene_mean_min, unit.turnout_s)


def loss_busy_fraction(arrivals_per_year_by_how: ArrayLike, teams: int, busy_h: float) -> float:
    """Busy fraction ``q`` of a team in a loss system, for MEXCLP.

    Per hour of week h with offered load ``a_h`` and ``c`` teams, the carried load is
    ``a_h (1 - B(c, a_h))`` (Erlang B: calls finding every team busy go to police), so a
    team is busy ``q_h = a_h (1 - B(c, a_h)) / c`` of the time.  ``q`` is the
    call-weighted mean of ``q_h`` (the busy fraction a call sees), capped at 0.95.
    (:func:`heart_plan.models.mexclp.daskin_busy_fraction` is Daskin's workload / teams.)
    """
    arrivals = np.asarray(arrivals_per_year_by_how, dtype=float)
    load = offered_load_by_hour(arrivals, busy_h)
    c = max(teams, 1)
    q_h = load * served_share(c, load) / c
    q = float(np.average(q_h, weights=arrivals)) if arrivals.sum() > 0 else 0.0
    return min(0.95, q)


def _check_how(values: ArrayLike, what: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (HOURS_PER_WEEK,):
        raise ModelError(
            f"{what} must have {HOURS_PER_WEEK} values (hour of week), got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ModelError(f"{what} must be finite and >= 0")
    return arr


def arrivals_per_hour(arrivals_per_year_by_how: ArrayLike) -> NDArray[np.float64]:
    """Calls per hour in each bin: annual calls in the bin / 52.143 (one such hour a week)."""
    return _check_how(arrivals_per_year_by_how, "arrivals_per_year_by_how") / WEEKS_PER_YEAR


def offered_load_by_hour(
    arrivals_per_year_by_how: ArrayLike, busy_time_h: float
) -> NDArray[np.float64]:
    """Offered load ``a_h = lambda_h * busy_time_h`` (erlangs) for the 168 bins."""
    if not busy_time_h > 0:
        raise ModelError(f"offered_load_by_hour: busy_time_h must be > 0, got {busy_time_h}")
    return arrivals_per_hour(arrivals_per_year_by_how) * busy_time_h


def arrivals_by_how_for_area(
    beat_calls_per_year: pd.Series,
    beat_hour_share: pd.DataFrame,
    beats: ArrayLike,
) -> NDArray[np.float64]:
    """Annual eligible calls per hour-of-week bin for a service area.

    ``sum_{beat in area} calls_per_year[beat] * hour_share[beat, h]``.

    Parameters
    ----------
    beat_calls_per_year
        Annual eligible calls per beat (index ``beat_id`` as str).
    beat_hour_share
        Index ``beat_id``, 168 columns in hour-of-week order, each row summing to 1.
    beats
        The service-area beat ids.
    """
    beats = [str(b) for b in beats]  # type: ignore[union-attr]
    if beat_hour_share.shape[1] != HOURS_PER_WEEK:
        raise DataError(
            f"beat_hour_share has {beat_hour_share.shape[1]} columns; expected {HOURS_PER_WEEK}"
        )
    calls = beat_calls_per_year.copy()
    calls.index = calls.index.astype(str)
    shares = beat_hour_share.copy()
    shares.index = shares.index.astype(str)
    missing = [b for b in beats if b not in shares.index]
    if missing:
        raise DataError(
            f"service-area beat {missing[0]!r} has no hour-of-week profile in the demand; "
            f"check the plan's service_area_beats against the scenario's beats"
        )
    weights = calls.reindex(beats).fillna(0.0).to_numpy(dtype=float)
    return weights @ shares.loc[beats].to_numpy(dtype=float)
