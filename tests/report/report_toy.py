"""Toy pages built with heart_plan.report building blocks (shared by the report tests)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from heart_plan.report import charts, maps
from heart_plan.report.html import ReportBuilder

SCRIPT_LABEL = "</script><script>alert(1)</script>"
IMG_LABEL = "<img src=x onerror=alert(2)>"
BAD = f"{SCRIPT_LABEL} {IMG_LABEL}"
LAYER_NAMES = (
    "Eligible calls per year",
    "2022 pilot area",
    "Drive-time isochrones",
    "Expansion steps",
    "Team posts",
    "Unreachable demand",
)


def toy_beats() -> gpd.GeoDataFrame:
    """Two 2 km beats side by side in Durham; the second is modeled and has a hostile id."""
    return gpd.GeoDataFrame(
        {
            "beat_id": ["111", BAD],
            "calls_per_year": [120.0, 45.0],
            "basis": ["observed", "modeled"],
        },
        geometry=[box(-78.92, 35.98, -78.90, 36.00), box(-78.90, 35.98, -78.88, 36.00)],
        crs=4326,
    )


def build_toy_map(path: Path) -> Path:
    beats = toy_beats()
    m = maps.new_map((35.99, -78.90), 14)
    scale = maps.color_scale(beats["calls_per_year"])
    maps.add_choropleth_layer(
        m,
        beats,
        "calls_per_year",
        name=LAYER_NAMES[0],
        tooltip_fields=["beat_id", "calls_per_year"],
        aliases=["Beat", "Calls / year"],
        colormap=scale,
        style_by="basis",
    )
    maps.add_outline_layer(m, beats.iloc[[0]], name=LAYER_NAMES[1], color="#1f4e9c")
    iso = gpd.GeoDataFrame(
        {"post": ["P1"]}, geometry=[Point(-78.91, 35.99).buffer(0.006)], crs=4326
    )
    maps.add_isochrones(m, iso, name=LAYER_NAMES[2], tooltip_fields=["post"], aliases=["Post"])
    maps.add_numbered_markers(
        m,
        [(35.995, -78.915), (35.985, -78.885)],
        ["1", BAD],
        name=LAYER_NAMES[3],
        tooltips=["Step 1", BAD],
        popups=["Step 1", BAD],
    )
    maps.add_post_markers(
        m,
        pd.DataFrame({"lat": [35.99], "lon": [-78.91]}),
        name=LAYER_NAMES[4],
        tooltips=[BAD],
        popup_rows=[{"Teams": 2, BAD: 1234}],
    )
    pts = gpd.GeoDataFrame(
        {"calls": [1.0, 9.0], "label": [BAD, "node 7"]},
        geometry=[Point(-78.895, 35.995), Point(-78.885, 35.99)],
        crs=4326,
    )
    maps.add_points_layer(
        m, pts, name=LAYER_NAMES[5], size_col="calls", tooltip_fields=["label", "calls"]
    )
    maps.add_legend(m, "Eligible calls per year", maps.BASIS_LEGEND, colormap=scale)
    maps.add_legend(m, BAD, [(BAD, "#333333")], element_id="legend-hostile", position="bottomleft")
    maps.add_layer_control(m)
    return maps.save_map(m, path)


def build_toy_hours_map(path: Path) -> Path:
    beats = toy_beats()
    m = maps.new_map((35.99, -78.90), 14, tiles=None)
    groups = maps.add_hour_selector(
        m, [f"{h:02d}:00" for h in range(24)], title="Hour of day", initial=8
    )
    for hour, group in enumerate(groups):
        frame = beats.assign(
            calls_per_year=beats["calls_per_year"] * (1 + np.sin(hour / 24 * 2 * np.pi))
        )
        maps.add_choropleth_layer(
            group,
            frame,
            "calls_per_year",
            name=f"hour {hour}",
            colormap=maps.color_scale([0, 240]),
            tooltip_fields=["beat_id"],
        )
    maps.add_legend(m, "Calls at this hour", colormap=maps.color_scale([0, 240]))
    return maps.save_map(m, path)


def build_toy_report(path: Path) -> Path:
    report = ReportBuilder("Toy plan " + BAD, subtitle="Toy subtitle", footer="toy footer")
    summary = report.section("summary", "Summary")
    summary.paragraph("Label " + BAD).key_figures(
        {"Eligible calls per year": 12345, "Reached": "61.2%"}
    )
    summary.note("Modeled, not observed: " + BAD)
    summary.figure(
        charts.hour_of_week_heatmap(np.arange(168.0), title="Calls by hour of week"), caption=BAD
    )
    curves = report.section("curves", "Expansion and hours")
    curve = pd.DataFrame({"teams": [1, 2, 3], "reached": [0.3, 0.5, 0.62]})
    curves.figure(
        charts.line_chart(
            curve,
            x="teams",
            y="reached",
            names=[BAD],
            title="Reached share",
            x_title="teams",
            y_title="share",
            percent=True,
            hlines=[(0.9, "target")],
        )
    )
    curves.figure(
        charts.bar_chart(
            pd.DataFrame({"group": [BAD, "b"], "cur": [0.4, 0.5]}),
            x="group",
            y="cur",
            title="Equity",
            x_title="group",
            y_title="share",
            percent=True,
        )
    )
    curves.table(
        pd.DataFrame({"beat_id": [BAD, "112"], "calls": [1234.5, 7.0], "share": [0.5, 0.25]}),
        caption="Beats",
        percent_cols=["share"],
    )
    report.assumptions({"Response standard": "12 minutes' drive", BAD: BAD})
    report.provenance(
        pd.DataFrame({"file": ["calls.csv"], "vintage": ["2021"], "sha256": ["ab12"]})
    )
    return report.save(path)
