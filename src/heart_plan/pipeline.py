"""The whole plan in one call: data -> demand -> network -> placement and expansion ->
shifts -> simulation -> maps -> report, with progress lines and a ``run.json`` record.

Plans built here (CONVENTIONS.md "Baseline, budget, recommendation"):

* **current** (the baseline pilot): the 12 FAQ pilot beats, the baseline's daily hours
  (07:00-19:00 every day, an assumed window) and teams, posts chosen by MCLP per band;
* **recommended**: the plan that maximizes eligible calls *reached* within the FTE budget.
  Candidate areas are prefixes of the expansion roadmap (the pilot, every
  ``[expansion] recommend_every_steps`` steps, and citywide).  For each, the CP-SAT shift
  planner chooses the hours and teams on duty that maximize expected calls served within
  ``[budget] crt_fte``, and posts are chosen by MCLP per band for the largest number of teams
  on duty, ordered so that the first ``k`` posts are the best ``k`` (greedy order), because
  hours with fewer teams on duty staff the first posts.  Each candidate is replayed in the
  simulation; the one reaching the most calls (ties: the larger area) is recommended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.context import PlanningContext, build_context
from heart_plan.expansion import citywide_curve, expansion_roadmap, teams_for_target
from heart_plan.placement import (
    Placement,
    mean_busy_time_h,
    ordered_placement,
    place_teams,
    plan_from_placements,
    predicted_measures,
)
from heart_plan.plan import Plan, bands_for_plan, window_length_h
from heart_plan.simulation.pipeline import ReplayInputs, replay_inputs, simulate_plan
from heart_plan.staffing.hours import hours_answer
from heart_plan.staffing.shifts import (
    ShiftPlanResult,
    ShiftRules,
    cost_of_team_hours,
    fte_of_team_hours,
    plan_shifts,
    solver_config_for_shifts,
)

Progress = Callable[[str], None]
#: Replications per candidate area when choosing the recommended plan (the chosen plan is
#: then simulated with ``[simulation] replications``).
RECOMMEND_REPLICATIONS = 5


@dataclass
class Timer:
    """Wall time of each pipeline step, reported through ``progress``."""

    progress: Progress
    timings_s: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as step ``name``, reporting its start and end."""
        self.progress(f"{name} ...")
        t0 = time.perf_counter()
        yield
        dt = time.perf_counter() - t0
        self.timings_s[name] = round(dt, 2)
        self.progress(f"{name} done in {dt:.1f} s")


@dataclass(frozen=True, eq=False)
class PipelineResult:
    """Everything the maps and the report need."""

    ctx: PlanningContext
    current_plan: Plan
    current_placements: dict[str, Placement]
    recommended_plan: Plan
    recommended_placements: dict[str, Placement]
    shift_plan: ShiftPlanResult
    roadmap: pd.DataFrame
    candidates: pd.DataFrame
    curve: pd.DataFrame
    hours: dict[str, Any]
    simulations: dict[str, Any]
    key_results: dict[str, Any]
    timings_s: dict[str, float]


def plan_current(ctx: PlanningContext) -> tuple[Plan, dict[str, Placement]]:
    """The baseline pilot plan, posts per band."""
    base = ctx.scenario.baseline
    area = list(base.service_area_beats)
    placements = {
        band: ordered_placement(ctx, place_teams(ctx, area, base.teams, band=band), area)
        for band in ctx.scenario.network.time_bands
    }
    plan = plan_from_placements(
        ctx, area, placements, hours=(base.hours_start, base.hours_end),
        command="heart-plan run (current plan)",
        predicted=predicted_measures(ctx, area, placements[ctx.busiest_band(area)]),
    )  # fmt: skip
    return plan, placements


