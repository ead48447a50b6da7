"""Vendored assets and the offline checks (heart_plan.report.assets)."""

from __future__ import annotations

import hashlib
from importlib import resources

import folium
import folium.plugins
import pytest

from heart_plan.report import maps
from heart_plan.report.assets import asset_text, external_resources, leaflet_css, make_offline

ASSETS = resources.files("heart_plan") / "assets"


def test_vendored_files_match_checksums_and_are_small():
    lines = (ASSETS / "SHA256SUMS").read_text().splitlines()
    assert len(lines) >= 8
    for line in lines:
        digest, name = line.split()
        data = (ASSETS / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert len(data) < 1_000_000, name
    assert "leaflet" in (ASSETS / "SOURCES.md").read_text()


def test_leaflet_css_has_images_inlined():
    css = leaflet_css()
    assert "url(images/" not in css
    assert css.count("url(data:image/png;base64,") == 3
    assert "Leaflet 1.9.3" in asset_text("leaflet/leaflet.js")[:200]


def test_external_resources_finds_cdn_tags_only():
    page = (
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        "<script src='//cdn.example/y.js'></script>"
        "<script>var s = '<script src=\"https://not.a.tag/z.js\">';</script>"
        "<style>@import url(https://fonts.example/f.css); .a{background:url(data:image/png;base64,AA)}</style>"
        '<a href="https://example.org/">link</a><script src="local.js"></script>'
    )
    assert external_resources(page) == [
        "https://cdn.example/x.css",
        "//cdn.example/y.js",
        "https://fonts.example/f.css",
    ]


def test_default_folium_map_is_online_and_offline_map_is_not():
    assert external_resources(folium.Map().get_root().render())  # folium's CDN defaults
    m = make_offline(folium.Map(tiles=None))
    assert external_resources(m.get_root().render()) == []
    assert folium.Map.default_js  # class defaults untouched: no global state change


def test_save_map_refuses_online_plugins_and_awesome_icons(tmp_path):
    m = maps.new_map((36.0, -78.9), 12)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="from the network"):
        maps.save_map(m, tmp_path / "a.html")
    m = maps.new_map((36.0, -78.9), 12)
    folium.Marker((36.0, -78.9), icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(ValueError, match=r"folium\.Icon"):
        maps.save_map(m, tmp_path / "b.html")
    assert not (tmp_path / "a.html").exists() and not (tmp_path / "b.html").exists()
