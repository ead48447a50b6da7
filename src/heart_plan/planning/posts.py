"""Posts that maximize calls *reached*: an MCLP start improved by exchange search scored
with the loss hypercube (:mod:`heart_plan.queueing.hypercube`).

For one service area and each team count ``k = 1..K`` (solved on its own: the set for
``k`` is not a prefix of the set for ``K``):

1. **Pool.** The sites of the MCLP solution for ``K`` teams in the area's busiest band
   (Church & ReVelle 1974: the most calls within the standard of a post, busy teams
   ignored) plus the greedy maximal-coverage sequence of sites (each next site covers the
   most calls not yet covered), up to ``pool_size`` distinct sites.  Several teams may share
   a site.
2. **Score.** Expected calls reached per hour at the band's mean arrival rates (each node's
   annual calls x the area's share of calls in the band's hours / (hours of the band per
   week x 52.143)), nearest-free dispatch, no queue, busy time = turnout + drive + on-scene
   at the fixed point of the plan's own dispatches (:func:`~heart_plan.queueing.hypercube.
   evaluate`).  During the search the busy time is held at the start set's fixed point
   (re-solved after every improving move), so each candidate costs one chain solve.
   Ties (reached within ``1e-9`` calls per hour) go to the lower mean drive, then to the
   lower pool position: the search is deterministic.
3. **Start.** The better of (a) the best ``k - 1`` set plus the best single addition from the
   pool and (b) the first ``k`` MCLP sites in greedy order.
4. **Exchange.** Best-improvement swaps of one team's site for another pool site, until no
   swap improves the score or ``max_rounds`` rounds are done.

The staffing order of a set (which team is listed first) is by rank: each next post adds
the most calls within the standard (greedy order), ties to pool position.  Known limits:
the pool bounds the search (a site outside it is never chosen); the score uses one band's
mean load, the week evaluation (:mod:`heart_plan.planning.evaluate`) reports every hour.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from heart_plan.cachefile import read_entry, write_entry
from heart_plan.config import Scenario, SolverConfig, UnitConfig
from heart_plan.errors import ModelError
from heart_plan.models import MCLP
from heart_plan.paths import cache_dir
from heart_plan.plan import Plan, Post, Shift, bands_for_plan
from heart_plan.planning.area import AreaDemand
from heart_plan.queueing.hypercube import HypercubeEvaluation, evaluate
from heart_plan.staffing.workload import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from heart_plan.planning.context import PlanningContext

#: Reached calls per hour within this of each other count as a tie.
TIE_CALLS_PER_H = 1e-9


@dataclass(frozen=True)
class PostSet:
    """The posts of ``teams`` teams (``posts`` in staffing order) and their score.

    ``reached_per_h`` / ``reached_share`` / ``mean_drive_time_s``: the hypercube at the
    search band's mean arrival rates (``band``); ``sites`` lists one site per team.
    """

    teams: int
    band: str
    sites: tuple[str, ...]
    posts: tuple[Post, ...]
    reached_per_h: float
    reached_share: float
    served_share: float
    mean_drive_time_s: float
    evaluations: int


@dataclass(frozen=True)
class _Search:
    """One area's search inputs: the pool's drive matrix, the band's rates, the unit."""

    pool: tuple[str, ...]
    drive_s: np.ndarray  # (J, pool) int seconds
    rates_per_h: np.ndarray  # (J,)
    standard_s: int
    on_scene_mean_h: float
    turnout_s: float

    def score(self, teams: Sequence[int], busy_time_h: float | None) -> HypercubeEvaluation:
        """The hypercube for teams at pool positions ``teams``."""
        return evaluate(
            self.rates_per_h,
            self.drive_s,
            list(teams),
            standard_s=self.standard_s,
            on_scene_mean_h=self.on_scene_mean_h,
            turnout_s=self.turnout_s,
            busy_time_h=busy_time_h,
        )


def band_rates_per_h(area: AreaDemand, band: str) -> np.ndarray:
    """Mean calls per hour at each of the area's demand nodes in ``band``'s hours."""
    hours = [h for h, b in enumerate(area.band_of_hour) if b == band]
    if not hours:
        raise ModelError(f"band {band!r} has no hour of week")
    total = float(area.arrivals_by_hour.sum())
    share = float(area.arrivals_by_hour[hours].sum()) / total if total else 0.0
    return area.weights.to_numpy(dtype=float) * share / (len(hours) * WEEKS_PER_YEAR)


