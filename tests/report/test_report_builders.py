"""Map and report building blocks without a browser: structure, escaping, determinism."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_toy import (
    BAD,
    IMG_LABEL,
    SCRIPT_LABEL,
    build_toy_hours_map,
    build_toy_map,
    build_toy_report,
)

from heart_plan.report import charts, maps
from heart_plan.report.assets import external_resources
from heart_plan.report.html import ReportBuilder, dataframe_html


def _script_count(page: str) -> int:
    return len(re.findall(r"<script\b", page, flags=re.IGNORECASE))


def test_toy_map_is_offline_deterministic_and_escaped(tmp_path):
    a = build_toy_map(tmp_path / "a.html").read_text()
    b = build_toy_map(tmp_path / "b.html").read_text()
    assert a == b
    assert external_resources(a) == []
    assert SCRIPT_LABEL not in a and IMG_LABEL not in a
    assert "cdn.jsdelivr" not in a and "code.jquery.com" not in a
    # Only folium's inline scripts; the hostile labels add none.
    assert _script_count(a) == _script_count(build_toy_map(tmp_path / "c.html").read_text())


def test_hours_map_has_24_hidden_groups_and_selector(tmp_path):
    page = build_toy_hours_map(tmp_path / "hours.html").read_text()
    assert page.count("feature_group_") > 24
    assert '"hour-selector"' in page


def test_report_page_offline_deterministic_single_plotlyjs(tmp_path):
    a = build_toy_report(tmp_path / "a.html").read_text()
    b = build_toy_report(tmp_path / "b.html").read_text()
    assert a == b
    assert external_resources(a) == []
    assert SCRIPT_LABEL not in a and IMG_LABEL not in a
    assert a.count("plotly.js v") == 1  # bundle banner: inlined once for three figures
    for section_id in ("summary", "curves", "assumptions", "provenance"):
        assert f"<section id='{section_id}'>" in a


def test_report_section_ids_validated():
    report = ReportBuilder("t")
    report.section("ok-1", "OK")
    with pytest.raises(ValueError, match="already used"):
        report.section("ok-1", "again")
    with pytest.raises(ValueError, match="lowercase"):
        report.section("Bad id", "x")


def test_dataframe_html_formats_and_escapes():
    out = dataframe_html(
        pd.DataFrame({"name": [BAD], "calls": [1234.56], "share": [0.125]}), percent_cols=["share"]
    )
    assert "1,234.6" in out and "12.5%" in out and "<img" not in out


def test_heatmap_shape_checked_and_days_ordered():
    fig = charts.hour_of_week_heatmap(list(range(168)), title="t")
    assert list(fig.data[0].y) == list(charts.DAY_NAMES)
    assert fig.data[0].z[0][0] == 0 and fig.data[0].z[6][23] == 167  # Monday 00:00 .. Sunday 23:00
    with pytest.raises(ValueError, match="168"):
        charts.hour_of_week_heatmap(list(range(24)), title="t")


def test_helpers_reject_bad_input():
    m = maps.new_map((36.0, -78.9), 12)
    with pytest.raises(ValueError, match="color"):
        maps.add_numbered_markers(
            m, [(36.0, -78.9)], ["1"], name="x", color="red;background:url(x)"
        )
    with pytest.raises(ValueError, match="labels"):
        maps.add_numbered_markers(m, [(36.0, -78.9)], ["1", "2"], name="x")
    with pytest.raises(ValueError, match="element_id"):
        maps.add_legend(m, "t", element_id="bad id")
