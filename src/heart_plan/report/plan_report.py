"""``report.html``: plain-language answers to the department's FAQ questions, with the
figures, charts, tables, assumptions, data provenance and what is modeled.

Every number comes from the typed ``planning.results.RunResult``; measure names follow
CONVENTIONS.md (*covered* = optimizer, *served* / *reached* = loss model and simulation).
One function per FAQ section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from heart_plan.report import charts
from heart_plan.report.demand_section import add_demand_section
from heart_plan.report.html import ReportBuilder
from heart_plan.report.roster_section import roster_section
from heart_plan.report.sensitivity_section import sensitivity_html

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult

SECTIONS = (
    "summary", "where", "why-not-citywide", "area-selection", "hours", "roster", "why-not-24-7",
    "verification", "equity", "modeled", "demand-provenance", "assumptions", "provenance",
)  # fmt: skip


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _sim(result: RunResult, plan: str, measure: str) -> float:
    return result.plans[plan].simulated(measure).mean


def build_report(
    result: RunResult,
    *,
    provenance: pd.DataFrame,
    run_label: str,
    sensitivity: pd.DataFrame | None = None,
) -> ReportBuilder:
    """The report page (save with ``.save(path)``): one section per FAQ question, the
    sensitivity section (when a sweep's ``sensitivity`` results table is given), then the
    assumptions and the data provenance.
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
    if sensitivity is not None:
        r.section("sensitivity", "How sensitive is the answer?").markup(
            sensitivity_html(sensitivity)
        )
    r.assumptions(_assumptions(result), intro="These are assumptions, not data.")
    r.provenance(provenance)
    return r


def _summary(r: ReportBuilder, result: RunResult) -> None:
    """Section 'summary': Summary"""
    ctx = result.ctx
    s = result.ctx.scenario
    total = result.calls_per_year
    pilot = result.pilot.plan
    cur = result.current.plan
    rec = result.recommended.plan
    pilot_reached = result.pilot.reached_share
    cur_reached = result.current.reached_share
    rec_reached = result.recommended.reached_share
    target = s.budget.target_reached_share
    teams_target = result.target
    h247 = result.hours.to_24_7
    base, today = s.baseline, s.current
    minutes = s.response.standard_s / 60
    sec = r.section("summary", "Summary")
    sec.key_figures(
        {
            "Eligible calls per year (citywide)": f"{total:,.0f}",
            "Modeled share of that demand": _pct(result.modeled_share),
            "Reached by the 2022 pilot (simulated)": _pct(pilot_reached),
            "Reached today (citywide 12 h/day, simulated)": _pct(cur_reached),
            "Reached with the recommended plan": _pct(rec_reached),
            f"Teams on duty every hour for {target:.0%} of citywide calls reached": str(
                teams_target.around_the_clock.peak_teams
                if teams_target.around_the_clock
                else f"> {teams_target.max_teams}"
            ),
            f"Added FTE to go 24/7 ({h247.share_target:.0%} of calls {h247.measure} each hour)": (
                f"{h247.added_fte:.1f}"
            ),
        }
    )
    sec.paragraph(
        f"Durham residents make about {total:,.0f} eligible HEART calls a year (trespass, "
        f"welfare checks, crisis calls and the other eligible natures, "
        f"{len(s.eligibility.natures)} in all). "
        f"The 2022 pilot ({len(pilot.service_area_beats)} beats, {base.hours_start:02d}:00-"
        f"{base.hours_end:02d}:00, {base.teams} teams) reached {_pct(pilot_reached)} of them "
        f"within {minutes:.0f} minutes' drive; today's operation ({_area_text(cur, ctx)}, "
        f"{today.hours_start:02d}:00-{today.hours_end:02d}:00 with {today.teams} teams: window "
        f"and teams are assumptions) reaches {_pct(cur_reached)}. Within the budget of {s.budget.crt_fte:.0f} CRT "
        f"FTE, the recommended plan ({_area_text(rec, ctx)}, {max(rec.teams_on_duty)} teams at "
        f"the busiest hour, shifts chosen by the optimizer) reaches {_pct(rec_reached)}."
    )
    sec.note(
        "Reached = served by a HEART team within the response standard, measured by replaying "
        "a year of calls in the simulation; covered = within the standard of a post "
        "(optimizer, ignores busy teams). The two are labelled wherever they appear."
    )


def _where(r: ReportBuilder, result: RunResult) -> None:
    """Section 'where': Where do these units operate?"""
    ctx = result.ctx
    pilot = result.pilot.plan
    cur = result.current.plan
    rec = result.recommended.plan
    sec = r.section("where", "Where do these units operate?")
    sec.paragraph(
        f"Today: {_area_text(cur, ctx)} (since October 2023). The 2022 pilot: the "
        f"{len(pilot.service_area_beats)} pilot beats ({', '.join(pilot.service_area_beats)}). "
        f"Recommended: {_area_text(rec, ctx)}. For each number of teams on duty, posts are "
        f"chosen to maximize calls reached with busy teams taken into account: a maximal "
        f"covering (MCLP) start among {len(ctx.sites):,} candidate sites (fire stations and "
        f"road intersections), improved by exchanges scored with the loss hypercube queue "
        f"model. Real post locations are not public, so every plan's posts are optimized."
    )
    posts = pd.DataFrame(
        [
            {"plan": name, "order": i + 1, "teams on duty": outcome.max_teams, "site": p.site_id,
             "lat": f"{p.lat:.5f}", "lon": f"{p.lon:.5f}"}
            for name, outcome in result.plans.items()
            for i, p in enumerate(outcome.posts())
        ]
    )  # fmt: skip
    sec.table(posts, caption="Posts with the most teams on duty (teams fill posts in this order)")
    sec.links(
        [
            ("Map: beats, service area, expansion order, posts and drive-time areas",
             "map_citywide.html"),
            ("Map: eligible calls and staffed posts by hour of day", "map_hours.html"),
        ]
    )  # fmt: skip


def _why_not_citywide(r: ReportBuilder, result: RunResult) -> None:
    """Section 'why-not-citywide': Why don't all units operate citywide - will they ever?"""
    s = result.ctx.scenario
    target = s.budget.target_reached_share
    minutes = s.response.standard_s / 60
    sec = r.section("why-not-citywide", "Why don't all units operate citywide - will they ever?")
    roadmap = result.roadmap
    sec.paragraph(
        f"A team can only reach calls near its post. Sized for its busiest hour (every "
        f"coverable call within {minutes:.0f} minutes of a post, and "
        f"{s.budget.served_share_target:.0%} of that hour's calls served), the pilot area takes "
        f"{int(roadmap['teams'].iloc[0])} teams (spatially {int(roadmap['teams_spatial'].iloc[0])}, "
        f"by workload {int(roadmap['teams_workload'].iloc[0])}) and the whole city "
        f"{int(roadmap['teams'].iloc[-1])}; the curve below gives the calls reached with each "
        f"number of teams on duty in every hour. Each step adds the adjacent beat with the most "
        f"eligible calls reachable within {minutes:.0f} minutes."
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
                "reached within the standard (queue-aware hypercube)",
                "served (queue-aware hypercube)",
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
    best = cands.loc[cands["recommended"]].iloc[0]
    sec.paragraph(
        f"Within the budget of {s.budget.crt_fte:.0f} FTE, a larger area always serves more "
        f"calls, but not always more calls within {minutes:.0f} minutes: the same teams spread "
        f"over more beats are busier and farther away. Each candidate area below was given its "
        f"best shifts and posts and replayed against a year of calls; "
        f"{int(best['beats'])} beats are recommended ({_pct(best['reached_share'])} of citywide "
        f"calls reached, against {_pct(cands['reached_share'].iloc[-1])} citywide). "
        + _margin_text(result)
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
    sec.table(
        cands, caption="Candidate areas for the recommended plan (simulated shares)",
        percent_cols=["predicted_reached_share", "served_share", "reached_share",
                      "reached_ci_low", "reached_ci_high"],
    )  # fmt: skip
    sec.table(
        roadmap[["step", "beat_added", "district", "calls_added_per_year", "cumulative_share",
                 "teams_spatial", "teams_workload", "teams", "marginal_calls_per_added_team"]]
        .rename(columns={"marginal_calls_per_added_team": "calls per added team",
                         "calls_added_per_year": "calls added / yr",
                         "cumulative_share": "cumulative share"}),
        caption="Expansion roadmap (step 0 = the pilot area)", percent_cols=["cumulative share"],
    )  # fmt: skip


def _area_selection(r: ReportBuilder, result: RunResult) -> None:
    """Section 'area-selection': How was the service area selected and why use police beats?"""
    ctx = result.ctx
    sec = r.section("area-selection", "How was the service area selected and why use police beats?")
    sec.paragraph(
        "911 calls are recorded by police beat, so beats are the unit in which demand is "
        "counted, published and calibrated. The pilot beats were chosen because eligible-call "
        "volume was highest there; the roadmap applies the same rule one beat at a time, "
        "keeping the area contiguous."
    )
    top = ctx.demand.beats.sort_values("eligible_calls_per_year", ascending=False)
    top = top[["beat_id", "district", "eligible_calls_per_year", "modeled_share"]].head(15)
    sec.table(
        top, caption="Busiest beats by eligible calls per year", percent_cols=["modeled_share"]
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
        f"calls a year). The recommended schedule comes from a CP-SAT roster of named crews "
        f"maximizing expected calls reached (the loss hypercube with the post set of each "
        f"hour's team count) within {s.budget.crt_fte:.0f} FTE (see the roster section)."
    )
    shift = result.shift_plan
    sec.bullet_list((shift if result.roster is None else result.roster).summary().splitlines())
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
        shifts["end_hour"] = (shifts["start_hour"] + shifts["length_h"]) % 24
        shifts = shifts[["day", "start_hour", "end_hour", "length_h", "teams"]]
    sec.table(shifts, caption="Recommended shifts (local hours)")


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
    sec.paragraph(
        f"Going from {base.hours_start:02d}:00-{base.hours_end:02d}:00 to 24/7 citywide at the "
        f"same target ({h247.share_target:.0%} of each hour's calls {measure}) takes "
        f"{h247.full.fte:.1f} FTE instead of {h247.baseline.fte:.1f} "
        f"(+{h247.added_fte:.1f} FTE, +${h247.added_cost_per_year_usd:,.0f} a year) and "
        f"{gained}. "
        + (f"{short} hours of the week fall short of the target even at the most teams "
           f"tabulated. " if short else "")
        + "Overnight hours hold few calls, so each added FTE brings fewer calls than daytime "
        "FTE: the curve flattens. Peers (Denver STAR, San Francisco, Albuquerque) added "
        "overnight last."
    )  # fmt: skip
    table = hours_curve
    if measure == "served":  # no estimate of calls reached: leave out its NaN columns
        table = hours_curve.drop(
            columns=["expected_reached_per_year", "reached_share_of_all_calls"]
        )
    sec.table(table, caption=f"Best daily window of each length (citywide; staffed on calls "
              f"{measure})",
              percent_cols=["share_of_calls_in_window",
                            *(f"{m}_share_of_all_calls" for m in shown)])  # fmt: skip


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
        f"is dispatched; a call with no free team goes to police (loss system)."
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
            f"Plan {name}: {_pct(served)} of citywide eligible calls are served "
            f"and {_pct(reached)} reached within {minutes:.0f} minutes (the queue-aware model "
            f"predicted {_pct(pred['served_share'])} served and {_pct(pred['reached_share'])} "
            f"reached); {_pct(busy)} find every team busy. Dispatched teams drive "
            f"{drive / 60:.1f} minutes on average (predicted {pred['mean_drive_time_s'] / 60:.1f}),"
            f" against {nearest / 60:.1f} minutes from the nearest post, because the nearest "
            f"team is often busy or off duty and the next one is farther away."
        )
    for name in result.plans:
        sec.table(
            result.plans[name].comparison, decimals=3,
            caption=f"Plan {name}: optimizer prediction vs simulation "
            f"(same_measure says whether the two numbers measure the same thing)",
        )  # fmt: skip
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
                    names=[f"{name} plan" for name in result.plans],
                    title=f"Reached share by {dim}",
                    x_title=dim,
                    y_title="share of eligible calls reached",
                    percent=True,
                )  # fmt: skip
            )
        sec.table(equity, caption="Reached share by tract quartile",
                  percent_cols=[f"reached_share__{name}" for name in result.plans])  # fmt: skip


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
    sec.table(ctx.demand.validation[ctx.demand.validation["beat_id"] == "ALL"],
              caption="Leave-one-beat-out validation of every completion model (all beats)",
              decimals=3)  # fmt: skip
    sec.table(
        ctx.demand.calibration, caption="Calibration against published 2021 totals", decimals=3
    )


