"""Road graphs through OSMnx, from three sources behind one function family.

* ``graph_from_trm`` -- the Triangle Regional Model GraphML of the mirror
  (``osmnx.load_graphml``).  Centroid connectors (``is_cc == "1"``) and zone centroids
  (``is_centroid == "1"``) are modelling artefacts, not roads: they are removed from
  routing.  Speeds come from a class -> speed table (``[network] speed_kph_by_class``)
  because the TRM graph has no speeds and no ``highway`` tags.
* ``graph_from_osm_file`` -- an OpenStreetMap XML file (``osmnx.graph_from_xml``).
* ``graph_from_online`` -- download for a polygon (``osmnx.graph_from_polygon``).

For OSM data the drivable filter (OSMnx's ``drive`` network type, applied client-side
because a local file or a generic server returns all highway types) runs *before*
simplification, since simplification merges highway tags into lists.  OSM speeds come from
``maxspeed`` and per-highway-class means (``osmnx.add_edge_speeds``).

Every builder ends with the same cleaning: keep the largest strongly connected component
(so every pair of routable nodes has a finite drive time) and record what was dropped in a
``GraphReport``.  Each kept edge carries ``length_m``, ``speed_kph``, ``free_flow_s``
(= length_m / (speed_kph / 3.6)) and ``road_class``.

OSMnx settings are set in exactly one place: ``configure_osmnx``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from heart_plan.errors import ConfigError, DataError, NetworkError
from heart_plan.paths import cache_dir

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

    from heart_plan.config import Scenario

#: The TRM road graph inside the data mirror.
TRM_GRAPHML = Path("roads/trm/trmg2_2020_durham_county_5km__converted.graphml")
#: City limits polygon used for the online download.
CITY_LIMITS = Path(
    "boundaries/durham_city_limits__derived_from_triangle_municipal_boundaries.geojson"
)

#: Bump when the cleaning or edge attributes change (invalidates the graph cache).
GRAPH_CACHE_VERSION = "2"

#: OSMnx 2.x ``drive`` way filter as (key, excluded-values regex) pairs.  Overpass
#: semantics: ``["k"!~"re"]`` keeps a way when the tag is absent or its value does not
#: match ``re`` (unanchored).  Besides these, a way needs a ``highway`` tag.
DRIVE_FILTER: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    (
        "highway",
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
        "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
        "rest_area|service|services|steps|track",
    ),
    ("motor_vehicle", "no"),
    ("motorcar", "no"),
    ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
)

#: Way tags OSMnx must keep as edge attributes so the drive filter can be applied.
_EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GraphReport:
    """What a graph build kept and dropped (all counts are nodes or directed edges)."""

    source: str
    path: str
    nodes_in: int
    edges_in: int
    centroid_nodes_dropped: int
    connector_edges_dropped: int
    non_drivable_edges_dropped: int
    component_nodes_dropped: int
    strong_components: int
    nodes_kept: int
    edges_kept: int
    length_km: float
    edges_by_class: dict[str, int] = field(default_factory=dict)
    speed_kph_by_class: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict."""
        return asdict(self)

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"{self.source}: kept {self.nodes_kept:,} nodes / {self.edges_kept:,} edges "
            f"({self.length_km:,.0f} km); dropped {self.centroid_nodes_dropped} centroid "
            f"nodes, {self.connector_edges_dropped} connector edges, "
            f"{self.non_drivable_edges_dropped} non-drivable edges, "
            f"{self.component_nodes_dropped} nodes outside the largest strongly connected "
            f"component"
        )


@dataclass(frozen=True)
class RoadNetwork:
    """A cleaned, strongly connected drivable graph with speeds, and its build report."""

    graph: nx.MultiDiGraph
    report: GraphReport


# ----------------------------------------------------------------------------- osmnx settings


