"""``report.html``: plain-language answers to the department's FAQ questions, with the
figures, charts, tables, assumptions, data provenance and what is modeled.

Every number comes from the typed ``planning.results.RunResult``; measure names follow
CONVENTIONS.md (*covered* = optimizer, *served* / *reached* = loss model and simulation).
One function per FAQ section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from heart_plan.report import charts, units_section
from heart_plan.report.demand_section import add_demand_section
from heart_plan.report.escape import escape_text
from heart_plan.report.html import ReportBuilder
from heart_plan.report.overview_map import overview_svg
from heart_plan.report.places import post_names
from heart_plan.report.roster_section import roster_section
from heart_plan.report.sensitivity_section import sensitivity_html
from heart_plan.report.summary_section import add_summary

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult

SECTIONS = (
    "summary", "where", "why-not-citywide", "area-selection", "hours", "roster", "why-not-24-7",
    "verification", "equity", "modeled", "demand-provenance", "glossary", "technical",
    "assumptions", "provenance",
)  # fmt: skip

#: Plain names of the reported plans.
PLAN_LABELS = {"pilot_2022": "2022 pilot", "current": "today (current)",
               "recommended": "recommended"}  # fmt: skip


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _sim(result: RunResult, plan: str, measure: str) -> float:
    return result.plans[plan].simulated(measure).mean


def _label(name: str) -> str:
    return PLAN_LABELS.get(name, name.replace("_", " "))


def build_report(
    result: RunResult,
    *,
    provenance: pd.DataFrame,
    run_label: str,
    sensitivity: pd.DataFrame | None = None,
) -> ReportBuilder:
    """The report page (save with ``.save(path)``): the summary, one section per FAQ
    question, sections added by other modules (the sensitivity section when a sweep's
    ``sensitivity`` results table is given), the glossary, a collapsed technical appendix,
    the assumptions and the data provenance.
    """
    s = result.ctx.scenario
    r = ReportBuilder(
        "HEART Community Response Teams: where, when and how many",
        subtitle=(
            f"Durham Community Safety Department - scenario '{s.name}', eligible 911 calls "
            f"calibrated to {s.demand.calibration_year} published totals"
        ),
        footer=run_label,
    )
    for section in (
        _summary, _where, _why_not_citywide, _area_selection, _hours, roster_section,
        _why_not_24_7, _verification, _equity, _modeled, add_demand_section,
    ):  # fmt: skip
        section(r, result)
    # Sections from their own modules (report/<topic>_section.py), one line each:
    # r.html_section("<id>", "<heading>", <topic>_section.<function>(result))
    if result.units is not None:
        r.html_section(units_section.SECTION_ID, "All four HEART units",
                       units_section.units_run_section_html(result.units))  # fmt: skip
    if sensitivity is not None:
        r.section("sensitivity", "How sensitive is the answer?").html(sensitivity_html(sensitivity))
    _glossary(r)
    _technical(r, result)
    r.assumptions(_assumptions(result), intro="These are assumptions, not data.")
    r.provenance(provenance)
    return r


def _summary(r: ReportBuilder, result: RunResult) -> None:
    """Section 'summary': the headline numbers in words, each tagged with its run-result
    path (``summary_section``).
    """
    sec = r.section("summary", "Summary")
    add_summary(sec, result)


def _where(r: ReportBuilder, result: RunResult) -> None:
    """Section 'where': Where do these units operate?"""
    ctx = result.ctx
    pilot = result.pilot.plan
    cur = result.current.plan
    rec = result.recommended.plan
    sec = r.section("where", "Where do these units operate?")
    sec.paragraph(
        f"Today: {_area_text(cur, ctx)}, since October 2023. The 2022 pilot served "
        f"{len(pilot.service_area_beats)} beats ({', '.join(pilot.service_area_beats)}). "
        f"Recommended: {_area_text(rec, ctx)}. Teams wait at posts between calls. For each "
        f"number of teams on duty, the posts are chosen among {len(ctx.sites):,} candidate "
        f"sites (fire stations and street intersections) to reach the most calls, allowing "
        f"for teams that are busy on another call. Real post locations are not public, so "
        f"every plan's posts are chosen by the model."
    )
    sec.html(overview_svg(result))
    names = post_names(result)
    posts = pd.DataFrame(
        [
            {"plan": _label(name), "order": i + 1, "place": names.get(p.site_id) or "-",
             "coordinates (lat, lon)": f"{p.lat:.5f}, {p.lon:.5f}"}
            for name, outcome in result.plans.items()
            for i, p in enumerate(outcome.posts())
        ]
    )  # fmt: skip
    sec.table(
        posts,
        caption="Posts with the most teams on duty (teams fill posts in this order; place = "
        "nearest intersection or fire station)",
    )
    sec.links(
        [
            ("Interactive map: beats, service area, expansion order, posts and drive-time areas",
             "map_citywide.html"),
            ("Interactive map: eligible calls and staffed posts by day and hour",
             "map_hours.html"),
        ]
    )  # fmt: skip


def _why_not_citywide(r: ReportBuilder, result: RunResult) -> None:
    """Section 'why-not-citywide': Why don't all units operate citywide - will they ever?"""
    s = result.ctx.scenario
    target = s.budget.target_reached_share
    minutes = s.response.standard_s / 60
    sec = r.section("why-not-citywide", "Why don't all units operate citywide - will they ever?")
    roadmap = result.roadmap
    t = result.target
    peak = (
        f"{t.around_the_clock.peak_teams} teams"
        if t.around_the_clock is not None
        else f"more than {t.max_teams} teams"
    )
    sec.paragraph(
        f"A team can only reach calls near its post. Three team counts answer three "
        f"questions, so they differ. To put every call of the busiest hour within "
        f"{minutes:.0f} minutes of a post and serve {s.budget.served_share_target:.0%} of "
        f"that hour's calls takes {int(roadmap['teams'].iloc[0])} teams for the pilot area "
        f"(spatially {int(roadmap['teams_spatial'].iloc[0])}, by workload "
        f"{int(roadmap['teams_workload'].iloc[0])}) and {int(roadmap['teams'].iloc[-1])} "
        f"citywide (the roadmap's sizing). To reach {target:.0%} of the year's calls with the "
        f"same teams in every hour takes {peak} (the curve below). Held to the budget, the "
        f"recommended plan staffs up to {result.recommended.max_teams} teams. Each roadmap step "
        f"adds the adjacent beat with the most eligible calls reachable within "
        f"{minutes:.0f} minutes."
    )
    sec.figure(
        charts.line_chart(
            roadmap,
            x="step",
            y=["cumulative_share"],
            names=["share of citywide calls in area"],
            title="Expansion roadmap: share of citywide eligible calls inside the area",
            x_title="step (beats added to the pilot)",
            y_title="share",
            percent=True,
        )  # fmt: skip
    )
    curve = result.curve
    sec.figure(
        charts.line_chart(
            curve,
            x="teams",
            y=["reached_share", "served_share", "covered_share"],
            names=[
                "reached within the standard (queue model)",
                "served (queue model)",
                "covered (a post within the standard, teams never busy)",
            ],
            title="Citywide share of eligible calls with the same teams on duty every hour",
            x_title="teams on duty",
            y_title="share of citywide calls",
            percent=True,
            hlines=[(target, f"target {target:.0%}")],
        )  # fmt: skip
    )
    sec.paragraph(_target_text(result))
    cands = result.candidates
    rec = result.recommended
    reps = int(cands["replications"].iloc[0]) if len(cands) else 0
    sec.paragraph(
        f"Within the budget of {s.budget.crt_fte:.0f} FTE, a larger area always serves more "
        f"calls, but not always more calls within {minutes:.0f} minutes: the same teams spread "
        f"over more beats are busier and farther away. Each candidate area below was given its "
        f"best shifts and posts and replayed against a year of calls ({reps} replications "
        f"each, the same random draws for every candidate so that they compare fairly); "
        f"{len(rec.plan.service_area_beats)} beats are recommended. "
        + _margin_text(result)
        + _rostered_text(result)
    )
    if result.excluded_beats:
        sec.paragraph(
            f"The recommended area leaves out {len(result.excluded_beats)} beats: "
            f"{', '.join(result.excluded_beats)}."
        )
    sec.figure(
        charts.line_chart(
            cands,
            x="beats",
            y=["served_share", "reached_share"],
            names=["served (simulated)", "reached within the standard (simulated)"],
            title=f"Same budget ({s.budget.crt_fte:.0f} FTE), growing service area",
            x_title="beats in the service area (roadmap order)",
            y_title="share of citywide calls",
            percent=True,
        )  # fmt: skip
    )
    table = cands.assign(
        reached=[f"{a:.1%} [{b:.1%}, {c:.1%}]" for a, b, c in
                 zip(cands["reached_share"], cands["reached_ci_low"], cands["reached_ci_high"],
                     strict=True)],
    )[["beats", "last_beat_added", "teams_max", "fte", "cost_per_year_usd", "served_share",
       "reached", "recommended"]].rename(
        columns={"last_beat_added": "last beat added", "teams_max": "most teams on duty",
                 "fte": "FTE", "cost_per_year_usd": "cost per year ($)",
                 "served_share": "served (simulated)",
                 "reached": "reached (simulated, 95% CI)"})  # fmt: skip
    sec.table(
        table,
        caption="Candidate areas for the recommended plan (same budget, comparison runs)",
        percent_cols=["served (simulated)"],
        decimals=1,
    )
    sec.details("The expansion roadmap, step by step", sec.scratch().table(
        roadmap[["step", "beat_added", "district", "calls_added_per_year", "cumulative_share",
                 "teams_spatial", "teams_workload", "teams", "marginal_calls_per_added_team"]]
        .rename(columns={"marginal_calls_per_added_team": "calls per added team",
                         "beat_added": "beat added",
                         "calls_added_per_year": "calls added per year",
                         "cumulative_share": "share of citywide calls in the area",
                         "teams_spatial": "teams to cover the area",
                         "teams_workload": "teams for the workload",
                         "teams": "teams needed"}),
        caption="Expansion roadmap (step 0 = the pilot area)",
        percent_cols=["share of citywide calls in the area"],
    ))  # fmt: skip