KEY_MEASURES = (
    "reached_share", "served_share", "reached_share_in_scope", "served_share_in_scope",
    "covered_share", "missed_outside_area_share", "missed_outside_hours_share",
    "missed_all_busy_share", "drive_time_median_s", "drive_time_p90_s", "utilization",
)  # fmt: skip


def simulation_table(result: RunResult) -> pd.DataFrame:
    """Key simulated measures of both plans side by side, mean [95% CI]."""
    rows = []
    tables = {name: o.summary.set_index("measure") for name, o in result.plans.items()}
    for measure in KEY_MEASURES:
        row = {"measure": measure, "meaning": tables["current"].loc[measure, "description"]}
        for name, table in tables.items():
            m, lo, hi = table.loc[measure, ["mean", "ci_low", "ci_high"]]
            fmt = "{:.1%}" if measure.endswith("share") or measure == "utilization" else "{:,.0f}"
            row[name] = f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}]"
        rows.append(row)
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
            f"{a.peak_teams} teams on duty in every hour = {a.fte:.0f} FTE "
            f"(${a.cost_per_year_usd:,.0f} a year), reaching {_pct(a.reached_share)} "
            f"(served {_pct(a.served_share)}). "
        )
    if t.cheapest is not None:
        c = t.cheapest
        parts.append(
            f"The cheapest shift schedule that reaches it needs {c.fte:.0f} FTE "
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
    return [
        ("Response standard", f"{s.response.standard_s / 60:.0f} minutes' drive (post to scene)"),
        ("On-scene time", f"lognormal, mean {crt.on_scene_mean_min:.0f} min, sd "
                          f"{crt.on_scene_sd_min:.0f} min (no on-scene times in the data)"),
        ("Turnout", f"{crt.turnout_s} s"),
        ("Crew", f"{crt.crew_size} per CRT van; {crt.productive_hours_per_fte:,.0f} productive "
                 f"hours per FTE per year"),
        ("Cost", f"${crt.cost_per_staff_hour_usd:.0f} per staffed person-hour"),
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
