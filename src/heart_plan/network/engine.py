"""Drive-time engine: shortest paths on a CSR sparse matrix with scipy's Dijkstra.

Formulation.  Nodes of the cleaned road graph are numbered 0..N-1 (sorted node ids); the
edge weight of u -> v is the free-flow time ``free_flow_s`` in seconds (the smallest over
parallel edges).  A time band b with speed factor f_b multiplies every speed by f_b, so
every edge time, and therefore every shortest-path time, is the free-flow time divided by
f_b: ``drive_time_s(b) = free_flow_s / f_b``.  One Dijkstra run therefore serves all bands.

Road class x band factors (``[network.time_bands.<band>.class_factors]``): in band b an edge
of class k takes ``free_flow_s / (f_b * c[b, k])`` (``c`` = 1 for a class not listed; OSM
``highway`` values map onto the scenario's class names by ``CLASS_ALIASES``).  A band whose
listed factors are all equal (and cover every class) is the free-flow graph with the scalar
``f_b * c``; a band whose factors differ by class gets its own edge weights and its own
Dijkstra runs (one shortest-path run per such band).

Shortest paths run from whichever side is smaller: from the origins on the graph, or from
the destinations on the transposed graph (reverse edges), with an optional cutoff
(``limit``).  Results are integer seconds (``numpy.rint``).

Unreachable pairs are never silent infinities: ``on_unreachable="raise"`` (default)
raises ``NetworkError``; ``"sentinel"`` returns ``UNREACHABLE_S`` and lists the pairs in
``frame.attrs["unreachable_pairs"]``.  Pairs beyond ``limit_s`` get ``UNREACHABLE_S``
too (that is what the limit asks for) and are counted in ``frame.attrs["beyond_limit"]``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from heart_plan.errors import NetworkError

if TYPE_CHECKING:
    import networkx as nx
    from scipy.spatial import cKDTree

    from heart_plan.config import Scenario
    from heart_plan.network.graph import RoadNetwork

#: Sentinel for "not reachable (within the limit)": larger than any real drive time.
UNREACHABLE_S = int(np.iinfo(np.int32).max)
#: Smallest edge time kept (s): scipy treats explicit zeros as edges, but a zero-length
#: edge must not vanish, so zero-time edges get this tiny positive time.
MIN_EDGE_S = 1e-3

Unreachable = Literal["raise", "sentinel"]

#: OSM ``highway`` values without a TRM class of their own -> the scenario's class name.
CLASS_ALIASES = {
    "residential": "unmatched",
    "unclassified": "unmatched",
    "living_street": "unmatched",
    "service": "unmatched",
    "road": "unmatched",
    "busway": "unmatched",
}
#: The group of the free-flow weights (bands without class-specific factors).
BASE = ""


def class_name(road_class: str) -> str:
    """The scenario class name of an edge's ``road_class`` (``CLASS_ALIASES`` applied)."""
    return CLASS_ALIASES.get(road_class, road_class)


