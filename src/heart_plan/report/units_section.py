"""Report section: all four HEART units (hours, teams, FTE, cost, calls per unit), the CCD
staffing curve and 911 answer-time effect, the CN workload; the published figures beside
them as sanity references (never tuned to), and the assumptions each figure rests on.

One function, :func:`units_section_html`, returns the section's HTML (self-contained,
escaped, the report's ``hp-table`` classes); the plan report hooks it in with one line.
"""

from __future__ import annotations

import math

import pandas as pd

from heart_plan.report.escape import escape_text
from heart_plan.report.html import dataframe_html
from heart_plan.staffing.unit_reference import PUBLISHED, PublishedFigure
from heart_plan.staffing.units_view import UnitsView

SECTION_ID = "units"


def _model_value(view: UnitsView, fig: PublishedFigure) -> float:
    rows = {r.unit: r for r in view.rows}
    if fig.unit == "heart" and fig.measure == "reached_share":
        return view.served_share
    if fig.unit in rows and fig.measure == "reached_share_of_unit_eligible":
        row = rows[fig.unit]
        value = row.reached_share_of_unit_eligible
        return row.served_share_of_unit_eligible if math.isnan(value) else value
    if fig.unit == "911" and view.calltaker is not None:
        seconds = 10.0 if fig.measure.endswith("10s") else 15.0
        return view.calltaker.within_share_after.get(seconds, math.nan)
    return math.nan


def _model_text(view: UnitsView, fig: PublishedFigure) -> str:
    rows = {r.unit: r for r in view.rows}
    if fig.measure == "hours":
        if fig.unit in rows:
            return f"{rows[fig.unit].hours} {rows[fig.unit].days}"
        starts = [r.hours[:5] for r in view.rows]
        return f"earliest start {min(starts)}" if starts else ""
    value = _model_value(view, fig)
    if math.isnan(value):
        return ""
    what = ""
    if fig.unit == "heart":
        what = " served (CRT + CoR, no drive times)"
    elif fig.unit in rows and math.isnan(rows[fig.unit].reached_share_of_unit_eligible):
        what = " served (no drive times)"
    return f"{100 * value:.1f}%{what}"


def published_comparison(view: UnitsView) -> pd.DataFrame:
    """``unit, published, model, source``: each published figure beside the model's."""
    return pd.DataFrame(
        [
            {"unit": f.unit, "published": f.text, "model": _model_text(view, f), "source": f.source}
            for f in PUBLISHED
        ]
    )


def units_section_html(view: UnitsView) -> str:
    """The "All four HEART units" section as an HTML ``<section>`` string."""
    table = view.table()
    cols = [
        "unit", "label", "hours", "days", "teams_or_staff", "teams_basis",
        "position_hours_per_week", "fte", "cost_per_year_usd", "eligible_calls_per_year",
        "handled_calls_per_year", "served_share_of_unit_eligible",
        "reached_share_of_unit_eligible",
    ]  # fmt: skip
    parts = [
        f"<section id='{SECTION_ID}'><h2>All four HEART units</h2>",
        "<p>Community Response (CRT) and Co-Response (CoR) teams drive to calls; Crisis Call "
        "Diversion (CCD) clinicians resolve calls by phone inside the 911 center; Care "
        "Navigators (CN) follow up within the deadline. Field units are counted as "
        "<em>served</em> here (loss models with the other type's overflow, no drive times); "
        "calls resolved by phone are <code>resolved_by_phone_share</code> and are never "
        "added to served or reached.</p>",
        f"<p>Citywide: served_share {100 * view.served_share:.1f}% (CRT + CoR), "
        f"resolved_by_phone_share {100 * view.resolved_by_phone_share:.1f}%; all units "
        f"{table['fte'].iloc[-1]:.1f} FTE, ${table['cost_per_year_usd'].iloc[-1]:,.0f} a year.</p>",
        dataframe_html(
            table[cols], caption="Per unit: hours, teams or staff, FTE, cost, calls",
            percent_cols=("served_share_of_unit_eligible", "reached_share_of_unit_eligible"),
        ),
        dataframe_html(
            published_comparison(view),
            caption="Published figures: sanity references, never tuned to",
        ),
    ]  # fmt: skip
    if view.ccd_curve is not None:
        parts.append(
            dataframe_html(
                view.ccd_curve,
                caption="CCD staffing curve: clinicians needed per service level (Erlang A)",
                decimals=1,
                percent_cols=(
                    "service_level",
                    "reached_share_of_unit_eligible",
                    "resolved_by_phone_share_of_eligible",
                ),
            )  # fmt: skip
        )
    if view.calltaker is not None:
        c = view.calltaker
        parts.append(
            "<h3>Will these new responses slow down 911?</h3>"
            f"<p>Each call routed to CCD adds {c.added_calltaker_s_per_routed_call:g} s of "
            f"call-taker time: {c.added_calltaker_s_per_911_call:.2f} s per 911 call on "
            f"average ({c.routed_calls_per_year:,.0f} routed calls a year).</p>"
        )
        parts.append(
            dataframe_html(
                c.summary_rows(),
                caption="Share of 911 calls answered within t seconds, before and with CCD "
                "(Erlang A per hour of week)",
                decimals=0,
                percent_cols=("share_before", "share_after", "change"),
            )
        )
    if view.cn is not None:
        cn = view.cn
        met = "met" if cn.check.deadline_met else "NOT met"
        parts.append(
            f"<h3>Care Navigators</h3><p>{cn.follow_ups_per_year:,.0f} follow-ups a year, "
            f"{cn.workload_h_per_week:,.1f} navigator-hours of work a week; "
            f"{cn.navigators_on_duty} navigators on duty; the {cn.deadline_h:g}-hour deadline "
            f"is {met} ({100 * cn.check.on_time_share:.1f}% on time, slowest "
            f"{cn.check.worst_completion_h:.1f} h).</p>"
        )
    keys = sorted(set(view.assumptions()["scenario_key"]))
    parts.append(
        "<p>Assumptions these figures rest on (scenario keys; no data behind them): "
        + ", ".join(f"<code>{escape_text(k)}</code>" for k in keys)
        + ".</p></section>"
    )
    return "".join(parts)
