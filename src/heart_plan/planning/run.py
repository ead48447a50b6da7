"""The whole plan in one call: data -> demand -> network -> placement and expansion ->
shifts -> simulation -> equity, with progress lines, into one typed :class:`RunResult`
(``heart_plan.writer`` turns it into files).

Plans built here (CONVENTIONS.md "Reference plans" and "Recommended plan"); every plan's
posts come from :mod:`heart_plan.planning.posts` (an MCLP start improved by exchange search
scored with the loss hypercube: calls reached), one post set per team count on duty:

* **pilot_2022**: the 12 FAQ pilot beats, ``[baseline]`` daily hours (07:00-19:00 every
  day, an assumed window) and teams;
* **current** ("today"): ``[current]``, Durham since Oct 2023: citywide, 12 hours a day every
  day (window and teams are labelled assumptions);
* **recommended**: the plan that maximizes eligible calls *reached* within the FTE budget.
  Its hours come from the roster (:mod:`heart_plan.planning.roster_plan`: named crews on
  a repeating pattern, FTE = crews x crew x relief) at the chosen area's post sets; the
  candidate areas are compared with the shift planner's hours (faster, same budget).
  Candidate areas are prefixes of the expansion roadmap (the pilot, every
  ``[expansion] recommend_every_steps`` steps, and citywide).  For each, the CP-SAT shift
  planner chooses the hours and teams on duty within ``[budget] crt_fte``, and each hour
  staffs the area's post set for its team count.  The candidates are replayed with
  common random numbers until the best's margin over the runner-up is measurable
  (:mod:`heart_plan.planning.compare`); with no measurable difference the cheaper is
  recommended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK, Scenario, daily_window_hours
from heart_plan.errors import ConfigError
from heart_plan.plan import Plan, daily_window_on_duty
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.citywide import (
    area_values,
    citywide_hours,
    reached_curve,
    target_would_take,
)
from heart_plan.planning.compare import CandidateComparison, compare_candidates
from heart_plan.planning.context import PlanningContext, build_context
from heart_plan.planning.equity import equity_table, reached_by_call, tract_reached
from heart_plan.planning.evaluate import evaluate_plan
from heart_plan.planning.expansion import roadmap_areas, roadmap_table, step_line, step_teams
from heart_plan.planning.field_units import plan_field_unit
from heart_plan.planning.hour_values import HourValues
from heart_plan.planning.posts import PostSearches, PostSet, plan_of_sets, set_measures
from heart_plan.planning.replay import ReplayInputs, replay_inputs, simulate_plan
from heart_plan.planning.results import (
    CandidateOutcome,
    OffLineEffect,
    PlanOutcome,
    RunResult,
    SimulatedMeasure,
)
from heart_plan.planning.roster_plan import rostered_plan
from heart_plan.planning.units_run import (
    OtherUnits,
    other_field_units,
    plan_units_view,
    units_outcome,
)
from heart_plan.processes import run_chained, run_independent
from heart_plan.simulation.results import mean_ci
from heart_plan.staffing.off_line import NONE
from heart_plan.staffing.pay import pay_of_cover
from heart_plan.staffing.shifts import (
    ShiftPlanResult,
    ShiftProblem,
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


def plan_reference(
    ctx: PlanningContext,
    searches: PostSearches,
    *,
    name: str,
    beats: tuple[str, ...] | None,
    hours: tuple[int, int],
    teams: int,
) -> tuple[Plan, dict[int, PostSet]]:
    """A reference plan: ``teams`` teams in ``beats`` (None: citywide) every day in the
    daily window ``hours``, posts from the reached-maximizing search.
    """
    area = ctx.area(beats)
    sets = searches.sets(area, teams)
    plan = plan_of_sets(
        ctx.scenario, area, sets, daily_window_on_duty(hours[0], hours[1], teams),
        command=f"heart-plan run ({name} plan)",
        hours={"daily_start": hours[0], "daily_end": hours[1]},
        predicted=set_measures(area, sets[teams]),
    )  # fmt: skip
    return plan, {teams: sets[teams]}


def plan_pilot(ctx: PlanningContext, searches: PostSearches) -> tuple[Plan, dict[int, PostSet]]:
    """``pilot_2022``: the 12 FAQ pilot beats, ``[baseline]`` hours (assumed) and teams."""
    base = ctx.scenario.baseline
    return plan_reference(
        ctx, searches, name="pilot_2022", beats=base.service_area_beats,
        hours=(base.hours_start, base.hours_end), teams=base.teams,
    )  # fmt: skip


def plan_current(ctx: PlanningContext, searches: PostSearches) -> tuple[Plan, dict[int, PostSet]]:
    """``current``: today's operation (``[current]``: citywide, 12 hours a day; the window
    and teams are labelled assumptions).
    """
    cur = ctx.scenario.current
    return plan_reference(
        ctx, searches, name="current", beats=cur.service_area_beats or None,
        hours=(cur.hours_start, cur.hours_end), teams=cur.teams,
    )  # fmt: skip


def plan_for_area(
    ctx: PlanningContext,
    area: AreaDemand,
    sets: dict[int, PostSet],
    values: HourValues,
    busy_time_h: float,
) -> tuple[Plan, dict[int, PostSet], ShiftPlanResult]:
    """CP-SAT shifts within the FTE budget for ``area`` maximizing calls *reached* (the
    hypercube table ``values`` = :func:`area_values` at the area's post sets ``sets`` for
    1..K teams); each hour staffs the post set of its team count.
    """
    s = ctx.scenario
    # ``[expansion] recommend_hours``: the same daily window every day, a team in each hour
    window = daily_window_hours(s.expansion.recommend_hours)
    problem = ShiftProblem(
        tuple(area.arrivals_by_hour), busy_time_h, budget_fte=s.budget.crt_fte,
        objective="max_reached", reached_per_year_by_how_teams=values.reached_per_year,
        served_per_year_by_how_teams=values.served_per_year, allowed_hours_of_day=window,
        min_teams_by_how=None if window is None
        else tuple(int(b % 24 in window) for b in range(HOURS_PER_WEEK)),
    )  # fmt: skip
    shift = plan_shifts(problem, config=s.shifts, unit=s.crt, solver=solver_config_for_shifts(s))
    teams = max(shift.teams_on_duty)
    predicted = set_measures(area, sets[teams])
    predicted["fte"] = shift.fte
    plan = plan_of_sets(
        s, area, sets, tuple(shift.teams_on_duty), command="heart-plan run (candidate plan)",
        shifts=tuple(shift.shifts), predicted=predicted,
    )  # fmt: skip
    used = {int(t) for t in shift.teams_on_duty if t > 0}
    return plan, {k: v for k, v in sets.items() if k in used}, shift


@dataclass(frozen=True, eq=False)
class Recommendation:
    """The recommended plan, how it was chosen and every candidate it was chosen from.

    ``table``: one row per candidate (``name, beats, last_beat_added, teams_max, fte,
    cost_per_year_usd, predicted_reached_share`` (evaluator), ``served_share, reached_share, reached_ci_low, reached_ci_high,
    replications, recommended``: simulated shares of citywide eligible calls); ``values``:
    the recommended area's calls reached by hour and team count (:func:`area_values`, for the
    roster).
    """

    plan: Plan
    post_sets: dict[int, PostSet]
    shift: ShiftPlanResult
    table: pd.DataFrame
    comparison: CandidateComparison
    candidates: tuple[CandidateOutcome, ...]
    values: HourValues


#: Measures kept per replication for each candidate (CONVENTIONS.md names).
CANDIDATE_MEASURES = ("reached_share", "served_share", "mean_drive_time_s")


def candidate_name(beats: int) -> str:
    """The name of the candidate plan with ``beats`` beats in ``key_results``."""
    return f"candidate_{beats}_beats"


def plan_recommended(
    ctx: PlanningContext,
    busy_time_h: float,
    roadmap: pd.DataFrame,
    replay: ReplayInputs,
    searches: PostSearches,
    progress: Progress | None = None,
) -> Recommendation:
    """The candidate area plan that reaches the most calls in the simulation.

    Candidates are compared with common random numbers until the margin of the best over
    the runner-up is measurable (:mod:`heart_plan.planning.compare`).
    """
    s = ctx.scenario
    order = [*s.baseline.service_area_beats, *roadmap["beat_added"].iloc[1:]]
    start, every = len(s.baseline.service_area_beats), s.expansion.recommend_every_steps
    sizes = sorted({*range(start, len(order), every), len(order)})
    if s.expansion.recommend_beats:  # a fixed area (``run --beats``): one candidate
        order = list(fixed_area(ctx, s.expansion.recommend_beats))
        start, sizes = len(order), [len(order)]
    processes = s.solver.workers

    def planned(i: int, result: AreaPlan) -> None:
        if progress:
            progress(
                f"candidate area {sizes[i]} beats: posts, hours and predictions in "
                f"{result.seconds:.1f} s"
            )

    first_replications = min(s.simulation.first_replications, s.simulation.max_replications)

    def first_round(_i: int, area: AreaPlan) -> pd.DataFrame:
        return _candidate_measures(
            area.planned[0], s, replay, first_replications, s.simulation.seed
        )

    # Each candidate's first round of replications starts as soon as its plan is in.
    areas, first_round_measures = run_chained(
        [partial(_area_plan, ctx, searches, order[:n], busy_time_h) for n in sizes],
        first_round,
        processes,
        on_first=planned,
    )
    plans = [area.planned for area in areas]
    for area in areas:  # found in a worker: kept for the roster
        searches.adopt(area.planned[0].service_area_beats, area.sets)
    per_rep: dict[int, list[pd.DataFrame]] = {i: [] for i in range(len(plans))}

    def reached_of(replications: int, seed: int) -> list[np.ndarray]:
        if not per_rep[0]:  # the comparison's first round: simulated beside the plans
            assert (replications, seed) == (first_replications, s.simulation.seed)
            found = first_round_measures
        else:
            tasks = [
                partial(_candidate_measures, p, s, replay, replications, seed) for p, _, _ in plans
            ]
            found = run_independent(tasks, processes)
        reached = []
        for i, reps in enumerate(found):
            per_rep[i].append(reps)
            if progress:
                progress(
                    f"candidate area {sizes[i]} beats: {replications} replications from seed "
                    f"{seed}, reached {reps['reached_share'].mean():.1%}"
                )
            reached.append(reps["reached_share"].to_numpy())
        return reached

    costs = [pay_of_cover(p.teams_on_duty, s.roster, s.crt).total_usd for p, _, _ in plans]
    comparison = compare_candidates(
        reached_of, len(plans), cost=costs, size=sizes,
        first_replications=first_replications, max_replications=s.simulation.max_replications, seed=s.simulation.seed,
    )  # fmt: skip
    rows, outcomes = [], []
    for i, (n, (plan, _, shift)) in enumerate(zip(sizes, plans, strict=True)):
        reps = pd.concat(per_rep[i], ignore_index=True)
        simulated = {m: SimulatedMeasure(*_mean_ci(reps[m].to_numpy())) for m in CANDIDATE_MEASURES}
        est = comparison.reached(i)
        name = candidate_name(n)
        evaluated = areas[i].evaluated
        outcomes.append(
            CandidateOutcome(
                name=name,
                plan=evaluated,
                fte=shift.fte,
                cost_per_year_usd=costs[i],
                replications=comparison.replications,
                simulated=simulated,
                recommended=i == comparison.chosen,
            )
        )
        rows.append(
            {
                "name": name,
                "beats": n,
                "last_beat_added": order[n - 1] if n > start else "",
                "teams_max": max(plan.teams_on_duty),
                "fte": shift.fte,
                "cost_per_year_usd": costs[i],
                "predicted_reached_share": evaluated.predicted["reached_share"],
                "served_share": simulated["served_share"].mean,
                "reached_share": est.mean,
                "reached_ci_low": est.ci_low,
                "reached_ci_high": est.ci_high,
                "replications": comparison.replications,
            }
        )
    table = pd.DataFrame(rows)
    table["recommended"] = table.index == comparison.chosen
    plan, sets, shift = plans[comparison.chosen]
    chosen = areas[comparison.chosen].values
    return Recommendation(plan, sets, shift, table, comparison, tuple(outcomes), chosen)


@dataclass(frozen=True, eq=False)
class AreaPlan:
    """One candidate area's plan, post sets in use and shift plan (``planned``, from
    :func:`plan_for_area`), every post set searched for it, their hour values
    (:func:`area_values`, reused by the roster), the plan with the evaluator's predictions
    and the seconds it took.
    """

    planned: tuple[Plan, dict[int, PostSet], ShiftPlanResult]
    sets: dict[int, PostSet]
    values: HourValues
    evaluated: Plan
    seconds: float


def _area_plan(
    ctx: PlanningContext, searches: PostSearches, beats: Sequence[str], busy_time_h: float
) -> AreaPlan:
    """:class:`AreaPlan` of the area ``beats`` (a task of
    :func:`~heart_plan.processes.run_independent`).
    """
    t0 = time.perf_counter()
    area = ctx.area(beats)
    sets = searches.sets(area, ctx.scenario.shifts.max_teams_per_hour)
    values = area_values(ctx, area, sets)
    planned = plan_for_area(ctx, area, sets, values, busy_time_h)
    name = candidate_name(len(area.beats))
    evaluated = with_evaluated(ctx, planned[0].with_changes(command=f"heart-plan run ({name})"))
    return AreaPlan(planned, sets, values, evaluated, time.perf_counter() - t0)


def _candidate_measures(
    plan: Plan, s: Scenario, replay: ReplayInputs, replications: int, seed: int
) -> pd.DataFrame:
    """:data:`CANDIDATE_MEASURES` of ``plan`` per replication (replication ``r``: seed
    ``seed + r``).
    """
    sim = simulate_plan(plan, s, replay, replications=replications, seed=seed)
    return sim.measures_by_replication()[list(CANDIDATE_MEASURES)]


def fixed_area(ctx: PlanningContext, beats: tuple[str, ...]) -> tuple[str, ...]:
    """``[expansion] recommend_beats`` checked against the city beats (``ConfigError``)."""
    unknown = [b for b in beats if b not in ctx.city_beats]
    if unknown:
        raise ConfigError(
            f"expansion.recommend_beats (--beats): {unknown[0]!r} is not a city beat; use "
            f"ids such as {', '.join(ctx.city_beats[:4])}"
        )
    return tuple(dict.fromkeys(beats))


def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    est = mean_ci(values)
    return est.mean, est.ci_low, est.ci_high


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
    fixed_area(ctx, scenario.expansion.recommend_beats)  # fail before the long steps
    searches = PostSearches(ctx)
    K = scenario.shifts.max_teams_per_hour
    with timer.step("reference plans (pilot_2022, current), expansion roadmap, citywide posts"):
        pilot_area = ctx.area(scenario.baseline.service_area_beats)
        current_area = ctx.area(scenario.current.service_area_beats or None)
        city = ctx.area()

        steps = roadmap_areas(ctx)

        def searched(*areas: AreaDemand) -> dict[tuple[str, ...], dict[int, PostSet]]:
            return {a.beats: searches.sets(a, K) for a in areas}

        # the pilot area's every team count: the first candidate's too
        tasks: list[Callable[[], Any]] = [
            partial(searched, current_area, city),
            partial(searched, pilot_area),
            *(partial(step_teams, ctx, beats) for beats in steps),
        ]

        def report(i: int, result: Any) -> None:
            if i >= 2:
                timer.progress(step_line(i - 2, steps[i - 2], result))

        found_city, found_pilot, *step_results = run_independent(
            tasks, scenario.solver.workers, on_result=report
        )
        for beats, sets in (found_city | found_pilot).items():
            searches.adopt(beats, sets)
        roadmap = roadmap_table(ctx, steps, step_results)
        pilot_plan, pilot_sets = plan_pilot(ctx, searches)
        current_plan, current_sets = plan_current(ctx, searches)
    target = scenario.budget.target_reached_share
    with timer.step("citywide: calls reached by hour and team count"):
        city_sets = searches.sets(city, K)
        city_values = area_values(ctx, city, city_sets)
        curve = reached_curve(ctx, city_sets, city_values)
    with timer.step("what the target would take, hours and the 24/7 answer"):
        target_answer = target_would_take(ctx, city_values, target)
        hours = citywide_hours(ctx, city_values)
    # Busy time per call of the Erlang-B parts (the roadmap's workload teams): the citywide
    # dispatches' mean drive with the teams that reach the target (else the most teams).
    k_target = target_answer.around_the_clock.peak_teams if target_answer.around_the_clock else None
    busy_h = unit_busy_time_h(scenario.crt, city_sets[k_target or max(city_sets)].mean_drive_time_s)
    with timer.step("replayed calls"):
        s = scenario.simulation
        replay = replay_inputs(ctx, seed=s.seed, observed_only=s.observed_only)
    with timer.step("recommended plan (areas x shifts x posts, simulated)"):
        rec = plan_recommended(ctx, busy_h, roadmap, replay, searches, progress=timer.progress)
    # The reference plans do not depend on the roster: predicted and simulated beside it.
    # So do the other units' plans (CoR posts and roster, CCD and CN).  Longest first
    # (measured on Durham, one core: each simulation 3.3-3.6 s, the units view 3.2 s, CoR
    # 2.3 s, the roster 1.7 s), so the shorter tasks fill in at the end.
    with timer.step("roster of the recommended area; pilot_2022 and current; other units"):
        field_names = other_field_units(scenario)
        first: list[Callable[[], Any]] = [
            partial(simulate_outcome, ctx, "current", current_plan, current_sets, replay, evaluate=True),
            partial(simulate_outcome, ctx, "pilot_2022", pilot_plan, pilot_sets, replay, evaluate=True),
            partial(plan_units_view, ctx),
            *(partial(plan_field_unit, ctx, name) for name in field_names),
            partial(rostered_plan, ctx, searches, rec.plan, rec.values, command="heart-plan run (recommended plan)"),
        ]  # fmt: skip
        current, pilot, view, *field_plans, rostered = run_independent(
            first, scenario.solver.workers
        )
        other_units = OtherUnits(dict(zip(field_names, field_plans, strict=True)), view)
        timer.progress(rostered.roster.summary().splitlines()[1])
    # all four HEART units: CoR placed, rostered and simulated with CRT; CCD, CN
    with timer.step("recommended plan predicted and simulated; all four HEART units"):
        rec_plan = with_evaluated(ctx, rostered.plan)
        second: list[Callable[[], Any]] = [
            partial(
                units_outcome, ctx, rec_plan, crt_fte=rostered.roster.fte,
                crt_cost_per_year_usd=rostered.roster.cost_per_year_usd,
                crt_fte_basis="the recommended plan's roster: FTE = crews x crew x relief",
                replay=replay, other=other_units,
            ),
            partial(simulate_outcome, ctx, "recommended", rec_plan, rostered.post_sets, replay),
            partial(off_line_effect, ctx, rec_plan),
        ]  # fmt: skip
        units, recommended, off_line = run_independent(second, scenario.solver.workers)
        recommended = replace(
            recommended, fte=rostered.roster.fte,
            cost_per_year_usd=rostered.roster.cost_per_year_usd,
        )  # fmt: skip
    with timer.step("equity view"):
        reached = {o.name: reached_by_call(o.simulation) for o in (pilot, current, recommended)}
        tracts = ctx.inputs.tracts
        per_tract = tract_reached(replay.calls, tracts, reached)
        equity = equity_table(per_tract, tracts)
        equity_tracts = tracts.merge(per_tract, left_on="tract_id", right_index=True)
    return RunResult(
        ctx=ctx,
        pilot=pilot,
        current=current,
        recommended=recommended,
        shift_plan=rec.shift,
        roadmap=roadmap,
        candidates=rec.table,
        candidate_plans=rec.candidates,
        comparison=rec.comparison,
        curve=curve,
        hours=hours,
        target=target_answer,
        replay=replay,
        equity=equity,
        equity_tracts=equity_tracts,
        city_busiest_band=ctx.area().busiest_band,
        timings_s=timer.timings_s,
        roster=rostered.roster,
        off_line=off_line,
        units=units,
    )


def off_line_effect(ctx: PlanningContext, plan: Plan) -> OffLineEffect:
    """``plan``'s predicted shares (``plan.predicted``, the scenario's off-line time) beside
    the evaluator's with no off-line time (:data:`heart_plan.staffing.off_line.NONE`).
    """
    _week, without = evaluate_plan(ctx, plan, off_line=NONE)
    return OffLineEffect(
        reached_share=plan.predicted["reached_share"],
        reached_share_without=without["reached_share"],
        served_share=plan.predicted["served_share"],
        served_share_without=without["served_share"],
    )


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
    post_sets: dict[int, PostSet],
    replay: ReplayInputs,
    *,
    evaluate: bool = False,
) -> PlanOutcome:
    """Replay the year's eligible calls (observed + modeled) against ``plan`` (first adding
    the evaluator's predictions, :func:`with_evaluated`, when ``evaluate``).

    Every plan sees the same calls and the same on-scene draws (same seed), so differences
    come from the plans.  With widened intervals (``[simulation] variation``) the plan is
    also simulated with on-scene variation only (``summary_on_scene_only``).
    """
    s = ctx.scenario
    if evaluate:
        plan = with_evaluated(ctx, plan)
    reps, seed = s.simulation.replications, s.simulation.seed
    result = simulate_plan(plan, s, replay, replications=reps, seed=seed)
    narrow = None
    if replay.variation is not None:
        narrow = simulate_plan(
            plan, s, replay, replications=reps, seed=seed, variation="on_scene"
        ).summary()
    return PlanOutcome(
        name=name,
        plan=plan,
        post_sets=post_sets,
        busiest_band=ctx.area(plan.service_area_beats).busiest_band,
        simulation=result,
        summary=result.summary(),
        comparison=result.comparison(plan.predicted),
        fte=fte_of_team_hours(plan.team_hours_per_week, s.crt),
        cost_per_year_usd=pay_of_cover(plan.teams_on_duty, s.roster, s.crt).total_usd,
        summary_on_scene_only=narrow,
    )