def _rostered_text(result: RunResult) -> str:
    """How the recommended plan's headline relates to its row in the candidates table: the
    candidates are compared with the shift planner's schedules; the chosen area is then
    rostered (named crews), and the headline is that roster's own simulation.
    """
    cands, rec = result.candidates, result.recommended
    row = cands[cands["recommended"].astype(bool)] if len(cands) else cands
    sims = f"its own simulation ({rec.simulation.replications} replications)"
    if result.roster is None or not len(row):
        return (
            f" The recommended plan's headline figure ({_pct(rec.reached_share)} reached) comes "
            f"from {sims}, so it can differ from its comparison row in the last digit."
        )
    cand = float(row["reached_share"].iloc[0])
    gap_pt = (cand - rec.reached_share) * 100
    price = (
        f"{gap_pt:.1f} points more than the roster: the price of a schedule crews can work"
        if gap_pt > 0
        else f"{-gap_pt:.1f} points fewer than the roster"
    )
    return (
        f" The candidates are compared with the shift optimizer's schedules, which no crew "
        f"could work as they stand; the chosen area is then given a roster of named crews "
        f"with fixed shifts, days off and rest (see 'Who works when?'). The headline "
        f"({_pct(rec.reached_share)} reached, {sims}) is that roster's; its comparison row "
        f"shows {_pct(cand)} with the unworkable schedule ({price})."
    )