def configure_osmnx(*, cache_folder: str | Path | None = None, **overrides: Any) -> None:
    """Set OSMnx's global settings (the one place heart_plan touches ``osmnx.settings``).

    Parameters
    ----------
    cache_folder
        Where OSMnx caches HTTP responses; default ``paths.cache_dir("osmnx")`` (never
        inside the read-only mirror).
    **overrides
        Further ``osmnx.settings`` attributes, e.g. ``overpass_url`` or
        ``overpass_rate_limit`` (unknown names raise ``ConfigError``).
    """
    import osmnx as ox

    ox.settings.cache_folder = str(cache_folder or cache_dir("osmnx"))
    ox.settings.use_cache = True
    ox.settings.log_console = False
    ox.settings.log_file = False
    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = tags + [t for t in _EXTRA_WAY_TAGS if t not in tags]
    for name, value in overrides.items():
        if not hasattr(ox.settings, name):
            raise ConfigError(f"osmnx.settings has no option {name!r}; check the spelling")
        setattr(ox.settings, name, value)


# ----------------------------------------------------------------------------- builders


def graph_from_trm(path: str | Path, *, speed_kph_by_class: dict[str, float]) -> RoadNetwork:
    """Load the TRM GraphML, drop centroids/connectors, assign class speeds, keep the SCC.

    Parameters
    ----------
    path
        OSMnx GraphML with edge ``length`` (m), ``osm_gen0_class``, ``is_cc`` and node
        ``is_centroid``.
    speed_kph_by_class
        Free-flow speed (km/h) for every ``osm_gen0_class`` present on a real-road edge.

    Raises
    ------
    NetworkError
        When a class has no speed, or nothing routable is left.
    """
    import osmnx as ox

    path = _existing(path)
    try:
        g = ox.load_graphml(path)
    except Exception as exc:
        raise DataError(f"{path}: cannot read GraphML ({exc}); pass an OSMnx GraphML") from None
    nodes_in, edges_in = g.number_of_nodes(), g.number_of_edges()
    if nodes_in == 0:
        raise NetworkError(f"{path}: the graph is empty; pass a road graph with nodes and edges")
    if not any("osm_gen0_class" in d for _, _, d in g.edges(data=True)):
        raise DataError(
            f"{path}: edges have no 'osm_gen0_class'; this is not a TRM graph "
            f'(use network.source = "osm_file" for OSM files)'
        )
    centroids = [n for n, d in g.nodes(data=True) if str(d.get("is_centroid", "0")) == "1"]
    connectors = [(u, v, k) for u, v, k, d in g.edges(keys=True, data=True) if _is_cc(d)]
    g.remove_edges_from(connectors)
    g.remove_nodes_from(centroids)
    classes = sorted({str(d.get("osm_gen0_class", "")) for _, _, d in g.edges(data=True)})
    missing = [c for c in classes if c not in speed_kph_by_class]
    if missing:
        raise NetworkError(
            f"{path}: road class {missing[0]!r} (field osm_gen0_class) has no speed; add "
            f"{missing[0]} = <km/h> under [network.speed_kph_by_class] in the scenario"
        )
    for _, _, d in g.edges(data=True):
        cls = str(d.get("osm_gen0_class", ""))
        _set_edge_speed(d, cls, float(speed_kph_by_class[cls]), path)
    used = {c: float(speed_kph_by_class[c]) for c in classes}
    return _finish(
        g,
        source="trm",
        path=path,
        nodes_in=nodes_in,
        edges_in=edges_in,
        centroid_nodes_dropped=len(centroids),
        connector_edges_dropped=len(connectors),
        non_drivable_edges_dropped=0,
        speeds=used,
    )


def graph_from_osm_file(path: str | Path) -> RoadNetwork:
    """Build a drivable graph from an OpenStreetMap XML file (``.osm``/``.xml``).

    The file may hold all highway types: ways failing OSMnx's ``drive`` filter are
    dropped before simplification.  Speeds: ``maxspeed`` and per-highway means
    (``osmnx.add_edge_speeds``).
    """
    import osmnx as ox

    path = _existing(path)
    configure_osmnx()
    try:
        g = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except Exception as exc:
        raise DataError(f"{path}: cannot read OSM XML ({exc}); pass an .osm XML file") from None
    return _from_raw_osm(g, source="osm_file", path=path)


