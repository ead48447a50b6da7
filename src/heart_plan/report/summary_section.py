"""The report's summary: each headline once, in words, every number tagged with its
``RunResult`` path (``report.fields``).

What it says: the recommended area (and the beats it leaves out, by name), its hours,
teams, FTE, cost, calls reached and served; what reaching the target citywide and staffing
around the clock would take; today's operation (the ``current`` reference plan, its
assumed window and teams labelled) with the 2022 pilot as history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heart_plan.report.fields import Num, Text, tagged_html

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult
    from heart_plan.report.html import Section

__all__ = ["add_summary", "key_figures", "summary_paragraphs"]


def _card(value: Num, label: str) -> str:
    from heart_plan.report.escape import escape_text

    return (
        f"<div class='hp-figure'><div class='hp-value'>{value.to_html()}</div>"
        f"<div class='hp-label'>{escape_text(label)}</div></div>"
    )


def ci_basis(variation: str) -> str:
    """What the simulated intervals vary, in words (``[simulation] variation``)."""
    return {
        "calls+demand": ", with call-to-call variation and the demand model's uncertainty",
        "calls": ", with call-to-call variation",
        "on_scene": ", with on-scene times the only variation",
    }[variation]


def key_figures(result: RunResult) -> str:
    """The headline cards (tagged numbers): calls, reached with the recommended plan,
    reached today, FTE and cost of the recommended plan.
    """
    rec, cur = result.recommended, result.current
    cards = [
        (Num(rec.simulated("reached_share").mean, "recommended.simulated.reached_share.mean",
             "pct"), "of citywide eligible calls reached with the recommended plan (simulated)"),
        (Num(cur.simulated("reached_share").mean, "current.simulated.reached_share.mean", "pct"),
         "reached today (current operation, simulated)"),
        (Num(result.calls_per_year, "calls_per_year", "int"),
         "eligible calls per year (citywide)"),
        (Num(rec.fte, "recommended.fte"), "FTE in the recommended plan"),
        (Num(rec.cost_per_year_usd, "recommended.cost_per_year_usd", "usd"),
         "cost per year of the recommended plan"),
    ]  # fmt: skip
    return "<div class='hp-figures'>" + "".join(_card(v, k) for v, k in cards) + "</div>"


def _p(parts: list) -> str:
    return f"<p>{tagged_html(parts)}</p>"


def summary_paragraphs(result: RunResult) -> list[str]:
    """The summary in words: recommendation, citywide target, around the clock, today and
    the pilot.  Every number is a ``Num`` (tagged), every date a ``Text`` with a datetime.
    """
    s = result.ctx.scenario
    rec, cur, pilot = result.recommended, result.current, result.pilot
    n_rec = len(rec.plan.service_area_beats)
    excluded = result.excluded_beats
    std = Num(s.response.standard_s, "ctx.scenario.response.standard_s", "min")
    area = (
        ["all ", Num(n_rec, "recommended.plan.service_area_beats.len()", "int"),
         " police beats (citywide; beats left out: ",
         Num(list(excluded), "excluded_beats", "list"), ")"]
        if not excluded
        else [Num(n_rec, "recommended.plan.service_area_beats.len()", "int"), " of the ",
              Num(len(result.ctx.city_beats), "ctx.city_beats.len()", "int"),
              " police beats (left out: beats ", Num(list(excluded), "excluded_beats", "list"),
              ")"]
    )  # fmt: skip
    paras = [
        _p(
            [
                "Recommended: HEART teams serve ",
                *area,
                ", with a team on duty ",
                Num(rec.hours_on_duty_per_week, "recommended.hours_on_duty_per_week", "int"),
                " of the ",
                Num(len(rec.plan.teams_on_duty), "recommended.plan.teams_on_duty.len()", "int"),
                " hours of the week and up to ",
                Num(rec.max_teams, "recommended.max_teams", "int"),
                " teams at the busiest hours (",
                Num(rec.plan.team_hours_per_week, "recommended.plan.team_hours_per_week", "int"),
                " team-hours a week in shifts chosen by the optimizer; see the hours section). "
                "That is ",
                Num(rec.fte, "recommended.fte"),
                " full-time staff (FTE) within the budget of ",
                Num(s.budget.crt_fte, "ctx.scenario.budget.crt_fte"),
                " FTE, costing ",
                Num(rec.cost_per_year_usd, "recommended.cost_per_year_usd", "usd"),
                " a year. Of the ",
                Num(result.calls_per_year, "calls_per_year", "int"),
                " eligible calls a year citywide it reaches ",
                Num(
                    rec.simulated("reached_share").mean,
                    "recommended.simulated.reached_share.mean",
                    "pct",
                ),
                " (confidence interval ",
                Num(
                    rec.simulated("reached_share").ci_low,
                    "recommended.simulated.reached_share.ci_low",
                    "pct",
                ),
                " to ",
                Num(
                    rec.simulated("reached_share").ci_high,
                    "recommended.simulated.reached_share.ci_high",
                    "pct",
                ),
                f"{ci_basis(s.simulation.variation)}; a team arrives within ",
                std,
                " minutes' drive) and serves ",
                Num(
                    rec.simulated("served_share").mean,
                    "recommended.simulated.served_share.mean",
                    "pct",
                ),
                " at all, in a simulation that replays a year of calls.",
            ]
        )  # fmt: skip
    ]
    t = result.target
    tgt = Num(t.target, "target.target", "pct0")
    if t.cheapest is not None or t.around_the_clock is not None:
        parts: list = ["What reaching ", tgt, " of citywide calls would take: "]
        if t.cheapest is not None:
            parts += [
                "the cheapest shift schedule needs ",
                Num(t.cheapest.fte, "target.cheapest.fte"), " FTE (",
                Num(t.cheapest.cost_per_year_usd, "target.cheapest.cost_per_year_usd", "usd"),
                " a year)",
            ]  # fmt: skip
        if t.around_the_clock is not None:
            a = t.around_the_clock
            parts += [
                "; " if t.cheapest is not None else "", "the same ",
                Num(a.peak_teams, "target.around_the_clock.peak_teams", "int"),
                " teams in every hour of the week need ",
                Num(a.fte, "target.around_the_clock.fte"), " FTE",
            ]  # fmt: skip
        parts += [
            " (predicted by the queue model). No schedule limited to ",
            Num(s.baseline.hours_start, "ctx.scenario.baseline.hours_start", "hour"), "-",
            Num(s.baseline.hours_end, "ctx.scenario.baseline.hours_end", "hour"),
            " reaches more than ",
            Num(t.baseline_window_max_reached_share, "target.baseline_window_max_reached_share",
                "pct"),
            ", however many teams it staffs.",
        ]  # fmt: skip
    else:
        parts = [
            "Reaching ", tgt, " of citywide calls is out of reach: even ",
            Num(t.max_teams, "target.max_teams", "int"), " teams in every hour reach ",
            Num(t.max_reached_share, "target.max_reached_share", "pct"), ".",
        ]  # fmt: skip
    paras.append(_p(parts))
    h = result.hours.to_24_7
    paras.append(
        _p(
            [
                "Around the clock: staffing every hour of the day so that ",
                Num(h.share_target, "hours.to_24_7.share_target", "pct0"),
                " of that hour's calls are ",
                h.measure,
                " takes ",
                Num(h.full.fte, "hours.to_24_7.full.fte"),
                " FTE, against ",
                Num(h.baseline.fte, "hours.to_24_7.baseline.fte"),
                " FTE for the same standard during a ",
                Num(h.baseline.length_h, "hours.to_24_7.baseline.length_h", "int"),
                "-hour day from ",
                Num(h.baseline.start_hour, "hours.to_24_7.baseline.start_hour", "hour"),
                ". ",
                *(
                    [
                        "The recommended plan already keeps a team on duty most hours, but with "
                        "fewer teams than that per-hour standard needs at peak times: it spends the "
                        "budget where it reaches the most calls."
                    ]
                    if rec.hours_on_duty_per_week * 2 > len(rec.plan.teams_on_duty)
                    else [
                        "The recommended plan keeps its teams to the busiest hours, where the budget "
                        "reaches the most calls."
                    ]
                ),
            ]
        )  # fmt: skip
    )
    paras.append(
        _p(
            [
                "Today: since ",
                Text("October 2023", "2023-10"),
                " Durham's HEART teams operate citywide, about ",
                Num(cur.hours_on_duty_per_day, "current.hours_on_duty_per_day", "int"),
                " hours a day. The hours and number of teams are not published, so the model's "
                "reference plan for today assumes ",
                Num(s.current.hours_start, "ctx.scenario.current.hours_start", "hour"),
                "-",
                Num(s.current.hours_end, "ctx.scenario.current.hours_end", "hour"),
                " every day with ",
                Num(s.current.teams, "ctx.scenario.current.teams", "int"),
                " teams (assumptions); it reaches ",
                Num(
                    cur.simulated("reached_share").mean,
                    "current.simulated.reached_share.mean",
                    "pct",
                ),
                " of eligible calls and serves ",
                Num(
                    cur.simulated("served_share").mean, "current.simulated.served_share.mean", "pct"
                ),
                ". History: the ",
                Text("2022", "2022"),
                " pilot served ",
                Num(
                    len(pilot.plan.service_area_beats), "pilot.plan.service_area_beats.len()", "int"
                ),
                " beats with ",
                Num(s.baseline.teams, "ctx.scenario.baseline.teams", "int"),
                " teams from ",
                Num(s.baseline.hours_start, "ctx.scenario.baseline.hours_start", "hour"),
                " to ",
                Num(s.baseline.hours_end, "ctx.scenario.baseline.hours_end", "hour"),
                "; against today's citywide calls it would reach ",
                Num(
                    pilot.simulated("reached_share").mean,
                    "pilot.simulated.reached_share.mean",
                    "pct",
                ),
                ".",
            ]
        )  # fmt: skip
    )
    return paras


def add_summary(sec: Section, result: RunResult) -> None:
    """Fill the summary section: cards, the paragraphs, then what the measures mean."""
    sec.html(key_figures(result))
    for para in summary_paragraphs(result):
        sec.html(para)
    std = Num(result.ctx.scenario.response.standard_s, "ctx.scenario.response.standard_s", "min")
    sec.html(
        "<p class='hp-note'>"
        + tagged_html(
            [
                "Reached = a HEART team arrives within the response standard (a drive of ",
                std,
                " minutes); served = a team takes the call at all; covered = a post lies within "
                "the standard (the optimizer's measure, which ignores busy teams). See the "
                "glossary.",
            ]
        )  # fmt: skip
        + "</p>"
    )
