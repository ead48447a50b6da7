"""Property test: the CSR engine agrees with networkx Dijkstra on random small graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from heart_plan.network import UNREACHABLE_S, DriveTimeEngine


@st.composite
def random_graphs(draw) -> nx.MultiDiGraph:
    n = draw(st.integers(min_value=2, max_value=7))
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(i, x=-78.9 + 0.001 * i, y=36.0)
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(1.0, 900.0)),
            max_size=3 * n,
        )
    )
    for u, v, w in edges:
        if u != v:
            g.add_edge(u, v, free_flow_s=w)
    return g


@given(graph=random_graphs(), factor=st.sampled_from([0.5, 0.85, 1.0]))
def test_matrix_matches_networkx_dijkstra(graph: nx.MultiDiGraph, factor: float) -> None:
    engine = DriveTimeEngine(graph, bands={"band": factor})
    nodes = sorted(graph.nodes)
    got = engine.matrix(nodes, nodes, band="band", on_unreachable="sentinel")
    lengths = dict(nx.all_pairs_dijkstra_path_length(nx.DiGraph(_fastest(graph)), weight="w"))
    for u in nodes:
        for v in nodes:
            if v in lengths[u]:
                assert abs(got.loc[u, v] - lengths[u][v] / factor) <= 1.0
            else:
                assert got.loc[u, v] == UNREACHABLE_S
    pairs = [(u, v) for u in nodes for v in nodes if v in lengths[u]]
    if pairs:
        f, t = zip(*pairs, strict=True)
        expected = np.array([lengths[u][v] / factor for u, v in pairs])
        assert np.all(np.abs(engine.pairs(f, t, band="band") - expected) <= 1.0)


def _fastest(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """Parallel edges collapsed to the fastest one (what a driver takes)."""
    out = nx.DiGraph()
    out.add_nodes_from(graph.nodes)
    for u, v, d in graph.edges(data=True):
        w = d["free_flow_s"]
        if not out.has_edge(u, v) or out[u][v]["w"] > w:
            out.add_edge(u, v, w=w)
    return out