def graph_from_online(
    polygon: Polygon | MultiPolygon, *, cache_folder: str | Path | None = None
) -> RoadNetwork:
    """Download the drive network inside ``polygon`` (EPSG:4326) with OSMnx.

    Uses ``osmnx.settings.overpass_url`` (configure it with ``configure_osmnx``) and
    OSMnx's response cache in ``cache_folder`` (default ``paths.cache_dir("osmnx")``).
    The drive filter is re-applied client-side before simplification.
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    configure_osmnx(cache_folder=cache_folder)
    try:
        g = ox.graph_from_polygon(polygon, network_type="drive", simplify=False, retain_all=True)
    except InsufficientResponseError as exc:
        raise NetworkError(
            f"Overpass API at {ox.settings.overpass_url}: no roads inside the polygon ({exc}); "
            f'check the polygon or use network.source = "trm"'
        ) from None
    return _from_raw_osm(g, source="online", path=str(ox.settings.overpass_url))


def graph_from_file(
    path: str | Path, *, speed_kph_by_class: dict[str, float] | None = None
) -> RoadNetwork:
    """Dispatch on the file type: ``.graphml`` (TRM) or ``.osm``/``.xml`` (OpenStreetMap)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        return graph_from_trm(path, speed_kph_by_class=speed_kph_by_class or {})
    if suffix in {".osm", ".xml"}:
        return graph_from_osm_file(path)
    raise DataError(
        f"{path}: unknown road graph file type {suffix or '(none)'!r}; expected .graphml "
        f"(TRM) or .osm/.xml (OpenStreetMap XML)"
    )


def load_graph(scenario: Scenario, mirror: str | Path, *, use_cache: bool = True) -> RoadNetwork:
    """The road network named by ``[network] source``/``graph_file`` of the scenario.

    ``trm`` reads ``graph_file`` or the mirror's TRM GraphML; ``osm_file`` reads
    ``graph_file``; ``online`` downloads the drive network inside the mirror's city limits.
    File-based builds are cached under ``paths.cache_dir("graph")`` as verified JSON
    entries (``heart_plan.cachefile``; never pickle), keyed by the file's sha256 and the
    speed table, so repeated runs skip parsing.  The mirror's TRM file is checked against
    the manifest's sha256 first (``verify_graph_file``).
    """
    net = scenario.network
    mirror = Path(mirror)
    if net.source == "online":
        import geopandas as gpd

        limits = gpd.read_file(_existing(mirror / CITY_LIMITS)).to_crs(4326)
        return graph_from_online(limits.union_all())
    if net.source == "trm":
        path = _resolve(net.graph_file, mirror) if net.graph_file else mirror / TRM_GRAPHML
    elif net.source == "osm_file":
        if not net.graph_file:
            raise ConfigError(
                "network.graph_file is empty; set it to an .osm file when "
                'network.source = "osm_file"'
            )
        path = _resolve(net.graph_file, mirror)
    else:
        raise ConfigError(
            f'network.source = {net.source!r}; expected "trm", "osm_file" or "online"'
        )
    path = _existing(path)
    digest = verify_graph_file(path, scenario)
    speeds = dict(net.speed_kph_by_class)
    if not use_cache:
        return graph_from_file(path, speed_kph_by_class=speeds)
    from heart_plan.cachefile import read_entry, write_entry

    key = _graph_cache_key(digest, speeds)
    cached = cache_dir("graph") / f"graph-{key[:32]}.json.entry"
    payload = read_entry(cached, kind="graph", key=key)
    if payload is not None:
        try:
            return network_from_json(payload)
        except (ValueError, KeyError, TypeError):
            pass
    network = graph_from_file(path, speed_kph_by_class=speeds)
    try:
        payload = network_to_json(network)
    except TypeError:  # an attribute with no data form: do not cache
        return network
    write_entry(cached, kind="graph", key=key, payload=payload)
    return network


def graph_source_path(scenario: Scenario, mirror: str | Path) -> Path | None:
    """The road graph file a scenario reads (None for ``online``), unchecked."""
    net = scenario.network
    if net.source == "online":
        return None
    if net.source == "trm":
        return (
            _resolve(net.graph_file, Path(mirror)) if net.graph_file else Path(mirror) / TRM_GRAPHML
        )
    if net.source == "osm_file" and net.graph_file:
        return _resolve(net.graph_file, Path(mirror))
    return None