def _area_selection(r: ReportBuilder, result: RunResult) -> None:
    """Section 'area-selection': How was the service area selected and why use police beats?"""
    ctx = result.ctx
    pilot = set(result.pilot.plan.service_area_beats)
    sec = r.section("area-selection", "How was the service area selected and why use police beats?")
    ranked = ctx.demand.beats.sort_values("eligible_calls_per_year", ascending=False)
    top_n = len(pilot)
    in_top = int(ranked["beat_id"].head(top_n).isin(pilot).sum())
    sec.paragraph(
        "911 calls are recorded by police beat, so beats are the unit in which demand is "
        f"counted, published and calibrated. The {len(pilot)} beats of the 2022 pilot were the "
        f"city's choice; {in_top} of them are among the {top_n} beats with the most eligible "
        "calls in this model (the table marks them). The roadmap grows the area one adjacent "
        "beat at a time, always adding the beat with the most calls a team can reach in time, "
        "so the area stays in one piece."
    )
    top = ranked[["beat_id", "district", "eligible_calls_per_year", "modeled_share"]].head(15)
    top = top.assign(pilot=top["beat_id"].isin(pilot)).rename(
        columns={"beat_id": "beat", "eligible_calls_per_year": "eligible calls per year",
                 "modeled_share": "modeled share", "pilot": "in the 2022 pilot"})  # fmt: skip
    sec.table(
        top, caption="Busiest beats by eligible calls per year", percent_cols=["modeled share"]
    )