def plan_for_area(
    ctx: PlanningContext, area: list[str], busy_time_h: float
) -> tuple[Plan, dict[str, Placement], ShiftPlanResult]:
    """CP-SAT shifts within the FTE budget for ``area``, MCLP posts per band."""
    s = ctx.scenario
    shift = plan_shifts(
        ctx.arrivals_by_hour(area), busy_time_h,
        rules=ShiftRules.from_scenario(s), unit=s.crt, solver=solver_config_for_shifts(s),
        budget_fte=s.budget.crt_fte,
    )  # fmt: skip
    teams = max(shift.teams_on_duty)
    placements = {
        band: ordered_placement(ctx, place_teams(ctx, area, teams, band=band), area)
        for band in s.network.time_bands
    }
    predicted = predicted_measures(ctx, area, placements[ctx.busiest_band(area)])
    predicted["expected_served_share_of_area"] = shift.served_share
    predicted["fte"] = shift.fte
    plan = Plan(
        scenario_name=s.name,
        scenario_sha256=s.sha256,
        command="heart-plan run (candidate plan)",
        service_area_beats=tuple(area),
        teams_on_duty=tuple(shift.teams_on_duty),
        posts=tuple(p for pl in placements.values() for p in pl.posts),
        time_bands=bands_for_plan(s),
        hours={},
        shifts=tuple(shift.shifts),
        predicted=predicted,
    )
    return plan, placements, shift


def plan_recommended(
    ctx: PlanningContext,
    busy_time_h: float,
    roadmap: pd.DataFrame,
    replay: ReplayInputs,
    progress: Progress | None = None,
) -> tuple[Plan, dict[str, Placement], ShiftPlanResult, pd.DataFrame]:
    """The candidate area plan that reaches the most calls in the simulation.

    Returns the plan, its placements and shift plan, and the candidates table
    (``beats, teams_max, fte, expected_served_share_of_area, served_share, reached_share``,
    simulated shares of citywide eligible calls; ``recommended`` flags the choice).
    """
    s = ctx.scenario
    order = [*s.baseline.service_area_beats, *roadmap["beat_added"].iloc[1:]]
    start, every = len(s.baseline.service_area_beats), s.expansion.recommend_every_steps
    sizes = sorted({*range(start, len(order), every), len(order)})
    reps = min(s.simulation.replications, RECOMMEND_REPLICATIONS)
    rows, plans = [], []
    for n in sizes:
        plan, placements, shift = plan_for_area(ctx, list(order[:n]), busy_time_h)
        sim = simulate_plan(plan, s, replay, replications=reps, seed=s.simulation.seed)
        measures = sim.summary().set_index("measure")["mean"]
        rows.append(
            {
                "beats": n,
                "last_beat_added": order[n - 1] if n > start else "",
                "teams_max": max(plan.teams_on_duty),
                "fte": shift.fte,
                "expected_served_share_of_area": shift.served_share,
                "served_share": float(measures["served_share"]),
                "reached_share": float(measures["reached_share"]),
            }
        )
        plans.append((plan, placements, shift))
        if progress:
            progress(f"candidate area {n} beats: reached {rows[-1]['reached_share']:.1%}")
    table = pd.DataFrame(rows)
    best = int(np.lexsort((table["beats"], table["reached_share"]))[-1])
    table["recommended"] = table.index == best
    return (*plans[best], table)


def run_pipeline(
    scenario: Scenario,
    *,
    mirror: str | Path | None = None,
    progress: Progress | None = None,
) -> PipelineResult:
    """Compute every result of a run (no files written; see ``write_outputs``)."""
    timer = Timer(progress or (lambda _m: None))
    with timer.step("data, demand and road network"):
        ctx = build_context(scenario, mirror, progress=timer.progress)
    with timer.step("current plan (pilot) placement"):
        current_plan, current_placements = plan_current(ctx)
    with timer.step("expansion roadmap"):
        roadmap = expansion_roadmap(ctx, progress=timer.progress)
    with timer.step("citywide teams curve"):
        curve = citywide_curve(ctx, progress=timer.progress)
    busy_h = mean_busy_time_h(ctx, _planning_drive_s(curve, scenario.budget.target_reached_share))
    with timer.step("hours and the 24/7 answer"):
        hours = citywide_hours(ctx, busy_h)
    with timer.step("replayed calls"):
        s = scenario.simulation
        replay = replay_inputs(ctx, seed=s.seed, observed_only=s.observed_only)
    with timer.step("recommended plan (areas x shifts x posts, simulated)"):
        rec_plan, rec_placements, shift, candidates = plan_recommended(
            ctx, busy_h, roadmap, replay, progress=timer.progress
        )
        rec_plan = rec_plan.with_changes(command="heart-plan run (recommended plan)")
    with timer.step("simulation of both plans"):
        simulations = simulate_plans(
            ctx, {"current": current_plan, "recommended": rec_plan}, replay
        )
    target = scenario.budget.target_reached_share
    key = {
        "eligible_calls_per_year": ctx.calls_per_year,
        "modeled_share": float(ctx.demand.summary.get("modeled_share", np.nan)),
        "current_plan": _plan_key(current_plan, simulations["current"], scenario),
        "recommended_plan": _plan_key(rec_plan, simulations["recommended"], scenario),
        "expansion_steps": roadmap.to_dict(orient="records"),
        "recommendation_candidates": candidates.to_dict(orient="records"),
        "teams_for_citywide_target": target_would_take(ctx, curve, target),
        "teams_curve": curve.to_dict(orient="records"),
        "hours_curve": hours["curve"].to_dict(orient="records"),
        "fte_24_7": hours["fte_24_7"],
        "best_12h_window": hours["best_12h"],
    }
    return PipelineResult(
        ctx=ctx,
        current_plan=current_plan,
        current_placements=current_placements,
        recommended_plan=rec_plan,
        recommended_placements=rec_placements,
        shift_plan=shift,
        roadmap=roadmap,
        candidates=candidates,
        curve=curve,
        hours=hours,
        simulations=simulations,
        key_results=key,
        timings_s=timer.timings_s,
    )