def candidate_pool(area: AreaDemand, band: str, start_sites: Sequence[str], size: int) -> list:
    """``start_sites`` then the greedy maximal-coverage sequence, ``size`` distinct sites.

    When every coverable call is covered the sequence starts a new layer (all calls count
    again), so the pool holds backup sites as well.
    """
    matrix = area.matrix(band)
    covered = (matrix.to_numpy() <= area.standard_s).astype(np.float64)  # (J, S)
    w = area.weights.to_numpy(dtype=float)
    pool = list(dict.fromkeys(str(s) for s in start_sites))
    columns = [str(c) for c in matrix.columns]
    index = {c: i for i, c in enumerate(columns)}
    left = w.copy()
    for s in pool:
        left[covered[:, index[s]] > 0] = 0.0
    while len(pool) < size:
        gains = left @ covered
        gains[[index[s] for s in pool]] = -1.0
        best = int(np.argmax(gains))
        if gains[best] <= 0:  # everything coverable is covered: start a second layer
            if left.sum() == w.sum() or len(pool) >= len(columns):
                break
            left = w.copy()
            continue
        pool.append(columns[best])
        left[covered[:, best] > 0] = 0.0
    return pool


class PostSearch:
    """The post sets of one area, searched lazily for team counts ``1, 2, ...``.

    The pool comes from the MCLP solution for ``pool_teams`` teams (so the set for ``k``
    does not depend on how many team counts are asked for); :meth:`up_to` extends the
    search from the last set found.
    """

    def __init__(
        self,
        area: AreaDemand,
        *,
        unit: UnitConfig,
        solver: SolverConfig,
        pool_teams: int,
        band: str | None = None,
        pool_size: int = 16,
        max_rounds: int = 3,
    ) -> None:
        if pool_teams < 1:
            raise ModelError(f"post search: pool_teams = {pool_teams}; at least one team")
        self.area, self.band = area, band or area.busiest_band
        self.max_rounds = max_rounds
        matrix = area.matrix(self.band)
        mclp = MCLP.from_cost_matrix(
            matrix, area.weights, radius_s=area.standard_s, p_sites=pool_teams
        ).solve(solver)
        self.mclp_order = greedy_order(area, self.band, [str(s) for s in mclp.selected_sites])
        pool = candidate_pool(area, self.band, self.mclp_order, max(pool_size, pool_teams))
        self.search = _Search(
            pool=tuple(pool),
            drive_s=matrix[pool].to_numpy(dtype=np.int64),
            rates_per_h=band_rates_per_h(area, self.band),
            standard_s=area.standard_s,
            on_scene_mean_h=unit.on_scene_mean_min / 60.0,
            turnout_s=float(unit.turnout_s),
        )
        self.sets: dict[int, PostSet] = {}
        self._last: tuple[int, ...] = ()

    def up_to(self, max_teams: int) -> dict[int, PostSet]:
        """The sets for ``k = 1..max_teams`` (searched on first use)."""
        pool = list(self.search.pool)
        index = {site: i for i, site in enumerate(pool)}
        for k in range(len(self.sets) + 1, max_teams + 1):
            mclp_start = tuple(index[s] for s in self.mclp_order[:k])
            if len(mclp_start) < k:  # more teams than MCLP sites: stack on the best ones
                mclp_start += tuple(
                    mclp_start[i % len(mclp_start)] for i in range(k - len(mclp_start))
                )
            self._last, ev, n_evals = _improve(self.search, self._last, mclp_start, self.max_rounds)
            sites = greedy_order(self.area, self.band, [pool[i] for i in self._last])
            self.sets[k] = PostSet(
                teams=k,
                band=self.band,
                sites=tuple(sites),
                posts=_posts(self.area, sites, k),
                reached_per_h=ev.reached_per_h,
                reached_share=ev.reached_share,
                served_share=ev.served_share,
                mean_drive_time_s=ev.mean_drive_time_s,
                evaluations=n_evals,
            )
        return {k: self.sets[k] for k in range(1, max_teams + 1)}


