"""Dataset catalog: manifest, resolution, checksums, fetch (copy and download), check."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest

from heart_plan import catalog
from heart_plan.errors import DataError
from heart_plan.runinfo import sha256_file

REPO = Path(__file__).resolve().parents[1]
SMALL = "facilities/durham_fire_stations_geocoded.csv"


def _manifest(tmp_path: Path, *, sha: str, kind: str = "pinned", url: str = "") -> catalog.Manifest:
    text = f"""
[datasets.stations]
file = "{SMALL}"
title = "toy"
format = "csv"
kind = "{kind}"
sha256 = "{sha}"
download_url = "{url}"
required_columns = ["Station", "lat", "long"]
"""
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return catalog.load_manifest(path)


def test_packaged_manifest_is_the_checkout_manifest() -> None:
    manifest = catalog.load_manifest()
    linked = REPO / "data" / "beats" / "manifest.toml"
    assert linked.resolve() == catalog.default_manifest_path().resolve()
    expected = {
        "beats", "beats_pop2020", "city_limits", "calls_2021", "fire_stations",
        "fire_station_addresses", "tracts_2020_acs2022", "blockgroups_2010",
        "blockgroups_population", "incidents_2013", "trm_graph", "osm_downtown",
    }  # fmt: skip
    assert expected <= set(manifest.datasets)
    for ds in manifest.datasets.values():
        assert len(ds.sha256) == 64 and ds.kind in ("pinned", "live") and ds.licence
    assert "9987bc07e1cf885ca6c01b14be65181a23c21bbc" in manifest.get("beats").download_url


def test_unknown_dataset_and_key(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown dataset id 'nope'"):
        catalog.load_manifest().get("nope")
    bad = tmp_path / "m.toml"
    bad.write_text(
        '[datasets.x]\nfile = "a"\nformat = "csv"\nkind = "pinned"\nsha256 = "0"\ncolour = 1\n'
    )
    with pytest.raises(DataError, match="unknown key 'colour'"):
        catalog.load_manifest(bad)


@pytest.mark.durham
def test_check_mirror_all_ok(mirror: Path) -> None:
    rows = catalog.check(mirror=mirror, local_dir=None)
    assert catalog.check_ok(rows)
    by_id = {r.id: r for r in rows}
    assert by_id["beats"].status == "OK"
    assert by_id["beats"].sha256 == catalog.load_manifest().get("beats").sha256


@pytest.mark.durham
def test_fetch_copy_then_local_first(mirror: Path, tmp_path: Path) -> None:
    local = tmp_path / "data"
    results = catalog.fetch(local_dir=local, mirror=mirror, ids=("fire_stations", "city_limits"))
    assert [r.action for r in results] == ["copied", "copied"]
    assert (local / SMALL).is_file()
    path = catalog.resolve("fire_stations", mirror=mirror, local_dir=local)
    assert path == local / SMALL  # the local data directory wins over the mirror
    again = catalog.fetch(local_dir=local, mirror=mirror, ids=("fire_stations",))
    assert again[0].action == "present"


@pytest.mark.durham
def test_fetch_checksum_mismatch_leaves_nothing(mirror: Path, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, sha="0" * 64)
    local = tmp_path / "data"
    with pytest.raises(DataError) as exc:
        catalog.fetch(local_dir=local, mirror=mirror, manifest=manifest)
    assert "does not match the manifest" in str(exc.value) and "re-fetch" in str(exc.value)
    assert not (local / SMALL).exists()
    assert not list((local / "facilities").glob("*"))  # no temporary file left behind
    rows = catalog.check(mirror=mirror, manifest=manifest)
    assert rows[0].status == "MISMATCH" and not catalog.check_ok(rows)


@pytest.fixture
def http_mirror(mirror: Path):
    """A local HTTP server on 127.0.0.1 serving the mirror directory."""
    handler = functools.partial(_QuietHandler, directory=str(mirror))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.durham
@pytest.mark.timeout(60)
def test_download_pinned_and_live(mirror: Path, tmp_path: Path, http_mirror: str) -> None:
    sha = sha256_file(mirror / SMALL)
    url = f"{http_mirror}/{SMALL}"
    pinned = _manifest(tmp_path, sha=sha, url=url)
    local = tmp_path / "pinned"
    res = catalog.fetch(local_dir=local, mirror=None, manifest=pinned)
    assert res[0].action == "downloaded" and res[0].sha256 == sha
    assert sha256_file(local / SMALL) == sha

    live_dir = tmp_path / "live"
    (live_dir).mkdir()
    live = _manifest(live_dir, sha="0" * 64, kind="live", url=url)  # live: sha not pinned
    res = catalog.fetch(local_dir=live_dir / "data", mirror=None, manifest=live)
    lock = json.loads((live_dir / "data" / catalog.LOCK_FILE_NAME).read_text())
    assert lock["stations"]["sha256"] == sha and lock["stations"]["url"] == url
    rows = catalog.check(mirror=None, local_dir=live_dir / "data", manifest=live)
    assert rows[0].status == "OK"


@pytest.mark.durham
@pytest.mark.timeout(60)
def test_download_pinned_mismatch_and_bad_url(
    mirror: Path, tmp_path: Path, http_mirror: str
) -> None:
    local = tmp_path / "data"
    bad = _manifest(tmp_path, sha="f" * 64, url=f"{http_mirror}/{SMALL}")
    with pytest.raises(DataError, match="does not match"):
        catalog.fetch(local_dir=local, mirror=None, manifest=bad)
    assert not (local / SMALL).exists()
    missing = _manifest(tmp_path, sha="f" * 64, url=f"{http_mirror}/no/such.csv")
    with pytest.raises(DataError, match="download of dataset 'stations' failed"):
        catalog.fetch(local_dir=local, mirror=None, manifest=missing)
    # a live download whose schema is wrong is rejected, nothing kept, nothing locked
    wrong = tmp_path / "w"
    wrong.mkdir()
    live = _manifest(
        wrong,
        sha="0" * 64,
        kind="live",
        url=f"{http_mirror}/calls/dpd_calls2021_comsafe_6types__combined.csv",
    )
    with pytest.raises(DataError, match="lacks column 'Station'"):
        catalog.fetch(local_dir=wrong / "data", mirror=None, manifest=live)
    assert not (wrong / "data" / catalog.LOCK_FILE_NAME).exists()
