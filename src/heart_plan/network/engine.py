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
``f_b * c``; a band whose factors differ by class gets its own edge weights (its own weight
group).  Bands are served per weight group: all bands of the free-flow group (``BASE``)
share one pass of Dijkstra chunks; a band with its own class weights runs its own pass on
its own CSR.

Shortest paths run from whichever side is smaller: from the origins on the graph, or from
the destinations on the transposed graph (reverse edges), with an optional cutoff
(``limit``).  Results are integer seconds (``numpy.rint``).  A large pass runs its chunks
in ``processes`` forked workers (scipy's Dijkstra holds the GIL), each chunk converted to
band seconds where it is computed and handed back through shared memory; the values do
not depend on the number of processes.

Unreachable pairs are never silent infinities: ``on_unreachable="raise"`` (default)
raises ``NetworkError``; ``"sentinel"`` returns ``UNREACHABLE_S`` and lists the pairs in
``frame.attrs["unreachable_pairs"]``.  Pairs beyond ``limit_s`` get ``UNREACHABLE_S``
too (that is what the limit asks for) and are counted in ``frame.attrs["beyond_limit"]``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from heart_plan.errors import NetworkError
from heart_plan.processes import SharedSlots, iter_independent, workers_for
from heart_plan.utm import utm_crs_at

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
#: Smallest working-memory budget of one Dijkstra chunk (bytes); larger outputs get 1/8 of
#: the output's size, so the peak stays near 1.125x the int32 output.
CHUNK_FLOOR_BYTES = 32 * 2**20
#: Edge scans (sources x edges) from which a pass runs in several processes: about a
#: third of a second of Dijkstra, several times what forking the workers costs.
PARALLEL_MIN_SCANS = 5_000_000
#: Chunks per worker process in a parallel pass (load balance between unequal cores).
CHUNKS_PER_WORKER = 4
#: Chunks a parallel pass runs ahead of the one it waits for, per worker.
AHEAD = 2

#: ``convert(mine, block) -> (arrays, extra)`` of ``DriveTimeEngine._blocks``.
Convert = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Any]]