def _key(ev: HypercubeEvaluation, teams: Sequence[int]) -> tuple:
    """Sort key, larger is better: reached (to the tie tolerance), lower drive, pool order."""
    drive = ev.mean_drive_time_s if not math.isnan(ev.mean_drive_time_s) else math.inf
    reached = round(ev.reached_per_h / TIE_CALLS_PER_H) * TIE_CALLS_PER_H
    return (reached, -drive, tuple(-t for t in sorted(teams)))


def _improve(
    search: _Search, previous: tuple[int, ...], mclp_start: tuple[int, ...], max_rounds: int
) -> tuple[tuple[int, ...], HypercubeEvaluation, int]:
    """Best start for ``k = len(mclp_start)`` teams, then best-improvement exchanges."""
    n_pool = len(search.pool)
    evals = 0
    starts = [tuple(sorted(previous + (j,))) for j in range(n_pool)] if previous else []
    starts.append(tuple(sorted(mclp_start)))
    tau = search.score(starts[-1], None).busy_time_h
    scored = []
    for s in dict.fromkeys(starts):
        scored.append((_key(search.score(s, tau), s), s))
        evals += 1
    current = max(scored)[1]
    current_ev = search.score(current, None)
    tau = current_ev.busy_time_h
    current_key = _key(search.score(current, tau), current)
    for _round in range(max_rounds):
        best_key, best_set = current_key, current
        for pos in sorted(set(range(len(current)))):
            for j in range(n_pool):
                if j == current[pos]:
                    continue
                cand = tuple(sorted(current[:pos] + (j,) + current[pos + 1 :]))
                key = _key(search.score(cand, tau), cand)
                evals += 1
                if key > best_key:
                    best_key, best_set = key, cand
        if best_set == current:
            break
        current = best_set
        current_ev = search.score(current, None)
        tau = current_ev.busy_time_h
        current_key = _key(search.score(current, tau), current)
    return current, current_ev, evals


def greedy_order(area: AreaDemand, band: str, sites: Sequence[str]) -> list[str]:
    """``sites`` (one per team, repeats allowed) in rank order: each next site adds the most
    calls within the standard; ties (and repeats, which add nothing) keep input order.
    """
    weights = area.weights.to_numpy(dtype=float)
    covered = area.matrix(band)[list(dict.fromkeys(sites))].to_numpy() <= area.standard_s
    column = {s: i for i, s in enumerate(dict.fromkeys(sites))}
    remaining = list(sites)
    done = np.zeros(len(weights), dtype=bool)
    order: list[str] = []
    while remaining:
        gains = [float(weights[covered[:, column[s]] & ~done].sum()) for s in remaining]
        best = remaining.pop(int(np.argmax(gains)))
        order.append(best)
        done |= covered[:, column[best]]
    return order


def _posts(area: AreaDemand, sites: Sequence[str], k: int) -> tuple[Post, ...]:
    """Plan posts of a set (band ``""``: used in every band), one per distinct site."""
    by_id = area.sites.set_index("site_id")
    counts = pd.Series(list(sites)).value_counts(sort=False)
    posts = []
    for site_id in dict.fromkeys(sites):
        row = by_id.loc[site_id]
        posts.append(
            Post(
                site_id=str(site_id),
                node_id=int(row["node_id"]),
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                band="",
                teams=int(counts[site_id]),
                access_s=float(row["access_s"]),
            )
        )
    return tuple(posts)


def set_measures(area: AreaDemand, post_set: PostSet) -> dict[str, float]:
    """Spatial measures of a post set for a plan's ``predicted`` (CONVENTIONS.md names):
    covered (a post within the standard in the search band, busy teams ignored), the
    nearest post's mean drive, and the search score (reached at the band's mean load).
    """
    drive = area.matrix(post_set.band)[list(dict.fromkeys(post_set.sites))].min(axis=1)
    w = area.weights
    covered = float(w[drive <= area.standard_s].sum())
    return {
        "covered_share_of_area": covered / area.calls_per_year if area.calls_per_year else 0.0,
        "covered_calls_per_year": covered,
        "covered_share_of_city": covered / area.city_calls_per_year,
        "area_calls_per_year": area.calls_per_year,
        "nearest_post_drive_time_s": float((drive * w).sum() / w.sum()) if w.sum() else 0.0,
        "search_reached_share_of_area": post_set.reached_share,
    }