def _hours(r: ReportBuilder, result: RunResult) -> None:
    """Section 'hours': What are the hours of operation, and how were they selected?"""
    ctx = result.ctx
    s = result.ctx.scenario
    rec = result.recommended.plan
    best12 = result.hours.best_window
    base = s.baseline
    sec = r.section("hours", "What are the hours of operation, and how were they selected?")
    sec.figure(
        charts.hour_of_week_heatmap(
            ctx.demand.hour_of_week["calls_per_year"].to_numpy(),
            title="Eligible calls per year by hour of week (citywide)",
        )
    )
    sec.paragraph(
        f"The pilot's assumed window {base.hours_start:02d}:00-{base.hours_end:02d}:00 holds "
        f"{_pct(best12.baseline_share_of_calls)} of eligible calls; the busiest {best12.window_h}-hour "
        f"window in the data is {best12.best_start_hour:02d}:00-{best12.best_end_hour:02d}:00 "
        f"with {_pct(best12.best_share_of_calls)} (+{best12.extra_calls_in_best_per_year:,.0f} "
        f"calls a year). The recommended hours are a roster of named crews (see 'Who works "
        f"when?'), chosen by an optimizer for the most calls reached within "
        f"{s.budget.crt_fte:.0f} FTE, allowing for teams busy on other calls. The solver's "
        f"details are in the technical appendix."
    )
    sec.figure(
        charts.hour_of_week_heatmap(
            list(rec.teams_on_duty),
            title="Recommended plan: teams on duty by hour of week",
            value_label="teams",
            decimals=0,
        )  # fmt: skip
    )
    shifts = pd.DataFrame([vars(x) for x in rec.shifts])
    if len(shifts):
        shifts["day"] = shifts["day"].map(dict(enumerate(charts.DAY_NAMES)))
        end = (shifts["start_hour"] + shifts["length_h"]) % 24
        shifts = pd.DataFrame(
            {"day": shifts["day"], "starts": [f"{h:02d}:00" for h in shifts["start_hour"]],
             "ends": [f"{h:02d}:00" for h in end], "hours": shifts["length_h"],
             "teams": shifts["teams"]}
        )  # fmt: skip
    table = sec.scratch().table(
        shifts, caption="Recommended shifts (local time; a shift ending at 00:00 or later ends "
        "the next day)",
    )  # fmt: skip
    sec.details(f"All {len(shifts)} recommended shifts", table)


def _why_not_24_7(r: ReportBuilder, result: RunResult) -> None:
    """Section 'why-not-24-7': Why don't units operate 24/7 - will they ever?"""
    s = result.ctx.scenario
    h247 = result.hours.to_24_7
    base = s.baseline
    sec = r.section("why-not-24-7", "Why don't units operate 24/7 - will they ever?")
    hours_curve = result.hours.curve
    measure = result.hours.measure  # "reached" or "served": what the hours are staffed on
    target = result.hours.share_target
    # Only the measure the table has: reached (with served beside it) or served alone.
    shown = ("reached", "served") if measure == "reached" else ("served",)
    sec.figure(
        charts.line_chart(
            hours_curve,
            x="window_h",
            y=["share_of_calls_in_window", *(f"{m}_share_of_all_calls" for m in shown)],
            names=[
                "calls inside the best window",
                *(f"expected {m} ({target:.0%} {measure} target per hour)" for m in shown),
            ],
            title="Citywide eligible calls against daily operating hours",
            x_title="hours a day (best window)",
            y_title="share of citywide calls",
            percent=True,
        )  # fmt: skip
    )
    sec.figure(
        charts.line_chart(
            result.hours.fte_curve,
            x="budget_fte",
            y=[f"{m}_share" for m in shown],
            names=[f"expected {m} share" for m in shown],
            title=f"Eligible calls {measure} against FTE budget",
            x_title="CRT FTE",
            y_title="share of citywide calls",
            percent=True,
        )  # fmt: skip
    )
    overnight = result.hours.overnight
    sec.figure(
        charts.bar_chart(
            overnight,
            x="hour_of_day",
            y=[f"{measure}_per_fte"],
            names=[f"calls {measure} per FTE"],
            title=f"Each overnight hour: eligible calls {measure} per added FTE",
            x_title="hour of day",
            y_title="calls per FTE per year",
        )  # fmt: skip
    )
    gained = (
        f"reaches {h247.added_reached_per_year:,.0f} more eligible calls a year "
        f"(serves {h247.added_served_per_year:,.0f} more)"
        if measure == "reached"
        else f"serves {h247.added_served_per_year:,.0f} more eligible calls a year "
        f"(calls served: Erlang B loss model without drive times; calls reached not "
        f"estimated here)"
    )
    short = h247.full.hours_target_not_met
    rec = result.recommended
    sec.paragraph(
        f"The question here is a standard for every open hour: {h247.share_target:.0%} of each "
        f"hour's calls {measure}. Meeting it from {base.hours_start:02d}:00 to "
        f"{base.hours_end:02d}:00 takes {h247.baseline.fte:.1f} FTE; meeting it around the "
        f"clock takes {h247.full.fte:.1f} FTE (+{h247.added_fte:.1f} FTE, "
        f"+${h247.added_cost_per_year_usd:,.0f} a year) and {gained}. "
        + (f"{short} hours of the week fall short of the standard even at the most teams "
           f"tabulated. " if short else "")
        + f"The recommended plan is not held to this standard: it has a team on duty "
        f"{rec.hours_on_duty_per_week} of 168 hours, with {rec.fte:.1f} FTE spread to reach "
        f"the most calls overall. Overnight hours hold few calls, so each added FTE brings "
        f"fewer calls than daytime FTE: the curve flattens. Peers (Denver STAR, San Francisco, "
        f"Albuquerque) added overnight hours last."
    )  # fmt: skip
    cols = ["window_h", "start_hour", "end_hour", "share_of_calls_in_window",
            *(f"{m}_share_of_all_calls" for m in shown), "fte"]  # fmt: skip
    table = hours_curve[[c for c in cols if c in hours_curve.columns]]
    if {"start_hour", "end_hour"} <= set(table.columns):
        table = table.assign(
            start_hour=[f"{int(h):02d}:00" for h in table["start_hour"]],
            end_hour=[f"{int(h) % 24:02d}:00" for h in table["end_hour"]],
        )
    renames = {"window_h": "hours a day", "start_hour": "from", "end_hour": "to",
               "share_of_calls_in_window": "calls inside the window",
               "reached_share_of_all_calls": "calls reached (all day)",
               "served_share_of_all_calls": "calls served (all day)", "fte": "FTE"}  # fmt: skip
    table = table.rename(columns=renames)
    sec.table(table, caption=f"Best daily window of each length (citywide; each open hour staffed "
              f"to {h247.share_target:.0%} of its calls {measure})",
              percent_cols=[c for c in ("calls inside the window", "calls reached (all day)",
                                        "calls served (all day)") if c in table.columns])  # fmt: skip


