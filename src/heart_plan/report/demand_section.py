"""Report section 'demand-provenance': where the demand numbers come from.

How the department's pilot beats compare with the demand ranking (which, and by how much),
observed against modeled beats with their 90% intervals (``Demand.intervals``), the
completion model chosen by leave-one-beat-out validation, the hour-of-week pooling weights,
and the simulated pilot's mean response (turnout + drive) against the scenario's reference
value (``[response] reference_mean_response_min``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from heart_plan.report.html import ReportBuilder

if TYPE_CHECKING:
    from heart_plan.demand import Demand
    from heart_plan.planning.results import RunResult

SECTION_ID = "demand-provenance"


def pilot_ranking(demand: Demand, pilot_beats: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Beats ranked by eligible calls per year, with basis, 90% interval and pilot flag.

    Columns ``rank, beat_id, basis, eligible_calls_per_year, lower_calls_per_year,
    upper_calls_per_year, pilot, overlaps_top_cut`` (the interval reaches across the demand
    of the beat ranked ``len(pilot_beats)``: its place in or out of the top is uncertain).
    """
    t = demand.intervals.sort_values(
        ["eligible_calls_per_year", "beat_id"], ascending=[False, True]
    ).reset_index(drop=True)
    t.insert(0, "rank", range(1, len(t) + 1))
    t["pilot"] = t["beat_id"].isin(set(pilot_beats))
    k = min(max(len(pilot_beats), 1), len(t))
    cut = float(t["eligible_calls_per_year"].iloc[k - 1])
    lo, hi = t["lower_calls_per_year"], t["upper_calls_per_year"]
    t["overlaps_top_cut"] = (lo <= cut) & (hi >= cut)
    return t


def add_demand_section(r: ReportBuilder, result: RunResult) -> None:
    """Append the section (see module docstring) to report ``r``."""
    ctx = result.ctx
    s = ctx.scenario
    demand = ctx.demand
    pilot = tuple(s.baseline.service_area_beats)
    table = pilot_ranking(demand, pilot)
    k = len(pilot)
    top = table.head(k)
    total = float(table["eligible_calls_per_year"].sum())
    in_top = sorted(top.loc[top["pilot"], "beat_id"])
    pilot_share = float(table.loc[table["pilot"], "eligible_calls_per_year"].sum()) / total
    top_share = float(top["eligible_calls_per_year"].sum()) / total
    uncertain = int(table["overlaps_top_cut"].sum())
    sec = r.section(SECTION_ID, "Where the demand numbers come from")
    sec.paragraph(
        f"{len(in_top)} of the {k} pilot beats are among the {k} beats with the most eligible "
        f"calls ({', '.join(in_top) or 'none'}). The pilot beats hold {pilot_share:.1%} of "
        f"citywide eligible demand; the top {k} beats hold {top_share:.1%}. For {uncertain} "
        f"beats the 90% interval spans the demand of the beat ranked {k}, so whether they "
        f"belong in the top {k} is not settled by the data."
    )
    summary = demand.summary
    v = demand.validation
    alls = v[v["beat_id"] == "ALL"].sort_values("abs_pct_error")
    share_rows = alls[~alls["covariate"].str.startswith("glm:")]
    shown = pd.concat([alls.head(6), share_rows]).drop_duplicates("covariate")
    sec.paragraph(
        f"{len(demand.observed_beats)} beats have call points ({summary['modeled_share']:.1%} "
        f"of citywide demand is modeled). The completion model is '{summary['model']}', "
        f"chosen by leave-one-beat-out validation on the observed beats: weighted absolute "
        f"error {summary['validation_wape']:.1%}, mean absolute error "
        f"{summary['validation_mape']:.1%}. Hour-of-week shapes pool each beat toward its "
        f"district and the city with {summary['shape_pooling_k_beat']:g} and "
        f"{summary['shape_pooling_k_district']:g} pseudo-calls (chosen by held-out "
        f"likelihood); natures without points borrow the shape named in the scenario "
        f"(an assumption)."
    )
    shown = shown.assign(covariate=shown["covariate"].str.replace("_", " "))
    sec.table(
        shown[["covariate", "abs_pct_error", "mape", "lower_calls_per_year", "selected"]].rename(
            columns={
                "covariate": "model",
                "abs_pct_error": "WAPE",
                "mape": "MAPE",
                "lower_calls_per_year": "90% interval coverage",
            }
        ),
        caption="Leave-one-beat-out validation (best candidates and the share models)",
        decimals=3,
    )
    sec.table(
        table,
        caption="Beats ranked by eligible calls per year: observed or modeled, 90% interval",
        decimals=0,
    )
    ref = s.response.reference_mean_response_min
    if ref > 0:
        drive_s = result.pilot.simulated("mean_drive_time_s").mean
        response_min = (drive_s + s.crt.turnout_s) / 60
        sec.paragraph(
            f"Simulated pilot mean response (turnout + drive): {response_min:.1f} minutes, "
            f"against {ref:.1f} minutes reported ({s.response.reference_source or 'scenario'}): "
            f"{response_min / ref - 1:+.0%}."
        )


__all__ = ["SECTION_ID", "add_demand_section", "pilot_ranking"]