def post_set_table(post_sets: dict[int, PostSet]) -> pd.DataFrame:
    """One row per team count and post: the post sets as a table."""
    rows = []
    for k, ps in post_sets.items():
        for order, post in enumerate(ps.posts, start=1):
            rows.append(
                {
                    "teams_on_duty": k,
                    "order": order,
                    "site_id": post.site_id,
                    "node_id": post.node_id,
                    "lon": post.lon,
                    "lat": post.lat,
                    "teams": post.teams,
                    "search_band": ps.band,
                    "search_reached_share_of_area": ps.reached_share,
                    "search_mean_drive_time_s": ps.mean_drive_time_s,
                }
            )
    return pd.DataFrame(rows)


#: The source files whose code finds an area's post sets: part of the cache key.
_SEARCH_CODE = (
    "planning/posts.py", "planning/area.py", "queueing/hypercube.py", "models/_base.py",
    "models/_mip.py", "models/_reduce.py", "models/_mclp_sparse.py", "models/lagrangian.py",
    "models/mclp.py",
)  # fmt: skip


def search_key(
    area: AreaDemand,
    *,
    unit: UnitConfig,
    solver: SolverConfig,
    pool_teams: int,
    pool_size: int,
    max_rounds: int,
    max_teams: int,
) -> str:
    """sha256 of everything :class:`PostSearch` reads to find the sets ``1..max_teams``:
    the busiest band's matrix (values, demand ids, site ids), weights, arrivals by hour and
    bands, the standard, the unit's on-scene mean and turnout, the solver settings, the
    search settings, the source of ``_SEARCH_CODE`` and the numpy / OR-Tools versions.
    """
    from importlib import metadata
    from pathlib import Path

    band = area.busiest_band
    matrix = area.matrix(band)
    digest = hashlib.sha256()
    for values in (
        np.ascontiguousarray(matrix.to_numpy(dtype=np.int64)),
        area.weights.to_numpy(dtype=np.float64),
        np.asarray(area.arrivals_by_hour, dtype=np.float64),
    ):
        digest.update(values.tobytes())
    root = Path(__file__).parents[1]
    for name in _SEARCH_CODE:
        digest.update((root / name).read_bytes())
    digest.update(
        json.dumps(
            [
                [str(i) for i in matrix.index], [str(c) for c in matrix.columns],
                [str(i) for i in area.weights.index], list(area.band_of_hour), band,
                area.standard_s, unit.on_scene_mean_min, unit.turnout_s, solver.seed,
                solver.workers, solver.relative_gap_limit, solver.max_deterministic_time,
                pool_teams, pool_size, max_rounds, max_teams, np.__version__,
                metadata.version("ortools"),
            ]
        ).encode()
    )  # fmt: skip
    return digest.hexdigest()


def _load_sets(area: AreaDemand, key: str) -> dict[int, PostSet] | None:
    """The sets stored under ``key`` (posts rebuilt from the area's sites), or None."""
    path = cache_dir("post_sets") / f"{key[:32]}.json.entry"
    payload = read_entry(path, kind="post_sets", key=key)
    if payload is None:
        return None
    sets = {}
    for row in json.loads(payload):
        k, sites = int(row["teams"]), tuple(str(x) for x in row["sites"])
        sets[k] = PostSet(
            teams=k, band=str(row["band"]), sites=sites, posts=_posts(area, sites, k),
            reached_per_h=float(row["reached_per_h"]), reached_share=float(row["reached_share"]),
            served_share=float(row["served_share"]),
            mean_drive_time_s=float(row["mean_drive_time_s"]),
            evaluations=int(row["evaluations"]),
        )  # fmt: skip
    return sets


