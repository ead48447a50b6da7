"""The whole plan in one call: data -> demand -> network -> placement and expansion ->
shifts -> simulation -> equity, with progress lines, into one typed :class:`RunResult`
(``heart_plan.writer`` turns it into files).

Plans built here (CONVENTIONS.md "Baseline, budget, recommendation"):

* **current** (the baseline pilot): the 12 FAQ pilot beats, the baseline's daily hours
  (07:00-19:00 every day, an assumed window) and teams, posts chosen by MCLP per band;
* **recommended**: the plan that maximizes eligible calls *reached* within the FTE budget.
  Candidate areas are prefixes of the expansion roadmap (the pilot, every
  ``[expansion] recommend_every_steps`` steps, and citywide).  For each, the CP-SAT shift
  planner chooses the hours and teams on duty that maximize expected calls served within
  ``[budget] crt_fte``, and posts are chosen by MCLP per band for the largest number of teams
  on duty, ordered so that the first ``k`` posts are the best ``k`` (greedy order), because
  hours with fewer teams on duty staff the first posts.  The candidates are replayed with
  common random numbers until the best's margin over the runner-up is measurable
  (:mod:`heart_plan.planning.compare`); with no measurable difference the cheaper is
  recommended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.plan import Plan, bands_for_plan, window_length_h
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.compare import CandidateComparison, compare_candidates
from heart_plan.planning.context import PlanningContext, build_context
from heart_plan.planning.equity import equity_table, reached_by_call, tract_reached
from heart_plan.planning.evaluate import evaluate_plan
from heart_plan.planning.expansion import citywide_curve, expansion_roadmap, teams_for_target
from heart_plan.planning.placement import (
    Placement,
    place_per_band,
    plan_from_placements,
    predicted_measures,
)
from heart_plan.planning.replay import ReplayInputs, replay_inputs, simulate_plan
from heart_plan.planning.results import PlanOutcome, RunResult, TargetAnswer
from heart_plan.staffing.hours import HoursAnswer, hours_answer
from heart_plan.staffing.shifts import (
    ShiftPlanResult,
    ShiftProblem,
    cost_of_team_hours,
    fte_of_team_hours,
    plan_shifts,
    solver_config_for_shifts,
)
from heart_plan.staffing.workload import unit_busy_time_h

Progress = Callable[[str], None]


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


def plan_current(ctx: PlanningContext) -> tuple[Plan, dict[str, Placement]]:
    """The baseline pilot plan, posts per band."""
    s = ctx.scenario
    base = s.baseline
    area = ctx.area(base.service_area_beats)
    placements = place_per_band(area, base.teams, solver=s.solver, bands=s.network.time_bands)
    plan = plan_from_placements(
        s, area.beats, placements, hours=(base.hours_start, base.hours_end),
        command="heart-plan run (current plan)",
        predicted=predicted_measures(area, placements[area.busiest_band]),
    )  # fmt: skip
    return plan, placements


def plan_for_area(
    ctx: PlanningContext, area: AreaDemand, busy_time_h: float
) -> tuple[Plan, dict[str, Placement], ShiftPlanResult]:
    """CP-SAT shifts within the FTE budget for ``area``, MCLP posts per band."""
    s = ctx.scenario
    problem = ShiftProblem(tuple(area.arrivals_by_hour), busy_time_h, budget_fte=s.budget.crt_fte)
    shift = plan_shifts(problem, config=s.shifts, unit=s.crt, solver=solver_config_for_shifts(s))
    teams = max(shift.teams_on_duty)
    placements = place_per_band(area, teams, solver=s.solver, bands=s.network.time_bands)
    predicted = predicted_measures(area, placements[area.busiest_band])
    predicted["expected_served_share_of_area"] = shift.served_share
    predicted["fte"] = shift.fte
    plan = Plan(
        scenario_name=s.name,
        scenario_sha256=s.sha256,
        command="heart-plan run (candidate plan)",
        service_area_beats=area.beats,
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
) -> tuple[Plan, dict[str, Placement], ShiftPlanResult, pd.DataFrame, CandidateComparison]:
    """The candidate area plan that reaches the most calls in the simulation.

    Candidates are compared with common random numbers until the margin of the best over
    the runner-up is measurable (:mod:`heart_plan.planning.compare`).  Returns the plan, its
    placements and shift plan, the candidates table (``beats, last_beat_added, teams_max,
    fte, cost_per_year_usd, expected_served_share_of_area, served_share, reached_share,
    reached_ci_low, reached_ci_high, replications``: simulated shares of citywide eligible
    calls; ``recommended`` flags the choice) and the comparison.
    """
    s = ctx.scenario
    order = [*s.baseline.service_area_beats, *roadmap["beat_added"].iloc[1:]]
    start, every = len(s.baseline.service_area_beats), s.expansion.recommend_every_steps
    sizes = sorted({*range(start, len(order), every), len(order)})
    plans = [plan_for_area(ctx, ctx.area(order[:n]), busy_time_h) for n in sizes]
    served: dict[int, list[float]] = {i: [] for i in range(len(plans))}

    def reached_of(i: int, replications: int, seed: int) -> np.ndarray:
        sim = simulate_plan(plans[i][0], s, replay, replications=replications, seed=seed)
        per_rep = sim.measures_by_replication()
        served[i].extend(per_rep["served_share"].tolist())
        if progress:
            progress(
                f"candidate area {sizes[i]} beats: {replications} replications from seed "
                f"{seed}, reached {per_rep['reached_share'].mean():.1%}"
            )
        return per_rep["reached_share"].to_numpy()

    costs = [cost_of_team_hours(p.team_hours_per_week, s.crt) for p, _, _ in plans]
    comparison = compare_candidates(
        reached_of, len(plans), cost=costs, size=sizes,
        first_replications=min(s.simulation.first_replications, s.simulation.max_replications),
        max_replications=s.simulation.max_replications, seed=s.simulation.seed,
    )  # fmt: skip
    rows = []
    for i, (n, (plan, _, shift)) in enumerate(zip(sizes, plans, strict=True)):
        est = comparison.reached(i)
        rows.append(
            {
                "beats": n,
                "last_beat_added": order[n - 1] if n > start else "",
                "teams_max": max(plan.teams_on_duty),
                "fte": shift.fte,
                "cost_per_year_usd": costs[i],
                "expected_served_share_of_area": shift.served_share,
                "served_share": float(np.mean(served[i])),
                "reached_share": est.mean,
                "reached_ci_low": est.ci_low,
                "reached_ci_high": est.ci_high,
                "replications": comparison.replications,
            }
        )
    table = pd.DataFrame(rows)
    table["recommended"] = table.index == comparison.chosen
    return (*plans[comparison.chosen], table, comparison)


def run_plan(
    scenario: Scenario,
    *,
    mirror: str | Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Compute every result of a run (no files written; see ``heart_plan.writer``)."""
    timer = Timer(progress or (lambda _m: None))
    with timer.step("data, demand and road network"):
        ctx = build_context(scenario, mirror, progress=timer.progress)
    with timer.step("current plan (pilot) placement"):
        current_plan, current_placements = plan_current(ctx)
    with timer.step("expansion roadmap"):
        roadmap = expansion_roadmap(ctx, progress=timer.progress)
    with timer.step("citywide teams curve"):
        curve = citywide_curve(ctx, progress=timer.progress)
    target = scenario.budget.target_reached_share
    busy_h = unit_busy_time_h(scenario.crt, _planning_drive_s(curve, target))
    with timer.step("hours and the 24/7 answer"):
        hours = citywide_hours(ctx, busy_h)
    with timer.step("replayed calls"):
        s = scenario.simulation
        replay = replay_inputs(ctx, seed=s.seed, observed_only=s.observed_only)
    with timer.step("recommended plan (areas x shifts x posts, simulated)"):
        rec_plan, rec_placements, shift, candidates, comparison = plan_recommended(
            ctx, busy_h, roadmap, replay, progress=timer.progress
        )
        rec_plan = rec_plan.with_changes(command="heart-plan run (recommended plan)")
    with timer.step("queue-aware predictions (hypercube evaluator)"):
        current_plan = with_evaluated(ctx, current_plan)
        rec_plan = with_evaluated(ctx, rec_plan)
    with timer.step("simulation of both plans"):
        current = simulate_outcome(ctx, "current", current_plan, current_placements, replay)
        recommended = simulate_outcome(ctx, "recommended", rec_plan, rec_placements, replay)
    with timer.step("equity view"):
        reached = {o.name: reached_by_call(o.simulation) for o in (current, recommended)}
        tracts = ctx.inputs.tracts
        per_tract = tract_reached(replay.calls, tracts, reached)
        equity = equity_table(per_tract, tracts)
        equity_tracts = tracts.merge(per_tract, left_on="tract_id", right_index=True)
    return RunResult(
        ctx=ctx,
        current=current,
        recommended=recommended,
        shift_plan=shift,
        roadmap=roadmap,
        candidates=candidates,
        comparison=comparison,
        curve=curve,
        hours=hours,
        target=target_would_take(ctx, curve, target),
        replay=replay,
        equity=equity,
        equity_tracts=equity_tracts,
        city_busiest_band=ctx.area().busiest_band,
        timings_s=timer.timings_s,
    )


