"""Wall time and peak memory of the warm end-to-end ``heart-plan run`` on the Durham mirror,
against the same run on one core measured in the same invocation.

Usage::

    .venv/bin/python bench/run_durham.py                       # outputs into a temp dir
    .venv/bin/python bench/run_durham.py --out /tmp/hp_bench [--mirror PATH]

Runs ``heart-plan run`` as a real process 2 + ``--repeat`` times: a warm-up (fills the
caches: road network, drive-time matrices, demand validation), the **baseline** on one
core (``--set solver.workers=1``: every step in one process) and ``--repeat`` (default 3)
**measured** runs with the default ``[solver] workers`` (the run's independent steps in
that many processes, :mod:`heart_plan.processes`).  For each: wall time (s), peak resident
memory (MiB: the ``ru_maxrss`` of the run and its waited-for worker processes,
``os.wait4``; Linux reports KiB) and the 1-minute load average before it started (the
previous run shows there too).  Wall times on these shared machines vary by 10-50% from
run to run, so the **median** measured run is judged against issue 17's targets (30 s
warm, 1 GB peak; the peak is the largest of the measured runs), beside the fastest and
slowest.  Prints the speed-up over the one-core baseline, the per-step timings of the
median and baseline runs from ``run.json``, and whether their answers (``key_results``)
and files are identical.  Exit code 0
even when over target (this is a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 30.0
TARGET_RSS_MIB = 1024.0


def timed_run(out_dir: Path, mirror: str | None, *extra: str) -> tuple[float, float, int]:
    """One ``heart-plan run`` process: (wall time s, peak RSS MiB, exit code)."""
    cmd = [sys.executable, "-m", "heart_plan.cli", "run", "--out", str(out_dir), *extra]
    if mirror:
        cmd += ["--mirror", mirror]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall_s = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(stderr[-3000:], file=sys.stderr)
    return wall_s, usage.ru_maxrss / 1024.0, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="output dir (default: temp)")
    parser.add_argument("--mirror", default=None, help="Durham data mirror (default: scenario)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measured runs (the median is judged; default 3)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    measured_labels = [f"measured {r + 1}" for r in range(args.repeat)]
    runs: dict[str, tuple[str, ...]] = {
        "warm-up": (),
        "baseline (1 core)": ("--set", "solver.workers=1"),
        **{label: () for label in measured_labels},
    }
    with tempfile.TemporaryDirectory(prefix="hp_bench_") as tmp:
        base = args.out or Path(tmp)
        done: dict[str, tuple[float, float, Path]] = {}
        for i, (label, extra) in enumerate(runs.items()):
            out = base / f"run{i + 1}"
            load = os.getloadavg()[0]
            wall_s, rss_mib, code = timed_run(out, args.mirror, *extra)
            print(
                f"{label:>18}: wall {wall_s:6.1f} s  peak RSS {rss_mib:6.0f} MiB  exit {code}"
                f"  (load average before: {load:.2f})",
                flush=True,
            )
            if code != 0:
                return code
            done[label] = (wall_s, rss_mib, out)
        # The median measured run is judged (wall times on a shared machine vary by 10-50%
        # between runs); the fastest shows what the code does on a quiet machine.
        by_wall = sorted((done[label] for label in measured_labels), key=lambda d: d[0])
        wall_s, _, out = by_wall[(len(by_wall) - 1) // 2]
        rss_mib = max(d[1] for d in by_wall)
        base_s, _base_rss, base_out = done["baseline (1 core)"]
        print(
            f"\nmeasured warm runs: fastest {by_wall[0][0]:.1f} s, median {wall_s:.1f} s, "
            f"slowest {by_wall[-1][0]:.1f} s (the median is judged)"
        )
        print(
            f"median measured warm run: {wall_s:.1f} s = {wall_s / TARGET_S:.2f} x the "
            f"{TARGET_S:.0f} s target ({'met' if wall_s <= TARGET_S else 'NOT met'}); peak "
            f"RSS {rss_mib:.0f} MiB = {rss_mib / TARGET_RSS_MIB:.2f} x 1 GB "
            f"({'met' if rss_mib <= TARGET_RSS_MIB else 'NOT met'}); "
            f"{base_s / wall_s:.2f}x faster than on one core ({base_s:.1f} s), "
            f"{os.cpu_count()} cores"
        )
        measured = json.loads((out / "run.json").read_text()).get("timings_s", {})
        baseline = json.loads((base_out / "run.json").read_text()).get("timings_s", {})
        print(f"\n{'step (run.json timings_s)':<72s} {'median':>9s} {'1 core':>8s}")
        for step in dict.fromkeys([*baseline, *measured]):
            m, b = measured.get(step), baseline.get(step)
            print(
                f"  {step:<70s} {'' if m is None else f'{m:7.1f} s':>9s} "
                f"{'' if b is None else f'{b:6.1f} s':>8s}"
            )
        print(
            f"  {'sum of steps':<70s} {sum(measured.values()):7.1f} s "
            f"{sum(baseline.values()):6.1f} s"
        )
        print("\nreproducibility (the same scenario and seeds on one core and in parallel):")
        print(f"  {'identical outputs':<40s} {identical_outputs(base_out, out)}")
    return 0


def identical_outputs(a: Path, b: Path) -> str:
    """Compare every output byte for byte, except pages and records that embed the
    command line (``--out`` and ``--set`` differ) or timings, and the GeoPackage (22 bytes
    of its SQLite file carry the write time; its layers are equal); for ``run.json``
    compare key results."""
    skip = {"run.json", "run_info.json", "report.html", "README.txt", "plan.gpkg"}
    differ = [
        str(p.relative_to(a))
        for p in sorted(a.rglob("*"))
        if p.is_file()
        and p.name not in skip
        and not p.name.startswith("plan_")
        and p.read_bytes() != (b / p.relative_to(a)).read_bytes()
    ]
    key_a = json.loads((a / "run.json").read_text())["key_results"]
    key_b = json.loads((b / "run.json").read_text())["key_results"]
    if key_a != key_b:
        differ.append("run.json key_results")
    return "yes" if not differ else "NO: " + ", ".join(differ[:10])


if __name__ == "__main__":
    raise SystemExit(main())
