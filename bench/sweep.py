"""Benchmark: scenarios per minute of ``heart-plan sweep`` on a local Dask cluster with 1
and with 2 workers (one solver thread per scenario), and the scaling ratio.

The scenarios are quick real Durham scenarios (the default with fire-station posts, the
pilot and citywide as candidate areas, 2 replications, at most 4 teams per hour, a 5 s
deterministic solver limit), one per response standard in ``--standards``.  Each worker
count runs into a fresh output folder (nothing reused from the sweep store); the drive-time
matrices of the shared cache are warmed first by one serial run, so both measure the
same work.  Prints one line per worker count, a line ``scaling 1 -> 2 workers: N.NNx`` and
a JSON record (also written to ``--out``).

    python bench/sweep.py [--standards 540 600 660 780] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from heart_plan.atomic import write_json
from heart_plan.config import default_scenario_path
from heart_plan.sweep.execute import available_cores, run_sweep
from heart_plan.sweep.grid import load_grid

LINES = {
    'sources = ["fire_stations", "road_nodes"]': 'sources = ["fire_stations"]',
    "recommend_every_steps = 6": "recommend_every_steps = 100",
    "replications = 20": "replications = 2",
    "first_replications = 10": "first_replications = 2",
    "max_replications = 200": "max_replications = 4",
    "max_teams_per_hour = 8": "max_teams_per_hour = 4",
    "max_deterministic_time = 30.0": "max_deterministic_time = 5.0",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standards", type=int, nargs="+", default=[540, 600, 660, 780])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    lines = default_scenario_path().read_text().splitlines()
    for old, new in LINES.items():
        hits = [i for i, line in enumerate(lines) if line == old]
        assert len(hits) == 1, old
        lines[hits[0]] = new
    (work / "quick.toml").write_text("\n".join(lines) + "\n")
    (work / "grid.toml").write_text(
        'base = "quick.toml"\ninclude_base = false\n[grid]\n'
        f'"response.standard_s" = {list(args.standards)}\n'
    )
    (work / "warm.toml").write_text('base = "quick.toml"\n')
    run_sweep(load_grid(work / "warm.toml"), work / "warm", executor="serial", solver_threads=1)
    grid = load_grid(work / "grid.toml")
    record: dict[str, object] = {"scenarios": len(grid.cases), "cores": available_cores()}
    rates = {}
    tables = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        run = run_sweep(grid, work / f"w{workers}", workers=workers, solver_threads=1)
        wall_s = time.perf_counter() - t0
        rates[workers] = len(grid.cases) / wall_s * 60
        tables[workers] = [
            {k: v for k, v in r.results.items() if k != "runtime_s"} for r in run.records
        ]
        print(
            f"{workers} worker{'s' if workers > 1 else ''}: {len(grid.cases)} scenarios in "
            f"{wall_s:.1f} s = {rates[workers]:.2f} scenarios per minute"
        )
        record[f"workers_{workers}"] = {"wall_s": round(wall_s, 2), "per_minute": rates[workers]}
    assert tables[1] == tables[2], "1 and 2 workers gave different results"
    scaling = rates[2] / rates[1]
    print(f"scaling 1 -> 2 workers: {scaling:.2f}x")
    record["scaling_1_to_2"] = round(scaling, 3)
    print(json.dumps(record))
    if args.out:
        write_json(args.out, record)


if __name__ == "__main__":
    main()
