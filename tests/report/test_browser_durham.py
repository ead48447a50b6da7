"""The Durham run's pages in headless Debian chromium: offline, layers, legend, hours, report.

Uses the session ``durham_run`` output (one real ``heart-plan run``) and one browser.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from heart_plan.report.plan_maps import CITYWIDE_LAYERS
from heart_plan.report.plan_report import SECTIONS

pytestmark = [pytest.mark.durham, pytest.mark.browser, pytest.mark.timeout(300)]

PAGES = ("report.html", "map_citywide.html", "map_hours.html")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("durham_screenshots")


def _assert_clean(result) -> None:
    assert result.problems() == []
    assert result.screenshot is not None and result.screenshot.stat().st_size > 10_000


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_with_no_errors(browser, durham_run, shots, name):
    """No JS errors, no failed script/stylesheet loads, nothing but tiles requested."""
    with browser.open(durham_run / name, screenshot=shots / f"{name}.png") as result:
        _assert_clean(result)
        html = (durham_run / name).read_text()
        assert '<script src="http' not in html and '<link href="http' not in html


def test_citywide_layers_legend_and_drawn_vectors(browser, durham_run, shots):
    with browser.open(durham_run / "map_citywide.html", screenshot=shots / "city.png") as result:
        _assert_clean(result)
        page = result.page
        control = page.locator(".leaflet-control-layers-overlays").inner_text()
        for name in CITYWIDE_LAYERS:
            assert name in control
        legend = page.locator("#legend")
        assert legend.count() == 1
        text = legend.inner_text()
        assert "Modeled" in text and "Recommended post" in text and "12 min" in text
        # beats, outline and isochrones are drawn as SVG paths without tiles
        assert page.locator("path.leaflet-interactive").count() >= 35
        key = json.loads((durham_run / "run.json").read_text())["key_results"]
        steps = len(key["expansion_steps"]) - 1
        assert page.locator(".hp-num-marker").count() == steps
        assert page.locator(".hp-post-marker").count() >= 2


def test_citywide_map_is_modest_in_size(durham_run):
    assert (durham_run / "map_citywide.html").stat().st_size < 3_000_000
    assert (durham_run / "map_hours.html").stat().st_size < 3_000_000


def _select_hour(page, hour: int) -> None:
    page.evaluate(
        """(h) => {
            const input = document.querySelector('#hour-selector input');
            input.value = String(h);
            input.dispatchEvent(new Event('input'));
        }""",
        hour,
    )


def test_hours_selector_switches_layers(browser, durham_run, shots):
    plan = json.loads((durham_run / "plan_recommended.json").read_text())
    staffed_any = np.asarray(plan["teams_on_duty"]).reshape(7, 24).max(axis=0)
    with browser.open(durham_run / "map_hours.html", screenshot=shots / "hours.png") as result:
        _assert_clean(result)
        page = result.page
        selector = page.locator("#hour-selector")
        assert selector.count() == 1
        assert page.locator("#legend").count() == 1
        seen = {}
        for hour in (3, 12, 18):
            _select_hour(page, hour)
            assert selector.get_attribute("data-selected") == str(hour)
            assert f"{hour:02d}:00" in selector.inner_text()
            fills = page.locator("path.leaflet-interactive").evaluate_all(
                "els => els.map(e => e.getAttribute('fill'))"
            )
            assert len(fills) >= 35
            seen[hour] = tuple(fills)
            # one marker per post of the hour's set (a post may hold two teams)
            k = int(staffed_any[hour])
            sets = plan["posts"].get("")
            posts = len(sets[str(k)]) if sets and k else k
            assert page.locator(".hp-post-marker").count() == posts
            page.screenshot(path=str(shots / f"hours_{hour:02d}.png"))
            assert (shots / f"hours_{hour:02d}.png").stat().st_size > 10_000
        assert len(set(seen.values())) == 3  # each hour shows its own shading


def test_report_sections_and_plotly_figures(browser, durham_run, shots):
    with browser.open(
        durham_run / "report.html", screenshot=shots / "report_full.png", settle_ms=1000
    ) as result:
        _assert_clean(result)
        page = result.page
        for section in SECTIONS:
            assert page.locator(f"section#{section}").count() == 1, section
        plots = page.locator(".js-plotly-plot")
        assert plots.count() >= 5
        # rendered: each figure has drawn an SVG with a non-zero size
        sizes = plots.evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); "
            "return [r.width, r.height, e.querySelectorAll('svg.main-svg').length]; })"
        )
        assert all(w > 100 and h > 100 and n >= 1 for w, h, n in sizes)