def verify_graph_file(path: str | Path, scenario: Scenario | None = None) -> str:
    """The file's sha256, checked against the manifest when it is a manifest dataset.

    A file at the manifest's path for ``trm_graph`` (or ``osm_downtown``...) must have the
    pinned sha256, else ``DataError`` naming the file and the fix; with
    ``[data] on_checksum_mismatch = "warn"`` the mismatch is logged and recorded instead.
    """
    from heart_plan.catalog import load_manifest, verify
    from heart_plan.runinfo import sha256_file

    path = Path(path)
    manifest = load_manifest()
    resolved = path.resolve().as_posix()
    for ds in manifest.datasets.values():
        if ds.format in ("graphml", "osm") and resolved.endswith("/" + ds.file):
            on_mismatch = scenario.data.on_checksum_mismatch if scenario else "error"
            return verify(ds, path, on_mismatch=on_mismatch)
    return sha256_file(path)


def network_to_json(network: RoadNetwork) -> bytes:
    """A road network as UTF-8 JSON (geometries as WKB hex); ``TypeError`` if impossible."""
    g = network.graph
    doc = {
        "graph": _plain(dict(g.graph)),
        "nodes": [[_plain(n), _plain(d)] for n, d in g.nodes(data=True)],
        "edges": [
            [_plain(u), _plain(v), _plain(k), _plain(d)]
            for u, v, k, d in g.edges(keys=True, data=True)
        ],
        "report": network.report.to_dict(),
    }
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def network_from_json(payload: bytes) -> RoadNetwork:
    """Inverse of ``network_to_json``."""
    doc = json.loads(payload.decode("utf-8"))
    g = nx.MultiDiGraph(**_unplain(doc["graph"]))
    for n, d in doc["nodes"]:
        g.add_node(n, **_unplain(d))
    for u, v, k, d in doc["edges"]:
        g.add_edge(u, v, key=k, **_unplain(d))
    return RoadNetwork(graph=g, report=GraphReport(**doc["report"]))


