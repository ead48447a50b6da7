"""The sensitivity section from a hand-made sweep results table: tornado bars, robustness
statement, escaping, and the section in a report page."""

from __future__ import annotations

import pandas as pd
import pytest

from heart_plan.report.sensitivity_section import (
    assumption_of,
    robustness,
    sensitivity_html,
    tornado_bars,
)

ROWS = [
    # label, on-scene, standard, night speed, beats, reached, fte_24_7
    ("base", 45.0, 720, 1.0, 30, 0.452, 56.4),
    ("on-scene 30 min", 30.0, 720, 1.0, 30, 0.523, 48.2),
    ("on-scene 60 min", 60.0, 720, 1.0, 18, 0.409, 65.4),
    ("standard 600 s", 45.0, 600, 1.0, 30, 0.415, 56.6),
    ("<b>speeds</b> x0.8", 45.0, 720, 0.8, 18, 0.388, 57.8),
]


def _table(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "label": label, "param__units.crt.on_scene_mean_min": onscene,
                "param__response.standard_s": standard,
                "param__network.time_bands.night.speed_factor": speed,
                "recommended_beats": beats, "reached_share": reached,
                "reached_ci_low": reached - 0.01, "reached_ci_high": reached + 0.01,
                "fte_24_7": fte,
            }
            for label, onscene, standard, speed, beats, reached, fte in rows
        ]
    )  # fmt: skip


def test_bars_group_cases_by_assumption_widest_first() -> None:
    base, bars = tornado_bars(_table(), "reached_share")
    assert base == pytest.approx(0.452)
    assert [b.name for b in bars] == ["on-scene time", "drive speeds", "response standard"]
    onscene = bars[0]
    assert (onscene.low, onscene.high) == (pytest.approx(0.409), pytest.approx(0.523))
    assert (onscene.low_label, onscene.high_label) == ("on-scene 60 min", "on-scene 30 min")
    standard = bars[2]  # one case (600 s, lower): the bar runs from it to the base
    assert (standard.low_label, standard.high_label) == ("standard 600 s", "base")
    assert standard.high == pytest.approx(0.452)
    assert assumption_of({"demand.covariate": "population"}) == "demand model"


def test_robustness_names_the_cases_that_change_the_area() -> None:
    text = robustness(_table())
    assert text.startswith("The recommendation is not robust")
    assert "on-scene 60 min (18 beats)" in text and "<b>speeds</b> x0.8 (18 beats)" in text
    assert "standard 600 s" not in text
    same = [r if r[0] in ("base", "standard 600 s") else (*r[:4], 30, *r[5:]) for r in ROWS]
    assert robustness(_table(same)).startswith("The recommendation is robust")


def test_section_html_is_escaped_inline_svg() -> None:
    html = sensitivity_html(_table())
    assert html.count("<svg") == 2 and "plotly" not in html
    assert "<b>" not in html and "&lt;b&gt;speeds&lt;/b&gt; x0.8" in html
    assert "base 45.2%" in html and "base 56.4 FTE" in html
    with pytest.raises(ValueError, match="needs a 'base' case"):
        sensitivity_html(_table()[1:])
