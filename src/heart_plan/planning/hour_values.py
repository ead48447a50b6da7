r"""Calls reached and served per hour of week for every team count, from the hypercube.

The shift planner (:mod:`heart_plan.staffing.shifts`) needs, for each hour-of-week bin
``h`` (0 = Monday 00:00 local) and each number of teams ``k = 0..K`` on duty, the expected
eligible calls *reached* (served within the response standard) and *served* per year.
This module computes both ``(168, K+1)`` tables with the queue-aware evaluator
(:func:`heart_plan.queueing.hypercube.evaluate`), the same model as
:func:`heart_plan.planning.evaluate.evaluate_plan`:

* hour ``h`` with ``k`` teams is one steady-state loss hypercube with that hour's arrival
  rates per demand node ``lambda_h`` (calls per hour), the drive matrix of its time band
  ``b(h)`` and the posts ``team_posts(b(h), k)`` of the ``k`` teams;
* ``reached[h, k] = weeks_per_year * lambda_h . P_reach(h, k)`` and
  ``served[h, k] = weeks_per_year * lambda_h . (1 - P_lost(h, k))`` calls per year
  (one such hour per week, 52.143 weeks per year); ``reached[h, 0] = served[h, 0] = 0``.

Summing ``reached[h, teams_on_duty[h]]`` over ``h`` gives the plan's
``reached_calls_per_year`` of :func:`~heart_plan.queueing.week.evaluate_week` (same model,
same slot rule) exactly with ``per_hour``, and within the error below with ``load_levels``:
a schedule chosen from the table is evaluated as it was planned.

Methods
-------
``per_hour``
    One evaluation per hour and team count (``168 K`` at most; identical ``(band, k,
    rates)`` share one).  Exact under the hypercube's assumptions for ``k <=
    EXACT_MAX_TEAMS`` (10); Larson's loss approximation above.
``load_levels`` (the default)
    Per band and team count, the hypercube is solved for the band's *mean spatial pattern*
    ``p_b`` (the band's arrivals summed over its hours, normalized) at ``levels`` total
    rates ``Lambda_1 < ... < Lambda_L`` evenly spaced over the band's hourly totals; each
    node's reached probability and served probability are interpolated in the total rate
    with a monotone cubic (PCHIP, no overshoot: probabilities stay in ``[0, 1]``) at the
    hour's total ``Lambda_h``, and weighted by the hour's *own* rates:
    ``reached[h, k] ~ lambda_h . P_reach^b(k, Lambda_h)``.  So which nodes have calls in
    hour ``h`` is exact; only the effect of the hour's pattern on team workloads and on
    the busy time (mean drive) is approximated.  It is exact when every hour of a band is
    a scaled copy of one pattern whose total is a level.  ``5 bands x 8 teams x 5 levels =
    200`` evaluations.

Measured on Durham citywide (35 beats, 869 demand nodes), ``K = 8``, all 168 hours, on this
2-core machine while another process kept the other core busy
(``tests/planning/test_hour_values.py`` re-measures it and prints the times):

* time: ``load_levels`` 1.5-3.4 s, ``per_hour`` 6.5-11.4 s;
* ``load_levels`` error against ``per_hour``, for four fire-station posts and for eight
  posts chosen greedily for coverage: per cell at most 0.46 calls reached per year (1.3 %
  of the cell) and 0.57 calls served; the week total at any fixed team count within
  0.11 % (e.g. 4.8 of 4,348 calls reached per year with one team in every hour).  Four
  levels: up to 3x the week-total error; linear interpolation with seven levels is still
  less accurate than PCHIP with five (0.44 vs 0.31 calls per cell, greedy posts).

The many small (<= 256-state) dense solves run with one BLAS thread (``threadpoolctl``
when installed): multi-threaded OpenBLAS competing with another process for two cores
made them 3-10x slower (``per_hour`` about 30 s, ``load_levels`` about 14 s).

Units: arrival rates in calls per hour, drive times in seconds, results in calls per year.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator

from heart_plan.config import HOURS_PER_WEEK, RosterConfig
from heart_plan.errors import ModelError, PlanError
from heart_plan.queueing.hypercube import AUTO, HypercubeEvaluation, Method, evaluate
from heart_plan.queueing.week import TeamPosts, team_posts_of_deployment
from heart_plan.staffing.hour_values import HourValues
from heart_plan.staffing.off_line import off_line_share, service_time_h, with_off_line
from heart_plan.staffing.workload import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from heart_plan.plan import Plan
    from heart_plan.planning.context import PlanningContext

HourValueMethod = Literal["per_hour", "load_levels"]
#: Default method of :func:`hour_value_tables` (module docstring: measured time and error).
DEFAULT_METHOD: HourValueMethod = "load_levels"
#: Default number of load levels per band and team count for ``load_levels``.
DEFAULT_LEVELS = 5


@dataclass(frozen=True)
class _Evaluator:
    """The fixed arguments of every hypercube evaluation, and the cache (internal)."""

    drive_time_s: Mapping[str, NDArray]
    team_posts: TeamPosts
    standard_s: int
    on_scene_mean_h: float
    turnout_s: float
    include_return_drive: bool
    method: Method
    rate_decimals: int
    cache: dict[tuple[str, int, bytes], HypercubeEvaluation]

    def posts(self, band: str, k: int) -> tuple[int, ...]:
        tp = self.team_posts
        posts = tp(band, k) if callable(tp) else tp[(band, k)]
        out = tuple(int(p) for p in posts)
        if len(out) != k:
            raise ModelError(f"hour values: team_posts({band!r}, {k}) gave {len(out)} posts")
        return out

    def __call__(self, band: str, k: int, rates: NDArray[np.float64]) -> HypercubeEvaluation:
        """The hypercube for ``k`` teams in ``band`` at ``rates`` (cached)."""
        key = (band, k, np.round(rates, self.rate_decimals).tobytes())
        ev = self.cache.get(key)
        if ev is None:
            if band not in self.drive_time_s:
                raise ModelError(f"hour values: no drive matrix for band {band!r}")
            ev = evaluate(
                rates,
                self.drive_time_s[band],
                self.posts(band, k),
                standard_s=self.standard_s,
                on_scene_mean_h=self.on_scene_mean_h,
                turnout_s=self.turnout_s,
                include_return_drive=self.include_return_drive,
                method=self.method,
            )
            self.cache[key] = ev
        return ev


def hour_value_tables(
    arrivals_per_h: ArrayLike,
    band_of_hour: Sequence[str],
    drive_time_s: Mapping[str, ArrayLike],
    team_posts: TeamPosts,
    max_teams: int,
    *,
    standard_s: int = 720,
    on_scene_mean_h: float = 0.75,
    turnout_s: float = 0.0,
    include_return_drive: bool = False,
    method: HourValueMethod = DEFAULT_METHOD,
    levels: int = DEFAULT_LEVELS,
    hours: ArrayLike | None = None,
    evaluator_method: Method = AUTO,
    weeks_per_year: float = WEEKS_PER_YEAR,
    rate_decimals: int = 9,
) -> HourValues:
    """Calls reached and served per year in each hour of week with ``k = 0..K`` teams.

    Parameters
    ----------
    arrivals_per_h : (168, J) array
        Calls per hour at each demand node in each hour-of-week bin.
    band_of_hour : 168 str
        Time band of each bin (selects the drive matrix and the posts).
    drive_time_s : band -> (J, P) array
        Post-to-node drive seconds per band; columns = the posts ``team_posts`` indexes.
    team_posts : callable ``(band, k) -> k post indices`` or mapping ``(band, k) -> ...``
        Post of each of ``k`` teams on duty (:data:`heart_plan.queueing.week.TeamPosts`).
    max_teams : int
        ``K`` (>= 1): the tables have ``K + 1`` columns.
    standard_s, on_scene_mean_h, turnout_s, include_return_drive
        As in :func:`heart_plan.queueing.hypercube.evaluate` (seconds, hours, seconds).
    method : "per_hour" | "load_levels"
        Module docstring (time and measured error of each).
    levels : int
        Load levels per band and team count for ``load_levels`` (>= 2).
    hours : 168 bool, optional
        Bins to evaluate (default all); others get zero rows, as do bins without arrivals.
    evaluator_method : "auto" | "exact" | "approximate"
        The hypercube's method (``auto``: exact chain up to 10 teams).
    weeks_per_year : float
        Annual scaling of one hour-of-week bin.
    rate_decimals : int
        Rates are rounded to this many decimals for the evaluation cache key.

    Returns
    -------
    HourValues
    """
    lam = np.asarray(arrivals_per_h, dtype=np.float64)
    mask = _check_inputs(lam, band_of_hour, max_teams, method, levels, hours)
    ev = _Evaluator(
        {b: np.asarray(d) for b, d in drive_time_s.items()}, team_posts, int(standard_s),
        float(on_scene_mean_h), float(turnout_s), include_return_drive, evaluator_method,
        rate_decimals, {},
    )  # fmt: skip
    reached = np.zeros((HOURS_PER_WEEK, max_teams + 1))
    served = np.zeros((HOURS_PER_WEEK, max_teams + 1))
    bands = np.array([str(b) for b in band_of_hour])
    with _single_threaded_blas():
        for band in dict.fromkeys(str(b) for b in bands[mask]):
            hs = np.flatnonzero(mask & (bands == band))
            for k in range(1, max_teams + 1):
                if method == "per_hour":
                    r, s = _per_hour(ev, band, k, lam[hs])
                else:
                    r, s = _load_levels(ev, band, k, lam[hs], levels)
                reached[hs, k], served[hs, k] = r * weeks_per_year, s * weeks_per_year
    arrivals = lam.sum(axis=1) * weeks_per_year
    return HourValues(
        arrivals_per_year=arrivals,
        reached_per_year=np.minimum(reached, served),
        served_per_year=np.minimum(served, arrivals[:, None]),
        measure="reached",
        method=method,
        levels=levels if method == "load_levels" else None,
        evaluations=len(ev.cache),
        evaluated_hours=_frozen(mask),
    )


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while the many small (<= 256-state) dense solves run.

    Threads do not speed up solves this small, and on a loaded 2-core machine OpenBLAS
    threads competing with another process made them about 10x slower (module docstring).
    Uses ``threadpoolctl`` when it is installed (it is not a dependency); else a no-op.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _frozen(a: NDArray) -> NDArray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def _check_inputs(
    lam: NDArray[np.float64],
    band_of_hour: Sequence[str],
    max_teams: int,
    method: str,
    levels: int,
    hours: ArrayLike | None,
) -> NDArray[np.bool_]:
    """Validate the inputs; the bins to evaluate (asked for, with arrivals)."""
    if lam.ndim != 2 or lam.shape[0] != HOURS_PER_WEEK:
        raise ModelError(f"hour values: arrivals_per_h must be (168, nodes); got {lam.shape}")
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ModelError("hour values: arrivals_per_h must be finite rates >= 0")
    if len(band_of_hour) != HOURS_PER_WEEK:
        raise ModelError(f"hour values: band_of_hour needs {HOURS_PER_WEEK} values")
    if int(max_teams) != max_teams or max_teams < 1:
        raise ModelError(f"hour values: max_teams must be an integer >= 1, got {max_teams!r}")
    if method not in ("per_hour", "load_levels"):
        raise ModelError(f"hour values: method must be 'per_hour' or 'load_levels', got {method!r}")
    if method == "load_levels" and levels < 2:
        raise ModelError(f"hour values: levels must be >= 2, got {levels}")
    mask = np.ones(HOURS_PER_WEEK, bool) if hours is None else np.asarray(hours, dtype=bool)
    if mask.shape != (HOURS_PER_WEEK,):
        raise ModelError(f"hour values: hours must have {HOURS_PER_WEEK} values")
    return mask & (lam.sum(axis=1) > 0)


def _per_hour(
    ev: _Evaluator, band: str, k: int, lam: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Reached and served per hour (calls per hour) of each row of ``lam``, one by one."""
    out = [ev(band, k, rates) for rates in lam]
    return np.array([e.reached_per_h for e in out]), np.array([e.served_per_h for e in out])


