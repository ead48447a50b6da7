"""Every drive-time backend against networkx on random graphs: identical int matrices.

The random graphs are directed, not strongly connected (so some pairs have no path), with
parallel edges; scipy gets float seconds, the contraction hierarchy whole seconds (its
metric is integral).  Chunking is forced down to one source per Dijkstra run in one case,
so chunk boundaries are exercised too, and in another the passes run in two forked
worker processes (``processes=2`` with the parallel threshold lowered to every pass).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from heart_plan.errors import NetworkError
from heart_plan.network import UNREACHABLE_S, DriveTimeEngine, drive_time_matrices
from heart_plan.network import engine as engine_mod
from heart_plan.processes import usable_cores

BANDS = {"free": 1.0, "slow": 0.55, "fast": 1.3}


def random_graph(seed: int, *, n: int = 60, integral: bool) -> nx.MultiDiGraph:
    """Directed random graph with lon/lat, parallel edges and a few dead ends."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(
            int(i) * 7 + 3, x=float(rng.uniform(-79, -78.8)), y=float(rng.uniform(35.9, 36.1))
        )
    nodes = list(g.nodes)
    for _ in range(4 * n):
        a, b = rng.choice(nodes, 2, replace=False)
        w = float(rng.integers(1, 400)) if integral else float(rng.uniform(0.5, 400))
        g.add_edge(int(a), int(b), free_flow_s=w)
    return g


def reference(g: nx.MultiDiGraph, origins, dests, factor: float, limit_s=None) -> np.ndarray:
    """networkx Dijkstra, scaled and rounded like the engine (UNREACHABLE_S otherwise)."""
    out = np.full((len(origins), len(dests)), UNREACHABLE_S, dtype=np.int64)
    for i, o in enumerate(origins):
        lengths = nx.single_source_dijkstra_path_length(g, o, weight="free_flow_s")
        for j, d in enumerate(dests):
            if d in lengths:
                t = np.rint(lengths[d] / factor)
                if limit_s is None or (t <= limit_s and lengths[d] <= limit_s * factor):
                    out[i, j] = t
    return out


CHUNKING = ["default", "tiny", "parallel"]


def chunking(mode: str, monkeypatch) -> int:
    """Set up a chunking ``mode``; the engine's ``processes`` for it."""
    if mode == "tiny":
        monkeypatch.setattr(engine_mod, "CHUNK_FLOOR_BYTES", 1)
    if mode != "parallel":
        return 1
    monkeypatch.setattr(engine_mod, "PARALLEL_MIN_SCANS", 0)
    assert usable_cores() >= 2, "the parallel passes need two cores (CI has two)"
    return 2


def backends() -> list[str]:
    out = ["scipy"]
    try:
        import routingkit_cch  # noqa: F401

        out.append("cch")
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("mode", CHUNKING)
def test_backends_match_networkx(backend, seed, mode, monkeypatch):
    processes = chunking(mode, monkeypatch)
    g = random_graph(seed, integral=True if backend == "cch" else seed % 2 == 0)
    engine = DriveTimeEngine(g, bands=BANDS, backend=backend, processes=processes)
    assert engine._chunks(25, 25)[0] == processes  # the passes below run in `processes`
    rng = np.random.default_rng(seed + 10)
    nodes = np.array(sorted(g.nodes))
    few, many = rng.choice(nodes, 7), rng.choice(nodes, 25)  # duplicates on purpose
    for origins, dests in ((few, many), (many, few)):  # forward and reversed runs
        for band, factor in BANDS.items():
            m = engine.matrix(origins, dests, band=band, on_unreachable="sentinel")
            ref = reference(g, origins.tolist(), dests.tolist(), factor)
            assert np.array_equal(m.to_numpy(), ref)
            assert len(m.attrs["unreachable_pairs"]) == int((ref == UNREACHABLE_S).sum())
            lim = engine.matrix(origins, dests, band=band, limit_s=300, on_unreachable="sentinel")
            ref_lim = reference(g, origins.tolist(), dests.tolist(), factor, limit_s=300)
            assert np.array_equal(lim.to_numpy(), ref_lim)
            assert lim.attrs["beyond_limit"] == int(
                (ref_lim == UNREACHABLE_S).sum() - (ref == UNREACHABLE_S).sum()
            )


