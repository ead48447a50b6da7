"""Report links point only at pages beside the report."""

from __future__ import annotations

import pytest

from heart_plan.report.html import ReportBuilder


def test_links_render_escaped_relative_pages() -> None:
    report = ReportBuilder("t")
    report.section("maps", "Maps").links([("Citywide <map>", "map_citywide.html")])
    html = report.to_html()
    assert "<a href='map_citywide.html'>Citywide &lt;map&gt;</a>" in html


@pytest.mark.parametrize("href", ["https://example.org/x.html", "../secret.html", "javascript:x"])
def test_links_refuse_anything_but_a_relative_page(href: str) -> None:
    with pytest.raises(ValueError, match="plain relative file name"):
        ReportBuilder("t").section("maps", "Maps").links([("x", href)])
