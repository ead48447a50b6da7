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
* **Teams and posts**: team slot ``s`` is on duty in hour-of-week ``h`` when
  ``s < teams_on_duty[h]``.  With ``k = teams_on_duty[h]`` teams on duty in band ``b``,
  its post is slot ``s`` of the post set for ``(b, k)`` (``Deployment.slot_posts(b, k)``:
  the plan's explicit set ``(b, k)``, else ``("", k)``, else the legacy prefix rule -- the
  posts valid in ``b`` round-robin in plan order, cycling when more teams are on duty than
  they hold).  Slots of a set are its posts round-robin in staffing order (first team of
  every post, then the second team of posts with >= 2 teams, ...).
* **Position**: a team coming on duty (its slot was off in the previous hour, or the trace
  starts) is a fresh crew, free at its post; a team going off duty finishes its current call
  and takes no new one.  A busy team (dispatched, not yet clear of the scene) cannot be
  dispatched.  Once clear of the scene, by ``return_rule``: ``at_post_when_clear`` (the
  default, the queue-aware evaluator's rule) - it is free at its post at once (the drive
  back is not simulated); ``drive_back`` - it drives back and is dispatchable from its
  last scene node on the way, at its post once back; ``stay_at_scene`` - it waits there.
  A free team at its post is at the post of its slot in the *current* ``(band, k)`` set:
  when the band or the number of teams on duty changes, free teams move to their slot's
  post in the new set at once (instantaneous repositioning: a documented simplification).
  The drive back (``drive_back``) heads for the slot's post in the set of the call's hour
  (its band and ``k``), computed at dispatch.
* **Covered** (spatial, CONVENTIONS.md) uses, in each band, the posts staffed in some
  hour of that band (``Deployment.covered_posts``: the union of the sets for every ``k``
  on duty in the band, i.e. its largest staffed set when sets are nested as by the prefix
  rule; the union keeps *covered in hours* within *covered* for non-nested sets), hours
  and busy teams ignored.
* **Drive times** use the band of the call's hour (dispatch and the return drive alike):
  road time between nodes (``travel_s``) plus the access legs at both ends, the call's
  ``trace.access_s`` (node <-> call point) and the post's ``post_access_s`` (site <-> node),
  or the previous call's access when leaving a scene, as in the optimizers' matrix.
* **Nearest**: minimum drive time; ties go to the lowest team slot.
* **Times**: dispatch at the call time ``t``; arrival ``t + turnout_s + drive_s``; clear at
  arrival + on-scene time; with ``drive_back`` back at post at clear + return drive.
  ``response_s = turnout_s + drive_s``.  **reached** = served and ``drive_s <= standard_s``:
  drive time only, the same test as the optimizers' *covered* (turnout is reported in
  ``response_s`` but not in the standard).
* **Unavailable time on duty** (``off_line``, ``[roster.off_line]``; the timing rule of
  :mod:`heart_plan.staffing.off_line`): each slot's on-duty stretches on the trace's hour
  grid are cut into shifts with scheduled breaks; a team on break is not dispatchable,
  and a team busy when its break is due takes it once clear (the break then starts at
  its clear time), back at its post when the break ends.  Breaks are applied lazily before
  the first dispatchable call at or after their start; a slot coming on duty (fresh crew)
  drops the breaks of its previous stretch.  After clearing the scene a team is busy
  ``documentation_min`` more (``clear_s`` includes it; with ``drive_back`` it drives back
  after documenting).  The default is no unavailable time.
* **Randomness**: replication ``r`` draws one on-scene time for *every* trace call from
  ``numpy.random.default_rng(seed + r)`` (common random numbers: two plans simulated with
  the same seed see the same on-scene time for the same call).  Identical inputs and seed
  give identical results.

