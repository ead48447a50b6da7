"""Posts named by place: the nearest intersection's street names, or a named facility.

A road node is named from the street names (``osm_name``, else ``osm_ref``) of the edges
that meet there: two or more names give an intersection ("Main St & Duke St"), one gives
"on Main St"; a node on unnamed streets takes the nearest named street within
``max_hops`` edges ("near Main St").  A fire-station site is named after the station and
its address.  Coordinates are always available as the fallback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import networkx as nx
import pandas as pd

__all__ = ["node_street_names", "place_name", "site_place_names"]


def _edge_names(data: dict) -> list[str]:
    out: list[str] = []
    for key in ("osm_name", "osm_ref"):
        raw = data.get(key)
        if isinstance(raw, list):
            raw = ";".join(str(x) for x in raw)
        if isinstance(raw, str) and raw.strip() and raw.strip().lower() not in ("nan", "none"):
            out.extend(x.strip() for x in raw.split(";") if x.strip())
            break
    return out


def node_street_names(graph: nx.MultiDiGraph, node: int) -> list[str]:
    """Distinct street names of the edges at ``node``, most frequent first."""
    counts: Counter[str] = Counter()
    for _, _, data in graph.in_edges(node, data=True):
        counts.update(_edge_names(data))
    for _, _, data in graph.out_edges(node, data=True):
        counts.update(_edge_names(data))
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def place_name(graph: nx.MultiDiGraph, node: int, *, max_hops: int = 3) -> str:
    """The intersection or street at ``node`` in words ("" when no street is named nearby)."""
    if node not in graph:
        return ""
    names = node_street_names(graph, node)
    if len(names) >= 2:
        return f"{names[0]} & {names[1]}"
    if len(names) == 1:
        return f"on {names[0]}"
    undirected = graph.to_undirected(as_view=True)
    layers = nx.bfs_layers(undirected, node)
    for hop, layer in enumerate(layers):
        if hop == 0:
            continue
        if hop > max_hops:
            break
        found = sorted({n for other in layer for n in node_street_names(graph, other)})
        if found:
            return f"near {found[0]}"
    return ""


def site_place_names(
    graph: nx.MultiDiGraph,
    sites: Iterable[tuple[str, int]],
    stations: pd.DataFrame | None = None,
) -> dict[str, str]:
    """``{site_id: place}`` for ``(site_id, node_id)`` pairs: fire stations by name and
    address (from ``stations``: ``site_id, name, address``), other sites by intersection.
    """
    named = {}
    if stations is not None and len(stations):
        for row in stations.itertuples():
            named[str(row.site_id)] = f"{row.name}, {row.address}"
    return {
        site_id: named.get(site_id) or place_name(graph, int(node_id)) for site_id, node_id in sites
    }
