"""The Durham run's pages in headless Debian chromium: offline, at a phone's and a desktop's
width, every section and control present, no sideways scroll, light and fast.

Uses the session ``durham_run`` output (one real ``heart-plan run``) and one browser.
Screenshots go to ``<basetemp>/durham_screenshots*/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from heart_plan.report.plan_maps import CITYWIDE_DEFAULT_LAYERS, CITYWIDE_LAYERS
from heart_plan.report.plan_report import SECTIONS

pytestmark = [pytest.mark.durham, pytest.mark.browser, pytest.mark.timeout(300)]

PAGES = ("report.html", "map_citywide.html", "map_hours.html")
#: A phone (iPhone 12-14 size) and a laptop.
VIEWPORTS = {"phone": (390, 844), "desktop": (1440, 900)}
#: Largest report page (bytes) and first contentful paint on a phone profile (ms).
REPORT_MAX_BYTES = 1_500_000
FIRST_PAINT_MAX_MS = 2000


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("durham_screenshots")


def _assert_clean(result) -> None:
    assert result.problems() == []
    assert result.screenshot is not None and result.screenshot.stat().st_size > 10_000


def _overflow(page) -> dict:
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, view: window.innerWidth,"
        " body: document.body.scrollWidth})"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_width_offline_with_no_errors(browser, durham_run, shots, name, viewport):
    """No console or page errors (tile requests aside), nothing online but tiles, no
    horizontal scroll: the page's scroll width never exceeds the viewport's width."""
    size = VIEWPORTS[viewport]
    shot = shots / f"{viewport}_{name}.png"
    with browser.open(
        durham_run / name, screenshot=shot, viewport=size, full_page=name == "report.html"
    ) as result:
        _assert_clean(result)
        widths = _overflow(result.page)
        assert widths["scroll"] <= size[0] and widths["body"] <= size[0], widths
        html = (durham_run / name).read_text()
        assert '<script src="http' not in html and '<link href="http' not in html
        page = result.page
        if name == "report.html":
            for section in SECTIONS:
                assert page.locator(f"section#{section}").count() == 1, section
            # every table lives in its own scroll box; charts are drawn at a legible size
            assert (
                page.locator("table.hp-table").count()
                == page.locator(".hp-scroll > table.hp-table").count()
            )
            sizes = page.locator("figure.hp-chart svg.hp-svg").evaluate_all(
                "els => els.map(e => { const r = e.getBoundingClientRect(); "
                "return [r.width, r.height]; })"
            )
            assert len(sizes) >= 9  # charts + the overview map
            assert all(w >= min(size[0] - 40, 600) * 0.9 and h > 150 for w, h in sizes), sizes
            assert page.locator("#overview-map path").count() >= 35
            assert page.locator("details.hp-details").count() >= 3
            assert not page.locator("details.hp-details").first.evaluate("d => d.open")
        elif name == "map_citywide.html":
            assert page.locator(".leaflet-control-layers").count() == 1
            assert page.locator("#legend").count() == 1
        else:
            assert page.locator("#hour-selector select").count() == 1


def test_report_is_light_and_paints_fast_on_a_phone(browser, durham_run, shots):
    """At most 1.5 MB, no script at all, first content in under 2 s with a 4x slower CPU."""
    report = durham_run / "report.html"
    assert report.stat().st_size <= REPORT_MAX_BYTES
    assert "<script" not in report.read_text()
    with browser.open(
        report, viewport=VIEWPORTS["phone"], cpu_throttle=4, screenshot=shots / "phone_4x.png",
        full_page=False,
    ) as result:  # fmt: skip
        _assert_clean(result)
        paint_ms = result.page.evaluate(
            "() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
            " return e ? e.startTime : null; }"
        )
        assert paint_ms is not None and paint_ms < FIRST_PAINT_MAX_MS


def _overlay_states(page) -> dict[str, bool]:
    return dict(
        page.locator(".leaflet-control-layers-overlays label").evaluate_all(
            "els => els.map(l => [l.textContent.trim(), l.querySelector('input').checked])"
        )
    )


def _legend_visible(page) -> list[str]:
    return page.locator("#legend [data-layer]").evaluate_all(
        "els => els.filter(e => !e.classList.contains('hp-hidden')).map(e => e.textContent)"
    )


def test_citywide_layers_legend_follows_and_drawn_vectors(browser, durham_run, shots):
    with browser.open(durham_run / "map_citywide.html", screenshot=shots / "city.png") as result:
        _assert_clean(result)
        page = result.page
        states = _overlay_states(page)
        assert set(states) == set(CITYWIDE_LAYERS)
        assert {n for n, on in states.items() if on} == set(CITYWIDE_DEFAULT_LAYERS)
        # the layer control starts collapsed (a button), the city fills the map
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        legend = page.locator("#legend")
        assert legend.count() == 1
        shown = " ".join(_legend_visible(page))
        assert "Modeled" in shown and "Recommended post" in shown and "2022 pilot" in shown
        assert "min of a recommended post" not in shown and "Expansion step" not in shown
        # beats and outline are drawn as SVG paths without tiles
        assert page.locator("path.leaflet-interactive").count() >= 35
        assert page.locator(".hp-num-marker").count() == 0  # expansion steps off at start
        assert page.locator(".hp-post-marker").count() >= 2
        # turn on the steps, the drive-time areas and the equity layer: the legend follows
        for layer in (CITYWIDE_LAYERS[5], CITYWIDE_LAYERS[1], CITYWIDE_LAYERS[3]):
            page.locator(".leaflet-control-layers-overlays label", has_text=layer).locator(
                "input"
            ).evaluate("i => i.click()")
        key = json.loads((durham_run / "run.json").read_text())["key_results"]
        steps = len(key["expansion_steps"]) - 1
        assert page.locator(".hp-num-marker").count() == steps
        shown = " ".join(_legend_visible(page))
        assert "Expansion step" in shown and "min of a recommended post" in shown
        assert "census tract" in shown and "100%" in shown  # the equity layer's own scale
        # tooltips are formatted: percentages and calls a year, no raw fractions or GEOIDs
        html = (durham_run / "map_citywide.html").read_text()
        assert "a year" in html and "of its calls" in html and "Tract " in html
        page.screenshot(path=str(shots / "city_layers_on.png"))


def _select(page, hour: int, day: int | None = None) -> None:
    page.evaluate(
        """([h, d]) => {
            const div = document.querySelector('#hour-selector');
            if (d !== null) {
                const menu = div.querySelector('select');
                menu.value = String(d);
                menu.dispatchEvent(new Event('change'));
            }
            const input = div.querySelector('input');
            input.value = String(h);
            input.dispatchEvent(new Event('input'));
        }""",
        [hour, day],
    )


def _n_posts(plan: dict, k: int) -> int:
    """Distinct posts of the plan's set for ``k`` teams (several teams may share a post)."""
    sets = plan["posts"].get("")
    return len(sets[str(int(k))]) if sets and k else int(k)