Several driving unit types together (:func:`simulate_units`, issue 16)
---------------------------------------------------------------------
Each :class:`UnitFleet` (CRT, CoR, ...) has its own deployment (teams on duty, posts,
bands), on-scene sampler, turnout and service area (``in_area``; default the trace's); the
building blocks above (layout, drive legs, dispatchable calls, team state) are built once
per type, exactly as for one type.  ``takers[i]`` lists the fleet indices that take call
``i`` in dispatch order (``-1`` padding; :mod:`heart_plan.queueing.dispatch` rule: natures,
risk class, ``[dispatch] order``).  Per call, in time order: every type whose scope holds
the call first resets its slots coming on duty; then the types of ``takers[i]`` are tried
in turn, each on the replications not yet served, the first with a free on-duty team
serving (its nearest free team, as above); replications no type could serve are
``all_busy`` (police, not reached).  Reasons known before dispatch: ``outside_area`` when
no taker has the call in its area, ``outside_hours`` when none of those is on duty,
``not_taken`` when no type takes it at all.  Fleet ``u``'s on-scene times in replication
``r`` come from ``default_rng(seed + r)`` for ``u = 0`` (so a first fleet sees what it
would alone) and from ``default_rng([seed + r, u])`` otherwise.  :func:`simulate` is the
one-type case (``takers[i] = [0]`` for every call), unchanged.
* **Presence** (optional ``presence``, ``(replications, calls)`` bool): replication ``r``
  sees call ``i`` only where ``presence[r, i]``; an absent call takes no team, keeps
  ``reason`` ``ABSENT`` (-1, outside ``REASONS``) and is left out of every measure's
  denominator (``SimulationResult.present``).  :mod:`heart_plan.simulation.variation`
  builds it (call-to-call and demand variation on one augmented trace); ``None`` = every
  call present, the engine exactly as without it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from heart_plan.config import RETURN_RULES, OffLineConfig
from heart_plan.errors import ModelError
from heart_plan.simulation.deployment import Deployment, TravelFn
from heart_plan.simulation.joint_results import JOINT_REASONS, JointSimulationResult
from heart_plan.simulation.onscene import OnSceneSampler
from heart_plan.simulation.results import REASONS, SimulationResult
from heart_plan.simulation.trace import SECONDS_PER_HOUR, CallTrace
from heart_plan.staffing.off_line import NONE, break_windows

SERVED, OUTSIDE_AREA, OUTSIDE_HOURS, ALL_BUSY, NOT_TAKEN = range(5)
#: Reason code of a call absent from a replication (presence mask).
ABSENT = -1
assert REASONS == ("served", "outside_area", "outside_hours", "all_busy")
assert JOINT_REASONS[:4] == REASONS and JOINT_REASONS[NOT_TAKEN] == "not_taken"
#: Drive time of a post that cannot serve a call (not valid in its band), s.
NEVER_S = np.iinfo(np.int64).max // 4
#: No replications (a dispatch that served every pending one).
_NONE = np.empty(0, dtype=np.int64)


def simulate(
    trace: CallTrace,
    deployment: Deployment,
    travel_s: TravelFn,
    *,
    on_scene: OnSceneSampler,
    standard_s: int = 720,
    turnout_s: int = 0,
    return_rule: str = "at_post_when_clear",
    replications: int = 20,
    seed: int = 0,
    off_line: OffLineConfig = NONE,
    presence: np.ndarray | None = None,
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
    return_rule : str
        ``at_post_when_clear``, ``drive_back`` or ``stay_at_scene`` (module docstring).
    replications, seed : int
        Replication ``r`` uses ``numpy.random.default_rng(seed + r)``.
    off_line : OffLineConfig
        Breaks and documentation time (module docstring); default none.
    presence : bool array, optional
        ``(replications, calls)``: the calls each replication sees (module docstring).

    Returns
    -------
    SimulationResult
    """
    if presence is not None and presence.shape != (replications, len(trace)):
        raise ModelError(f"simulate: presence shape {presence.shape}; expected "
                         f"({replications}, {len(trace)})")  # fmt: skip
    fleet = UnitFleet("", deployment, on_scene, turnout_s, off_line=off_line)
    takers = np.zeros((len(trace), 1), dtype=np.int8)
    run = _simulate_fleets(
        trace, (fleet,), takers, travel_s,
        standard_s=standard_s, return_rule=return_rule, replications=replications, seed=seed,
        presence=presence,
    )  # fmt: skip
    unit = run.units[0]
    return SimulationResult(
        trace=trace,
        deployment=deployment,
        reason=run.outcome.reason,
        team=run.outcome.team,
        drive_s=run.outcome.drive_s,
        clear_s=run.outcome.clear_s,
        on_scene_s=unit.on_scene_s,
        covered=unit.covered,
        covered_in_hours=unit.calls.covered_in_hours,
        on_duty_s_by_slot=unit.calls.on_duty_s_by_slot,
        standard_s=int(standard_s),
        turnout_s=int(turnout_s),
        return_rule=return_rule,
        seed=int(seed),
        on_scene=on_scene.describe(),
        present=presence,
    )


@dataclass(frozen=True)
class UnitFleet:
    """One driving unit type of a joint simulation (:func:`simulate_units`): its name, its
    deployment, on-scene sampler, turnout (s), service area (``in_area``, one bool per
    trace call; ``None`` = the trace's ``in_area``) and its teams' breaks and documentation
    time (``off_line``; default none).
    """

    name: str
    deployment: Deployment
    on_scene: OnSceneSampler
    turnout_s: int = 0
    in_area: np.ndarray | None = None
    off_line: OffLineConfig = NONE


def simulate_units(
    trace: CallTrace,
    fleets: Sequence[UnitFleet],
    takers: np.ndarray,
    travel_s: TravelFn,
    *,
    standard_s: int = 720,
    return_rule: str = "at_post_when_clear",
    replications: int = 20,
    seed: int = 0,
    presence: np.ndarray | None = None,
) -> JointSimulationResult:
    """Replay ``trace`` against several driving unit types dispatched together (module
    docstring, "Several driving unit types together").

    Parameters
    ----------
    trace : CallTrace
        Eligible calls, sorted by time.
    fleets : sequence of UnitFleet
        The driving types (at least one; distinct names).
    takers : (calls, T) int array
        Per call, the fleet indices that take it in dispatch order, ``-1`` padding (a row
        of ``-1`` = no HEART type takes the call: ``not_taken``).
    travel_s, standard_s, return_rule, replications, seed, presence
        As :func:`simulate` (one return rule and one standard for every type).

    Returns
    -------
    JointSimulationResult
    """
    names = [f.name for f in fleets]
    if not fleets or len(set(names)) != len(names):
        raise ModelError(f"simulate_units: need at least one fleet with distinct names: {names}")
    order = np.asarray(takers, dtype=np.int64)
    if order.ndim != 2 or order.shape[0] != len(trace) or order.shape[1] < 1:
        raise ModelError(f"simulate_units: takers has shape {order.shape}; need ({len(trace)}, T)")
    if order.size and (order.max() >= len(fleets) or order.min() < -1):
        raise ModelError(f"simulate_units: takers must hold fleet indices 0..{len(fleets) - 1}")
    if presence is not None and presence.shape != (replications, len(trace)):
        raise ModelError(f"simulate_units: presence shape {presence.shape}; expected "
                         f"({replications}, {len(trace)})")  # fmt: skip
    run = _simulate_fleets(
        trace, tuple(fleets), order, travel_s,
        standard_s=standard_s, return_rule=return_rule, replications=replications, seed=seed,
        presence=presence,
    )  # fmt: skip
    return JointSimulationResult(
        trace=trace,
        unit_names=tuple(names),
        takers=order,
        reason=run.outcome.reason,
        unit=run.outcome.unit,
        team=run.outcome.team,
        drive_s=run.outcome.drive_s,
        clear_s=run.outcome.clear_s,
        on_duty_s_by_unit=tuple(float(u.calls.on_duty_s_by_slot.sum()) for u in run.units),
        standard_s=int(standard_s),
        seed=int(seed),
        present=presence,
    )


@dataclass(frozen=True, eq=False)
class _UnitRun:
    """The per-type building blocks of a run: layout, legs, dispatchable calls, team
    state, on-scene draws ``(replications, calls)`` (and the same call-major,
    ``on_scene_by_call_s[i]`` = call ``i``'s draws, read once per dispatch) and ``row[i]``
    (call ``i``'s row in ``calls``, ``-1`` outside the type's scope).
    """

    layout: _Layout
    legs: _PostLegs
    covered: np.ndarray
    calls: _DispatchableCalls
    fleet: _Fleet
    on_scene_s: np.ndarray
    on_scene_by_call_s: np.ndarray
    row: np.ndarray
    all_rows: np.ndarray
    turnout_s: int
    breaks: dict[int, list[tuple[int, float, float]]]
    documentation_s: float


@dataclass(frozen=True, eq=False)
class _Run:
    units: tuple[_UnitRun, ...]
    outcome: _Outcome


def _simulate_fleets(
    trace: CallTrace,
    fleets: tuple[UnitFleet, ...],
    takers: np.ndarray,
    travel_s: TravelFn,
    *,
    standard_s: int,
    return_rule: str,
    replications: int,
    seed: int,
    presence: np.ndarray | None = None,
) -> _Run:
    """The event loop over calls for one or several types (module docstring; ``presence``
    as in :func:`simulate`: an absent call is never dispatched and ends ``ABSENT``).
    """
    if replications < 1:
        raise ModelError(f"simulate: replications must be >= 1, got {replications}")
    if return_rule not in RETURN_RULES:
        raise ModelError(f"simulate: return_rule {return_rule!r}; use one of {RETURN_RULES}")
    units = []
    for u, f in enumerate(fleets):
        tr = trace if f.in_area is None else dataclasses.replace(trace, in_area=f.in_area)
        layout = _Layout.of(tr, f.deployment)
        legs = _post_legs(
            tr, f.deployment, layout, travel_s, drive_back=return_rule == "drive_back"
        )
        calls = _DispatchableCalls.of(tr, layout, legs, standard_s)
        on_scene_s = np.empty((replications, len(trace)), dtype=np.float64)
        for r in range(replications):
            rng = np.random.default_rng(seed + r if u == 0 else [seed + r, u])
            on_scene_s[r] = f.on_scene.sample(rng, len(trace))
        row = np.full(len(trace), -1, dtype=np.int64)
        row[calls.index] = np.arange(calls.index.size)
        fleet = _Fleet.start(
            replications, layout.max_teams, back_is_free=return_rule == "at_post_when_clear"
        )
        covered = _covered(tr, layout, legs, standard_s)
        units.append(
            _UnitRun(
                layout, legs, covered, calls, fleet, on_scene_s, np.ascontiguousarray(on_scene_s.T),
                row, np.arange(replications), f.turnout_s, _breaks_by_call(tr, layout, calls, f.off_line),
                f.off_line.documentation_min * 60.0,
            )
        )  # fmt: skip
    outcome = _Outcome.start(trace, tuple(u.layout for u in units), takers, replications)
    in_some_scope = np.zeros(len(trace), dtype=bool)
    for unit in units:
        in_some_scope |= unit.row >= 0
    rows = [u.row.tolist() for u in units]
    order = takers.tolist()
    # Per call, the replications that see it (call-major, one contiguous row per call);
    # a call every replication sees is dispatched in all of them at once (``None``).
    present = None if presence is None else np.ascontiguousarray(presence.T)
    for i in np.flatnonzero(in_some_scope).tolist():
        for unit, row in zip(units, rows, strict=True):
            if row[i] >= 0:
                unit.fleet.reset(unit.calls.reset_slots.get(row[i]))
                for slot, start_s, duration_s in unit.breaks.get(row[i], ()):
                    unit.fleet.take_break(slot, start_s, duration_s)
        pending = None
        if present is not None:
            pending = present[i].nonzero()[0]
            if not pending.size:
                continue
            if pending.size == replications:
                pending = None
        tried = False
        for u in order[i]:
            if u < 0:
                continue
            j = rows[u][i]
            if j < 0:
                continue
            tried = True
            pending = _dispatch(
                j, i, pending, trace, units[u], outcome, travel_s, unit_code=u,
                return_rule=return_rule,
            )  # fmt: skip
            if not pending.size:
                break
        if tried and pending is not None and pending.size:
            outcome.reason[i][pending] = ALL_BUSY
    if present is not None:
        outcome.reason[~present] = ABSENT
    return _Run(tuple(units), outcome.by_replication())


@dataclass(frozen=True, eq=False)
class _Layout:
    """Bands, team slots and posts as arrays, and which calls are in scope.

    ``slot_post[b, k, s]`` (shape ``(bands, K + 1, K)``) is the post of slot ``s`` when
    ``k`` teams are on duty in band ``b`` (0 = padding where ``s >= k`` or no set serves
    ``(b, k)``); ``valid[b, p]`` says post ``p`` is staffed in band ``b``
    (``Deployment.covered_posts``: every set on duty there, also the posts of *covered*);
    ``call_band[i]`` is call ``i``'s band; ``in_area[i]`` is in the type's service area;
    ``scope[i]`` is in the area with a team on duty.
    """

    bands: tuple[str, ...]
    teams_on_duty: np.ndarray
    max_teams: int
    slot_post: np.ndarray
    post_nodes: np.ndarray
    post_access_s: np.ndarray
    valid: np.ndarray
    hour_of_week: np.ndarray
    call_band: np.ndarray
    in_area: np.ndarray
    scope: np.ndarray

    @classmethod
    def of(cls, trace: CallTrace, deployment: Deployment) -> _Layout:
        """The layout of ``deployment`` over ``trace``."""
        K = deployment.max_teams
        tod = np.asarray(deployment.teams_on_duty, dtype=np.int64)
        bands = deployment.band_names()
        band_index = {b: j for j, b in enumerate(bands)}
        band_of_hour = np.array([band_index[b] for b in deployment.band_of_hour], dtype=np.int64)
        slot_post = np.zeros((len(bands), K + 1, K), dtype=np.int64)
        for j, band in enumerate(bands):
            for k in range(1, K + 1):
                if deployment.has_post_set(band, k):
                    slot_post[j, k, :k] = deployment.slot_posts(band, k)
        post_nodes = np.asarray(deployment.post_nodes, dtype=np.int64)
        valid = np.zeros((len(bands), len(post_nodes)), dtype=bool)
        for j, band in enumerate(bands):
            valid[j, deployment.covered_posts(band)] = True
        how = trace.hour_of_week.astype(np.int64)
        return cls(
            bands=bands,
            teams_on_duty=tod,
            max_teams=K,
            slot_post=slot_post,
            post_nodes=post_nodes,
            post_access_s=np.asarray(deployment.post_access_s, dtype=np.int64),
            valid=valid,
            hour_of_week=how,
            call_band=band_of_hour[how],
            in_area=trace.in_area,
            scope=trace.in_area & (tod[how] > 0),
        )


@dataclass(frozen=True, eq=False)
class _PostLegs:
    """Drive times (s, access legs included) between every post and every call, in the
    call's band: ``to_call[p, i]`` (``NEVER_S`` where post ``p`` cannot serve call ``i``)
    and ``to_post[p, i]`` (the drive back, for dispatchable calls when teams return).
    """

    to_call: np.ndarray
    to_post: np.ndarray


def _post_legs(
    trace: CallTrace,
    deployment: Deployment,
    layout: _Layout,
    travel_s: TravelFn,
    *,
    drive_back: bool,
) -> _PostLegs:
    """Bulk drive times in the call's band: post -> scene for in-area calls and every post
    staffed in the band (dispatch, covered); scene -> post for dispatchable calls (return).
    Road times are computed once per distinct post node (a site in several post sets).
    """
    n, n_posts = len(trace), len(layout.post_nodes)
    access = trace.access_s  # scene node -> call point, int seconds
    post_nodes, post_access = layout.post_nodes, layout.post_access_s
    to_call = np.full((max(n_posts, 1), n), NEVER_S, dtype=np.int64)
    to_post = np.zeros((max(n_posts, 1), n), dtype=np.int64)
    for j, band in enumerate(layout.bands):
        area_idx = np.flatnonzero(trace.in_area & (layout.call_band == j))
        scope_idx = np.flatnonzero(layout.scope & (layout.call_band == j))
        road_to: dict[int, np.ndarray] = {}
        road_back: dict[int, np.ndarray] = {}
        for p in np.flatnonzero(layout.valid[j]) if area_idx.size else ():
            node = int(post_nodes[p])
            if node not in road_to:
                src = np.full(area_idx.size, node)
                road_to[node] = _checked(travel_s(src, trace.scene[area_idx], band), area_idx.size)
            to_call[p, area_idx] = road_to[node] + post_access[p] + access[area_idx]
            if drive_back and scope_idx.size:
                if node not in road_back:
                    src = np.full(scope_idx.size, node)
                    road_back[node] = _checked(
                        travel_s(trace.scene[scope_idx], src, band), scope_idx.size
                    )
                to_post[p, scope_idx] = road_back[node] + access[scope_idx] + post_access[p]
    return _PostLegs(to_call, to_post)


def _covered(trace: CallTrace, layout: _Layout, legs: _PostLegs, standard_s: int) -> np.ndarray:
    """Covered (spatial, deterministic, CONVENTIONS.md): in the area with a post staffed
    in the call's band (``Deployment.covered_posts``) within the standard (hours and busy
    teams ignored, as in the optimizers).
    """
    n_posts = len(layout.post_nodes)
    if not n_posts:
        return np.zeros(len(trace), dtype=bool)
    within = (legs.to_call[:n_posts] <= standard_s) & layout.valid[layout.call_band].T
    return trace.in_area & within.any(axis=0)


@dataclass(frozen=True, eq=False)
class _DispatchableCalls:
    """The calls a team could take (in area, a team on duty), with per-slot drive times.

    ``index`` are trace positions; row ``j`` of ``slot_drive_s`` / ``slot_return_s`` gives
    each slot's drive from its post in the call's ``(band, teams on duty)`` set to call
    ``index[j]`` and back (columns ``>= teams_on[j]`` are padding); ``reset_slots[j]`` are
    the slots whose on-duty stretch began since the previous dispatchable call (a fresh crew
    at its post); ``stretch_start_h[j, s]`` the absolute hour slot ``s``'s current (or last)
    stretch began (-1 before its first).  ``covered_in_hours``: the nearest *staffed* post is within the standard.
    """

    index: np.ndarray
    t_s: list[float]
    band: list[int]
    teams_on: list[int]
    slot_drive_s: np.ndarray
    slot_return_s: np.ndarray
    reset_slots: dict[int, np.ndarray]
    covered_in_hours: np.ndarray
    on_duty_s_by_slot: np.ndarray
    stretch_start_h: np.ndarray

    @classmethod
    def of(
        cls, trace: CallTrace, layout: _Layout, legs: _PostLegs, standard_s: int
    ) -> _DispatchableCalls:
        """Dispatchable calls of ``trace`` under ``layout``."""
        K, tod = layout.max_teams, layout.teams_on_duty
        # Shift stretches: the absolute hour at which slot k's current on-duty stretch
        # started.  A slot whose stretch started after the previous dispatchable call is
        # reset to a fresh crew at its post before the next one (equivalent to checking
        # every hour boundary).
        grid = trace.hour_of_week_by_hour.astype(np.int64)
        on = np.arange(K)[None, :] < tod[grid][:, None]  # (H, K)
        prev_on = np.vstack([np.zeros((1, K), bool), on[:-1]])
        starts = np.where(on & ~prev_on, np.arange(len(grid))[:, None], -1)
        stretch_start = np.maximum.accumulate(starts, axis=0)  # (H, K), -1 before first start
        idx = np.flatnonzero(layout.scope)
        hour_abs = (trace.t_s[idx] // SECONDS_PER_HOUR).astype(np.int64)
        starts_at_call = stretch_start[hour_abs]  # (m, K)
        prev_starts = np.vstack([np.full((1, K), -1), starts_at_call[:-1]])
        reset_rows = np.flatnonzero((starts_at_call != prev_starts).any(axis=1))
        reset = {int(j): np.flatnonzero(starts_at_call[j] != prev_starts[j]) for j in reset_rows}
        b_call = layout.call_band[idx]
        n_on = tod[layout.hour_of_week[idx]]
        posts = layout.slot_post[b_call, n_on]  # (m, K): the set of the hour's (band, k)
        slot_drive = legs.to_call[posts, idx[:, None]].astype(np.float64)  # (m, K)
        covered_in_hours = np.zeros(len(trace), dtype=bool)
        staffed = np.arange(K)[None, :] < n_on[:, None]
        if idx.size:
            nearest = np.where(staffed, slot_drive, np.inf).min(axis=1)
            covered_in_hours[idx] = nearest <= standard_s
        return cls(
            index=idx,
            t_s=trace.t_s[idx].tolist(),
            band=b_call.tolist(),
            teams_on=n_on.tolist(),
            slot_drive_s=slot_drive,
            slot_return_s=legs.to_post[posts, idx[:, None]],
            reset_slots=reset,
            covered_in_hours=covered_in_hours,
            on_duty_s_by_slot=on.sum(axis=0).astype(np.float64) * SECONDS_PER_HOUR,
            stretch_start_h=starts_at_call,
        )


@dataclass(eq=False)
class _Fleet:
    """Team state per replication and slot (arrays of shape ``(replications, teams)``).

    ``free_at``: clear of the scene (s); ``back_at``: back at post (+inf = stays at its
    last scene, -inf = at its post); ``last_scene`` / ``last_access_s``: the last scene's
    node and its access leg.  Under ``at_post_when_clear`` a team is at its post as soon as
    it is clear, so ``back_at`` *is* ``free_at`` (one array) and the last scene is never
    read.
    """

    free_at: np.ndarray
    back_at: np.ndarray
    last_scene: np.ndarray
    last_access_s: np.ndarray

    @classmethod
    def start(cls, replications: int, teams: int, *, back_is_free: bool = False) -> _Fleet:
        """Every team free at its post (``back_is_free``: ``back_at`` shares ``free_at``)."""
        shape = (replications, teams)
        free_at = np.full(shape, -np.inf)
        return cls(
            free_at=free_at,
            back_at=free_at if back_is_free else np.full(shape, -np.inf),
            last_scene=np.zeros(shape, dtype=np.int64),
            last_access_s=np.zeros(shape, dtype=np.int64),
        )

    def take_break(self, slot: int, start_s: float, duration_s: float) -> None:
        """Slot ``slot`` goes off line for ``duration_s`` from ``start_s`` or, if busy
        then, from when it is clear; it is at its post when the break ends.
        """
        self.free_at[:, slot] = np.maximum(self.free_at[:, slot], start_s) + duration_s
        self.back_at[:, slot] = self.free_at[:, slot]

    def reset(self, slots: np.ndarray | None) -> None:
        """Slots coming on duty: fresh crews, free at their posts."""
        if slots is not None:
            self.free_at[:, slots] = -np.inf
            self.back_at[:, slots] = -np.inf


@dataclass(frozen=True, eq=False)
class _Outcome:
    """Per call and replication (call-major, ``(calls, replications)``: a dispatch writes
    one contiguous row): reason, serving fleet index (-1 none), team slot within it, drive
    (s) and clear time (s).  :meth:`by_replication` gives the ``(replications, calls)``
    arrays the results hold.
    """

    reason: np.ndarray
    unit: np.ndarray
    team: np.ndarray
    drive_s: np.ndarray
    clear_s: np.ndarray

    @classmethod
    def start(
        cls,
        trace: CallTrace,
        layouts: tuple[_Layout, ...],
        takers: np.ndarray,
        replications: int,
    ) -> _Outcome:
        """Reasons known before dispatch (module docstring); no dispatches."""
        n = len(trace)
        has_taker = np.zeros(n, dtype=bool)
        in_area = np.zeros(n, dtype=bool)
        on_duty = np.zeros(n, dtype=bool)
        for u, layout in enumerate(layouts):
            takes = (takers == u).any(axis=1)
            has_taker |= takes
            in_area |= takes & layout.in_area
            on_duty |= takes & layout.scope
        reason = np.full((n, replications), SERVED, dtype=np.int8)
        reason[has_taker & ~in_area] = OUTSIDE_AREA
        reason[in_area & ~on_duty] = OUTSIDE_HOURS
        reason[~has_taker] = NOT_TAKEN
        return cls(
            reason=reason,
            unit=np.full((n, replications), -1, dtype=np.int8),
            team=np.full((n, replications), -1, dtype=np.int16),
            drive_s=np.full((n, replications), -1, dtype=np.int64),
            clear_s=np.full((n, replications), np.nan, dtype=np.float64),
        )

    def by_replication(self) -> _Outcome:
        """The same outcome as ``(replications, calls)`` arrays (C order)."""
        return _Outcome(*(np.ascontiguousarray(a.T) for a in (
            self.reason, self.unit, self.team, self.drive_s, self.clear_s
        )))  # fmt: skip


def _dispatch(
    j: int,
    i: int,
    pending: np.ndarray | None,
    trace: CallTrace,
    unit: _UnitRun,
    outcome: _Outcome,
    travel_s: TravelFn,
    *,
    unit_code: int,
    return_rule: str,
) -> np.ndarray:
    """Send the nearest free on-duty team of one type to dispatchable call ``j`` (trace
    position ``i``) in the replications ``pending`` (``None`` = all) at once; returns the
    replications it could not serve (every team busy).
    """
    calls, fleet = unit.calls, unit.fleet
    t, n_on = calls.t_s[j], calls.teams_on[j]
    leaves_scene = return_rule != "at_post_when_clear"  # a free team may be away from post
    if pending is None:
        rows = unit.all_rows
        free_at = fleet.free_at[:, :n_on]
    else:
        rows = pending
        free_at = fleet.free_at[:, :n_on].take(pending, axis=0)
    free = free_at <= t
    drive = np.where(free, calls.slot_drive_s[j, :n_on], np.inf)
    if leaves_scene:  # a free team may still be driving back, or wait at its last scene
        _from_scenes(drive, free, rows, t, j, i, trace, unit, travel_s)
    k = drive.argmin(axis=1)
    d = drive[unit.all_rows[: rows.size], k]
    ok = d < np.inf
    n_ok = np.count_nonzero(ok)
    if n_ok == rows.size:
        r_ok, k_ok, missed = rows, k, _NONE
    elif n_ok:
        r_ok, k_ok, d, missed = rows[ok], k[ok], d[ok], rows[~ok]
    else:
        return rows
    clear = (t + unit.turnout_s) + d + unit.on_scene_by_call_s[i][r_ok] + unit.documentation_s
    fleet.free_at[r_ok, k_ok] = clear  # under at_post_when_clear also back_at (one array)
    if leaves_scene:
        fleet.last_scene[r_ok, k_ok] = trace.scene[i]
        fleet.last_access_s[r_ok, k_ok] = trace.access_s[i]
        if return_rule == "drive_back":
            fleet.back_at[r_ok, k_ok] = clear + calls.slot_return_s[j, k_ok]
        else:  # stay_at_scene
            fleet.back_at[r_ok, k_ok] = np.inf
    outcome.unit[i][r_ok] = unit_code
    outcome.team[i][r_ok] = k_ok
    outcome.drive_s[i][r_ok] = d
    outcome.clear_s[i][r_ok] = clear
    return missed


def _from_scenes(
    drive: np.ndarray,
    free: np.ndarray,
    rows: np.ndarray,
    t: float,
    j: int,
    i: int,
    trace: CallTrace,
    unit: _UnitRun,
    travel_s: TravelFn,
) -> None:
    """Free teams not yet back at their posts drive from their last scene: their entries
    of ``drive`` (rows ``rows`` of the fleet, first ``drive.shape[1]`` slots) become the
    road time from that scene plus both access legs.
    """
    fleet, n_on = unit.fleet, drive.shape[1]
    from_scene = free & (fleet.back_at[rows, :n_on] > t)
    if not np.count_nonzero(from_scene):
        return
    rr, kk = np.nonzero(from_scene)
    dest = np.full(rr.size, trace.scene[i])
    band = unit.layout.bands[unit.calls.band[j]]
    road = _checked(travel_s(fleet.last_scene[rows[rr], kk], dest, band), rr.size)
    drive[rr, kk] = road + fleet.last_access_s[rows[rr], kk] + trace.access_s[i]


def _breaks_by_call(
    trace: CallTrace, layout: _Layout, calls: _DispatchableCalls, cfg: OffLineConfig
) -> dict[int, list[tuple[int, float, float]]]:
    """Breaks to apply before dispatchable call ``j``: ``(slot, start_s, duration_s)`` of
    the breaks starting after the previous dispatchable call and at or before call ``j``,
    in start order, without those of a stretch the slot has since left (module docstring).
    """
    if not calls.index.size or not (cfg.meal_break_min or cfg.rest_break_min):
        return {}
    grid = trace.hour_of_week_by_hour.astype(np.int64)
    on = np.arange(layout.max_teams)[None, :] < layout.teams_on_duty[grid][:, None]
    w = break_windows(on, cfg, cyclic=False)
    start_s = w.start_h * SECONDS_PER_HOUR
    t = np.asarray(calls.t_s)
    first_call = np.searchsorted(t, start_s, side="left")  # the call each break precedes
    out: dict[int, list[tuple[int, float, float]]] = {}
    for b in np.flatnonzero(first_call < t.size):
        j, slot = int(first_call[b]), int(w.slot[b])
        if calls.stretch_start_h[j, slot] != w.stretch_start_h[b]:
            continue  # the slot has started a new stretch: a fresh crew
        out.setdefault(j, []).append(
            (slot, float(start_s[b]), float(w.duration_h[b] * SECONDS_PER_HOUR))
        )
    return out


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
