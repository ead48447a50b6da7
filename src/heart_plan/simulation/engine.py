"""The trace-driven simulation engine: a loss system replayed over a call trace.

Pure and geometry-free: inputs are a :class:`~heart_plan.simulation.trace.CallTrace`, a
:class:`Deployment` (teams on duty per hour of week, posts, bands) and a travel function
``travel_s(from_nodes, to_nodes, band) -> int seconds`` evaluated element-wise.

Process (CONVENTIONS.md measures: *served*, *reached*)
-----------------------------------------------------
Calls are the only exogenous events, so the engine is a tight loop over calls in time order
(ties keep trace order); replications are independent and run side by side as the rows of
``(replications, teams)`` state arrays.  Team state is *busy until* (clear of the scene),
*back at post at*, *last dispatched at* and *last scene node*.

* **Reasons** (checked in this order): a call whose recorded beat is outside the service
  area is ``outside_area``; with no team on duty in its hour it is ``outside_hours``; with
  every on-duty team busy it is ``all_busy`` (loss system, no queue).  Otherwise it is
  **served** by the nearest free on-duty team.
* **Teams and posts**: team slot ``k`` is on duty in hour-of-week ``h`` when
  ``k < teams_on_duty[h]``.  Its post in band ``b`` is slot ``k`` of the band's post list:
  the posts valid in ``b`` (their band is ``b`` or ``""``) taken round-robin in plan order
  (first team of every post, then the second team of posts with >= 2 teams, ...), cycling
  when more teams are on duty than the posts hold.
* **Position**: a team coming on duty (its slot was off in the previous hour, or the trace
  starts) is a fresh crew, free at its post; a team going off duty finishes its current call
  and takes no new one.  A busy team (dispatched, not yet clear of the scene) cannot be
  dispatched.  A team clear of the scene but still driving back is dispatchable from its
  last scene node; once back (or, with ``return_to_post = false``, never) it is at its post.
  A free team at its post is at the post of its slot in the *current* band (repositioning at
  band changes is instantaneous: a documented simplification).
* **Drive times** use the band of the call's hour (dispatch and the return drive alike):
  road time between nodes (``travel_s``) plus the access legs at both ends, the call's
  ``trace.access_s`` (node <-> call point) and the post's ``post_access_s`` (site <-> node),
  or the previous call's access when leaving a scene, as in the optimizers' matrix.
* **Nearest**: minimum drive time; ties go to the lowest team slot.
* **Times**: dispatch at the call time ``t``; arrival ``t + turnout_s + drive_s``; clear at
  arrival + on-scene time; back at post at clear + return drive (when returning to post).
  ``response_s = turnout_s + drive_s``.  **reached** = served and ``drive_s <= standard_s``:
  drive time only, the same test as the optimizers' *covered* (turnout is reported in
  ``response_s`` but not in the standard).
* **Randomness**: replication ``r`` draws one on-scene time for *every* trace call from
  ``numpy.random.default_rng(seed + r)`` (common random numbers: two plans simulated with
  the same seed see the same on-scene time for the same call).  Identical inputs and seed
  give identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import ModelError
from heart_plan.plan import Plan
from heart_plan.simulation.onscene import OnSceneSampler
from heart_plan.simulation.results import REASONS, SimulationResult
from heart_plan.simulation.trace import SECONDS_PER_HOUR, CallTrace

TravelFn = Callable[[np.ndarray, np.ndarray, str], np.ndarray]
"""``travel_s(from_nodes, to_nodes, band)``: element-wise drive times in integer seconds."""

SERVED, OUTSIDE_AREA, OUTSIDE_HOURS, ALL_BUSY = range(4)
assert REASONS == ("served", "outside_area", "outside_hours", "all_busy")


@dataclass(frozen=True)
class Deployment:
    """What the simulator needs from a plan: teams per hour, posts and bands.

    ``post_bands[j] == ""`` means post ``j`` is used in every band.
    """

    teams_on_duty: tuple[int, ...]
    band_of_hour: tuple[str, ...]
    post_nodes: tuple[int, ...]
    post_bands: tuple[str, ...] = ()
    post_teams: tuple[int, ...] = ()
    site_ids: tuple[str, ...] = ()
    post_access_s: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.post_nodes)
        if not self.post_bands:
            object.__setattr__(self, "post_bands", ("",) * n)
        if not self.post_teams:
            object.__setattr__(self, "post_teams", (1,) * n)
        if not self.site_ids:
            object.__setattr__(self, "site_ids", tuple(f"post{j}" for j in range(n)))
        if not self.post_access_s:
            object.__setattr__(self, "post_access_s", (0,) * n)
        if len(self.teams_on_duty) != HOURS_PER_WEEK or len(self.band_of_hour) != HOURS_PER_WEEK:
            raise ModelError("deployment: teams_on_duty and band_of_hour need 168 values each")
        if any(t < 0 for t in self.teams_on_duty):
            raise ModelError("deployment: teams_on_duty must be >= 0")
        if not (
            len(self.post_bands) == len(self.post_teams) == len(self.site_ids) == n
            and len(self.post_access_s) == n
        ):
            raise ModelError(
                "deployment: post_nodes, post_bands, post_teams, site_ids, post_access_s differ"
            )
        for band in sorted({self.band_of_hour[h] for h in range(168) if self.teams_on_duty[h]}):
            if not any(b in ("", band) for b in self.post_bands):
                raise ModelError(
                    f"deployment: teams are on duty in band {band!r} but no post serves it; "
                    f"add a post with band {band!r} or band '' to the plan"
                )

    @classmethod
    def from_plan(cls, plan: Plan, band_of_hour: Sequence[str]) -> Deployment:
        """The deployment of a plan (``band_of_hour`` from ``scenario.network``)."""
        return cls(
            teams_on_duty=tuple(int(t) for t in plan.teams_on_duty),
            band_of_hour=tuple(band_of_hour),
            post_nodes=tuple(int(p.node_id) for p in plan.posts),
            post_bands=tuple(p.band for p in plan.posts),
            post_teams=tuple(max(int(p.teams), 1) for p in plan.posts),
            site_ids=tuple(p.site_id for p in plan.posts),
            post_access_s=tuple(round(p.access_s) for p in plan.posts),
        )

    @property
    def max_teams(self) -> int:
        """Largest number of teams on duty in any hour (the number of team slots)."""
        return max(self.teams_on_duty)

    def band_names(self) -> tuple[str, ...]:
        """Distinct bands in hour-of-week order of first appearance."""
        return tuple(dict.fromkeys(self.band_of_hour))

    def slot_posts(self, band: str) -> np.ndarray:
        """Post index of each team slot ``0 .. max_teams - 1`` in ``band`` (-1: no post)."""
        valid = [j for j, b in enumerate(self.post_bands) if b in ("", band)]
        order: list[int] = []
        for round_ in range(max((self.post_teams[j] for j in valid), default=0)):
            order.extend(j for j in valid if self.post_teams[j] > round_)
        k = self.max_teams
        if not order:
            return np.full(k, -1, dtype=np.int64)
        return np.array([order[s % len(order)] for s in range(k)], dtype=np.int64)


@dataclass(frozen=True)
class MatrixTravel:
    """A travel function from explicit per-band matrices indexed by node index.

    ``drive_time_s[band][i, j]`` is the drive time from node ``i`` to node ``j`` (seconds).
    """

    drive_time_s: dict[str, np.ndarray] = field(default_factory=dict)

    def __call__(self, from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        return np.asarray(self.drive_time_s[band])[from_nodes, to_nodes].astype(np.int64)


def simulate(
    trace: CallTrace,
    deployment: Deployment,
    travel_s: TravelFn,
    *,
    on_scene: OnSceneSampler,
    standard_s: int = 720,
    turnout_s: int = 0,
    return_to_post: bool = True,
    replications: int = 20,
    seed: int = 0,
) -> SimulationResult:
    """Replay ``trace`` against ``deployment`` ``replications`` times (module docstring).

    Parameters
    ----------
    trace : CallTrace
        Eligible calls, sorted by time.
    deployment : Deployment
        Teams on duty per hour of week, posts, band of each hour.
    travel_s : callable
        Element-wise drive time ``(from_nodes, to_nodes, band) -> int seconds``; called in
        bulk for post-to-scene and scene-to-post times, and per call for teams still driving
        back from a scene.
    on_scene : OnSceneSampler
        On-scene time distribution (seconds).
    standard_s : int
        Response standard (drive seconds) for *reached*.
    turnout_s : int
        Seconds from dispatch to wheels rolling.
    return_to_post : bool
        Teams drive back to post after a call (else they wait at the scene).
    replications, seed : int
        Replication ``r`` uses ``numpy.random.default_rng(seed + r)``.

    Returns
    -------
    SimulationResult
    """
    if replications < 1:
        raise ModelError(f"simulate: replications must be >= 1, got {replications}")
    n = len(trace)
    R = replications
    K = deployment.max_teams
    tod = np.asarray(deployment.teams_on_duty, dtype=np.int64)
    bands = deployment.band_names()
    band_index = {b: j for j, b in enumerate(bands)}
    band_of_hour = np.array([band_index[b] for b in deployment.band_of_hour], dtype=np.int64)
    slot_post = (
        np.stack([deployment.slot_posts(b) for b in bands])
        if K
        else np.zeros((len(bands), 0), np.int64)
    )
    post_nodes = np.asarray(deployment.post_nodes, dtype=np.int64)
    post_access = np.asarray(deployment.post_access_s, dtype=np.int64)
    access = trace.access_s  # scene node -> call point, int seconds

    how = trace.hour_of_week.astype(np.int64)
    reason = np.full((R, n), SERVED, dtype=np.int8)
    reason[:, ~trace.in_area] = OUTSIDE_AREA
    reason[:, trace.in_area & (tod[how] == 0)] = OUTSIDE_HOURS
    scope = trace.in_area & (tod[how] > 0)
    call_band = band_of_hour[how]

    # Bulk drive times in the call's band: post -> scene for in-area calls and every post
    # valid in the band (dispatch, covered); scene -> post for dispatchable calls (return).
    n_posts = len(post_nodes)
    valid = np.array(
        [[b in ("", band) for b in deployment.post_bands] for band in bands], dtype=bool
    ).reshape(len(bands), n_posts)
    never = np.iinfo(np.int64).max // 4
    post_to_call = np.full((max(n_posts, 1), n), never, dtype=np.int64)
    call_to_post = np.zeros((max(n_posts, 1), n), dtype=np.int64)
    for j, band in enumerate(bands):
        area_idx = np.flatnonzero(trace.in_area & (call_band == j))
        scope_idx = np.flatnonzero(scope & (call_band == j))
        for p in np.flatnonzero(valid[j]) if area_idx.size else ():
            src = np.full(area_idx.size, post_nodes[p])
            post_to_call[p, area_idx] = (
                _checked(travel_s(src, trace.scene[area_idx], band), area_idx.size)
                + post_access[p]
                + access[area_idx]
            )
            if return_to_post and scope_idx.size:
                src = np.full(scope_idx.size, post_nodes[p])
                call_to_post[p, scope_idx] = (
                    _checked(travel_s(trace.scene[scope_idx], src, band), scope_idx.size)
                    + access[scope_idx]
                    + post_access[p]
                )

    # Covered (spatial, deterministic, CONVENTIONS.md): in the area with a post valid in the
    # call's band within the standard (hours and busy teams ignored, as in the optimizers);
    # covered_in_hours also needs the post to be staffed: an on-duty team slot's post.
    within = (post_to_call[:n_posts] <= standard_s) & valid[call_band].T
    covered = trace.in_area & within.any(axis=0) if n_posts else np.zeros(n, dtype=bool)

    # Shift stretches: the absolute hour at which slot k's current on-duty stretch started.
    # A slot whose stretch started after the previous dispatchable call is reset to a fresh
    # crew at its post before the next one (equivalent to checking every hour boundary).
    grid = trace.hour_of_week_by_hour.astype(np.int64)
    on = np.arange(K)[None, :] < tod[grid][:, None]  # (H, K)
    prev_on = np.vstack([np.zeros((1, K), bool), on[:-1]])
    starts = np.where(on & ~prev_on, np.arange(len(grid))[:, None], -1)
    stretch_start = np.maximum.accumulate(starts, axis=0)  # (H, K), -1 before first start
    on_duty_s_by_slot = on.sum(axis=0).astype(np.float64) * SECONDS_PER_HOUR

    on_scene_s = np.empty((R, n), dtype=np.float64)
    for r in range(R):
        on_scene_s[r] = on_scene.sample(np.random.default_rng(seed + r), n)

    team = np.full((R, n), -1, dtype=np.int16)
    drive_s = np.full((R, n), -1, dtype=np.int64)
    clear_s = np.full((R, n), np.nan, dtype=np.float64)

    # Team state; back_at = +inf means "at its last scene", -inf "at its post".
    free_at = np.full((R, K), -np.inf)
    back_at = np.full((R, K), -np.inf)
    last_scene = np.zeros((R, K), dtype=np.int64)
    last_access = np.zeros((R, K), dtype=np.int64)
    rows = np.arange(R)

    idx = np.flatnonzero(scope)
    hour_abs = (trace.t_s[idx] // SECONDS_PER_HOUR).astype(np.int64)
    starts_at_call = stretch_start[hour_abs]  # (m, K)
    prev_starts = np.vstack([np.full((1, K), -1), starts_at_call[:-1]])
    reset_rows = np.flatnonzero((starts_at_call != prev_starts).any(axis=1))
    reset_slots = {int(j): np.flatnonzero(starts_at_call[j] != prev_starts[j]) for j in reset_rows}
    b_call = call_band[idx]
    slot_drive = post_to_call[slot_post[b_call], idx[:, None]].astype(np.float64)  # (m, K)
    slot_return = call_to_post[slot_post[b_call], idx[:, None]]  # (m, K)
    n_on_arr = tod[how[idx]]
    covered_in_hours = np.zeros(n, dtype=bool)
    staffed = np.arange(K)[None, :] < n_on_arr[:, None]
    if idx.size:
        covered_in_hours[idx] = np.where(staffed, slot_drive, np.inf).min(axis=1) <= standard_s
    n_on_call = n_on_arr.tolist()
    t_call = trace.t_s[idx].tolist()
    b_list = b_call.tolist()
    scenes = trace.scene
    inf = np.inf

    for j, i in enumerate(idx.tolist()):
        if j in reset_slots:
            fresh = reset_slots[j]
            free_at[:, fresh] = -inf
            back_at[:, fresh] = -inf
        t = t_call[j]
        n_on = n_on_call[j]
        free = free_at[:, :n_on] <= t
        drive = np.where(free, slot_drive[j, :n_on], inf)
        from_scene = free & (back_at[:, :n_on] > t)
        if from_scene.any():
            rr, kk = np.nonzero(from_scene)
            dest = np.full(rr.size, scenes[i])
            road = _checked(travel_s(last_scene[rr, kk], dest, bands[b_list[j]]), rr.size)
            drive[rr, kk] = road + last_access[rr, kk] + access[i]
        k = drive.argmin(axis=1)
        d = drive[rows, k]
        ok = d < inf
        if ok.all():
            r_ok, k_ok = rows, k
        elif ok.any():
            reason[~ok, i] = ALL_BUSY
            r_ok, k_ok, d = rows[ok], k[ok], d[ok]
        else:
            reason[:, i] = ALL_BUSY
            continue
        clear = (t + turnout_s) + d + on_scene_s[r_ok, i]
        free_at[r_ok, k_ok] = clear
        last_scene[r_ok, k_ok] = scenes[i]
        last_access[r_ok, k_ok] = access[i]
        back_at[r_ok, k_ok] = clear + slot_return[j, k_ok] if return_to_post else inf
        team[r_ok, i] = k_ok
        drive_s[r_ok, i] = d
        clear_s[r_ok, i] = clear

    return SimulationResult(
        trace=trace,
        deployment=deployment,
        reason=reason,
        team=team,
        drive_s=drive_s,
        clear_s=clear_s,
        on_scene_s=on_scene_s,
        covered=covered,
        covered_in_hours=covered_in_hours,
        on_duty_s_by_slot=on_duty_s_by_slot,
        standard_s=int(standard_s),
        turnout_s=int(turnout_s),
        return_to_post=bool(return_to_post),
        seed=int(seed),
        on_scene=on_scene.describe(),
    )


def _checked(values: np.ndarray, size: int) -> np.ndarray:
    """Validate a travel function's answer: ``size`` finite, non-negative seconds."""
    out = np.asarray(values)
    if out.shape != (size,):
        raise ModelError(f"travel_s returned shape {out.shape}; expected ({size},)")
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        out = np.full(size, -1)
    if size and out.min() < 0:
        raise ModelError(
            "travel_s returned a negative, infinite or missing drive time; a scene or post "
            "node is unreachable in the road graph (check snapping)"
        )
    return out if out.dtype == np.int64 else out.astype(np.int64)