@pytest.mark.parametrize("mode", CHUNKING)
def test_one_pass_for_all_bands_equals_band_by_band(mode, monkeypatch):
    processes = chunking(mode, monkeypatch)
    g = random_graph(5, integral=False)
    g.remove_nodes_from([n for n in list(g.nodes) if g.out_degree(n) == 0 or g.in_degree(n) == 0])
    big = max(nx.strongly_connected_components(g), key=len)
    g = g.subgraph(big).copy()
    engine = DriveTimeEngine(g, bands=BANDS, processes=processes)
    nodes = np.array(sorted(g.nodes))
    rng = np.random.default_rng(3)
    demand = {"demand_id": nodes[:12], "access_s": rng.uniform(0, 30, 12)}
    sites = {"site_id": [f"S{i}" for i in range(20)], "node_id": rng.choice(nodes, 20)}
    sites["access_s"] = rng.uniform(0, 40, 20)
    import pandas as pd

    d, s = pd.DataFrame(demand), pd.DataFrame(sites)
    together = drive_time_matrices(engine, d, s, bands=list(BANDS), limit_s=250, use_cache=False)
    for band, factor in BANDS.items():
        ref = reference(g, s["node_id"].tolist(), d["demand_id"].tolist(), factor)
        ff = np.zeros(ref.shape)
        for i, o in enumerate(s["node_id"]):
            lengths = nx.single_source_dijkstra_path_length(g, int(o), weight="free_flow_s")
            ff[i] = [lengths[int(x)] for x in d["demand_id"]]
        t = np.rint(ff / factor + (s["access_s"].to_numpy()[:, None] + d["access_s"].to_numpy()))
        t[(t > 250) | (ff > 250 * factor)] = UNREACHABLE_S
        assert np.array_equal(together[band].to_numpy(), t.T.astype(np.int64))
        assert together[band].attrs["beyond_limit"] == int((t == UNREACHABLE_S).sum())


def test_cch_refuses_fractional_edge_times():
    g = random_graph(0, integral=False)
    engine = DriveTimeEngine(g, bands=BANDS, backend="cch")
    pytest.importorskip("routingkit_cch")
    with pytest.raises(NetworkError, match="whole-second edge times"):
        engine.matrix([3], [10], band="free", on_unreachable="sentinel")


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(NetworkError, match='unknown drive-time backend .*use "scipy" or "cch"'):
        DriveTimeEngine(random_graph(0, integral=True), backend="dijkstra")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("mode", ["tiny", "parallel"])
def test_within_limit_is_the_sparse_part_of_the_full_matrix(backend, mode, monkeypatch):
    processes = chunking(mode, monkeypatch)
    g = random_graph(4, integral=True)
    engine = DriveTimeEngine(g, bands=BANDS, backend=backend, processes=processes)
    nodes = np.array(sorted(g.nodes))
    for forward in (True, False):
        src = engine.index_of(nodes[:9])
        sparse_s = engine.within_limit(src, band="slow", limit_s=400, forward=forward)
        o, d = (nodes[:9], nodes) if forward else (nodes, nodes[:9])
        ref = reference(g, o.tolist(), d.tolist(), BANDS["slow"], limit_s=400)
        ref = ref if forward else ref.T
        dense = np.full(ref.shape, UNREACHABLE_S, dtype=np.int64)
        coo = sparse_s.tocoo()
        dense[coo.row, coo.col] = coo.data
        assert np.array_equal(dense, ref)
        assert sparse_s.dtype == np.int32
