"""Map pages render byte for byte as branca renders them, with far fewer jinja compiles.

``render_map`` hands branca's macro output (headers, html, scripts: inline GeoJSON
included) back as text instead of compiling it as a template; text that looks like jinja
(``{{``, ``{%``, ``{#``) or has carriage returns is still compiled, as branca does.
"""

from __future__ import annotations

import branca.element
import folium
import jinja2
from branca.element import Element

from heart_plan.report import maps


def _toy_map() -> folium.Map:
    m = folium.Map(location=[35.99, -78.9], zoom_start=12, tiles=None)
    square = {
        "type": "Feature",
        "properties": {"beat": "B1", "note": "calls {{ reached }}"},  # jinja-like text
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[-78.9, 35.99], [-78.89, 35.99], [-78.89, 36.0], [-78.9, 35.99]]],
        },
    }
    beats = {"type": "FeatureCollection", "features": [square]}
    folium.GeoJson(beats, name="beats", tooltip=folium.GeoJsonTooltip(["beat", "note"])).add_to(m)
    folium.CircleMarker(
        [35.995, -78.895], radius=4, popup="post {# a jinja comment #}\r\nA"
    ).add_to(m)
    folium.CircleMarker([35.996, -78.896], radius=4, tooltip="plain text\n").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _compiles(monkeypatch) -> list[int]:
    count = [0]
    compile_ = jinja2.Environment.compile

    def counted(self, *args, **kwargs):
        count[0] += 1
        return compile_(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return count


def test_map_page_is_byte_identical_to_brancas_own_render(monkeypatch) -> None:
    count = _compiles(monkeypatch)
    plain = _toy_map().get_root()
    maps._number_elements(plain)
    before = count[0]
    expected = plain.render()
    branca_compiles = count[0] - before

    fast = _toy_map().get_root()
    maps._number_elements(fast)
    before = count[0]
    with maps._macro_output_as_text():
        page = fast.render()
    ours = count[0] - before

    assert page == expected
    # jinja-like text is still compiled, as branca compiles it (the comment is dropped)
    assert "post " in page and "a jinja comment" not in page
    assert ours < branca_compiles / 2, (ours, branca_compiles)
    assert branca.element.Element is Element  # the library is as it was after the render
