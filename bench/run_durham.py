"""Wall time and peak memory of the warm end-to-end ``heart-plan run`` on the Durham mirror.

Usage::

    .venv/bin/python bench/run_durham.py                       # outputs into a temp dir
    .venv/bin/python bench/run_durham.py --out /tmp/hp_bench --runs 2 [--mirror PATH]

Runs ``heart-plan run`` as a real process ``--runs`` times (default 2: the first warms the
caches — road network, drive-time matrices — the last is the measured warm run).  For each
run: wall time (s) and peak resident memory (MiB), the ``ru_maxrss`` of that child process
and its waited-for descendants (``os.wait4``; Linux reports KiB).  Prints the ratio of the
warm run's wall time to the 2-minute target and the per-step timings from its ``run.json``.
Exit code 0 even when over target (this is a measurement, not a test).
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

TARGET_S = 120.0


def timed_run(out_dir: Path, mirror: str | None) -> tuple[float, float, int]:
    """One ``heart-plan run`` process: (wall time s, peak RSS MiB, exit code)."""
    cmd = [sys.executable, "-m", "heart_plan.cli", "run", "--out", str(out_dir)]
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
    parser.add_argument("--runs", type=int, default=2, help="runs; the last one is measured")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hp_bench_") as tmp:
        base = args.out or Path(tmp)
        rows = []
        outs = []
        for i in range(max(1, args.runs)):
            label = "warm" if i == args.runs - 1 and args.runs > 1 else f"run {i + 1}"
            out = base / f"run{i + 1}"
            outs.append(out)
            wall_s, rss_mib, code = timed_run(out, args.mirror)
            rows.append((label, wall_s, rss_mib, code))
            print(
                f"{label:>6}: wall {wall_s:7.1f} s  peak RSS {rss_mib:7.0f} MiB  "
                f"exit {code}  ({wall_s / TARGET_S:.2f} x the {TARGET_S:.0f} s target)",
                flush=True,
            )
            if code != 0:
                return code
        label, wall_s, rss_mib, _ = rows[-1]
        verdict = "within" if wall_s <= TARGET_S else "OVER"
        print(
            f"\n{label} end-to-end: {wall_s:.1f} s = {wall_s / TARGET_S:.2f} x target "
            f"({verdict} {TARGET_S:.0f} s), peak RSS {rss_mib:.0f} MiB "
            f"on {os.cpu_count()} cores"
        )
        timings = json.loads((out / "run.json").read_text()).get("timings_s", {})
        print("\nper-step timings of the measured run (run.json):")
        for step, dt in timings.items():
            print(f"  {step:<40s} {dt:7.1f} s  ({dt / wall_s:5.1%})")
        print(f"  {'sum of steps':<40s} {sum(timings.values()):7.1f} s")
        if len(outs) > 1:
            print("\nreproducibility (same scenario and seeds, first vs last run):")
            print(f"  {'identical outputs':<40s} {identical_outputs(outs[0], outs[-1])}")
    return 0


def identical_outputs(a: Path, b: Path) -> str:
    """Compare every output byte for byte, except pages and records that embed the
    command line (``--out`` differs) or timings; for ``run.json`` compare key results."""
    skip = {"run.json", "run_info.json", "report.html"}
    differ = [
        str(p.relative_to(a))
        for p in sorted(a.rglob("*"))
        if p.is_file()
        and p.name not in skip
        and p.read_bytes() != (b / p.relative_to(a)).read_bytes()
    ]
    key_a = json.loads((a / "run.json").read_text())["key_results"]
    key_b = json.loads((b / "run.json").read_text())["key_results"]
    if key_a != key_b:
        differ.append("run.json key_results")
    return "yes" if not differ else "NO: " + ", ".join(differ[:10])


if __name__ == "__main__":
    raise SystemExit(main())
