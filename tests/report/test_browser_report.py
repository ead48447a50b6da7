"""Toy map and report pages in headless Debian chromium: offline, layers, legend, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_toy import (
    BAD,
    IMG_LABEL,
    LAYER_NAMES,
    SCRIPT_LABEL,
    build_toy_hours_map,
    build_toy_map,
    build_toy_report,
)

from heart_plan.paths import project_root

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SCREENSHOTS = project_root() / "outputs" / "screenshots" / "report_toy"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pages")
    return {
        "map": build_toy_map(out / "map_toy.html"),
        "hours": build_toy_hours_map(out / "map_hours_toy.html"),
        "report": build_toy_report(out / "report_toy.html"),
    }


def _assert_clean(result) -> None:
    assert result.problems() == []
    assert result.screenshot is not None and result.screenshot.stat().st_size > 10_000


def test_map_offline_layers_legend_and_escaping(browser, pages):
    with browser.open(pages["map"], screenshot=SCREENSHOTS / "map.png") as result:
        _assert_clean(result)
        page = result.page
        control = page.locator(".leaflet-control-layers-overlays").inner_text()
        for name in LAYER_NAMES:
            assert name in control
        assert page.locator("#legend").count() == 1
        assert "Modeled" in page.locator("#legend").inner_text()
        # vector layers drawn without tiles: 2 beats + outline + isochrone paths, 2 circle markers
        assert page.locator("path.leaflet-interactive").count() >= 6
        assert page.locator(".hp-num-marker").count() == 2
        # hostile labels render as text: legend, numbered-marker label
        assert BAD in page.locator("#legend-hostile").inner_text()
        assert SCRIPT_LABEL in page.locator(".hp-num-marker").nth(1).inner_text()
        # marker tooltip and popup
        page.locator(".hp-num-marker").nth(1).hover()
        assert BAD in page.locator(".leaflet-tooltip").last.inner_text()
        page.locator(".hp-num-marker").nth(1).click()
        assert BAD in page.locator(".leaflet-popup-content").last.inner_text()
        page.locator(".hp-post-marker").click()
        popup = page.locator(".leaflet-popup-content").last.inner_text()
        assert BAD in popup and "1,234" in popup
        # GeoJsonTooltip on the hostile beat (right half of the map)
        page.mouse.move(300, 700)
        page.mouse.move(720, 300)  # inside the right-hand beat, away from markers
        tip = page.locator(".leaflet-tooltip").last.inner_text()
        assert "Calls / year" in tip and IMG_LABEL in tip
        assert page.locator("img[src=x]").count() == 0
        assert result.dialogs == [] and result.page_errors == []


def test_hours_map_selector_switches_layers(browser, pages):
    with browser.open(pages["hours"], screenshot=SCREENSHOTS / "map_hours.png") as result:
        _assert_clean(result)
        page = result.page
        selector = page.locator("#hour-selector")
        assert selector.get_attribute("data-selected") == "8"
        assert "08:00" in selector.inner_text()
        assert page.locator("path.leaflet-interactive").count() == 2  # one hour's beats only
        page.locator("#hour-selector input[type=range]").fill("20")
        assert selector.get_attribute("data-selected") == "20"
        assert "20:00" in selector.inner_text()
        assert page.locator("path.leaflet-interactive").count() == 2
        assert result.tile_requests == []  # tiles=None: nothing online at all


def test_report_sections_figures_and_escaping(browser, pages):
    with browser.open(pages["report"], screenshot=SCREENSHOTS / "report.png") as result:
        _assert_clean(result)
        page = result.page
        for section_id in ("summary", "curves", "assumptions", "provenance"):
            assert page.locator(f"section#{section_id}").count() == 1
        charts = page.locator("figure.hp-chart svg.hp-svg")
        assert charts.count() == 3
        sizes = charts.evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
        )
        assert all(w > 200 and h > 100 for w, h in sizes)
        body = page.locator("body").inner_text()
        assert body.count(BAD) >= 5  # title, paragraph, note, table cell, assumptions
        assert page.locator("img").count() == 0
        assert result.dialogs == [] and result.tile_requests == []