def _planning_drive_s(curve: pd.DataFrame, target: float) -> float:
    """Mean post-to-scene drive (s) used for busy times: that of the citywide MCLP
    placement with the teams that meet the target (the last curve row if none does).
    """
    teams = teams_for_target(curve, target) or int(curve["teams"].max())
    return float(curve.set_index("teams").loc[teams, "mean_drive_time_s"])


def target_would_take(ctx: PlanningContext, curve: pd.DataFrame, target: float) -> TargetAnswer:
    """Teams on duty for ``target`` of citywide calls, and what staffing them takes: FTE and
    cost for 24/7 and for the baseline's daily hours (same teams every hour).
    """
    crt, base = ctx.scenario.crt, ctx.scenario.baseline
    teams = teams_for_target(curve, target)
    covered = teams_for_target(curve, target, "covered_share")
    if teams is None:
        return TargetAnswer(target, covered, None)
    hours_247 = teams * 24 * 7
    hours_base = teams * window_length_h(base.hours_start, base.hours_end) * 7
    return TargetAnswer(
        target=target,
        teams_covered=covered,
        teams_expected_covered=teams,
        fte_24_7=fte_of_team_hours(hours_247, crt),
        cost_per_year_usd_24_7=cost_of_team_hours(hours_247, crt),
        fte_baseline_hours=fte_of_team_hours(hours_base, crt),
        cost_per_year_usd_baseline_hours=cost_of_team_hours(hours_base, crt),
    )