def _planning_drive_s(curve: pd.DataFrame, target: float) -> float:
    """Mean post-to-scene drive (s) used for busy times: that of the citywide MCLP
    placement with the teams that meet the target (the last curve row if none does)."""
    teams = teams_for_target(curve, target) or int(curve["teams"].max())
    return float(curve.set_index("teams").loc[teams, "mean_drive_time_s"])


def target_would_take(ctx: PlanningContext, curve: pd.DataFrame, target: float) -> dict[str, Any]:
    """Teams on duty for ``target`` of citywide calls, and what staffing them takes: FTE and
    cost for 24/7 and for the baseline's daily hours (same teams every hour)."""
    crt, base = ctx.scenario.crt, ctx.scenario.baseline
    teams = teams_for_target(curve, target)
    out: dict[str, Any] = {
        "target": target,
        "covered": teams_for_target(curve, target, "covered_share"),
        "expected_covered_queue_aware": teams,
    }
    if teams is not None:
        daily_h = window_length_h(base.hours_start, base.hours_end)
        for label, hours in (("24_7", 24), ("baseline_hours", daily_h)):
            team_hours = teams * hours * 7
            out[f"fte_{label}"] = fte_of_team_hours(team_hours, crt)
            out[f"cost_per_year_usd_{label}"] = cost_of_team_hours(team_hours, crt)
    return out


