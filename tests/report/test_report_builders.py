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
from heart_plan.report.html import ReportBuilder, column_label, dataframe_html


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


def test_report_page_offline_deterministic_svg_charts_no_script(tmp_path):
    a = build_toy_report(tmp_path / "a.html").read_text()
    b = build_toy_report(tmp_path / "b.html").read_text()
    assert a == b
    assert external_resources(a) == []
    assert SCRIPT_LABEL not in a and IMG_LABEL not in a
    assert "<script" not in a  # inline SVG charts: no bundle, no script at all
    assert a.count("<svg class='hp-svg'") == 3
    assert len(a) < 60_000
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
    chart = charts.hour_of_week_heatmap(list(range(168)), title="t", decimals=0)
    titles = re.findall(r"<title>([^<]*)</title>", chart.svg)
    assert len(titles) == 168
    assert titles[0] == "Monday 00:00: 0 calls per year"  # bin 0 = Monday 00:00
    assert titles[-1] == "Sunday 23:00: 167 calls per year"
    # darker for larger values: the first cell is the lightest colour, the last the darkest
    fills = re.findall(r"<rect [^>]*fill='(#[0-9a-f]{6})'", chart.svg)
    assert fills[0] == charts.color_ramp(0.0) and fills[-1] == charts.color_ramp(1.0)
    with pytest.raises(ValueError, match="168"):
        charts.hour_of_week_heatmap(list(range(24)), title="t")


def test_line_chart_scales_points_and_formats_tooltips():
    frame = pd.DataFrame({"teams": [1, 2, 4], "reached": [0.25, 0.5, 1.0]})
    chart = charts.line_chart(
        frame, x="teams", y="reached", title="t", x_title="teams", y_title="share",
        names=["reached"], percent=True,
    )  # fmt: skip
    cy = [float(v) for v in re.findall(r"<circle cx='[^']+' cy='([^']+)'", chart.svg)]
    cx = [float(v) for v in re.findall(r"<circle cx='([^']+)'", chart.svg)]
    # plot area: x 46..390, y 10 (100%) .. 190 (0%) in the 400 x 230 viewBox
    assert cy == pytest.approx([190 - 0.25 * 180, 190 - 0.5 * 180, 10.0], abs=0.06)
    assert cx == pytest.approx([46.0, 46 + 344 / 3, 390.0], abs=0.06)
    assert "reached - teams 4: 100.0%" in chart.svg
    assert chart.legend == ((charts.COLORS[0], "reached"),)


def test_column_labels_have_no_raw_names():
    assert column_label("eligible_calls_per_year") == "eligible calls per year"
    assert column_label("reached_share__pilot_2022") == "reached share: pilot 2022"
    out = dataframe_html(pd.DataFrame({"cost_per_year_usd": [1.0], "length_h": [2]}))
    assert "cost per year (&#36;)" in out and "length (h)" in out and "_" not in out
    assert out.startswith("<div class='hp-scroll'>")  # wide tables scroll in their own box


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