def test_hours_selector_switches_hours_and_days(browser, durham_run, shots):
    plan = json.loads((durham_run / "plan_recommended.json").read_text())
    on_duty = np.asarray(plan["teams_on_duty"]).reshape(7, 24)
    staffed_any = on_duty.max(axis=0)
    with browser.open(durham_run / "map_hours.html", screenshot=shots / "hours.png") as result:
        _assert_clean(result)
        page = result.page
        selector = page.locator("#hour-selector")
        assert selector.count() == 1
        assert page.locator("#legend").count() == 1
        seen = {}
        for hour in (3, 12, 18):
            _select(page, hour)
            assert selector.get_attribute("data-selected") == str(hour)
            assert selector.get_attribute("data-day") == "-1"
            assert f"{hour:02d}:00" in selector.inner_text()
            fills = page.locator("path.leaflet-interactive").evaluate_all(
                "els => els.map(e => e.getAttribute('fill'))"
            )
            assert len(fills) >= 35
            seen[hour] = tuple(fills)
            # one marker per post of the hour's set (a post may hold two teams)
            assert page.locator(".hp-post-marker").count() == _n_posts(plan, staffed_any[hour])
        assert len(set(seen.values())) == 3  # each hour shows its own shading
        # a day: the posts staffed on that day at that hour (its team count's post set)
        for day, hour in ((0, 3), (4, 18), (6, 12)):
            _select(page, hour, day)
            assert selector.get_attribute("data-day") == str(day)
            assert "day" in selector.inner_text().split("\n")[-1]  # "Friday 18:00-18:59"
            assert page.locator(".hp-post-marker").count() == _n_posts(plan, on_duty[day, hour])
            page.screenshot(path=str(shots / f"hours_d{day}_{hour:02d}.png"))
