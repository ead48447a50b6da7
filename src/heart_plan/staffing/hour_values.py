"""What k teams on duty bring in each hour of week: the table behind every hours answer.

:class:`HourValues` holds, for each of the 168 hour-of-week bins ``h`` (bin 0 = Monday
00:00 local) and ``k = 0..K`` teams on duty, the expected eligible calls per year in the
area that are *reached* (served within the response standard) and *served* (handled at
all), beside the calls that arrive (CONVENTIONS.md, Measures).  Column ``k`` is ``k`` teams
on duty, so column 0 is 0.

Two sources fill it:

* the spatial, queue-aware hypercube evaluator with the area's post set for ``k`` teams
  (``measure = "reached"``: every hours answer staffs and reports on calls reached);
* :meth:`HourValues.erlang_b` for callers without spatial data: calls served from the
  Erlang B loss model on the hour's offered load, calls reached unknown (NaN) and
  ``measure = "served"``, so every answer staffs on served and says so -- never a silent
  mix of the two measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import ModelError
from heart_plan.staffing.erlang import served_increments
from heart_plan.staffing.workload import offered_load_by_hour

Measure = Literal["reached", "served"]

#: Relative slack for comparisons of table values (round-off of the evaluators).
REL_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class HourValues:
    """Calls arriving, reached and served per year for each hour of week and team count.

    Parameters
    ----------
    arrivals_per_year
        Shape ``(168,)``: annual eligible calls in each hour-of-week bin of the area.
    reached_per_year
        Shape ``(168, K + 1)``: expected calls reached per year in bin ``h`` with ``k``
        teams on duty (column ``k``); column 0 is 0.  All NaN when ``measure`` is
        ``"served"`` (no spatial evaluation).
    served_per_year
        Shape ``(168, K + 1)``: expected calls served per year, same layout; column 0 is 0.
    measure
        ``"reached"`` when ``reached_per_year`` comes from the spatial evaluator (the
        hours answers staff on it), ``"served"`` for the Erlang B fallback.
    busy_time_h
        Mean busy hours per call behind the table, when known (the Erlang B fallback sets
        it; the served-measure shift planner needs it).
    method, levels, evaluations, evaluated_hours
        How the table was made: ``erlang_b``, or the hypercube's ``per_hour`` /
        ``load_levels`` (:mod:`heart_plan.planning.hour_values`), its load levels, the
        distinct evaluations solved and the bins evaluated (others are zero rows).

    Notes
    -----
    Values must be finite and ``>= 0`` (reached may be all NaN for ``measure="served"``),
    with ``served <= arrivals`` and ``reached <= served`` per cell up to a relative
    round-off of :data:`REL_TOL`.  Monotonicity or concavity in ``k`` is *not* required:
    see :attr:`is_concave`.
    """

    arrivals_per_year: NDArray[np.float64]
    reached_per_year: NDArray[np.float64]
    served_per_year: NDArray[np.float64]
    measure: Measure = "reached"
    busy_time_h: float | None = None
    method: str = "erlang_b"
    levels: int | None = None
    evaluations: int = 0
    evaluated_hours: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        arr = np.array(self.arrivals_per_year, dtype=float)
        reached = np.array(self.reached_per_year, dtype=float)
        served = np.array(self.served_per_year, dtype=float)
        if self.measure not in ("reached", "served"):
            raise ModelError(
                f"HourValues.measure must be 'reached' or 'served', got {self.measure!r}"
            )
        if arr.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ModelError(
                f"HourValues.arrivals_per_year must be {HOURS_PER_WEEK} finite values >= 0"
            )
        if served.ndim != 2 or served.shape[0] != HOURS_PER_WEEK or served.shape[1] < 2:
            raise ModelError(
                f"HourValues.served_per_year must have shape (168, K+1) with K >= 1, got {served.shape}"
            )
        if reached.shape != served.shape:
            raise ModelError(
                f"HourValues: reached_per_year {reached.shape} and served_per_year {served.shape} differ in shape"
            )
        if not np.all(np.isfinite(served)) or np.any(served < 0):
            raise ModelError("HourValues.served_per_year must be finite and >= 0")
        if np.any(served[:, 0] != 0) or np.any(np.nan_to_num(reached[:, 0]) != 0):
            raise ModelError("HourValues: column 0 (no team on duty) must be 0")
        slack = REL_TOL * np.maximum(arr, 1.0)[:, None]
        if np.any(served > arr[:, None] + slack):
            raise ModelError("HourValues: served_per_year exceeds the hour's arrivals")
        if self.measure == "reached":
            if not np.all(np.isfinite(reached)) or np.any(reached < 0):
                raise ModelError(
                    "HourValues.reached_per_year must be finite and >= 0 for measure 'reached'"
                )
            if np.any(reached > served + slack):
                raise ModelError("HourValues: reached_per_year exceeds served_per_year")
        elif not np.all(np.isnan(reached) | ((reached >= 0) & (reached <= served + slack))):
            raise ModelError(
                "HourValues.reached_per_year must be NaN or in [0, served] for measure 'served'"
            )
        if self.busy_time_h is not None and not (
            np.isfinite(self.busy_time_h) and self.busy_time_h > 0
        ):
            raise ModelError(f"HourValues.busy_time_h must be > 0, got {self.busy_time_h!r}")
        for name, value in (
            ("arrivals_per_year", arr),
            ("reached_per_year", reached),
            ("served_per_year", served),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def erlang_b(
        cls, arrivals_per_year: ArrayLike, busy_time_h: float, max_teams: int
    ) -> HourValues:
        """The served-only table from the Erlang B loss model (no spatial data).

        ``served[h, k] = arrivals_h * (1 - B(k, a_h))`` with offered load
        ``a_h = arrivals_h / 52.14 * busy_time_h`` erlangs
        (:func:`heart_plan.staffing.workload.offered_load_by_hour`), built as the cumulative
        sum of :func:`heart_plan.staffing.erlang.served_increments` so each row is exactly
        concave.  ``reached`` is NaN and ``measure = "served"``.

        Parameters
        ----------
        arrivals_per_year
            168 annual eligible calls per hour-of-week bin.
        busy_time_h
            Mean busy hours per call (> 0).
        max_teams
            ``K``: the largest team count tabulated (>= 1).
        """
        if int(max_teams) < 1:
            raise ModelError(f"HourValues.erlang_b: max_teams must be >= 1, got {max_teams}")
        if not (np.isfinite(busy_time_h) and busy_time_h > 0):
            raise ModelError(f"HourValues.erlang_b: busy_time_h must be > 0, got {busy_time_h!r}")
        arr = np.asarray(arrivals_per_year, dtype=float)
        load = offered_load_by_hour(arr, busy_time_h)
        inc = served_increments(arr, load, int(max_teams))
        served = np.concatenate([np.zeros((HOURS_PER_WEEK, 1)), np.cumsum(inc, axis=1)], axis=1)
        served = np.minimum(served, arr[:, None])
        return cls(arr, np.full_like(served, np.nan), served, "served", float(busy_time_h))

    @property
    def max_teams(self) -> int:
        """``K``: the largest team count tabulated."""
        return int(self.served_per_year.shape[1] - 1)

    @property
    def calls_per_year(self) -> float:
        """Eligible calls per year in the table (all bins)."""
        return float(self.arrivals_per_year.sum())

    def reached_of(self, teams_on_duty: ArrayLike) -> float:
        """Calls reached per year of a schedule: ``sum_h reached[h, teams_on_duty[h]]``."""
        return self.at(teams_on_duty)[0]

    def served_of(self, teams_on_duty: ArrayLike) -> float:
        """Calls served per year of a schedule: ``sum_h served[h, teams_on_duty[h]]``."""
        return self.at(teams_on_duty)[1]

    def summary(self) -> dict[str, object]:
        """A JSON-ready record of how the table was made (no table values)."""
        hours = HOURS_PER_WEEK if self.evaluated_hours is None else int(self.evaluated_hours.sum())
        return {
            "measure": self.measure,
            "method": self.method,
            "levels": self.levels,
            "max_teams": self.max_teams,
            "evaluations": self.evaluations,
            "evaluated_hours": hours,
        }

    @property
    def values(self) -> NDArray[np.float64]:
        """The table of the measure (``reached_per_year`` or ``served_per_year``)."""
        return self.reached_per_year if self.measure == "reached" else self.served_per_year

    def increments(self, max_teams: int | None = None) -> NDArray[np.float64]:
        """Gain of the measure from the k-th team: shape ``(168, K')``, ``K' = min(K, max_teams)``.

        ``inc[h, k-1] = values[h, k] - values[h, k-1]`` (may be negative for a spatial
        table whose post set changes with ``k``).
        """
        cap = self.max_teams if max_teams is None else min(self.max_teams, int(max_teams))
        return np.diff(self.values[:, : cap + 1], axis=1)

    def is_concave(self, max_teams: int | None = None) -> bool:
        """Whether every hour's increments are non-increasing in ``k`` (up to round-off).

        The greedy team-hour allocation is exact only then.
        """
        inc = self.increments(max_teams)
        slack = REL_TOL * np.maximum(self.arrivals_per_year, 1.0)[:, None]
        return bool(np.all(inc[:, 1:] <= inc[:, :-1] + slack))

    def at(self, teams_by_how: ArrayLike) -> tuple[float, float]:
        """Expected calls reached and served per year with ``teams_by_how`` teams on duty.

        Reached is NaN for ``measure="served"``.  Raises ``ModelError`` when a count is
        outside ``0..K``.
        """
        teams = np.asarray(teams_by_how, dtype=np.int64)
        if teams.shape != (HOURS_PER_WEEK,) or np.any(teams < 0) or np.any(teams > self.max_teams):
            raise ModelError(
                f"teams on duty must be {HOURS_PER_WEEK} counts in 0..{self.max_teams} (the table's K)"
            )
        rows = np.arange(HOURS_PER_WEEK)
        served = float(self.served_per_year[rows, teams].sum())
        reached = (
            float(self.reached_per_year[rows, teams].sum())
            if self.measure == "reached"
            else float("nan")
        )
        return reached, served