def _verification(r: ReportBuilder, result: RunResult) -> None:
    """Section 'verification': Does the plan deliver? Replaying a year of calls"""
    s = result.ctx.scenario
    minutes = s.response.standard_s / 60
    sec = r.section("verification", "Does the plan deliver? Replaying a year of calls")
    info = result.replay.info
    sec.paragraph(
        f"{info.replayed_calls:,} eligible calls ({info.observed_calls:,} observed, "
        f"{info.modeled_calls:,} modeled and flagged) were replayed "
        f"{s.simulation.replications} times with random on-scene times; the nearest free team "
        f"is dispatched; a call with no free team goes to police. The queue model's "
        f"predictions beside the simulation are in the technical appendix."
    )
    sec.table(simulation_table(result), caption="Simulated measures, mean [95% CI]")
    for name in result.plans:
        served = _sim(result, name, "served_share")
        reached = _sim(result, name, "reached_share")
        busy = _sim(result, name, "missed_all_busy_share")
        drive = _sim(result, name, "mean_drive_time_s")
        pred = result.plans[name].plan.predicted
        nearest = float(pred["nearest_post_drive_time_s"])
        sec.paragraph(
            f"Plan {_label(name)}: {_pct(served)} of citywide eligible calls are served "
            f"and {_pct(reached)} reached within {minutes:.0f} minutes (the queue-aware model "
            f"predicted {_pct(pred['served_share'])} served and {_pct(pred['reached_share'])} "
            f"reached); {_pct(busy)} find every team busy. Dispatched teams drive "
            f"{drive / 60:.1f} minutes on average (predicted {pred['mean_drive_time_s'] / 60:.1f}),"
            f" against {nearest / 60:.1f} minutes from the nearest post, because the nearest "
            f"team is often busy or off duty and the next one is farther away."
        )
    sec.note(
        "Confidence intervals cover on-scene randomness over replications of one year of "
        "calls; year-to-year variation in calls is wider."
    )