def _load_levels(
    ev: _Evaluator, band: str, k: int, lam: NDArray[np.float64], levels: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Reached and served per hour of each row of ``lam`` by PCHIP in the total rate."""
    totals = lam.sum(axis=1)
    pattern = lam.sum(axis=0) / totals.sum()
    grid = np.unique(np.linspace(totals.min(), totals.max(), levels))
    evs = [ev(band, k, pattern * level) for level in grid]
    reach = np.array([e.reached_probability for e in evs])  # (L, J)
    serve = np.array([1.0 - e.lost_fraction for e in evs])
    if grid.size == 1:
        p_reach = np.broadcast_to(reach[0], lam.shape)
        p_serve = np.broadcast_to(serve[0], lam.shape)
    else:
        p_reach = PchipInterpolator(grid, reach, axis=0)(totals)  # (H, J)
        p_serve = PchipInterpolator(grid, serve, axis=0)(totals)
    return (lam * p_reach).sum(axis=1), (lam * p_serve).sum(axis=1)


# ----------------------------------------------------------------------------- data wiring


def area_hour_values(
    ctx: PlanningContext,
    beats: Sequence[str],
    site_ids: Sequence[str],
    team_posts: TeamPosts,
    max_teams: int,
    *,
    include_return_drive: bool = False,
    method: HourValueMethod = DEFAULT_METHOD,
    levels: int = DEFAULT_LEVELS,
    hours: ArrayLike | None = None,
) -> HourValues:
    """:func:`hour_value_tables` for a service area's beats from the planning context.

    Arrivals per node and hour as :func:`heart_plan.planning.evaluate.node_arrivals_per_h`;
    each band's drive matrix is ``ctx.matrix(band)`` restricted to the area's demand nodes
    and the columns ``site_ids`` (in that order: ``team_posts`` indexes them); busy time and
    the standard from the scenario (``[units.crt]``, ``[response]``); documentation time
    adds to the busy time and breaks take the nominal off-line share of each team
    (:func:`nominal_off_line_share`, fractional teams: ``staffing.off_line.with_off_line``).
    """
    from heart_plan.planning.evaluate import node_arrivals_per_h

    arrivals, nodes = node_arrivals_per_h(ctx, [str(b) for b in beats])
    band_of_hour = ctx.scenario.network.band_of_hour()
    mask = np.ones(HOURS_PER_WEEK, bool) if hours is None else np.asarray(hours, dtype=bool)
    bands = sorted({band_of_hour[h] for h in range(HOURS_PER_WEEK) if mask[h]})
    sites = [str(s) for s in site_ids]
    drive = {b: ctx.matrix(b).loc[nodes, sites].to_numpy() for b in bands}
    crt, roster = ctx.scenario.crt, ctx.scenario.roster
    table = hour_value_tables(
        arrivals,
        band_of_hour,
        drive,
        team_posts,
        max_teams,
        standard_s=ctx.scenario.response.standard_s,
        on_scene_mean_h=service_time_h(crt, roster.off_line),
        turnout_s=crt.turnout_s,
        include_return_drive=include_return_drive,
        method=method,
        levels=levels,
        hours=mask,
    )
    return with_off_line(table, nominal_off_line_share(roster))


def nominal_off_line_share(roster: RosterConfig) -> float:
    """Off-line share of a team-hour for the hours tables: the mean over the
    ``[roster.patterns]`` shift lengths (the planners do not know the shifts yet;
    :mod:`heart_plan.staffing.off_line`).
    """
    lengths = [p.length_h for p in roster.patterns.values()]
    return float(np.mean([off_line_share(roster.off_line, length) for length in lengths]))


def plan_hour_values(
    ctx: PlanningContext,
    plan: Plan,
    max_teams: int,
    *,
    hours: ArrayLike | None = None,
    method: HourValueMethod = DEFAULT_METHOD,
    levels: int = DEFAULT_LEVELS,
) -> HourValues:
    """:func:`area_hour_values` for ``plan``'s service area and posts.

    Columns are the plan's posts in plan order (as :func:`evaluate_plan` uses them); the
    posts of ``k`` teams in a band are the simulator's slot rule
    (:func:`heart_plan.queueing.week.team_posts_of_deployment`) of the plan's deployment
    with ``max_teams`` teams on duty in every bin asked for (``hours``, default all), so
    a schedule staffs the same posts in planning and in :func:`evaluate_plan`.

    Raises
    ------
    PlanError
        When the plan has no posts, a post is not a candidate site of the context, or no
        post serves a band of the bins asked for.
    """
    from heart_plan.simulation.deployment import Deployment

    if not plan.posts:
        raise PlanError(
            "plan has no posts, so calls reached cannot be predicted; place posts first "
            "(heart-plan place) or use the Erlang-B served objective"
        )
    known = set(ctx.sites["site_id"].astype(str))
    unknown = [p.site_id for p in plan.posts if str(p.site_id) not in known]
    if unknown:
        raise PlanError(
            f"plan post site_id {unknown[0]!r} is not a candidate site of the scenario; "
            f"regenerate the plan for this scenario (heart-plan place)"
        )
    band_of_hour = ctx.scenario.network.band_of_hour()
    mask = np.ones(HOURS_PER_WEEK, bool) if hours is None else np.asarray(hours, dtype=bool)
    served_bands = {p.band for p in plan.posts}
    for h in np.flatnonzero(mask):
        if "" not in served_bands and band_of_hour[h] not in served_bands:
            day, hour = divmod(int(h), 24)
            raise PlanError(
                f"plan has no post for time band {band_of_hour[h]!r} (day {day} "
                f"{hour:02d}:00 may be staffed); add a post with band {band_of_hour[h]!r} "
                f"or '' to the plan, or narrow the hours"
            )
    # Team counts beyond the plan's largest set stack teams on it (the prefix rule of
    # ``Plan.with_post_sets_up_to``), as ``shifts`` staffs them in the new plan.
    widened = plan.with_changes(
        teams_on_duty=tuple(int(max_teams) * mask.astype(int))
    ).with_post_sets_up_to(int(max_teams))
    deployment = Deployment.from_plan(widened, band_of_hour)
    return area_hour_values(
        ctx,
        plan.service_area_beats,
        [p.site_id for p in widened.posts],
        team_posts_of_deployment(deployment),
        max_teams,
        method=method,
        levels=levels,
        hours=mask,
    )
