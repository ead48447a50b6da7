"""A week of hours: the loss hypercube per hour of week, aggregated to a year.

Each hour-of-week bin ``h`` (0 = Monday 00:00 local) is an independent steady-state loss
system (the same simplification as :mod:`heart_plan.staffing.workload`: busy periods that
straddle an hour boundary are ignored): its band's drive matrix, its arrivals per node
(calls per hour), ``k = teams_on_duty[h]`` teams at the posts of the plan's post set for
that band and ``k``.  Hours with the same band, ``k`` and arrival rates share one solution
(cached by band, ``k`` and the rates rounded to ``rate_decimals``); hours whose arrival
pattern is only *scaled* differently cannot share one (the load differs), so they are
evaluated separately.

Unavailable time on duty (``off_line_segments``, from
:func:`heart_plan.staffing.off_line.hour_segments`): an hour whose team slots go on break
for part of it is the share-weighted mixture of its pieces, each evaluated without the
slots on break (the other teams keep their posts); ``off_line_teams`` in ``hours`` is the
expected number of teams off line.

Annual expected calls = calls per hour x ``weeks_per_year`` (52.143, one such hour a week).
Hours with no team on duty serve nothing.  ``mean_drive_time_s`` is the served-call-weighted
mean over the week.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import ModelError
from heart_plan.queueing.hypercube import AUTO, HypercubeEvaluation, Method, evaluate
from heart_plan.staffing.workload import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from heart_plan.simulation.deployment import Deployment

TeamPosts = Callable[[str, int], Sequence[int]] | Mapping[tuple[str, int], Sequence[int]]


@dataclass(frozen=True, eq=False)
class WeekEvaluation:
    """Annual expected measures of a plan from 168 per-hour hypercube evaluations.

    ``hours``: one row per hour of week (``hour_of_week, band, teams, arrivals_per_h,
    served_share, reached_share, mean_drive_time_s, busy_time_h, method``);
    ``evaluations[h]``: that hour's :class:`HypercubeEvaluation` (``None`` with no team);
    ``reached_calls_per_year_by_node`` / ``calls_per_year_by_node``: per demand node.
    """

    hours: pd.DataFrame
    evaluations: tuple[HypercubeEvaluation | None, ...]
    calls_per_year: float
    served_calls_per_year: float
    reached_calls_per_year: float
    mean_drive_time_s: float
    calls_per_year_by_node: NDArray[np.float64]
    reached_calls_per_year_by_node: NDArray[np.float64]
    distinct_solutions: int
    weeks_per_year: float = WEEKS_PER_YEAR

    @property
    def served_share(self) -> float:
        """Share of the evaluated calls served."""
        return self.served_calls_per_year / self.calls_per_year if self.calls_per_year else math.nan

    @property
    def reached_share(self) -> float:
        """Share of the evaluated calls reached within the standard."""
        return (
            self.reached_calls_per_year / self.calls_per_year if self.calls_per_year else math.nan
        )

    @property
    def in_scope_calls_per_year(self) -> float:
        """Calls per year in hours with at least one team on duty."""
        on = self.hours["teams"].to_numpy() > 0
        return float(self.hours["arrivals_per_h"].to_numpy()[on].sum()) * self.weeks_per_year

    def predicted(self, citywide_calls_per_year: float | None = None) -> dict[str, float]:
        """The plan's ``predicted`` measures, named as the simulator's summary names them.

        ``reached_share`` / ``served_share`` are over ``citywide_calls_per_year`` when given
        (the CONVENTIONS.md headline denominator), else over the calls evaluated;
        ``*_of_area`` over the calls evaluated (all hours); ``*_in_scope`` over the calls in
        hours with a team on duty.
        """
        denominator = citywide_calls_per_year or self.calls_per_year
        scope = self.in_scope_calls_per_year

        def share(x: float, d: float) -> float:
            return x / d if d else math.nan

        return {
            "reached_share": share(self.reached_calls_per_year, denominator),
            "served_share": share(self.served_calls_per_year, denominator),
            "mean_drive_time_s": self.mean_drive_time_s,
            "reached_calls_per_year": self.reached_calls_per_year,
            "served_calls_per_year": self.served_calls_per_year,
            "reached_share_of_area": share(self.reached_calls_per_year, self.calls_per_year),
            "served_share_of_area": share(self.served_calls_per_year, self.calls_per_year),
            "reached_share_in_scope": share(self.reached_calls_per_year, scope),
            "served_share_in_scope": share(self.served_calls_per_year, scope),
        }


def team_posts_of_deployment(deployment: Deployment) -> Callable[[str, int], tuple[int, ...]]:
    """``(band, k) -> post index of team slots 0..k-1``, the simulator's slot rule.

    The post set for ``k`` teams on duty in ``band`` (``Deployment.slot_posts(band, k)``:
    the explicit ``(band, k)`` set, else ``("", k)``, else the legacy prefix rule).  Columns
    of the band's drive matrix must be the deployment's posts in plan order.
    """

    def posts(band: str, k: int) -> tuple[int, ...]:
        slots = deployment.slot_posts(band, k)
        if len(slots) < k or np.any(slots < 0):
            raise ModelError(
                f"no post set serves band {band!r} for {k} teams in the deployment; add a "
                f"post set for ({band!r}, {k}) or ('', {k}) to the plan"
            )
        return tuple(int(p) for p in slots)

    return posts


def evaluate_week(
    arrivals_per_h: ArrayLike,
    teams_on_duty: Sequence[int],
    band_of_hour: Sequence[str],
    drive_time_s: Mapping[str, ArrayLike],
    team_posts: TeamPosts,
    *,
    standard_s: int = 720,
    on_scene_mean_h: float = 0.75,
    turnout_s: float = 0.0,
    include_return_drive: bool = False,
    return_drive_time_s: Mapping[str, ArrayLike] | None = None,
    method: Method = AUTO,
    weeks_per_year: float = WEEKS_PER_YEAR,
    rate_decimals: int = 9,
    off_line_segments: Sequence[Sequence[tuple[float, tuple[int, ...]]]] | None = None,
) -> WeekEvaluation:
    """Evaluate a 168-hour week with :func:`~heart_plan.queueing.hypercube.evaluate`.

    Parameters
    ----------
    arrivals_per_h : (168, J) array
        Calls per hour at each demand node in each hour-of-week bin.
    teams_on_duty : 168 ints
        Teams on duty in each bin.
    band_of_hour : 168 str
        Time band of each bin (selects the drive matrix and the posts).
    drive_time_s : band -> (J, P) array
        Post-to-node drive seconds per band.
    team_posts : callable ``(band, k) -> post indices`` or mapping ``(band, k) -> ...``
        Post of each of the ``k`` teams on duty (e.g. :func:`team_posts_of_deployment`).
    weeks_per_year : float
        Annual scaling of one hour-of-week bin.
    off_line_segments : 168 lists of ``(share of the hour, team slots off line)``, optional
        Breaks (module docstring); default: every team on line all hour.
    Other keywords as in ``evaluate``.
    """
    lam = np.asarray(arrivals_per_h, dtype=np.float64)
    if lam.ndim != 2 or lam.shape[0] != HOURS_PER_WEEK:
        raise ModelError(f"evaluate_week: arrivals_per_h must be (168, nodes); got {lam.shape}")
    if len(teams_on_duty) != HOURS_PER_WEEK or len(band_of_hour) != HOURS_PER_WEEK:
        raise ModelError("evaluate_week: teams_on_duty and band_of_hour need 168 values each")
    posts_for = team_posts if callable(team_posts) else (lambda b, k: team_posts[(b, k)])
    cache: dict[tuple, HypercubeEvaluation] = {}
    evaluations: list[HypercubeEvaluation | None] = []
    rows = []
    reached_node = np.zeros(lam.shape[1])
    served_h = np.zeros(HOURS_PER_WEEK)
    reached_h = np.zeros(HOURS_PER_WEEK)
    drive_h = np.zeros(HOURS_PER_WEEK)
    off_teams_h = np.zeros(HOURS_PER_WEEK)
    for h in range(HOURS_PER_WEEK):
        band, k = str(band_of_hour[h]), int(teams_on_duty[h])
        rates = lam[h]
        ev: HypercubeEvaluation | None = None
        if k > 0:
            if band not in drive_time_s:
                raise ModelError(f"evaluate_week: no drive matrix for band {band!r}")
            posts = tuple(posts_for(band, k))
            pieces = off_line_segments[h] if off_line_segments is not None else [(1.0, ())]
            served_drive = 0.0
            for share, off in pieces:
                on_posts = tuple(p for i, p in enumerate(posts) if i not in off)
                off_teams_h[h] += share * (len(posts) - len(on_posts))
                if not on_posts:
                    continue
                key = (band, on_posts, np.round(rates, rate_decimals).tobytes())
                piece = cache.get(key)
                if piece is None:
                    ret = None if return_drive_time_s is None else return_drive_time_s[band]
                    piece = evaluate(
                        rates,
                        drive_time_s[band],
                        on_posts,
                        standard_s=standard_s,
                        on_scene_mean_h=on_scene_mean_h,
                        turnout_s=turnout_s,
                        include_return_drive=include_return_drive,
                        return_drive_time_s=ret,
                        method=method,
                    )
                    cache[key] = piece
                if ev is None or not off:
                    ev = piece  # the hour's row: all teams on line when that piece exists
                served_h[h] += share * piece.served_per_h
                reached_h[h] += share * piece.reached_per_h
                reached_node += share * rates * piece.reached_probability
                if not math.isnan(piece.mean_drive_time_s):
                    served_drive += share * piece.served_per_h * piece.mean_drive_time_s
            drive_h[h] = served_drive / served_h[h] if served_h[h] > 0 else 0.0
        total_h = float(rates.sum())
        evaluations.append(ev)
        rows.append(
            {
                "hour_of_week": h,
                "band": band,
                "teams": k,
                "arrivals_per_h": float(rates.sum()),
                "served_share": served_h[h] / total_h if total_h else math.nan,
                "reached_share": reached_h[h] / total_h if total_h else math.nan,
                "mean_drive_time_s": drive_h[h] if ev and served_h[h] > 0 else math.nan,
                "off_line_teams": off_teams_h[h],
                "busy_time_h": ev.busy_time_h if ev else math.nan,
                "method": ev.method if ev else "",
            }
        )
    served_total = float(served_h.sum())
    return WeekEvaluation(
        hours=pd.DataFrame(rows),
        evaluations=tuple(evaluations),
        calls_per_year=float(lam.sum()) * weeks_per_year,
        served_calls_per_year=served_total * weeks_per_year,
        reached_calls_per_year=float(reached_h.sum()) * weeks_per_year,
        mean_drive_time_s=float(served_h @ drive_h) / served_total if served_total else math.nan,
        calls_per_year_by_node=lam.sum(axis=0) * weeks_per_year,
        reached_calls_per_year_by_node=reached_node * weeks_per_year,
        distinct_solutions=len(cache),
        weeks_per_year=weeks_per_year,
    )