Unreachable = Literal["raise", "sentinel"]
#: Shortest-path backend: scipy's Dijkstra (default, float seconds, exact) or RoutingKit's
#: customizable contraction hierarchy (``routingkit-cch``; whole-second edge times only).
Backend = Literal["scipy", "cch"]

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
    backend
        ``"scipy"`` (default) or ``"cch"`` (RoutingKit's customizable contraction
        hierarchy; needs whole-second edge times, since its metric is integral, and gives
        the same matrices as scipy there; not faster on road-like graphs, see
        ``bench/drive_time_matrix.py``).  It serves the free-flow weight group only: a
        band whose class factors differ by class raises ``NetworkError`` (use scipy).
    class_factors
        Band name -> {road class name: factor} (module docstring); missing classes 1.0.
    processes
        Forked processes the Dijkstra chunks of one large pass run in (matrices and
        ``within_limit``; ``heart_plan.processes`` rules: serial in a worker or a daemon).
        scipy's Dijkstra holds the GIL, so processes, not threads, use more cores.  The
        values are the same for any number (each source's row is computed on its own).
    """

    def __init__(
        self,
        network: RoadNetwork | nx.MultiDiGraph,
        *,
        bands: Mapping[str, float] | None = None,
        weight: str = "free_flow_s",
        row_cache_size: int = 2048,
        backend: Backend = "scipy",
        class_factors: Mapping[str, Mapping[str, float]] | None = None,
        processes: int = 1,
    ) -> None:
        from heart_plan.network.graph import RoadNetwork

        graph = network.graph if isinstance(network, RoadNetwork) else network
        if graph.number_of_nodes() == 0:
            raise NetworkError("road graph is empty: no nodes to route on; check the graph source")
        self.graph: nx.MultiDiGraph | None = graph
        ids = np.array(sorted(graph.nodes), dtype=np.int64)
        lon = np.array([float(graph.nodes[n]["x"]) for n in ids])
        lat = np.array([float(graph.nodes[n]["y"]) for n in ids])
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
        pos = pd.Index(ids)
        self._init_arrays(
            ids, lon, lat, pos.get_indexer(u), pos.get_indexer(v), np.asarray(w, dtype=float),
            np.asarray(cls, dtype=object), bands=bands, class_factors=class_factors,
            row_cache_size=row_cache_size, backend=backend, processes=processes,
        )  # fmt: skip

    @classmethod
    def from_arrays(
        cls,
        node_ids: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        free_flow_s: np.ndarray,
        *,
        bands: Mapping[str, float] | None = None,
        row_cache_size: int = 2048,
        backend: Backend = "scipy",
        edge_class: np.ndarray | None = None,
        class_factors: Mapping[str, Mapping[str, float]] | None = None,
        processes: int = 1,
    ) -> DriveTimeEngine:
        """Engine from plain arrays (no networkx graph): sorted unique ``node_ids`` with
        their ``lon``/``lat``, and edges ``u -> v`` as node *positions* with free-flow
        seconds.  For large synthetic or converted graphs.

        Without ``edge_class`` (one road class name per edge) every edge has the class
        ``""``, so ``class_factors`` can only scale whole bands (all bands are ``BASE``).
        """
        ids = np.asarray(node_ids, dtype=np.int64)
        if ids.size == 0:
            raise NetworkError("road graph is empty: no nodes to route on; check the graph source")
        if ids.size > 1 and not (np.diff(ids) > 0).all():
            raise NetworkError("from_arrays(): node_ids must be sorted and unique")
        u = np.asarray(u, dtype=np.int64)
        if edge_class is None:
            classes = np.full(len(u), "", dtype=object)
        else:
            classes = np.asarray([class_name(str(k)) for k in edge_class], dtype=object)
            if len(classes) != len(u):
                raise NetworkError("from_arrays(): edge_class must have one entry per edge")
        engine = cls.__new__(cls)
        engine.graph = None
        engine._init_arrays(
            ids, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float),
            u, np.asarray(v, dtype=np.int64), np.asarray(free_flow_s, dtype=float), classes,
            bands=bands, class_factors=class_factors, row_cache_size=row_cache_size,
            backend=backend, processes=processes,
        )  # fmt: skip
        return engine

    def _init_arrays(
        self,
        ids: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        ui: np.ndarray,
        vi: np.ndarray,
        w: np.ndarray,
        edge_class: np.ndarray,
        *,
        bands: Mapping[str, float] | None,
        class_factors: Mapping[str, Mapping[str, float]] | None,
        row_cache_size: int,
        backend: Backend,
        processes: int,
    ) -> None:
        if backend not in ("scipy", "cch"):
            raise NetworkError(f'unknown drive-time backend {backend!r}; use "scipy" or "cch"')
        if int(processes) < 1:
            raise NetworkError(f"drive-time engine processes: got {processes}; expected >= 1")
        self.backend: Backend = backend
        self.processes = int(processes)
        self.bands: dict[str, float] = dict(bands or {"free_flow": 1.0})
        for name, factor in self.bands.items():
            if not factor > 0:
                raise NetworkError(f"time band {name!r} has speed_factor {factor}; must be > 0")
        self.node_ids: np.ndarray = ids
        self.node_lon = lon
        self.node_lat = lat
        self._edge_u = ui
        self._edge_v = vi
        self._edge_s = np.maximum(w, MIN_EDGE_S)
        self.edge_class = edge_class
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
            if backend == "cch":
                raise NetworkError(
                    f'backend "cch" serves the free-flow weights only, but time band {band!r} '
                    f'has road-class factors that differ by class; use backend="scipy"'
                )
            scale = np.array([per_edge[k] for k in self.edge_class.tolist()], dtype=float)
            csr, _ = self._build_csr(self._edge_s / scale)
            self._graphs[band] = (csr, csr.T.tocsr())
            self._band_group[band] = (factor, band)
            self._group_hash[band] = hashlib.sha256(
                (self.content_hash + repr(sorted(table.items()))).encode()
            ).hexdigest()
        #: LRU row caches keyed by (weight group, forward).
        self._rows: dict[tuple[str, bool], OrderedDict[int, np.ndarray]] = {}
        self._row_cache_size = row_cache_size

    def _build_csr(self, seconds: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        """CSR of edge ``seconds``, keeping the fastest of parallel edges (and which).

        COO would sum duplicates, so parallel edges are reduced to their fastest first.
        """
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
        """sha256 of the graph and ``band``'s class factors (cache keys of band matrices).

        Equal to ``content_hash`` for bands of the ``BASE`` group.
        """
        return self._group_hash[self.group_of(band)]

    def csr_of(self, band: str) -> sparse.csr_matrix:
        """Edge weights (s, before the band's scalar factor) used for ``band``."""
        return self._graphs[self.group_of(band)][0]

    @classmethod
    def from_scenario(cls, network: RoadNetwork, scenario: Scenario) -> DriveTimeEngine:
        """Engine with the scenario's time bands and their road-class factors, its large
        passes in up to ``[solver] workers`` processes (the run's core budget).
        """
        return cls(
            network, bands=bands_from_scenario(scenario), class_factors=class_factors_of(scenario),
            processes=scenario.solver.workers,
        )  # fmt: skip

    # ------------------------------------------------------------------ lookups

    @property
    def n_nodes(self) -> int:
        """Number of road nodes in the graph."""
        return len(self.node_ids)

    def index_of(self, node_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Positions of ``node_ids``; ``NetworkError`` naming unknown ids.

        A binary search in the sorted node ids (no pandas lookup: the simulator calls
        this once per dispatch).
        """
        arr = np.asarray(list(node_ids) if not isinstance(node_ids, np.ndarray) else node_ids)
        if not arr.size:
            return arr.astype(np.int64)
        arr = arr.astype(np.int64, copy=False)
        idx = np.searchsorted(self.node_ids, arr)
        idx[idx >= len(self.node_ids)] = 0
        bad_mask = self.node_ids[idx] != arr
        if bad_mask.any():
            bad = arr[bad_mask]
            raise NetworkError(
                f"{len(bad)} node id(s) are not routable nodes of this road graph "
                f"(e.g. {bad[0]}); snap points with heart_plan.network.snap_points first"
            )
        return idx.astype(np.int64, copy=False)

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
        """The UTM CRS (EPSG code) at the median node (:func:`heart_plan.utm.utm_crs_at`), for
        metric snapping and buffers.
        """
        crs = utm_crs_at(float(np.median(self.node_lon)), float(np.median(self.node_lat)))
        return str(crs.to_string())

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

    @cached_property
    def strongly_connected(self) -> bool:
        """True when every node reaches every other (then no pair lacks a path).

        Class factors only rescale edges, so this holds for every weight group.
        """
        n_comp, _ = csgraph.connected_components(self.csr, directed=True, connection="strong")
        return bool(n_comp == 1)

    def _dijkstra(
        self, idx: np.ndarray, *, forward: bool, limit: float, group: str = BASE
    ) -> np.ndarray:
        """Rows (float64 s of ``group``'s weights, shape (len(idx), N)) from ``idx`` (or
        to, reversed).
        """
        csr, csr_t = self._graphs[group]
        graph = csr if forward else csr_t
        if self.backend == "cch":
            # __init__ refuses cch with class-specific groups: only BASE reaches here
            rows = self._cch.rows(idx, forward=forward)
            rows[rows > limit] = np.inf
            return rows
        return csgraph.dijkstra(graph, directed=True, indices=idx, limit=limit)

    @cached_property
    def _cch(self) -> Any:
        from heart_plan.network.cch import CCHBackend

        return CCHBackend(self.csr, self.node_lon, self.node_lat)

    def chunk_rows(self, n_targets: int, out_bytes: int) -> int:
        """Sources per Dijkstra chunk: one chunk's rows (float64, N wide) and its gathered
        block (float64, ``n_targets`` wide, about three temporaries) stay within
        ``max(CHUNK_FLOOR_BYTES, out_bytes / 8)``, so the peak stays near the output.
        """
        budget = max(CHUNK_FLOOR_BYTES, out_bytes // 8)
        per_row = 8 * (self.n_nodes + 3 * max(n_targets, 1))
        return max(1, int(budget // per_row))

    def free_flow_s(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        limit_s: float | None = None,
        group: str = BASE,
    ) -> np.ndarray:
        """Free-flow seconds from ``from_idx`` to ``to_idx`` (positions), shape (F, T).

        Runs Dijkstra from the smaller side (transposed graph for the destinations), in
        chunks of sources; ``inf`` marks pairs unreachable within ``limit_s``.  ``group``
        picks the weights (``BASE`` = free flow; a band's own class-factor weights).
        """
        from_idx = np.asarray(from_idx, dtype=np.int64)
        to_idx = np.asarray(to_idx, dtype=np.int64)
        limit = np.inf if limit_s is None else float(limit_s)
        out = np.empty((len(from_idx), len(to_idx)))
        forward = _forward(from_idx, to_idx)
        for mine, (block,), _ in self._blocks(from_idx, to_idx, limit=limit, group=group):
            if forward:
                out[mine] = block
            else:
                out[:, mine] = block.T
        return out

    def _blocks(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        limit: float,
        out_bytes: int = 0,
        group: str = BASE,
        convert: Convert | None = None,
        n_arrays: int = 1,
        dtype: type[np.generic] = np.float64,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
        """Chunks ``(mine, arrays, extra)`` of free-flow seconds, in the orientation of the
        side Dijkstra runs from (``_forward``: the side with fewer distinct nodes).

        Without ``convert``: ``arrays[0]`` (float64) is the block, ``extra`` None.
        Forward: ``block[k, j]`` = from ``from_idx[mine[k]]`` to ``to_idx[j]``; else
        ``block[k, j]`` = from ``from_idx[j]`` to ``to_idx[mine[k]]``.  With ``convert``:
        ``arrays, extra = convert(mine, block)``, ``arrays`` of shape ``(n_arrays,
        len(mine), len(other side))`` and ``dtype``, computed where the chunk is (in a
        worker process when the pass runs in several, ``_chunked``).
        """
        forward = _forward(from_idx, to_idx)
        keys, inv_k = np.unique(from_idx if forward else to_idx, return_inverse=True)
        other = to_idx if forward else from_idx
        gather = not np.array_equal(other, np.arange(self.n_nodes))
        order = np.argsort(inv_k, kind="stable")
        bounds = np.searchsorted(inv_k[order], np.arange(len(keys) + 1))

        def work(a: int, b: int) -> tuple[np.ndarray, Any]:
            block = self._dijkstra(keys[a:b], forward=forward, limit=limit, group=group)
            if gather:
                block = block[:, other]
            mine = order[bounds[a] : bounds[b]]
            local = inv_k[mine] - a
            if not np.array_equal(local, np.arange(b - a)):
                block = block[local]
            return (block[None], None) if convert is None else convert(mine, block)

        step = self.chunk_rows(len(other), out_bytes)

        def rows_of(a: int, b: int) -> int:
            return int(bounds[b] - bounds[a])

        shared = (rows_of, (n_arrays, len(other)), dtype)
        for a, b, (arrays, extra) in self._chunked(len(keys), step, work, shared=shared):
            yield order[bounds[a] : bounds[b]], arrays, extra

    def _chunks(self, n_keys: int, step: int) -> tuple[int, list[tuple[int, int]]]:
        """Worker processes and chunks ``[a, b)`` of a pass from ``n_keys`` sources.

        A pass that scans at least ``PARALLEL_MIN_SCANS`` edges (sources x edges) runs in
        up to ``processes`` forked processes, in at least ``CHUNKS_PER_WORKER`` chunks per
        worker (so the slower core does not hold the pass back), each a ``1 / (AHEAD + 1)``
        part of the serial ``step`` (the chunks in flight take one serial chunk's memory).
        Smaller passes (a fork costs more than they save) and passes inside a worker run
        serially in chunks of ``step``.
        """
        n = 1
        if n_keys * self.csr.nnz >= PARALLEL_MIN_SCANS:
            n = workers_for(self.processes, n_keys)
        if n > 1:
            step = max(1, min(step // (AHEAD * n + 1), -(-n_keys // (CHUNKS_PER_WORKER * n))))
            if self.backend == "cch":
                _ = self._cch  # customized once, here, not in every worker
        return n, [(a, min(a + step, n_keys)) for a in range(0, n_keys, step)]

    def _chunked(
        self,
        n_keys: int,
        step: int,
        work: Callable[[int, int], Any],
        *,
        shared: tuple[Callable[[int, int], int], tuple[int, int], type[np.generic]] | None = None,
    ) -> Iterator[tuple[int, int, Any]]:
        """``(a, b, work(a, b))`` for the chunks of ``_chunks``, in order; in parallel the
        results are pickled back (``iter_independent``).

        With ``shared = (rows_of, shape, dtype)``, ``work`` gives ``(arrays, extra)``:
        ``arrays`` of shape ``(shape[0], rows_of(a, b), shape[1])`` and ``dtype``, which in
        parallel come back through shared memory (``SharedSlots``; a pipe would carry them
        at about 0.2 GB/s), and a small pickled ``extra``.
        """
        n, bounds = self._chunks(n_keys, step)
        if n == 1 or shared is None:
            tasks = [partial(work, a, b) for a, b in bounds]
            for (a, b), result in zip(bounds, iter_independent(tasks, n), strict=True):
                yield a, b, result
            return
        rows_of, shape, dtype = shared
        ahead = AHEAD * n
        n_rows = max(rows_of(a, b) for a, b in bounds)
        slots = SharedSlots(ahead + 1, (shape[0], n_rows, shape[1]), dtype)

        def task(i: int, a: int, b: int) -> Any:
            arrays, extra = work(a, b)
            slots.put(i, arrays)
            return extra

        try:
            tasks = [partial(task, i, a, b) for i, (a, b) in enumerate(bounds)]
            done = iter_independent(tasks, n, ahead=ahead)
            for i, ((a, b), extra) in enumerate(zip(bounds, done, strict=True)):
                yield a, b, (slots.take(i, rows_of(a, b)), extra)
        finally:
            slots.close()

    def _rows_for(self, idx: np.ndarray, *, forward: bool, group: str = BASE) -> list[np.ndarray]:
        """Full rows of ``group``'s weights for distinct positions ``idx`` (LRU-cached per
        (group, direction)), each (N,).

        forward: seconds from each node to all nodes; else from all nodes to each node.
        """
        cache = self._rows.setdefault((group, forward), OrderedDict())
        keys = idx.tolist()
        missing = [i for i in keys if i not in cache]
        if missing:
            dist = self._dijkstra(
                np.asarray(missing, dtype=np.int64), forward=forward, limit=np.inf, group=group
            )
            for i, row in zip(missing, dist, strict=True):
                cache[i] = row
        out = []
        for i in keys:
            cache.move_to_end(i)
            out.append(cache[i])
        while len(cache) > max(self._row_cache_size, len(keys)):
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
        rows = self._rows_for(uniq, forward=forward, group=self.group_of(band))
        out = rows[0][other] if len(rows) == 1 else np.stack(rows)[inv, other]
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
        add_from_s: np.ndarray | None = None,
        add_to_s: np.ndarray | None = None,
        transpose: bool = False,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Band seconds (int32) for positions, plus attrs describing sentinels.

        One band of ``bands_seconds``: see there.
        """
        return self.bands_seconds(
            from_idx, to_idx, bands=(band,), limit_s=limit_s, on_unreachable=on_unreachable,
            add_from_s=add_from_s, add_to_s=add_to_s, transpose=transpose,
        )[band]  # fmt: skip

    def bands_seconds(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        bands: Sequence[str],
        limit_s: float | None,
        on_unreachable: Unreachable,
        add_from_s: np.ndarray | None = None,
        add_to_s: np.ndarray | None = None,
        transpose: bool = False,
    ) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
        """Band seconds (int32) of several bands: one pass of Dijkstra chunks per weight
        group (all ``BASE`` bands share one pass; a band with its own class-factor
        weights gets its own), in the order of ``bands``.

        Per group: see ``_group_seconds``.
        """
        groups: dict[str, list[str]] = {}
        for band in dict.fromkeys(bands):
            groups.setdefault(self.group_of(band), []).append(band)
        done: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
        for group, members in groups.items():
            done.update(
                self._group_seconds(
                    from_idx, to_idx, bands=members, group=group, limit_s=limit_s,
                    on_unreachable=on_unreachable, add_from_s=add_from_s, add_to_s=add_to_s,
                    transpose=transpose,
                )
            )  # fmt: skip
        return {band: done[band] for band in dict.fromkeys(bands)}

    def _group_seconds(
        self,
        from_idx: np.ndarray,
        to_idx: np.ndarray,
        *,
        bands: Sequence[str],
        group: str,
        limit_s: float | None,
        on_unreachable: Unreachable,
        add_from_s: np.ndarray | None,
        add_to_s: np.ndarray | None,
        transpose: bool,
    ) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
        """Band seconds (int32) of the ``bands`` of one weight ``group``, from one pass
        of Dijkstra chunks on that group's weights (``free_flow_s`` = group seconds).

        ``t_b[i, j] = rint(free_flow_s[i, j] / f_b + (add_from_s[i] + add_to_s[j]))``
        (access legs in seconds, not band-scaled), written chunk by chunk straight into
        one int32 matrix per band (shape (F, T), or (T, F) with ``transpose``): no
        float64 copy of the whole matrix.  Pairs slower than ``limit_s`` (band seconds;
        the Dijkstra cutoff is ``limit_s * f_b``) get ``UNREACHABLE_S`` and are counted
        in ``attrs["beyond_limit"]``; pairs with no path raise ``NetworkError`` or (with
        ``on_unreachable="sentinel"``) get ``UNREACHABLE_S`` and are listed in
        ``attrs["unreachable_pairs"]``.
        """
        from_idx = np.asarray(from_idx, dtype=np.int64)
        to_idx = np.asarray(to_idx, dtype=np.int64)
        n_f, n_t = len(from_idx), len(to_idx)
        add_f = np.zeros(n_f) if add_from_s is None else np.asarray(add_from_s, dtype=float)
        add_t = np.zeros(n_t) if add_to_s is None else np.asarray(add_to_s, dtype=float)
        factors = {band: self.speed_factor(band) for band in bands}
        ff_limit = np.inf if limit_s is None else float(limit_s) * max(factors.values())
        shape = (n_t, n_f) if transpose else (n_f, n_t)
        out = {band: np.empty(shape, dtype=np.int32) for band in bands}
        beyond_n = dict.fromkeys(bands, 0)
        unreachable_ij: list[np.ndarray] = []
        out_bytes = 4 * n_f * n_t * len(bands)
        forward = _forward(from_idx, to_idx)
        add_k, add_o = (add_f, add_t) if forward else (add_t, add_f)
        finite_add = bool(np.isfinite(add_f).all() and np.isfinite(add_t).all())

        def convert(mine: np.ndarray, ff: np.ndarray) -> tuple[np.ndarray, Any]:
            """One chunk's int32 seconds of every band, shape (bands, len(mine), other),
            with ``(beyond counts per band, unreachable (i, j) pairs or None)``.
            """
            # add = a_from + a_to, summed first (as in t = ff / f + (a_from + a_to))
            add: np.ndarray | float = 0.0
            if add_k.any() and add_o.any():
                add = add_k[mine][:, None] + add_o[None, :]
            elif add_k.any():
                add = add_k[mine][:, None]
            elif add_o.any():
                add = add_o[None, :]
            unreachable: np.ndarray | None = None
            ij: np.ndarray | None = None
            ff_max = float(ff.max(initial=0.0))
            if np.isinf(ff_max):
                unreachable = np.isinf(ff)
                if limit_s is not None:
                    # inf from the cutoff or from no path at all: tell them apart
                    if self.strongly_connected:
                        unreachable[:] = False
                    else:
                        rows, cols = (mine, slice(None)) if forward else (slice(None), mine)
                        again = self.free_flow_s(from_idx[rows], to_idx[cols], group=group)
                        unreachable &= np.isinf(again if forward else again.T)
                if unreachable.any():
                    r, j = np.nonzero(unreachable)
                    ij = np.column_stack((mine[r], j) if forward else (j, mine[r]))
                else:
                    unreachable = None
            secs = np.empty_like(ff)
            arrays = np.empty((len(factors), *ff.shape), dtype=np.int32)
            beyond_k: list[int] = []
            for k, factor in enumerate(factors.values()):
                np.divide(ff, factor, out=secs)
                np.add(secs, add, out=secs)
                np.rint(secs, out=secs)
                if limit_s is None and finite_add and np.isfinite(ff_max):
                    top = 0.0  # every sum is finite and no limit applies: no scan needed
                else:
                    top = secs.max(initial=0.0)
                within = limit_s is None or (top <= limit_s and ff_max <= limit_s * factor)
                if np.isfinite(top) and within:
                    arrays[k] = secs
                    beyond_k.append(0)
                    continue
                finite = np.isfinite(secs)
                beyond = ~finite if unreachable is None else ~finite & ~unreachable
                if limit_s is not None:
                    # beyond this band's cutoff (the pass ran to the slowest band's)
                    beyond |= finite & ((secs > limit_s) | (ff > limit_s * factor))
                secs[~finite | beyond] = UNREACHABLE_S
                arrays[k] = secs
                beyond_k.append(int(beyond.sum()))
            return arrays, (beyond_k, ij)

        if limit_s is not None:
            _ = self.strongly_connected  # computed once, before the pass forks its workers
        blocks = self._blocks(
            from_idx, to_idx, limit=ff_limit, out_bytes=out_bytes, group=group,
            convert=convert, n_arrays=len(factors), dtype=np.int32,
        )  # fmt: skip
        for mine, arrays, (beyond_k, ij) in blocks:
            if ij is not None:
                unreachable_ij.append(ij)
            for k, band in enumerate(factors):
                beyond_n[band] += beyond_k[k]
                if forward != transpose:
                    out[band][mine] = arrays[k]
                else:
                    out[band][:, mine] = arrays[k].T
        pairs = (
            np.unique(np.concatenate(unreachable_ij), axis=0)
            if unreachable_ij
            else np.empty((0, 2), dtype=np.int64)
        )
        if len(pairs) and on_unreachable == "raise":
            i0, j0 = (int(a) for a in pairs[0])
            raise NetworkError(
                f"{len(pairs)} origin/destination pair(s) have no road path "
                f"(e.g. node {self.node_ids[from_idx[i0]]} -> {self.node_ids[to_idx[j0]]}); "
                f"snap to nodes of one strongly connected graph, or pass "
                f'on_unreachable="sentinel"'
            )
        unreachable_pairs = [
            (int(self.node_ids[from_idx[i]]), int(self.node_ids[to_idx[j]])) for i, j in pairs
        ]
        return {
            band: (
                out[band],
                {
                    "band": band,
                    "speed_factor": factor,
                    "limit_s": limit_s,
                    "beyond_limit": beyond_n[band],
                    "unreachable_pairs": list(unreachable_pairs),
                },
            )
            for band, factor in factors.items()
        }

    def within_limit(
        self, from_idx: np.ndarray, *, band: str, limit_s: float, forward: bool = True
    ) -> sparse.csr_matrix:
        """Sparse drive times within ``limit_s`` (band seconds) from each of ``from_idx``
        to every node (``forward``) or from every node to each (reversed graph).

        ``m[k, v] = rint(free_flow_s / f_b)`` for the pairs with ``m <= limit_s`` and
        free-flow time ``<= limit_s * f_b`` (int32, explicit zeros kept for ``v = k``);
        the rest is absent.  Dijkstra runs with the cutoff, in chunks, so memory grows
        with the pairs within the limit, not with sources x nodes.  ``free_flow_s`` is
        the band's weight group's seconds (class factors applied).
        """
        from_idx = np.asarray(from_idx, dtype=np.int64)
        factor = self.speed_factor(band)
        group = self.group_of(band)
        ff_limit = float(limit_s) * factor

        def part(a: int, b: int) -> sparse.csr_matrix:
            dist = self._dijkstra(from_idx[a:b], forward=forward, limit=ff_limit, group=group)
            r, c = np.nonzero(dist <= ff_limit)
            secs = np.rint(dist[r, c] / factor)
            keep = secs <= limit_s
            return sparse.csr_matrix(
                (secs[keep].astype(np.int32), (r[keep], c[keep])), shape=(b - a, self.n_nodes)
            )

        step = self.chunk_rows(self.n_nodes, 0)
        parts = [m for _, _, m in self._chunked(len(from_idx), step, part)]
        if not parts:
            return sparse.csr_matrix((0, self.n_nodes), dtype=np.int32)
        return sparse.vstack(parts, format="csr")


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


def _forward(from_idx: np.ndarray, to_idx: np.ndarray) -> bool:
    """Run Dijkstra from the origins (True) or, on the reversed graph, from the
    destinations: whichever side has fewer distinct nodes.
    """
    return len(np.unique(from_idx)) <= len(np.unique(to_idx))