def _equity(r: ReportBuilder, result: RunResult) -> None:
    """Section 'equity': Who is reached? Equity across census tracts"""
    equity = result.equity
    sec = r.section("equity", "Who is reached? Equity across census tracts")
    sec.paragraph(
        "Share of eligible calls reached (simulated) in census tracts grouped into quartiles of "
        "median household income, share of Black residents, share of Hispanic residents and "
        "share of households without a vehicle (2020 tracts, ACS 2022)."
    )
    if len(equity):
        for dim, part in equity.groupby("dimension", sort=False):
            sec.figure(
                charts.bar_chart(
                    part,
                    x="group",
                    y=[f"reached_share__{name}" for name in result.plans],
                    names=[_label(name) for name in result.plans],
                    title=f"Reached share by {dim}",
                    x_title=dim,
                    y_title="share of eligible calls reached",
                    percent=True,
                )  # fmt: skip
            )
        shown = equity.rename(
            columns={f"reached_share__{name}": f"reached: {_label(name)}" for name in result.plans}
            | {"calls": "calls per year"}
        )
        sec.table(shown, caption="Reached share by tract quartile",
                  percent_cols=[f"reached: {_label(name)}" for name in result.plans])  # fmt: skip


def _modeled(r: ReportBuilder, result: RunResult) -> None:
    """Section 'modeled': What is modeled rather than observed"""
    ctx = result.ctx
    s = result.ctx.scenario
    sec = r.section("modeled", "What is modeled rather than observed")
    bn = ctx.demand.beat_nature
    observed_natures = bn.loc[bn["basis"] == "observed", "nature"].nunique()
    sec.note(
        f"Call points exist only for {len(ctx.demand.observed_beats)} beats "
        f"({s.calls.observed_start} to {s.calls.observed_end}) and {observed_natures} of the "
        f"{len(s.eligibility.natures)} natures. Demand elsewhere is modeled: calibrated to the "
        f"published {s.demand.calibration_year} "
        f"totals and spread by the '{ctx.demand.summary['model']}' completion model. "
        f"{_pct(result.modeled_share)} of citywide eligible demand is modeled."
    )
    sec.paragraph("The demand model's validation and calibration are in the technical appendix.")


GLOSSARY = (
    ("Eligible call", "A 911 call of a nature HEART can take (trespass, welfare check, "
     "mental-health crisis and the other eligible natures)."),
    ("Reached", "A HEART team arrives within the response standard (the headline measure)."),
    ("Served", "A HEART team takes the call at all, however long the drive."),
    ("Covered", "A post lies within the response standard of the call; teams are assumed "
     "never busy (the optimizer's first guess, always higher than reached)."),
    ("Post", "Where a team waits between calls (a street intersection or fire station)."),
    ("FTE", "Full-time equivalent staff: crews x people per crew x a relief factor for "
     "leave and training (see the roster section)."),
    ("Band", "A part of the day with its own road speeds (for example the evening rush)."),
    ("Simulated", "Measured by replaying a year of calls against the plan, with random "
     "on-scene times; the range in brackets is a 95% confidence interval."),
    ("Predicted", "Computed by the queue model (loss hypercube) without replaying calls; shown "
     "beside its simulated twin."),
    ("MCLP / MEXCLP", "Maximal covering location problem (and its expected-coverage variant): "
     "choose posts so that the most calls lie within the standard of one (or several)."),
    ("Erlang B", "The classic formula for the share of calls that find every team busy when "
     "busy teams are not queued."),
    ("Loss hypercube", "A queue model that tracks which teams are busy and who answers each "
     "call, so it predicts calls reached with real drive times."),
    ("CP-SAT", "The Google OR-Tools solver that chooses the roster and the shifts."),
)  # fmt: skip


def _glossary(r: ReportBuilder) -> None:
    """Section 'glossary': the words and model names the report uses."""
    sec = r.section("glossary", "Glossary")
    sec.html(
        "<dl class='hp-glossary'>"
        + "".join(f"<dt>{escape_text(k)}</dt><dd>{escape_text(v)}</dd>" for k, v in GLOSSARY)
        + "</dl>"
    )