class DriveTimeEngine:
    """Node-to-node drive times on one road graph, per time band.

    Parameters
    ----------
    network
        A ``RoadNetwork`` (or a networkx MultiDiGraph whose edges carry the weight and
        whose nodes carry ``x``/``y`` lon/lat).
    bands
        Band name -> speed factor (1.0 = free flow).  ``bands_from_scenario`` gives the
        scenario's bands.
    weight
        Edge attribute holding the free-flow time in seconds.
    row_cache_size
        How many single-source rows ``pairs``/``drive_time_s`` keep (LRU, per direction).
    class_factors
        Band name -> {road class name: factor} (module docstring); missing classes 1.0.
    """

    def __init__(
        self,
        network: RoadNetwork | nx.MultiDiGraph,
        *,
        bands: Mapping[str, float] | None = None,
        weight: str = "free_flow_s",
        row_cache_size: int = 2048,
        class_factors: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        from heart_plan.network.graph import RoadNetwork

        graph = network.graph if isinstance(network, RoadNetwork) else network
        if graph.number_of_nodes() == 0:
            raise NetworkError("road graph is empty: no nodes to route on; check the graph source")
        self.graph = graph
        self.bands: dict[str, float] = dict(bands or {"free_flow": 1.0})
        for name, factor in self.bands.items():
            if not factor > 0:
                raise NetworkError(f"time band {name!r} has speed_factor {factor}; must be > 0")
        ids = np.array(sorted(graph.nodes), dtype=np.int64)
        self.node_ids: np.ndarray = ids
        self._pos = pd.Index(ids)
        self.node_lon = np.array([float(graph.nodes[n]["x"]) for n in ids])
        self.node_lat = np.array([float(graph.nodes[n]["y"]) for n in ids])
        u, v, w, cls = [], [], [], []
        for a, b, d in graph.edges(data=True):
            if weight not in d:
                raise NetworkError(
                    f"edge {a}->{b} has no {weight!r}; build graphs with heart_plan.network.graph"
                )
            u.append(a)
            v.append(b)
            w.append(float(d[weight]))
            cls.append(class_name(str(d.get("road_class", ""))))
        self._edge_u = self._pos.get_indexer(u)
        self._edge_v = self._pos.get_indexer(v)
        self._edge_s = np.maximum(np.asarray(w, dtype=float), MIN_EDGE_S)
        self.edge_class = np.asarray(cls, dtype=object)
        self.csr, self._csr_pick = self._build_csr(self._edge_s)
        self.csr_t = self.csr.T.tocsr()
        digest = hashlib.sha256()
        for arr in (ids, self.csr.indptr, self.csr.indices, self.csr.data):
            digest.update(np.ascontiguousarray(arr).tobytes())
        #: sha256 of node ids and edge times: the graph part of every cache key.
        self.content_hash = digest.hexdigest()
        #: band -> (scalar factor, weight group); groups other than BASE have own weights.
        self._band_group: dict[str, tuple[float, str]] = {}
        self._graphs: dict[str, tuple[sparse.csr_matrix, sparse.csr_matrix]] = {
            BASE: (self.csr, self.csr_t)
        }
        self._group_hash: dict[str, str] = {BASE: self.content_hash}
        classes = set(self.edge_class.tolist())
        for band, factor in self.bands.items():
            table = {
                class_name(k): float(c) for k, c in (class_factors or {}).get(band, {}).items()
            }
            bad = [k for k, c in table.items() if not c > 0]
            if bad:
                raise NetworkError(f"time band {band!r}: class factor of {bad[0]!r} must be > 0")
            per_edge = {k: table.get(k, 1.0) for k in classes}
            values = set(per_edge.values())
            if len(values) <= 1:
                self._band_group[band] = (factor * (values.pop() if values else 1.0), BASE)
                continue
            scale = np.array([per_edge[k] for k in self.edge_class.tolist()], dtype=float)
            csr, _ = self._build_csr(self._edge_s / scale)
            self._graphs[band] = (csr, csr.T.tocsr())
            self._band_group[band] = (factor, band)
            self._group_hash[band] = hashlib.sha256(
                (self.content_hash + repr(sorted(table.items()))).encode()
            ).hexdigest()
        self._rows: dict[tuple[str, bool], OrderedDict[int, np.ndarray]] = {}
        self._row_cache_size = row_cache_size
        self._block_memo: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def _build_csr(self, seconds: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        """CSR of edge ``seconds``, keeping the fastest of parallel edges (and which)."""
        ui, vi = self._edge_u, self._edge_v
        order = np.lexsort((seconds, vi, ui))
        su, sv, sw = ui[order], vi[order], seconds[order]
        first = np.ones(len(su), dtype=bool)
        first[1:] = (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])
        n = len(self.node_ids)
        csr = sparse.csr_matrix((sw[first], (su[first], sv[first])), shape=(n, n))
        return csr, order[first]

    @property
    def edge_u(self) -> np.ndarray:
        """Tail position of every graph edge (input order)."""
        return self._edge_u

    @property
    def edge_v(self) -> np.ndarray:
        """Head position of every graph edge (input order)."""
        return self._edge_v

    @property
    def csr_pick(self) -> np.ndarray:
        """Graph-edge index of each free-flow CSR entry (the fastest parallel edge)."""
        return self._csr_pick

    def group_of(self, band: str) -> str:
        """The weight group of ``band`` (``BASE`` or the band's own class-factor weights)."""
        self.speed_factor(band)
        return self._band_group[band][1] if band in self._band_group else BASE

    def band_content_hash(self, band: str) -> str:
        """sha256 of the graph and ``band``'s class factors (cache keys of band matrices)."""
        return self._group_hash[self.group_of(band)]

    def csr_of(self, band: str) -> sparse.csr_matrix:
        """Edge weights (s, before the band's scalar factor) used for ``band``."""
        return self._graphs[self.group_of(band)][0]

    @classmethod
    def from_scenario(cls, network: RoadNetwork, scenario: Scenario) -> DriveTimeEngine:
        """Engine with the scenario's time bands and their road-class factors."""
        return cls(
            network, bands=bands_from_scenario(scenario), class_factors=class_factors_of(scenario)
        )

    # ------------------------------------------------------------------ lookups

    @property
    def n_nodes(self) -> int:
        """Number of road nodes in the graph."""
        return len(self.node_ids)

    def index_of(self, node_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Positions of ``node_ids``; ``NetworkError`` naming unknown ids."""
        arr = np.asarray(list(node_ids) if not isinstance(node_ids, np.ndarray) else node_ids)
        idx = (
            self._pos.get_indexer(arr.astype(np.int64, copy=False)) if arr.size else arr.astype(int)
        )
        if arr.size and (idx < 0).any():
            bad = arr[idx < 0]
            raise NetworkError(
                f"{len(bad)} node id(s) are not routable nodes of this road graph "
                f"(e.g. {bad[0]}); snap points with heart_plan.network.snap_points first"
            )
        return idx.astype(np.int64)

    def speed_factor(self, band: str) -> float:
        """Scalar speed factor of time band ``band`` (drive time = group time / factor)."""
        try:
            return self._band_group[band][0] if band in self._band_group else self.bands[band]
        except KeyError:
            raise NetworkError(
                f"unknown time band {band!r}; known bands: {', '.join(self.bands)} "
                f"(see [network.time_bands])"
            ) from None

    @cached_property
    def utm_crs(self) -> str:
        """A UTM CRS (EPSG code) around the graph, for metric snapping and buffers."""
        lon = float(np.median(self.node_lon))
        lat = float(np.median(self.node_lat))
        zone = int((lon + 180) // 6) + 1
        return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"

    @cached_property
    def node_xy_m(self) -> np.ndarray:
        """Node coordinates (m) in ``utm_crs``, shape (N, 2)."""
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", self.utm_crs, always_xy=True)
        x, y = tr.transform(self.node_lon, self.node_lat)
        return np.column_stack([x, y])

    @cached_property
    def kdtree(self) -> cKDTree:
        """KD-tree of node coordinates (UTM metres) for nearest-node snapping."""
        from scipy.spatial import cKDTree

        return cKDTree(self.node_xy_m)

    # ------------------------------------------------------------------ free-flow core

    def free_flow_s(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        limit_s: float | None = None,
        group: str = BASE,
    ) -> np.ndarray:
        """Free-flow seconds from ``from_idx`` to ``to_idx`` (positions), shape (F, T).

        Runs Dijkstra from the smaller side (transposed graph for the destinations);
        ``inf`` marks pairs unreachable within ``limit_s``.
        """
        from_idx = np.asarray(from_idx, dtype=np.int64)
        to_idx = np.asarray(to_idx, dtype=np.int64)
        key = _memo_key(from_idx, to_idx, limit_s) + group.encode()
        csr, csr_t = self._graphs[group]
        if key in self._block_memo:
            self._block_memo.move_to_end(key)
            return self._block_memo[key]
        limit = np.inf if limit_s is None else float(limit_s)
        uf, inv_f = np.unique(from_idx, return_inverse=True)
        ut, inv_t = np.unique(to_idx, return_inverse=True)
        if len(uf) <= len(ut):
            dist = csgraph.dijkstra(csr, directed=True, indices=uf, limit=limit)
            block = dist[:, ut][inv_f][:, inv_t]
        else:
            dist = csgraph.dijkstra(csr_t, directed=True, indices=ut, limit=limit)
            block = dist[:, uf][inv_t][:, inv_f].T
        block = np.ascontiguousarray(block)
        self._block_memo[key] = block
        while len(self._block_memo) > 2:
            self._block_memo.popitem(last=False)
        return block

    def _rows_for(self, idx: np.ndarray, *, forward: bool, group: str = BASE) -> np.ndarray:
        """Full free-flow rows for distinct positions ``idx`` (LRU-cached), shape (K, N).

        forward: seconds from each node to all nodes; else from all nodes to each node.
        """
        cache = self._rows.setdefault((group, forward), OrderedDict())
        csr, csr_t = self._graphs[group]
        missing = np.array([i for i in idx.tolist() if i not in cache], dtype=np.int64)
        fresh: dict[int, np.ndarray] = {}
        if missing.size:
            dist = csgraph.dijkstra(csr if forward else csr_t, directed=True, indices=missing)
            fresh = dict(zip(missing.tolist(), dist, strict=True))
        out = np.empty((len(idx), self.n_nodes))
        for r, i in enumerate(idx.tolist()):
            row = fresh.get(i)
            if row is None:
                row = cache[i]
                cache.move_to_end(i)
            out[r] = row
        for i, row in fresh.items():
            cache[i] = row
        while len(cache) > self._row_cache_size:
            cache.popitem(last=False)
        return out

    def warm(self, node_ids: Iterable[int], *, forward: bool = True) -> None:
        """Precompute and cache full rows (e.g. for posts) so ``pairs`` is a lookup."""
        idx = np.unique(self.index_of(node_ids))
        for group in self._graphs:
            self._rows_for(idx, forward=forward, group=group)

    # ------------------------------------------------------------------ public queries

    def drive_time_s(self, from_node: int, to_node: int, *, band: str) -> int:
        """Integer seconds from ``from_node`` to ``to_node`` in ``band``."""
        return int(self.pairs([from_node], [to_node], band=band)[0])

    def pairs(self, from_nodes: Iterable[int], to_nodes: Iterable[int], *, band: str) -> np.ndarray:
        """Element-wise drive times (int seconds) ``from_nodes[i] -> to_nodes[i]``.

        Uses cached full rows from the side with fewer distinct nodes.  Raises
        ``NetworkError`` for an unreachable pair (cannot happen inside one strongly
        connected graph).
        """
        f = self.index_of(from_nodes)
        t = self.index_of(to_nodes)
        if f.shape != t.shape:
            raise NetworkError("pairs(): from_nodes and to_nodes must have the same length")
        factor = self.speed_factor(band)
        forward = len(np.unique(f)) <= len(np.unique(t))
        keys, other = (f, t) if forward else (t, f)
        uniq, inv = np.unique(keys, return_inverse=True)
        out = self._rows_for(uniq, forward=forward, group=self.group_of(band))[inv, other]
        if not np.isfinite(out).all():
            i = int(np.flatnonzero(~np.isfinite(out))[0])
            raise NetworkError(
                f"node {self.node_ids[f[i]]} cannot reach node {self.node_ids[t[i]]}; "
                f"use a strongly connected graph (heart_plan.network.graph builders)"
            )
        return np.rint(out / factor).astype(np.int64)

    def matrix(
        self,
        origin_node_ids: Iterable[int],
        dest_node_ids: Iterable[int],
        *,
        band: str,
        limit_s: float | None = None,
        on_unreachable: Unreachable = "raise",
    ) -> pd.DataFrame:
        """Drive times origin -> destination in ``band``: int32 seconds, index = origins.

        ``limit_s`` (band seconds): pairs slower than it get ``UNREACHABLE_S``
        (``attrs["beyond_limit"]`` counts them).  Pairs with no path raise ``NetworkError``
        (``on_unreachable="raise"``) or get ``UNREACHABLE_S`` and are listed in
        ``attrs["unreachable_pairs"]`` (``"sentinel"``).
        """
        origins = np.asarray(list(origin_node_ids), dtype=np.int64)
        dests = np.asarray(list(dest_node_ids), dtype=np.int64)
        values, attrs = self.band_seconds(
            self.index_of(origins),
            self.index_of(dests),
            band=band,
            limit_s=limit_s,
            on_unreachable=on_unreachable,
        )
        frame = pd.DataFrame(values, index=pd.Index(origins, name="from_node_id"), columns=dests)
        frame.columns.name = "to_node_id"
        frame.attrs.update(attrs)
        return frame

    def band_seconds(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        band: str,
        limit_s: float | None,
        on_unreachable: Unreachable,
        add_s: np.ndarray | float = 0.0,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Band seconds (int32) for positions, plus attrs describing sentinels.

        ``add_s`` (broadcast to (F, T)) is added before rounding (access times).
        """
        factor = self.speed_factor(band)
        group = self.group_of(band)
        ff_limit = None if limit_s is None else float(limit_s) * factor
        ff = self.free_flow_s(from_idx, to_idx, limit_s=ff_limit, group=group)
        unreachable = np.isinf(ff)
        if ff_limit is not None and unreachable.any():
            # inf from the cutoff or from no path at all: tell them apart
            unreachable = unreachable & np.isinf(self.free_flow_s(from_idx, to_idx, group=group))
        if unreachable.any() and on_unreachable == "raise":
            i, j = (int(a[0]) for a in np.nonzero(unreachable))
            raise NetworkError(
                f"{int(unreachable.sum())} origin/destination pair(s) have no road path "
                f"(e.g. node {self.node_ids[from_idx[i]]} -> {self.node_ids[to_idx[j]]}); "
                f"snap to nodes of one strongly connected graph, or pass "
                f'on_unreachable="sentinel"'
            )
        with np.errstate(invalid="ignore"):
            secs = np.rint(ff / factor + add_s)
        beyond = ~np.isfinite(secs) & ~unreachable
        if limit_s is not None:
            beyond |= np.isfinite(secs) & (secs > limit_s)
        bad = ~np.isfinite(secs) | beyond
        secs[bad] = UNREACHABLE_S
        attrs: dict[str, Any] = {"band": band, "speed_factor": factor, "limit_s": limit_s}
        attrs["beyond_limit"] = int(beyond.sum())
        pairs = np.argwhere(unreachable)
        attrs["unreachable_pairs"] = [
            (int(self.node_ids[from_idx[i]]), int(self.node_ids[to_idx[j]])) for i, j in pairs
        ]
        return secs.astype(np.int32), attrs


def bands_from_scenario(scenario: Scenario) -> dict[str, float]:
    """Band name -> speed factor of ``[network.time_bands]`` (``free_flow`` if none)."""
    bands = {name: tb.speed_factor for name, tb in scenario.network.time_bands.items()}
    return bands or {"free_flow": 1.0}


def class_factors_of(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Band name -> road-class factors of ``[network.time_bands.<band>.class_factors]``."""
    return {
        name: dict(tb.class_factors)
        for name, tb in scenario.network.time_bands.items()
        if tb.class_factors
    }


def _memo_key(from_idx: np.ndarray, to_idx: np.ndarray, limit_s: float | None) -> bytes:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(from_idx.tobytes())
    digest.update(b"|")
    digest.update(to_idx.tobytes())
    digest.update(repr(limit_s).encode())
    return digest.digest()