def _plain(value: Any) -> Any:
    """JSON-ready data: numpy scalars to Python, shapely geometries to WKB hex."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "wkb_hex") and hasattr(value, "geom_type"):
        return {"__wkb__": value.wkb_hex}
    raise TypeError(f"cannot cache a {type(value).__name__} attribute")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__wkb__"}:
            import shapely

            return shapely.from_wkb(bytes.fromhex(value["__wkb__"]))
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- helpers


def keep_drivable(g: nx.MultiDiGraph) -> int:
    """Remove (in place) edges failing the ``drive`` filter and the nodes left isolated.

    Works on unsimplified graphs (scalar tags).  Returns the number of edges removed.
    """
    compiled = [(k, re.compile(rx)) for k, rx in DRIVE_FILTER]
    drop = [
        (u, v, k)
        for u, v, k, d in g.edges(keys=True, data=True)
        if not _passes_drive_filter(d, compiled)
    ]
    g.remove_edges_from(drop)
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    return len(drop)


def _passes_drive_filter(tags: dict[str, Any], compiled: list[tuple[str, re.Pattern]]) -> bool:
    if "highway" not in tags:
        return False
    for key, rx in compiled:
        value = tags.get(key)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if any(rx.search(str(v)) for v in values):
            return False
    return True


def _from_raw_osm(g: nx.MultiDiGraph, *, source: str, path: str | Path) -> RoadNetwork:
    import osmnx as ox

    nodes_in, edges_in = g.number_of_nodes(), g.number_of_edges()
    dropped = keep_drivable(g)
    if g.number_of_edges() == 0:
        raise NetworkError(
            f"{path}: no drivable roads (of {edges_in} edges, none passes the drive filter); "
            f"pass data that includes public streets"
        )
    g = ox.simplify_graph(g)
    g = ox.add_edge_speeds(g)
    for _, _, d in g.edges(data=True):
        hwy = d.get("highway", "")
        cls = str(hwy[0] if isinstance(hwy, list) else hwy)
        _set_edge_speed(d, cls, float(d["speed_kph"]), path)
    by_class: dict[str, list[float]] = {}
    for _, _, d in g.edges(data=True):
        by_class.setdefault(d["road_class"], []).append(d["speed_kph"])
    speeds = {c: round(float(np.mean(v)), 1) for c, v in sorted(by_class.items())}
    return _finish(
        g,
        source=source,
        path=path,
        nodes_in=nodes_in,
        edges_in=edges_in,
        centroid_nodes_dropped=0,
        connector_edges_dropped=0,
        non_drivable_edges_dropped=dropped,
        speeds=speeds,
    )


def _set_edge_speed(d: dict[str, Any], cls: str, speed_kph: float, path: str | Path) -> None:
    if not speed_kph > 0:
        raise NetworkError(
            f"{path}: road class {cls!r} has speed {speed_kph} km/h; speeds must be > 0 "
            f"(fix [network.speed_kph_by_class])"
        )
    length_m = float(d["length"])
    d["length_m"] = length_m
    d["road_class"] = cls
    d["speed_kph"] = speed_kph
    d["free_flow_s"] = length_m / (speed_kph / 3.6)


def _finish(
    g: nx.MultiDiGraph,
    *,
    source: str,
    path: str | Path,
    nodes_in: int,
    edges_in: int,
    centroid_nodes_dropped: int,
    connector_edges_dropped: int,
    non_drivable_edges_dropped: int,
    speeds: dict[str, float],
) -> RoadNetwork:
    """Keep the largest strongly connected component and build the report."""
    if g.number_of_nodes() == 0 or g.number_of_edges() == 0:
        raise NetworkError(
            f"{path}: no routable road edges left after removing centroids, connectors "
            f"and non-drivable ways; pass a road graph with real roads"
        )
    components = list(nx.strongly_connected_components(g))
    largest = max(components, key=len)
    before = g.number_of_nodes()
    g = g.subgraph(largest).copy()
    classes = Counter(d["road_class"] for _, _, d in g.edges(data=True))
    length_km = sum(d["length_m"] for _, _, d in g.edges(data=True)) / 1000.0
    report = GraphReport(
        source=source,
        path=str(path),
        nodes_in=nodes_in,
        edges_in=edges_in,
        centroid_nodes_dropped=centroid_nodes_dropped,
        connector_edges_dropped=connector_edges_dropped,
        non_drivable_edges_dropped=non_drivable_edges_dropped,
        component_nodes_dropped=before - g.number_of_nodes(),
        strong_components=len(components),
        nodes_kept=g.number_of_nodes(),
        edges_kept=g.number_of_edges(),
        length_km=round(length_km, 3),
        edges_by_class=dict(sorted(classes.items())),
        speed_kph_by_class={c: s for c, s in speeds.items() if c in classes},
    )
    return RoadNetwork(graph=g, report=report)


def _is_cc(d: dict[str, Any]) -> bool:
    return str(d.get("is_cc", "0")) == "1"


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: road graph file not found; check network.graph_file / --mirror")
    return path


def _resolve(graph_file: str, mirror: Path) -> Path:
    """A relative ``graph_file`` is looked up in the working directory, then the mirror."""
    path = Path(graph_file).expanduser()
    if path.is_absolute() or path.is_file():
        return path
    return mirror / path


def _graph_cache_key(file_sha256: str, speeds: dict[str, float]) -> str:
    digest = hashlib.sha256()
    digest.update(GRAPH_CACHE_VERSION.encode())
    digest.update(metadata.version("osmnx").encode())
    digest.update(file_sha256.encode())
    digest.update(repr(sorted(speeds.items())).encode())
    return digest.hexdigest()


def graph_frames(g: nx.MultiDiGraph) -> tuple[Any, Any]:
    """Nodes and edges as GeoDataFrames (EPSG:4326) ready for GeoParquet.

    List-valued OSM tags (from simplification) are joined with ``;`` so every column has
    one type.
    """
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(g)
    nodes = nodes.reset_index()
    edges = edges.reset_index()
    for frame in (nodes, edges):
        for col in frame.columns:
            if col != "geometry" and frame[col].dtype == object:
                frame[col] = (
                    frame[col]
                    .map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
                    .astype("string")
                )
    return nodes, edges