def _technical(r: ReportBuilder, result: RunResult) -> None:
    """Section 'technical': solver status, model-vs-simulation tables and the demand model's
    validation, collapsed (``<details>``).
    """
    sec = r.section("technical", "Technical appendix")
    sec.paragraph("Details for analysts; click a heading to open it.")
    solver = sec.scratch()
    plan_solver = result.shift_plan if result.roster is None else result.roster
    solver.bullet_list(plan_solver.summary().splitlines())
    sec.details("Roster optimizer (CP-SAT): status, objective and binding rules", solver)
    for name, outcome in result.plans.items():
        part = sec.scratch()
        part.table(
            outcome.comparison, decimals=3,
            caption="Same measure = whether the two numbers measure the same thing",
        )  # fmt: skip
        sec.details(f"Plan {_label(name)}: queue-model prediction vs simulation", part)
    widened = interval_table(result)
    if widened is not None:
        part = sec.scratch()
        part.paragraph(
            "Headline intervals and the candidates' margin vary the calls each replication "
            "sees (call-to-call variation) and each beat's demand level (the demand model's "
            f"interval): [simulation] variation = {result.ctx.scenario.simulation.variation!r}. "
            "Before, replications differed only in on-scene times on one fixed trace; the "
            "narrower intervals are shown beside the widened ones."
        )
        part.table(widened, caption="Simulated measure, mean [95% CI]: on-scene only vs widened")
        sec.details("Simulation intervals: what widened them", part)
    demand = sec.scratch()
    validation = result.ctx.demand.validation
    demand.table(
        validation[validation["beat_id"] == "ALL"],
        caption="Leave-one-beat-out validation of every completion model (all beats)",
        decimals=3,
    )
    demand.table(
        result.ctx.demand.calibration,
        caption="Calibration against published 2021 totals",
        decimals=3,
    )
    sec.details("Demand model: validation and calibration", demand)


KEY_MEASURES = (
    "reached_share", "served_share", "reached_share_in_scope", "served_share_in_scope",
    "covered_share", "missed_outside_area_share", "missed_outside_hours_share",
    "missed_all_busy_share", "drive_time_median_s", "drive_time_p90_s", "utilization",
)  # fmt: skip


def simulation_table(result: RunResult) -> pd.DataFrame:
    """Key simulated measures of the reported plans side by side, mean [95% CI] (shares as
    percentages, drive times in seconds).
    """
    rows = []
    tables = {name: o.summary.set_index("measure") for name, o in result.plans.items()}
    for measure in KEY_MEASURES:
        row = {"measure": tables["current"].loc[measure, "description"]}
        for name, table in tables.items():
            m, lo, hi = table.loc[measure, ["mean", "ci_low", "ci_high"]]
            share = "share" in measure or measure == "utilization"
            fmt = "{:.1%}" if share else "{:,.0f}"
            row[_label(name)] = f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}]"
        rows.append(row)
    return pd.DataFrame(rows)


INTERVAL_MEASURES = ("reached_share", "served_share", "reached_calls_per_year")


def interval_table(result: RunResult) -> pd.DataFrame | None:
    """Per reported plan and headline measure: the on-scene-only interval beside the
    widened one (``None`` when the run's variation is ``on_scene``).
    """
    rows = []
    for name, o in result.plans.items():
        if o.summary_on_scene_only is None:
            return None
        wide, narrow = o.summary.set_index("measure"), o.summary_on_scene_only.set_index("measure")
        for measure in INTERVAL_MEASURES:
            fmt = "{:.1%}" if "share" in measure else "{:,.0f}"
            cells = {}
            for label, table in (("on-scene only", narrow), ("widened", wide)):
                m, lo, hi = table.loc[measure, ["mean", "ci_low", "ci_high"]]
                cells[label] = f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}]"
            rows.append({"plan": _label(name), "measure": measure, **cells})
    return pd.DataFrame(rows)


def _target_text(result: RunResult) -> str:
    """What the reached target would take, in words (calls reached, served beside)."""
    s = result.ctx.scenario
    t = result.target
    base = s.baseline
    parts = [f"What reaching {t.target:.0%} of citywide eligible calls would take: "]
    if t.around_the_clock is None:
        parts.append(
            f"even {t.max_teams} teams on duty in every hour reach only "
            f"{_pct(t.max_reached_share)} (queue-aware prediction), so the target is out of reach "
            f"with up to {t.max_teams} teams per hour. "
        )
    else:
        a = t.around_the_clock
        parts.append(
            f"{a.peak_teams} teams on duty in every hour = {a.fte:.1f} FTE "
            f"(${a.cost_per_year_usd:,.0f} a year), reaching {_pct(a.reached_share)} "
            f"(served {_pct(a.served_share)}). "
        )
    if t.cheapest is not None:
        c = t.cheapest
        parts.append(
            f"The cheapest shift schedule that reaches it needs {c.fte:.1f} FTE "
            f"(${c.cost_per_year_usd:,.0f} a year, up to {c.peak_teams} teams at once; reached "
            f"{_pct(c.reached_share)}, served {_pct(c.served_share)}). "
        )
    parts.append(
        f"A {base.hours_start:02d}:00-{base.hours_end:02d}:00 operation can reach at most "
        f"{_pct(t.baseline_window_max_reached_share)} of citywide calls, however many teams it "
        f"staffs. The budget is {s.budget.crt_fte:.0f} FTE; Durham went citywide in Oct 2023."
    )
    return "".join(parts)


