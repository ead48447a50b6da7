"""Scaling benchmark of the drive-time engine: time and peak memory against graph size.

Graphs: synthetic grids (4-neighbour, both directions, edge times uniform 5-60 s, seed
fixed) of 50,000-500,000 nodes, and the full Triangle road model of the mirror
(``roads/trm/trmg2_2020_links__converted.geojson``: every link except centroid
connectors, at 40 km/h free flow -- an assumption of this benchmark only, it measures
scale, not Durham drive times).  Sources: random nodes, 1,000-5,000.

Each case runs in a fresh child process (so its peak RSS, ``ru_maxrss``, is its own) and
computes, with the engine's chunked Dijkstra:

* ``full``: the int32 sources x nodes matrix (``bands_seconds``), while sources x nodes x
  4 bytes <= 4 GB (``FULL_LIMIT_BYTES``);
* ``cutoff``: only the pairs within the 720 s standard (``within_limit``, sparse int32),
  beyond that size (and for every case, as a second row).

The engine runs each pass in ``--processes`` forked processes (default 2, the run's
``[solver] workers``); the 50k grid's full matrix also runs in one process, beside raw
scipy.  Prints one row per case (processes, time, peak RSS of the case's process and of
its largest worker -- which counts the pages it shares with its parent --, output MB, and
(peak - RSS before the computation) / output: the engine's working memory relative to
what it returns), the fitted growth
exponent of time against nodes x sources (log-log least squares), and raw scipy
``dijkstra`` on the same graph and sources for the smallest grid (ratio).  The default
set finishes in well under 10 minutes on 2 cores; ``--quick`` is a 1-minute smoke run.

Run: ``.venv/bin/python bench/scaling.py [--quick] [--mirror PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

FULL_LIMIT_BYTES = 4 * 10**9
STANDARD_S = 720.0
TRM_LINKS = "roads/trm/trmg2_2020_links__converted.geojson"
TRM_SPEED_KPH = 40.0  # assumption of this benchmark only


def grid_engine(n_nodes: int, seed: int = 0, processes: int = 1):
    """A side x side grid engine (both directions, random edge times 5-60 s)."""
    from heart_plan.network import DriveTimeEngine

    side = int(round(n_nodes**0.5))
    idx = np.arange(side * side).reshape(side, side)
    right = (idx[:, :-1].ravel(), idx[:, 1:].ravel())
    down = (idx[:-1, :].ravel(), idx[1:, :].ravel())
    u = np.concatenate([right[0], right[1], down[0], down[1]])
    v = np.concatenate([right[1], right[0], down[1], down[0]])
    w = np.random.default_rng(seed).uniform(5.0, 60.0, len(u))
    lon = -79.0 + (idx % side).ravel() * 1e-3
    lat = 35.8 + (idx // side).ravel() * 1e-3
    return DriveTimeEngine.from_arrays(idx.ravel(), lon, lat, u, v, w, processes=processes)


def trm_engine(mirror: Path, processes: int = 1):
    """The full TRM link set as an engine (centroid connectors dropped, 40 km/h)."""
    from scipy.sparse import csgraph

    from heart_plan.network import DriveTimeEngine

    feats = json.loads((mirror / TRM_LINKS).read_text())["features"]
    a, b, sec, xy = [], [], [], {}
    for f in feats:
        p = f["properties"]
        if p.get("is_centroid_connector"):
            continue
        coords = f["geometry"]["coordinates"]
        xy.setdefault(p["a_node"], coords[0])
        xy.setdefault(p["b_node"], coords[-1])
        t = p["length_mi"] * 1609.344 / (TRM_SPEED_KPH / 3.6)
        if p["dir"] in (0, 1):
            a.append(p["a_node"]), b.append(p["b_node"]), sec.append(t)
        if p["dir"] in (0, -1):
            a.append(p["b_node"]), b.append(p["a_node"]), sec.append(t)
    ids = np.array(sorted(xy), dtype=np.int64)
    lon = np.array([xy[i][0] for i in ids])
    lat = np.array([xy[i][1] for i in ids])
    pos = np.searchsorted(ids, np.array(a)), np.searchsorted(ids, np.array(b))
    eng = DriveTimeEngine.from_arrays(ids, lon, lat, pos[0], pos[1], np.array(sec))
    # keep the largest strongly connected component (as the graph builders do)
    _, label = csgraph.connected_components(eng.csr, directed=True, connection="strong")
    big = np.bincount(label).argmax()
    keep = label == big
    coo = eng.csr.tocoo()
    ok = keep[coo.row] & keep[coo.col]
    new = np.cumsum(keep) - 1
    return DriveTimeEngine.from_arrays(
        ids[keep], lon[keep], lat[keep], new[coo.row[ok]], new[coo.col[ok]], coo.data[ok],
        processes=processes,
    )  # fmt: skip


def one_case(spec: dict) -> dict:
    """Run one case in this process; returns its measurements."""
    from scipy.sparse import csgraph

    t0 = time.perf_counter()
    procs = int(spec["processes"])
    engine = (
        trm_engine(Path(spec["mirror"]), processes=procs)
        if spec["graph"] == "trm"
        else grid_engine(spec["nodes"], processes=procs)
    )
    build_s = time.perf_counter() - t0
    n = engine.n_nodes
    rng = np.random.default_rng(1)
    src = np.sort(rng.choice(n, size=min(spec["sources"], n), replace=False))
    out: dict = {"nodes": n, "edges": int(engine.csr.nnz), "sources": len(src), "build_s": build_s}
    import psutil

    out["base_rss_mb"] = psutil.Process().memory_info().rss / 2**20
    t0 = time.perf_counter()
    if spec["mode"] == "full":
        values, _ = engine.band_seconds(
            src, np.arange(n), band="free_flow", limit_s=None, on_unreachable="raise"
        )
        out["output_mb"] = values.nbytes / 1e6
    elif spec["mode"] == "scipy":
        values = csgraph.dijkstra(engine.csr, directed=True, indices=src)
        out["output_mb"] = values.nbytes / 1e6
    else:
        m = engine.within_limit(src, band="free_flow", limit_s=STANDARD_S)
        out["output_mb"] = (m.data.nbytes + m.indices.nbytes + m.indptr.nbytes) / 1e6
        out["pairs_within"] = int(m.nnz)
    out["time_s"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    # the largest worker's peak RSS (it counts the pages it shares with this process)
    out["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return out


def run_child(spec: dict) -> dict:
    """``one_case`` in a fresh interpreter (its own peak RSS)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"case {spec} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cases(quick: bool, mirror: str, processes: int) -> list[dict]:
    grids = [50_000, 100_000, 200_000] if quick else [50_000, 100_000, 200_000, 500_000]
    sources = [1000] if quick else [1000, 5000]
    out: list[dict] = []
    for nodes in grids:
        for s in sources:
            mode = "full" if s * nodes * 4 <= FULL_LIMIT_BYTES else "cutoff"
            if mode == "full" and (nodes * s > 200_000 * 1000 or (quick and nodes > 50_000)):
                mode = "cutoff"  # keep the default run under 10 minutes
            out.append({"graph": "grid", "nodes": nodes, "sources": s, "mode": mode})
            if mode == "full":
                out.append({"graph": "grid", "nodes": nodes, "sources": s, "mode": "cutoff"})
    for s in [1000] if quick else [1000, 5000]:
        for mode in ("full", "cutoff"):
            out.append({"graph": "trm", "nodes": 0, "sources": s, "mode": mode, "mirror": mirror})
    for spec in out:
        spec["processes"] = processes
    base = {"graph": "grid", "nodes": 50_000, "sources": 1000, "processes": 1}
    out.insert(0, {**base, "mode": "scipy"})
    if processes > 1:  # the engine in one process too, beside raw scipy
        out.insert(1, {**base, "mode": "full"})
    return out


