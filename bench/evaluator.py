"""Benchmark: one loss-hypercube evaluation vs one simulation replication of a year.

A Durham-sized synthetic plan: 870 demand nodes in a 20 x 15 km box (gamma weights), one
band, ``k = 2..7`` teams at ``k`` posts (random nodes), drive seconds = 30 s + 1.35 x
straight-line metres at 40 km/h (the same travel model as ``bench/simulate.py``).  The year
of calls is a seeded stationary Poisson trace of ~15,000 calls (the citywide eligible-call
volume) with the teams on duty around the clock.

For each ``k`` it times (best of ``--repeat``) one :func:`heart_plan.queueing.evaluate` call
(busy-time fixed point included; exact chain for k <= 10) on the node x post drive matrix,
and one replication of :func:`heart_plan.simulation.simulate` over the trace (lognormal
on-scene time with the scenario's assumed mean/sd, return to post), and prints both and
the ratio; the headline is the largest ``k`` (the slowest evaluation).  Prints a JSON record
(also written to ``--out`` when given).

    python bench/evaluator.py [--repeat 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from heart_plan.atomic import write_json
from heart_plan.config import load_scenario
from heart_plan.queueing import evaluate, evaluate_week
from heart_plan.simulation import Deployment, on_scene_from_unit, simulate, synthetic_trace

CALLS_PER_YEAR = 15_000
N_NODES = 870
FREE_FLOW_KPH = 40.0
TEAMS = range(2, 8)


class EuclideanTravel:
    """Drive seconds = 30 s + 1.35 x straight-line metres at 40 km/h (0 on the same node)."""

    def __init__(self, xy_m: np.ndarray) -> None:
        self.xy_m = xy_m

    def __call__(self, from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        d_m = np.hypot(*(self.xy_m[from_nodes] - self.xy_m[to_nodes]).T) * 1.35
        return np.where(
            from_nodes == to_nodes, 0, np.rint(30 + d_m / (FREE_FLOW_KPH / 3.6))
        ).astype(np.int64)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    scenario = load_scenario()
    crt = scenario.crt
    on_scene = on_scene_from_unit(crt)
    rng = np.random.default_rng(0)
    xy_m = rng.uniform([0, 0], [20_000, 15_000], (N_NODES, 2))
    weights = rng.gamma(0.5, size=N_NODES)
    lam = weights / weights.sum() * CALLS_PER_YEAR / 8760.0  # calls per hour per node
    travel = EuclideanTravel(xy_m)
    nodes = np.arange(N_NODES)
    trace = synthetic_trace(
        np.full(168, lam.sum()), nodes, weeks=52.143, seed=1, node_weights=weights
    )
    rows = []
    for k in TEAMS:
        post_nodes = tuple(int(p) for p in rng.choice(N_NODES, k, replace=False))
        drive = np.stack(
            [travel(np.full(N_NODES, p), nodes, "all") for p in post_nodes], axis=1
        )  # (nodes, posts)
        dep = Deployment(
            teams_on_duty=(k,) * 168, band_of_hour=("all",) * 168, post_nodes=post_nodes
        )

        def run_eval(drive=drive, k=k):
            return evaluate(
                lam, drive, range(k), standard_s=scenario.response.standard_s,
                on_scene_mean_h=crt.on_scene_mean_min / 60, turnout_s=crt.turnout_s,
            )  # fmt: skip

        def run_sim(dep=dep):
            return simulate(
                trace, dep, travel, on_scene=on_scene, standard_s=scenario.response.standard_s,
                turnout_s=crt.turnout_s, return_rule=crt.return_rule, replications=1,
            )  # fmt: skip

        ev = run_eval()
        res = run_sim()
        t_eval = _best(run_eval, max(args.repeat, 5))
        t_sim = _best(run_sim, args.repeat)
        rows.append(
            {
                "teams": k,
                "evaluator_s": t_eval,
                "simulation_replication_s": t_sim,
                "speedup": t_sim / t_eval,
                "method": ev.method,
                "busy_time_iterations": ev.busy_time_iterations,
                "predicted_reached_share": ev.reached_share,
                "simulated_reached_share": float(res.reached.mean()),
                "predicted_served_share": ev.served_share,
                "simulated_served_share": float(res.served.mean()),
            }
        )
        print(
            f"k={k}: evaluator {1000 * t_eval:7.1f} ms ({ev.method}), simulation "
            f"{1000 * t_sim:7.1f} ms, ratio {t_sim / t_eval:6.1f}x; reached predicted "
            f"{ev.reached_share:.3f} simulated {res.reached.mean():.3f}"
        )

    # A full week (diurnal arrivals: every hour a different load) for the largest k.
    hour = np.arange(168) % 24
    shape = 0.35 + np.exp(-(((hour - 15) / 5.0) ** 2))
    arrivals = (shape / shape.mean())[:, None] * lam[None, :]
    t0 = time.perf_counter()
    week = evaluate_week(
        arrivals, [TEAMS[-1]] * 168, ["all"] * 168, {"all": drive}, lambda b, k: range(k),
        on_scene_mean_h=crt.on_scene_mean_min / 60, turnout_s=crt.turnout_s,
    )  # fmt: skip
    t_week = time.perf_counter() - t0
    headline = rows[-1]
    record = {
        "nodes": N_NODES,
        "calls": len(trace),
        "rows": rows,
        "week_evaluation_s": t_week,
        "week_distinct_solutions": week.distinct_solutions,
        "headline_teams": headline["teams"],
        "speedup": headline["speedup"],
    }
    print(
        f"week (168 hours, {week.distinct_solutions} distinct solutions, k={TEAMS[-1]}): "
        f"{t_week:.2f} s"
    )
    print(f"calls in the simulated year: {len(trace)}")
    print(f"evaluator speedup vs 1 simulation replication: {headline['speedup']:.1f}x")
    print(json.dumps(record, indent=2))
    if args.out:
        write_json(args.out, record)
    return record


if __name__ == "__main__":
    main()
