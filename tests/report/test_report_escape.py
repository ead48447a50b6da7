"""Escaping of data-derived strings (heart_plan.report.escape)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from heart_plan.report.escape import (
    escape_text,
    format_value,
    html_table_rows,
    json_for_script,
    sanitize_properties,
)


def test_escape_text_html_and_template_literal_characters():
    assert (
        escape_text("</script><script>alert(1)</script>")
        == "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert escape_text("<img src=x onerror=alert(2)>") == "&lt;img src=x onerror=alert(2)&gt;"
    assert escape_text("a & \"b\" 'c'") == "a &amp; &quot;b&quot; &#x27;c&#x27;"
    assert escape_text("${x} `y` \\u") == "&#36;{x} &#96;y&#96; &#92;u"
    assert escape_text(None) == ""
    assert escape_text(float("nan")) == ""
    assert escape_text(12) == "12"


def test_format_value():
    assert format_value(1234567) == "1,234,567"
    assert format_value(np.int64(42)) == "42"
    assert format_value(1234.567, decimals=1) == "1,234.6"
    assert format_value(np.float64(0.5), decimals=2) == "0.50"
    assert format_value(None) == "\u2013"
    assert format_value(float("nan")) == "\u2013"
    assert format_value(True) == "yes"
    assert format_value("<b>") == "&lt;b&gt;"


def test_html_table_rows_escapes_labels_and_values():
    out = html_table_rows({"<b>Beat</b>": "<i>111</i>", "Calls": 1500})
    assert "<b>" not in out and "<i>" not in out
    assert "&lt;b&gt;Beat&lt;/b&gt;" in out and "1,500" in out


def test_json_for_script_has_no_closing_tag_and_round_trips():
    obj = {"label": "</script><!-- x & y >", "n": 3}
    text = json_for_script(obj)
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert json.loads(text) == obj


def test_sanitize_properties_escapes_text_keeps_numbers():
    frame = gpd.GeoDataFrame(
        {
            "beat_id": ["<b>1</b>", None],
            "calls": [1.5, np.nan],
            "n": [1, 2],
            "kind": pd.Categorical(["a&b", "c"]),
            "when": pd.to_datetime(["2021-01-02", None]),
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs=4326,
    )
    out = sanitize_properties(frame)
    assert out["beat_id"].iloc[0] == "&lt;b&gt;1&lt;/b&gt;" and pd.isna(out["beat_id"].iloc[1])
    assert out["calls"].dtype.kind == "f" and out["n"].dtype.kind == "i"
    assert out["kind"].tolist() == ["a&amp;b", "c"]
    assert out["when"].iloc[0] == "2021-01-02T00:00:00" and pd.isna(out["when"].iloc[1])
    assert out.geometry.equals(frame.geometry)
    assert frame["beat_id"].iloc[0] == "<b>1</b>"  # input untouched
