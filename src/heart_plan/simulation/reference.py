"""A straightforward SimPy model of the same process, for checking and benchmarking.

One SimPy environment per replication: an arrival process yields a timeout to each call,
an hourly process starts fresh crews when a team slot comes on duty, and every dispatch
spawns a team process (turnout + drive + on scene, then the drive back to post).  Rules
are those of :mod:`heart_plan.simulation.engine` (nearest free team, lowest slot on ties,
a team driving back is dispatchable from its last scene; the post of a slot is looked up
in the post set of the hour's band and number of teams on duty,
``Deployment.slot_posts(band, k)``, both for a team at its post and for the post a team
drives back to), evaluated call by call with no precomputation, so its outcomes must equal
the engine's call for call.  SimPy is a
benchmark-only dependency (the ``bench`` extra) and is imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heart_plan.simulation.deployment import Deployment, TravelFn
from heart_plan.simulation.trace import SECONDS_PER_HOUR, CallTrace


@dataclass
class _Team:
    generation: int = 0
    busy: bool = False
    at_post: bool = True
    location: int = -1
    location_access_s: int = 0


def simpy_replication(
    trace: CallTrace,
    deployment: Deployment,
    travel_s: TravelFn,
    on_scene_s: np.ndarray,
    *,
    turnout_s: int = 0,
    return_rule: str = "at_post_when_clear",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One replication with the given on-scene times (one per trace call).

    Returns ``(reason, team, drive_s)`` arrays as in ``SimulationResult`` row 0.
    """
    import simpy

    env = simpy.Environment()
    n = len(trace)
    tod = deployment.teams_on_duty
    K = deployment.max_teams
    teams = [_Team() for _ in range(K)]
    reason = np.zeros(n, dtype=np.int8)
    team_of = np.full(n, -1, dtype=np.int16)
    drive_of = np.full(n, -1, dtype=np.int64)
    grid = trace.hour_of_week_by_hour

    def shifts():
        for hour in range(len(grid)):
            if hour:
                yield env.timeout(hour * SECONDS_PER_HOUR - env.now)
            on_now = tod[grid[hour]]
            on_before = tod[grid[hour - 1]] if hour else 0
            for k in range(on_before, on_now):
                crew = teams[k]
                crew.generation += 1
                crew.busy, crew.at_post = False, True

    def serve(
        k: int, generation: int, i: int, drive: int, post_node: int, post_access: int, band: str
    ):
        crew = teams[k]
        crew.busy, crew.at_post = True, False
        yield env.timeout(turnout_s + drive + on_scene_s[i])
        if crew.generation != generation:
            return
        crew.busy, crew.location = False, int(trace.scene[i])
        crew.location_access_s = int(trace.access_s[i])
        if return_rule == "at_post_when_clear":
            crew.at_post = True
            return
        if return_rule == "stay_at_scene":
            return
        road = int(travel_s(np.array([trace.scene[i]]), np.array([post_node]), band)[0])
        back = road + int(trace.access_s[i]) + post_access

        yield env.timeout(back)
        if crew.generation == generation:  # not re-dispatched or relieved meanwhile
            crew.at_post = True

    def arrivals():
        for i in range(n):
            yield env.timeout(trace.t_s[i] - env.now)
            h = int(trace.hour_of_week[i])
            if not trace.in_area[i]:
                reason[i] = 1
                continue
            if tod[h] == 0:
                reason[i] = 2
                continue
            band = deployment.band_of_hour[h]
            posts = deployment.slot_posts(band, tod[h])  # the set of this hour's (band, k)
            free = [k for k in range(tod[h]) if not teams[k].busy]
            if not free:
                reason[i] = 3
                continue
            origin = [
                deployment.post_nodes[posts[k]] if teams[k].at_post else teams[k].location
                for k in free
            ]
            leave = [
                deployment.post_access_s[posts[k]]
                if teams[k].at_post
                else teams[k].location_access_s
                for k in free
            ]
            road = travel_s(np.array(origin), np.full(len(free), trace.scene[i]), band)
            drives = road + np.array(leave, dtype=np.int64) + int(trace.access_s[i])
            best = int(np.argmin(drives))
            k = free[best]
            team_of[i], drive_of[i] = k, int(drives[best])
            teams[k].generation += 1  # a new dispatch supersedes any drive back
            post_node = deployment.post_nodes[posts[k]]
            post_access = int(deployment.post_access_s[posts[k]])
            env.process(
                serve(k, teams[k].generation, i, int(drives[best]), post_node, post_access, band)
            )

    env.process(shifts())
    env.process(arrivals())
    env.run()
    return reason, team_of, drive_of