def citywide_hours(ctx: PlanningContext, busy_time_h: float) -> HoursAnswer:
    """The 24/7 answer over the citywide area (Durham's situation since Oct 2023)."""
    return hours_answer(ctx.area().arrivals_by_hour, busy_time_h, scenario=ctx.scenario)


def with_evaluated(ctx: PlanningContext, plan: Plan) -> Plan:
    """``plan`` with the queue-aware evaluator's predicted measures added to ``predicted``
    (:func:`heart_plan.planning.evaluate.evaluate_plan`): ``reached_share``,
    ``served_share`` (of citywide eligible calls per year), ``mean_drive_time_s`` and their
    ``_of_area`` / ``_in_scope`` variants, named as the simulator names its twins.
    """
    _week, predicted = evaluate_plan(ctx, plan)
    return plan.with_changes(predicted=dict(plan.predicted) | predicted)


def simulate_outcome(
    ctx: PlanningContext,
    name: str,
    plan: Plan,
    placements: dict[str, Placement],
    replay: ReplayInputs,
) -> PlanOutcome:
    """Replay the year's eligible calls (observed + modeled) against ``plan``.

    Every plan sees the same calls and the same on-scene draws (same seed), so differences
    come from the plans.
    """
    s = ctx.scenario
    result = simulate_plan(
        plan, s, replay, replications=s.simulation.replications, seed=s.simulation.seed
    )
    return PlanOutcome(
        name=name,
        plan=plan,
        placements=placements,
        busiest_band=ctx.area(plan.service_area_beats).busiest_band,
        simulation=result,
        summary=result.summary(),
        comparison=result.comparison(plan.predicted),
        fte=fte_of_team_hours(plan.team_hours_per_week, s.crt),
        cost_per_year_usd=cost_of_team_hours(plan.team_hours_per_week, s.crt),
    )
