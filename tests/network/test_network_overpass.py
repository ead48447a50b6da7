"""The online path for real: OSMnx's own downloader against a local stand-in for the
Overpass API that serves the mirror's raw Overpass response (no internet, no mocks)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import box

from heart_plan.network import configure_osmnx, graph_from_online

pytestmark = [pytest.mark.durham, pytest.mark.timeout(120)]

OVERPASS_JSON = "roads/osm/downtown_durham_overpass_highways_2024-01.json"

#: A real Overpass /api/status answer: line 5 starts with the number of free slots.
STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2024-01-24T01:02:03Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


@pytest.fixture
def fake_overpass(mirror: Path):
    body = (mirror / OVERPASS_JSON).read_bytes()
    hits: dict[str, int] = {"status": 0, "interpreter": 0}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: bytes, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if self.path.startswith("/api/status"):
                hits["status"] += 1
                self._send(STATUS_TEXT.encode(), "text/plain")
            else:
                self.send_error(404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            if self.path.startswith("/api/interpreter"):
                hits["interpreter"] += 1
                self._send(body, "application/json")
            else:
                self.send_error(404)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    import osmnx as ox

    saved = {k: getattr(ox.settings, k) for k in ("overpass_url", "overpass_rate_limit")}
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api", hits
    finally:
        configure_osmnx(**saved)
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_online_graph_through_osmnx_downloader(fake_overpass, tmp_path):
    url, hits = fake_overpass
    configure_osmnx(cache_folder=tmp_path, overpass_url=url, overpass_rate_limit=True)
    polygon = box(-78.925, 36.000, -78.902, 36.015)  # inside the downtown extract
    network = graph_from_online(polygon, cache_folder=tmp_path)
    g, r = network.graph, network.report
    assert hits == {"status": 1, "interpreter": 1}
    assert r.source == "online"
    assert nx.is_strongly_connected(g) and r.nodes_kept > 100
    assert r.non_drivable_edges_dropped > 500  # the stand-in returned footways etc.
    for _, _, d in g.edges(data=True):
        hwy = d["highway"] if isinstance(d["highway"], list) else [d["highway"]]
        assert not {"footway", "service", "steps", "pedestrian", "path"} & set(hwy)
    assert list(tmp_path.glob("*.json")), "OSMnx cached the response in the tmp cache folder"
    # second build: served from OSMnx's cache, the server is not asked again
    again = graph_from_online(polygon, cache_folder=tmp_path)
    assert hits["interpreter"] == 1
    assert again.report.nodes_kept == r.nodes_kept