def _plan_key(plan: Plan, sim: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    crt = scenario.crt
    return {
        "beats": len(plan.service_area_beats),
        "max_teams_on_duty": max(plan.teams_on_duty),
        "team_hours_per_week": plan.team_hours_per_week,
        "fte": fte_of_team_hours(plan.team_hours_per_week, crt),
        "cost_per_year_usd": cost_of_team_hours(plan.team_hours_per_week, crt),
        "predicted": plan.predicted,
        "simulated": {
            row.measure: {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high}
            for row in sim["summary"].itertuples()
        },
    }


def citywide_hours(ctx: PlanningContext, busy_time_h: float) -> dict[str, Any]:
    """The 24/7 answer over the citywide area (Durham's situation since Oct 2023)."""
    return hours_answer(ctx.arrivals_by_hour(ctx.city_beats), busy_time_h, scenario=ctx.scenario)


def simulate_plans(
    ctx: PlanningContext, plans: dict[str, Plan], replay: ReplayInputs
) -> dict[str, Any]:
    """Replay the year's eligible calls (observed + modeled) against each plan.

    Every plan sees the same calls and the same on-scene draws (same seed), so differences
    come from the plans.  Returns per plan: the result, its summary table and the
    optimizer-vs-simulation comparison.
    """
    s = ctx.scenario
    out: dict[str, Any] = {"replay_info": replay.info, "replay_calls": replay.calls}
    for name, plan in plans.items():
        result = simulate_plan(
            plan, s, replay, replications=s.simulation.replications,
            seed=s.simulation.seed, observed_only=s.simulation.observed_only,
        )  # fmt: skip
        out[name] = {
            "result": result,
            "summary": result.summary(),
            "comparison": result.comparison(plan.predicted),
        }
    return out


def provenance_table(result: PipelineResult) -> pd.DataFrame:
    """Datasets the run read: id, title, vintage, licence, official source, sha256."""
    from heart_plan.catalog import load_manifest

    manifest = load_manifest()
    rows = []
    for ds_id, path in result.ctx.inputs.paths.items():
        ds = manifest.datasets.get(ds_id)
        if ds is None:  # a user file (e.g. a calls export path): no manifest entry
            from heart_plan.runinfo import sha256_file

            rows.append(
                {"dataset": ds_id, "title": "user-supplied file", "vintage": "",
                 "licence": "", "official source": "", "file": Path(path).name,
                 "sha256": sha256_file(path)[:16] + "..."}
            )  # fmt: skip
            continue
        rows.append(
            {
                "dataset": ds_id,
                "title": ds.title,
                "vintage": ds.vintage,
                "licence": ds.licence,
                "official source": ds.official_url or ds.download_url,
                "file": Path(path).name,
                "sha256": ds.sha256[:16] + "...",
            }
        )
    return pd.DataFrame(rows)


def write_outputs(
    result: PipelineResult, out_dir: str | Path, *, command: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Write every table, plan, map, the report and ``run.json`` (atomically, each file).

    Everything is computed before writing starts, so a failure leaves no partial output.
    Returns the ``run.json`` record.
    """
    from heart_plan.atomic import write_csv, write_json, write_text
    from heart_plan.commands.demand import write_demand_outputs
    from heart_plan.equity import equity_table, reached_by_call, tract_reached
    from heart_plan.placement import placement_table
    from heart_plan.plan import write_plan
    from heart_plan.report.plan_maps import citywide_map, hours_map
    from heart_plan.report.plan_report import build_report
    from heart_plan.runinfo import run_info

    say = progress or (lambda _m: None)
    out = Path(out_dir)
    ctx = result.ctx
    timer = Timer(say, dict(result.timings_s))
    with timer.step("equity view"):
        calls = result.simulations["replay_calls"]
        reached = {
            name: reached_by_call(result.simulations[name]["result"])
            for name in ("current", "recommended")
        }
        per_tract = tract_reached(calls, ctx.inputs.tracts, reached)
        equity = equity_table(per_tract, ctx.inputs.tracts)
        tracts = ctx.inputs.tracts.merge(per_tract, left_on="tract_id", right_index=True)
    with timer.step("report page"):
        report = build_report(
            result, equity=equity, provenance=provenance_table(result), run_label=command
        ).to_html()
    info = run_info(
        ctx.scenario,
        command=command,
        data_files=ctx.inputs.paths,
        extra={"key_results": result.key_results, "timings_s": timer.timings_s},
    )
    with timer.step("maps"):
        citywide_map(result, out / "map_citywide.html", equity_tracts=tracts)
        hours_map(result, out / "map_hours.html")
    with timer.step("tables, plans and report"):
        write_demand_outputs(ctx.demand, ctx.inputs, ctx.scenario, out / "demand", command=command)
        write_plan(out / "plan_current.json", result.current_plan)
        write_plan(out / "plan_recommended.json", result.recommended_plan)
        write_csv(out / "posts_current.csv", placement_table(result.current_placements))
        write_csv(out / "posts_recommended.csv", placement_table(result.recommended_placements))
        write_csv(out / "roadmap.csv", result.roadmap)
        write_csv(out / "recommendation_candidates.csv", result.candidates)
        write_csv(out / "citywide_curve.csv", result.curve)
        for name in ("curve", "fte_curve", "overnight"):
            write_csv(out / f"hours_{name}.csv", result.hours[name])
        write_csv(out / "shifts.csv", pd.DataFrame([vars(x) for x in result.shift_plan.shifts]))
        for name in ("current", "recommended"):
            sim = result.simulations[name]
            write_csv(out / f"simulation_{name}.csv", sim["summary"])
            write_csv(out / f"comparison_{name}.csv", sim["comparison"])
        write_csv(out / "equity.csv", equity)
        write_text(out / "report.html", report)
    info["timings_s"] = timer.timings_s
    write_json(out / "run.json", info)
    return info
