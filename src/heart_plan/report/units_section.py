"""Report section: all four HEART units (hours, teams, FTE, cost, calls per unit), the CCD
staffing curve and 911 answer-time effect, the CN workload; the published figures beside
them as sanity references (never tuned to), and the assumptions each figure rests on.

One function, :func:`units_section_html`, returns the section's HTML (self-contained,
escaped, the report's ``hp-table`` classes); the plan report hooks it in with one line.
"""

from __future__ import annotations

import math

import pandas as pd

from heart_plan.planning.results import UnitsOutcome
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
    parts += _ccd_cn_parts(view)
    keys = sorted(set(view.assumptions()["scenario_key"]))
    parts.append(
        "<p>Assumptions these figures rest on (scenario keys; no data behind them): "
        + ", ".join(f"<code>{escape_text(k)}</code>" for k in keys)
        + ".</p></section>"
    )
    return "".join(parts)


def _ccd_cn_parts(view: UnitsView) -> list[str]:
    """The CCD staffing curve, the 911 answer-time effect and the CN workload."""
    parts: list[str] = []
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
    return parts


def _run_model_text(units: UnitsOutcome, fig: PublishedFigure) -> str:
    by = {u.unit: u for u in units.units}
    if fig.measure == "hours":
        if fig.unit in by:
            return by[fig.unit].hours
        return "earliest start " + min(u.hours[:5] for u in units.units)
    if fig.unit == "heart" and fig.measure == "reached_share":
        return (
            f"{100 * units.reached_share_simulated.mean:.1f}% simulated (CRT + CoR within the "
            f"standard; {100 * units.reached_share_predicted:.1f}% predicted)"
        )
    if fig.unit in by and fig.measure == "reached_share_of_unit_eligible":
        u = by[fig.unit]
        sim = u.reached_share_of_unit_eligible_simulated
        text = f"{100 * u.reached_share_of_unit_eligible_predicted:.1f}% predicted"
        if sim is not None:
            text += f", {100 * sim.mean:.1f}% simulated"
        return text + (" (answered by a clinician)" if u.role == "phone" else "")
    return _model_text(units.view, fig)


def units_run_section_html(units: UnitsOutcome) -> str:
    """The body of the run report's "All four HEART units" section (``build_report`` hooks
    it in with ``html_section``) from the typed per-unit result.
    """
    rows = [
        {
            "unit": u.unit, "label": u.label, "hours": u.hours, "teams_or_staff": u.teams_or_staff,
            "fte": u.fte, "cost_per_year_usd": u.cost_per_year_usd,
            "eligible_calls_per_year": u.eligible_calls_per_year,
            "reached_share_of_unit_eligible predicted": u.reached_share_of_unit_eligible_predicted,
            "reached_share_of_unit_eligible simulated": math.nan
            if u.reached_share_of_unit_eligible_simulated is None
            else u.reached_share_of_unit_eligible_simulated.mean,
            "resolved_by_phone_share": u.resolved_by_phone_share,
            "deadline met": "" if u.deadline_met is None else ("yes" if u.deadline_met else "NO"),
            "FTE counted as": u.fte_basis,
        }
        for u in units.units
    ]  # fmt: skip
    rows.append(
        {"unit": "all", "label": "all four units (budget view)", "fte": units.total_fte,
         "cost_per_year_usd": units.total_cost_per_year_usd}
    )  # fmt: skip
    table = pd.DataFrame(rows)
    sim = units.reached_share_simulated
    published = pd.DataFrame(
        [
            {"unit": f.unit, "published": f.text, "model": _run_model_text(units, f),
             "source": f.source}
            for f in PUBLISHED
        ]
    )  # fmt: skip
    parts = [
        "<p>The recommended CRT plan (optimized within the CRT FTE budget) with Co-Response "
        "(CoR: posts from the same placement layer on its eligible calls, hours from a "
        "least-cost roster of its configured cover), simulated together: a call goes to "
        "CRT, to CoR when CRT is busy or off duty (or when it is higher-risk), else to "
        "police. Crisis Call Diversion (CCD) resolves calls by phone (the resolved-by-phone "
        "share, never counted as reached); Care Navigators "
        "(CN) follow up within the deadline. Every FTE is counted by the roster convention "
        "(crews x crew x relief).</p>",
        f"<p>CRT + CoR reach {100 * sim.mean:.1f}% of citywide eligible calls within the "
        f"standard (simulated, 95% CI {100 * sim.ci_low:.1f}-{100 * sim.ci_high:.1f}%; "
        f"{100 * units.reached_share_predicted:.1f}% predicted by one loss hypercube per "
        f"unit with CRT's overflow as CoR's arrivals); CCD resolves "
        f"{100 * units.resolved_by_phone_share:.1f}% by phone. All four units: "
        f"{units.total_fte:.1f} FTE, ${units.total_cost_per_year_usd:,.0f} a year.</p>",
        dataframe_html(
            table, caption="Per unit: hours, staff, FTE, cost, its own reached share",
            percent_cols=(
                "reached_share_of_unit_eligible predicted",
                "reached_share_of_unit_eligible simulated", "resolved_by_phone_share",
            ),
        ),
        dataframe_html(
            published,
            caption="Published figures: sanity references, never tuned to",
        ),
        *_ccd_cn_parts(units.view),
        "<p>The higher-risk flag of each call is a seeded draw at the configured higher-risk "
        "share (the data has no weapon or violence flags); CCD's phone resolutions are not "
        "removed from the calls the field units receive; CN's workload uses the units view's "
        "served calls. Every scenario key these figures rest on is listed under "
        "Assumptions.</p>",
    ]  # fmt: skip
    return "".join(parts)


def units_assumption_keys(units: UnitsOutcome) -> list[str]:
    """Every scenario key (an ASSUMPTION) the units' figures rest on, sorted."""
    keys = {k for u in units.units for k in u.assumptions}
    return sorted(keys | set(units.view.assumptions()["scenario_key"]))
