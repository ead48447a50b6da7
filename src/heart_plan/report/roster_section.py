"""The report's printable roster page: one line per crew, weeks x days of the cycle, and
what the roster costs (FTE = crews x crew x relief; pay with night, weekend and overtime
differentials).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from heart_plan.report.html import ReportBuilder
from heart_plan.staffing.pay import pay_of_cover

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult
    from heart_plan.staffing.roster import RosterResult

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def roster_grid(roster: RosterResult) -> pd.DataFrame:
    """One row per crew: its shift, then one column per day of the cycle (``W1 Mon`` ...)
    holding ``HH-HH`` on work days and ``off`` otherwise, then its hours per week.
    """
    rows = []
    for crew in roster.crews:
        t = crew.template
        hours = f"{t.start_hour:02d}-{(t.start_hour + t.length_h) % 24:02d}"
        row: dict[str, object] = {"crew": crew.name, "pattern": t.pattern, "shift": hours}
        for j in range(7 * roster.weeks):
            row[f"W{j // 7 + 1} {DAYS[j % 7]}"] = hours if j in crew.work_days else "off"
        row["hours per week"] = " / ".join(str(h) for h in crew.weekly_hours(roster.weeks))
        rows.append(row)
    return pd.DataFrame(rows)


def roster_section(r: ReportBuilder, result: RunResult) -> None:
    """Section 'roster': the recommended plan's crews, days off and cost."""
    roster = result.roster
    if roster is None:
        return
    s = result.ctx.scenario
    cfg, shift = s.roster, result.shift_plan
    sec = r.section("roster", "Who works when? The roster")
    sec.paragraph(
        f"The recommended hours come from a roster of {len(roster.crews)} named crews of "
        f"{s.crt.crew_size}, each keeping one shift on a repeating {roster.weeks}-week pattern "
        f"with days off in runs of at least {cfg.min_consecutive_days_off}, at least "
        f"{cfg.min_rest_h} h rest between shifts, at most {cfg.max_weekly_hours:g} h in any week "
        f"and {cfg.max_average_weekly_hours:g} h on average (CP-SAT, maximizing expected calls "
        f"reached within {s.budget.crt_fte:g} FTE). FTE = crews x crew size x relief factor "
        f"{cfg.relief_factor:g} (assumption: leave, sickness and training) = {roster.fte:.1f}. "
        f"Pay counts night (+{cfg.night_differential:.0%}), weekend "
        f"(+{cfg.weekend_differential:.0%}) and overtime (+{cfg.overtime_premium:.0%} after "
        f"{cfg.overtime_after_weekly_h:g} h a week) differentials: "
        f"${roster.cost_per_year_usd:,.0f} a year. The anonymous shift plan behind the "
        f"candidate comparison needed {shift.fte:.1f} FTE (team-hours / "
        f"{s.crt.productive_hours_per_fte:,.0f} h per FTE), "
        f"${pay_of_cover(shift.teams_on_duty, cfg, s.crt).total_usd:,.0f} a year (same "
        f"differentials and relief), in {len(shift.shifts)} irregular shift rows."
    )
    off, effect = cfg.off_line, result.off_line
    if effect is not None:
        sec.paragraph(
            f"Teams take breaks: every shift of up to {off.max_shift_h:g} h has a "
            f"{off.meal_break_min:g}-minute meal at mid-shift and {off.rest_breaks_per_8h:g} "
            f"rest breaks of {off.rest_break_min:g} minutes per 8 hours, spread evenly and "
            f"staggered between teams starting together (a team on a call takes its break "
            f"when clear), and every call adds {off.documentation_min:g} minutes of "
            f"documentation (assumptions). The simulator takes teams off line at those times; "
            f"the queue model predicts they cost the recommended plan "
            f"{effect.reached_points_lost:.1f} points of citywide calls reached "
            f"({effect.reached_share_without:.1%} with teams on line every minute, "
            f"{effect.reached_share:.1%} with breaks and documentation)."
        )
    sec.key_figures(
        [
            ("Crews", len(roster.crews)),
            ("FTE (crews x crew x relief)", f"{roster.fte:.1f}"),
            ("Team-hours per week", roster.team_hours_per_week),
            ("Cost per year", f"${roster.cost_per_year_usd:,.0f}"),
        ]
    )
    sec.table(roster_grid(roster), caption="Roster (local hours; print this page)")
    pay = roster.pay
    sec.table(
        pd.DataFrame(
            [
                ("base pay", pay.base_usd),
                ("night differential", pay.night_usd),
                ("weekend differential", pay.weekend_usd),
                ("overtime premium", pay.overtime_usd),
                ("relief (leave, training)", pay.relief_usd),
                ("total", pay.total_usd),
            ],
            columns=["component", "usd_per_year"],
        ),
        caption="Cost of the roster per year (USD)",
        decimals=0,
    )
    sec.bullet_list(
        f"{rule.name.replace('_', ' ')} ({rule.kind} rule): {rule.detail}"
        for rule in roster.rules
        if rule.binds
    )