def fit_exponent(rows: list[dict], mode: str) -> float | None:
    pts = [(r["nodes"] * r["sources"], r["time_s"]) for r in rows if r["mode"] == mode]
    pts = [p for p in pts if p[1] > 0]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--mirror", default=os.environ.get("HEART_PLAN_MIRROR", "/work/shared/data/durham")
    )
    parser.add_argument(
        "--processes", type=int, default=2,
        help="engine processes per pass (default 2, the run's [solver] workers)",
    )  # fmt: skip
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_case(json.loads(args.child))))
        return
    t_all = time.perf_counter()
    rows = []
    print(f"{'graph':<6}{'nodes':>9}{'edges':>10}{'sources':>8} {'mode':<7}{'proc':>5}"
          f"{'time s':>8}{'peak MB':>9}{'worker MB':>10}{'out MB':>9}{'(peak-base)/out':>16}")  # fmt: skip
    for spec in cases(args.quick, args.mirror, args.processes):
        r = {**spec, **run_child(spec)}
        rows.append(r)
        print(f"{r['graph']:<6}{r['nodes']:>9,}{r['edges']:>10,}{r['sources']:>8,} {r['mode']:<7}"
              f"{r['processes']:>5}{r['time_s']:>8.2f}{r['peak_rss_mb']:>9.0f}"
              f"{r['worker_rss_mb']:>10.0f}{r['output_mb']:>9.0f}"
              f"{(r['peak_rss_mb'] - r['base_rss_mb']) / max(r['output_mb'], 1):>16.2f}",
              flush=True)  # fmt: skip
    small = min(r["nodes"] for r in rows if r["graph"] == "grid")
    base = [
        r for r in rows if r["graph"] == "grid" and r["nodes"] == small and r["sources"] == 1000
    ]
    scipy_row = next((r for r in base if r["mode"] == "scipy"), None)
    print()
    for r in base:
        if scipy_row and r["mode"] == "full":
            print(f"engine full matrix ({r['processes']} process(es)) / raw scipy dijkstra "
                  f"(50k grid, 1,000 sources): time {r['time_s'] / scipy_row['time_s']:.2f}x, "
                  f"peak RSS {r['peak_rss_mb'] / scipy_row['peak_rss_mb']:.2f}x")  # fmt: skip
    grid_rows = [r for r in rows if r["graph"] == "grid" and r["processes"] == args.processes]
    for mode in ("full", "cutoff"):
        k = fit_exponent(grid_rows, mode)
        if k is not None:
            print(f"fitted growth exponent ({mode}, grids): time ~ (nodes x sources)^{k:.2f}")
    print(f"\nwhole benchmark: {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
