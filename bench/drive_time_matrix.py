"""Benchmark: Durham TRM drive-time matrix, all candidate sites x all demand nodes.

Compares, on the same weighted graph and the same pairs:

* heart_plan (scipy.sparse.csgraph Dijkstra from the smaller side, int seconds), cold and
  cached rerun;
* networkx ``single_source_dijkstra_path_length`` looped over the site nodes on the OSMnx
  MultiDiGraph (the usual OSMnx recipe).  It is slow, so it is timed on a random sample of
  sources and extrapolated per source (said so in the output);
* pandana ``shortest_path_lengths`` (contraction-hierarchy build included), float32 sums,
  unreachable pairs come back as a large sentinel (treated as unreachable here) with a
  long warning on stdout (captured and summarized).

Every compared value must agree within 1 s.  Run: ``.venv/bin/python bench/drive_time_matrix.py``.
Targets: >= 30x networkx, >= 10x pandana, cached rerun >= 10x faster than cold.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time

import networkx as nx
import numpy as np
import pandas as pd

from heart_plan.config import load_scenario
from heart_plan.network import (
    DriveTimeEngine,
    bands_from_scenario,
    drive_time_matrix,
)
from heart_plan.planning.context import build_context

PANDANA_UNREACHABLE = 1e6  # pandana returns ~4.29e6 (float32 max-ish) when no path exists


@contextlib.contextmanager
def captured_stdout():
    """Capture C-level stdout (pandana's warnings), yielding a list that gets the text."""
    sys.stdout.flush()
    saved = os.dup(1)
    out: list[str] = []
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield out
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode("utf-8", "replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--band", default="midday")
    parser.add_argument("--nx-sources", type=int, default=60, help="networkx sample size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    scenario = load_scenario()
    t0 = time.perf_counter()
    ctx = build_context(scenario, on_outside="flag")
    network, engine = ctx.network, ctx.engine
    print(f"context (data, demand, graph, engine): {time.perf_counter() - t0:.2f} s  "
          f"({network.report.summary()})")  # fmt: skip
    points, what = ctx.demand.points, "build_demand points"
    demand, sites = ctx.demand_nodes, ctx.sites
    n_d, n_s = len(demand), len(sites)
    factor = engine.bands[args.band]
    print(f"demand: {len(points):,} {what} -> {n_d:,} demand nodes; sites: {n_s:,}; "
          f"pairs: {n_d * n_s:,}; band {args.band} (speed factor {factor})")  # fmt: skip

    # ---------------------------------------------------------------- heart_plan
    os.environ["HEART_PLAN_CACHE"] = tempfile.mkdtemp(prefix="hp-bench-")
    cold_engine = DriveTimeEngine(network, bands=bands_from_scenario(scenario))
    t0 = time.perf_counter()
    ours = drive_time_matrix(cold_engine, demand, sites, band=args.band)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    cached = drive_time_matrix(
        DriveTimeEngine(network, bands=bands_from_scenario(scenario)), demand, sites,
        band=args.band,
    )  # fmt: skip
    t_cached = time.perf_counter() - t0
    assert cached.attrs["cache"] == "hit" and np.array_equal(cached.to_numpy(), ours.to_numpy())
    # road time only (no access legs), float, for the comparisons
    ff = (
        cold_engine.free_flow_s(
            cold_engine.index_of(sites["node_id"]), cold_engine.index_of(demand["node_id"])
        )
        / factor
    )
    print(f"heart_plan cold: {t_ours:.2f} s  cached rerun: {t_cached:.3f} s  "
          f"(cold/cached {t_ours / t_cached:.0f}x)")  # fmt: skip

    # ---------------------------------------------------------------- networkx
    g = network.graph
    site_nodes = sites["node_id"].to_numpy()
    demand_nodes = demand["node_id"].to_numpy()
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(n_s, size=min(args.nx_sources, n_s), replace=False)
    t0 = time.perf_counter()
    worst_nx = 0.0
    for i in sample:
        lengths = nx.single_source_dijkstra_path_length(g, int(site_nodes[i]), weight="free_flow_s")
        ref = np.array([lengths[int(d)] for d in demand_nodes]) / factor
        worst_nx = max(worst_nx, float(np.abs(ref - ff[i]).max()))
    t_nx_sample = time.perf_counter() - t0
    t_nx = t_nx_sample / len(sample) * n_s
    print(f"networkx: {len(sample)} of {n_s} sources in {t_nx_sample:.2f} s -> "
          f"extrapolated {t_nx:.1f} s for all sources; max |diff| {worst_nx:.4f} s")  # fmt: skip

    # ---------------------------------------------------------------- pandana
    import pandana

    coo = cold_engine.csr.tocoo()
    ids = cold_engine.node_ids
    edges = pd.DataFrame({"from": ids[coo.row], "to": ids[coo.col], "w": coo.data / factor})
    t0 = time.perf_counter()
    with captured_stdout() as noise:
        pnet = pandana.Network(
            pd.Series(cold_engine.node_lon, index=ids), pd.Series(cold_engine.node_lat, index=ids),
            edges["from"], edges["to"], edges[["w"]], twoway=False,
        )  # fmt: skip
        orig = np.repeat(site_nodes, n_d)
        dest = np.tile(demand_nodes, n_s)
        pl = np.asarray(pnet.shortest_path_lengths(orig, dest, imp_name="w"), dtype=float)
    t_pd = time.perf_counter() - t0
    pl = pl.reshape(n_s, n_d)
    unreachable = pl >= PANDANA_UNREACHABLE
    worst_pd = float(np.abs(pl[~unreachable] - ff[~unreachable]).max())
    text = noise[0] if noise else ""
    print(f"pandana (CH build + {n_d * n_s:,} pair queries): {t_pd:.2f} s; max |diff| "
          f"{worst_pd:.3f} s (float32); unreachable sentinels {int(unreachable.sum())}; "
          f"captured {len(text.splitlines())} lines of pandana output")  # fmt: skip
    assert not (unreachable & np.isfinite(ff)).any(), "pandana sentinel on a reachable pair"

    ok = worst_nx <= 1.0 and worst_pd <= 1.0
    print("\nresults (same graph, same pairs, all within 1 s: " + ("yes" if ok else "NO") + ")")
    print(f"  vs networkx (extrapolated): {t_nx / t_ours:6.1f}x  (target >= 30x)")
    print(f"  vs pandana:                 {t_pd / t_ours:6.1f}x  (target >= 10x)")
    print(f"  cached rerun vs cold:       {t_ours / t_cached:6.1f}x  (target >= 10x)")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