def _margin_text(result: RunResult) -> str:
    """The recommendation's margin over the runner-up, in words, with its 95% CI."""
    cmp, cands = result.comparison, result.candidates
    if cmp.runner_up is None or cmp.margin is None:
        return ""
    m = cmp.margin
    beats = [int(b) for b in cands["beats"]]
    best, runner = beats[cmp.best], beats[cmp.runner_up]
    interval = (
        f"{m.mean * 100:+.1f} points, 95% CI {m.ci_low * 100:+.1f} to {m.ci_high * 100:+.1f}, "
        f"{cmp.replications} replications with common random numbers"
    )
    if cmp.measurable:
        return (
            f"The {best}-beat area reaches measurably more calls than the runner-up "
            f"({runner} beats): {interval}."
        )
    chosen = beats[cmp.chosen]
    return (
        f"There is no measurable difference between the {best}-beat area and the runner-up "
        f"({runner} beats): {interval}; the cheaper plan ({chosen} beats) is recommended."
    )


def _area_text(plan, ctx) -> str:
    """The area in words: "citywide (35 beats)" or "N of the 35 city beats"."""
    n, total = len(plan.service_area_beats), len(ctx.city_beats)
    return f"citywide ({total} beats)" if n == total else f"{n} of the {total} city beats"


def _assumptions(result: RunResult) -> list[tuple[str, Any]]:
    s = result.ctx.scenario
    crt = s.crt
    bands = ", ".join(f"{n} x{b.speed_factor}" for n, b in s.network.time_bands.items())
    hours = result.hours
    hours_basis = (
        "queue-aware spatial evaluator"
        if hours.measure == "reached"
        else "Erlang B loss model, no drive times"
    )
    units = (
        [("All four HEART units", ", ".join(units_section.units_assumption_keys(result.units)))]
        if result.units is not None
        else []
    )
    return units + [
        ("Response standard", f"{s.response.standard_s / 60:.0f} minutes' drive (post to scene)"),
        ("On-scene time", f"lognormal, mean {crt.on_scene_mean_min:.0f} min, sd "
                          f"{crt.on_scene_sd_min:.0f} min (no on-scene times in the data)"),
        ("Turnout", f"{crt.turnout_s} s"),
        ("Crew", f"{crt.crew_size} per CRT van; {crt.productive_hours_per_fte:,.0f} productive "
                 f"hours per FTE per year"),
        ("Cost", f"${crt.cost_per_staff_hour_usd:.0f} per staffed person-hour; night "
                 f"+{s.roster.night_differential:.0%}, weekend "
                 f"+{s.roster.weekend_differential:.0%}, overtime "
                 f"+{s.roster.overtime_premium:.0%} after {s.roster.overtime_after_weekly_h:g} h "
                 f"a week, relief factor {s.roster.relief_factor:g} (every cost in this report)"),
        ("Breaks on duty", f"{s.roster.off_line.meal_break_min:g}-min meal per shift, "
                           f"{s.roster.off_line.rest_breaks_per_8h:g} x "
                           f"{s.roster.off_line.rest_break_min:g}-min rest breaks per 8 h "
                           f"(shifts of at most {s.roster.off_line.max_shift_h:g} h)"),
        ("Documentation", f"{s.roster.off_line.documentation_min:g} min busy after each call"),
        ("Pilot hours", f"{s.baseline.hours_start:02d}:00-{s.baseline.hours_end:02d}:00 every day "
                        f"(assumed window)"),
        ("Today's operation (current)",
         f"{'citywide' if not s.current.service_area_beats else str(len(s.current.service_area_beats)) + ' beats'}, "
         f"{s.current.hours_start:02d}:00-{s.current.hours_end:02d}:00 every day, "
         f"{s.current.teams} teams (assumption: window and teams are not published)"),
        ("Post search", f"pool of {s.placement.pool_size} candidate sites, "
                        f"{s.placement.exchange_rounds} exchange rounds per team count"),
        ("Road speeds", "free-flow speeds by road class (TRM network has no speeds); time-band "
                        f"factors: {bands}"),
        ("Hours staffing target", f"{hours.share_target:.0%} of each open hour's calls "
                                  f"{hours.measure} ({hours_basis})"),
        ("Demand growth factor", f"{s.demand.growth_factor}"),
        ("Demand completion model", result.ctx.demand.summary["model"]),
        ("Call locations", "public open-data points, may be offset for privacy"),
        ("Solver", f"seed {s.solver.seed}, {s.solver.workers} workers, deterministic limits"),
    ]  # fmt: skip