def _store_sets(key: str, sets: dict[int, PostSet]) -> None:
    rows = [
        {
            "teams": ps.teams,
            "band": ps.band,
            "sites": list(ps.sites),
            "reached_per_h": ps.reached_per_h,
            "reached_share": ps.reached_share,
            "served_share": ps.served_share,
            "mean_drive_time_s": ps.mean_drive_time_s,
            "evaluations": ps.evaluations,
        }  # fmt: skip
        for ps in sets.values()
    ]
    path = cache_dir("post_sets") / f"{key[:32]}.json.entry"
    write_entry(path, kind="post_sets", key=key, payload=json.dumps(rows).encode())


class PostSearches:
    """One :class:`~heart_plan.planning.posts.PostSearch` per service area, built on first
    use (the pool from MCLP for ``[shifts] max_teams_per_hour`` teams, so an area's set for
    ``k`` teams is the same whichever plan asks for it).

    With ``cache`` (the default) an area's sets for ``1..max_teams`` are kept on disk
    (``cache_dir("post_sets")``, a verified JSON entry, never pickle) under
    :func:`search_key`, so a later run with the same inputs and code reads them instead of
    searching again (JSON keeps every float exactly: the same sets, the same answers).
    """

    def __init__(self, ctx: PlanningContext, *, cache: bool = True) -> None:
        self.ctx = ctx
        self.cache = cache
        self._searches: dict[tuple[str, ...], PostSearch] = {}
        self._adopted: dict[tuple[str, ...], dict[int, PostSet]] = {}

    def adopt(self, beats: Sequence[str], sets: dict[int, PostSet]) -> None:
        """Keep ``sets``, found by this search in another process (the same deterministic
        search), as the sets of the area ``beats``: :meth:`sets` returns them unsearched.
        """
        self._adopted[tuple(beats)] = dict(sets)

    def sets(self, area: AreaDemand, max_teams: int) -> dict[int, PostSet]:
        """The post sets for ``1..max_teams`` teams in ``area``."""
        adopted = self._adopted.get(area.beats, {})
        if all(k in adopted for k in range(1, max_teams + 1)):
            return {k: adopted[k] for k in range(1, max_teams + 1)}
        s = self.ctx.scenario
        search = self._searches.get(area.beats)
        unit, solver, pool_teams = s.crt, s.solver, s.shifts.max_teams_per_hour
        pool_size, max_rounds = s.placement.pool_size, s.placement.exchange_rounds
        key = ""
        if self.cache:
            key = search_key(
                area, unit=unit, solver=solver, pool_teams=pool_teams, pool_size=pool_size,
                max_rounds=max_rounds, max_teams=max_teams,
            )  # fmt: skip
        if search is None and key:
            stored = _load_sets(area, key)
            if stored is not None:
                self.adopt(area.beats, stored)
                return stored
        if search is None:
            search = PostSearch(
                area, unit=unit, solver=solver, pool_teams=pool_teams, pool_size=pool_size,
                max_rounds=max_rounds,
            )  # fmt: skip
            self._searches[area.beats] = search
        sets = search.up_to(max_teams)
        if key:
            _store_sets(key, sets)
        return sets


def plan_of_sets(
    s: Scenario,
    area: AreaDemand,
    sets: dict[int, PostSet],
    teams_on_duty: tuple[int, ...],
    *,
    command: str,
    hours: dict[str, int] | None = None,
    shifts: tuple[Shift, ...] = (),
    predicted: dict[str, float] | None = None,
    team_counts: Iterable[int] | None = None,
) -> Plan:
    """A plan staffing, in each hour, the post set of that hour's team count.

    ``team_counts``: the sets written to the plan (default: the counts on duty in some
    hour; ``place`` writes every count up to its teams so ``shifts`` may staff fewer).
    """
    on_duty = {int(t) for t in teams_on_duty if t > 0}
    used = sorted(on_duty if team_counts is None else set(team_counts) | on_duty)
    posts = tuple(replace(p, team_count=k) for k in used for p in sets[k].posts)
    return Plan(
        scenario_name=s.name,
        scenario_sha256=s.sha256,
        command=command,
        service_area_beats=area.beats,
        teams_on_duty=tuple(int(t) for t in teams_on_duty),
        posts=posts,
        time_bands=bands_for_plan(s),
        hours=dict(hours or {}),
        shifts=shifts,
        predicted=dict(predicted or {}),
    )
