"""Benchmark: a year of citywide eligible calls at the pipeline's replications, engine vs SimPy.

A seeded synthetic trace stands in for a year of citywide eligible calls (observed and
modeled: ~15,000 Poisson calls over an hour-of-week profile, on a synthetic set of road
nodes with Euclidean x 1.35 drive times at the scenario's band speed factors).  The plan:
six posts, 6 teams 08:00-20:00 and 3 teams otherwise, 90% of calls in the service area.

Measures the engine's call events per second over the replications the pipeline uses
(``[simulation] replications`` of the scenario, 20; the vectorized engine's advantage
grows with the count, so a larger ``--replications`` overstates it) and the time per
replication of the straightforward SimPy model (:mod:`heart_plan.simulation.reference`)
over the same trace and on-scene draws (``--simpy-replications``, default 5), checks that
both give the same served counts (and the same outcome for every call), and prints a JSON
record (also written to ``--out`` when given).

    python bench/simulate.py [--replications N] [--simpy-replications 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from heart_plan.atomic import write_json
from heart_plan.config import load_scenario
from heart_plan.simulation import Deployment, on_scene_from_unit, simulate, synthetic_trace
from heart_plan.simulation.reference import simpy_replication

CALLS_PER_YEAR = 15_000
N_NODES = 3_000
FREE_FLOW_KPH = 40.0


class EuclideanTravel:
    """Drive seconds = 30 s + 1.35 x straight-line metres at 40 km/h x band speed factor."""

    def __init__(self, xy_m: np.ndarray, speed_factor: dict[str, float]) -> None:
        self.xy_m = xy_m
        self.speed_factor = speed_factor

    def __call__(self, from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        d_m = np.hypot(*(self.xy_m[from_nodes] - self.xy_m[to_nodes]).T) * 1.35
        mps = FREE_FLOW_KPH / 3.6 * self.speed_factor[band]
        return np.where(from_nodes == to_nodes, 0, np.rint(30 + d_m / mps)).astype(np.int64)


def hour_of_week_profile() -> np.ndarray:
    """Calls per hour by hour of week: a diurnal curve peaking mid-afternoon."""
    hour = np.arange(168) % 24
    shape = 0.35 + np.exp(-(((hour - 15) / 5.0) ** 2))
    return shape / shape.sum() * CALLS_PER_YEAR / 52.143


def build(seed: int = 0):
    scenario = load_scenario()
    rng = np.random.default_rng(seed)
    xy_m = rng.uniform([0, 0], [20_000, 15_000], (N_NODES, 2))
    weights = rng.gamma(0.5, size=N_NODES)
    in_area = np.flatnonzero(rng.random(N_NODES) < 0.9)
    trace = synthetic_trace(
        hour_of_week_profile(),
        np.arange(N_NODES),
        weeks=52.143,
        seed=seed,
        node_weights=weights,
        in_area_nodes=in_area,
    )
    tod = tuple(6 if 8 <= h % 24 < 20 else 3 for h in range(168))
    posts = tuple(int(p) for p in rng.choice(N_NODES, 6, replace=False, p=weights / weights.sum()))
    deployment = Deployment(
        teams_on_duty=tod, band_of_hour=scenario.network.band_of_hour(), post_nodes=posts
    )
    speed = {name: band.speed_factor for name, band in scenario.network.time_bands.items()}
    return scenario, trace, deployment, EuclideanTravel(xy_m, speed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replications", type=int, default=None, help="default: the scenario's (20)"
    )
    parser.add_argument("--simpy-replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    scenario, trace, deployment, travel = build(args.seed)
    if args.replications is None:
        args.replications = scenario.simulation.replications
    crt = scenario.crt
    on_scene = on_scene_from_unit(crt)
    kw = dict(
        on_scene=on_scene,
        standard_s=scenario.response.standard_s,
        turnout_s=crt.turnout_s,
        return_rule=crt.return_rule,
    )

    t0 = time.perf_counter()
    res = simulate(trace, deployment, travel, replications=args.replications, seed=args.seed, **kw)
    engine_s = time.perf_counter() - t0
    served_engine = res.served_counts()

    n_simpy = min(args.simpy_replications, args.replications)
    served_simpy, identical = [], True
    t0 = time.perf_counter()
    for r in range(n_simpy):
        draws = on_scene.sample(np.random.default_rng(args.seed + r), len(trace))
        reason, team, drive = simpy_replication(
            trace,
            deployment,
            travel,
            draws,
            turnout_s=crt.turnout_s,
            return_rule=crt.return_rule,
        )
        served_simpy.append(int((reason == 0).sum()))
        identical &= bool(
            np.array_equal(reason, res.reason[r])
            and np.array_equal(team, res.team[r])
            and np.array_equal(drive, res.drive_s[r])
        )
    simpy_s = time.perf_counter() - t0

    engine_per_rep = engine_s / args.replications
    simpy_per_rep = simpy_s / n_simpy if n_simpy else float("nan")
    summary = res.summary().set_index("measure")
    record = {
        "calls": len(trace),
        "calls_in_scope": int((res.reason[0] != 1).sum() - (res.reason[0] == 2).sum()),
        "replications": args.replications,
        "engine_seconds": round(engine_s, 3),
        "engine_call_events_per_s": round(len(trace) * args.replications / engine_s),
        "simpy_replications": n_simpy,
        "simpy_seconds": round(simpy_s, 3),
        "simpy_call_events_per_s": round(len(trace) * n_simpy / simpy_s) if n_simpy else None,
        "speedup_vs_simpy_per_replication": round(simpy_per_rep / engine_per_rep, 1),
        "served_counts_engine": served_engine[:n_simpy].tolist(),
        "served_counts_simpy": served_simpy,
        "served_counts_equal": served_engine[:n_simpy].tolist() == served_simpy,
        "all_outcomes_identical": identical,
        "served_share": round(float(summary.loc["served_share", "mean"]), 4),
        "reached_share": round(float(summary.loc["reached_share", "mean"]), 4),
        "missed_all_busy_share": round(float(summary.loc["missed_all_busy_share", "mean"]), 4),
    }
    print(json.dumps(record, indent=2))
    if args.out:
        write_json(args.out, record)
    if not record["served_counts_equal"] or not identical:
        raise SystemExit("engine and SimPy disagree")


if __name__ == "__main__":
    main()
