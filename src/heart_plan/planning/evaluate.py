"""Predicted measures of a plan (``plan.json``) from the planning context, analytically.

Wires :func:`heart_plan.queueing.week.evaluate_week` to the project's data:

* arrivals per demand node and hour of week (calls per hour) = annual eligible calls of
  each service-area beat snapped to the node (``ctx.node_beat_calls``) x that beat's
  hour-of-week share (``ctx.demand.beat_hour_share``) / 52.143 weeks;
* each band's drive matrix = ``ctx.matrix(band)`` (demand nodes x sites, access legs
  included) restricted to the plan's post sites in plan order;
* teams and posts per hour as the simulator assigns them (:class:`Deployment`): the post
  set of each hour's band and number of teams on duty (a site in several sets is one
  column per post);
* busy time from ``[units.crt]`` (turnout, on-scene mean; an assumption) plus
  ``[roster.off_line] documentation_min`` per call, with the evaluator's return rule
  (``include_return_drive``, default False: module docstring of
  :mod:`heart_plan.queueing.hypercube`);
* breaks (``[roster.off_line]``): each hour is the share-weighted mixture of its pieces
  with the slots on break taken out (:func:`heart_plan.staffing.off_line.hour_segments`,
  the simulator's schedule at its scheduled times).

``reached_share`` / ``served_share`` are over citywide eligible calls (CONVENTIONS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from heart_plan.config import OffLineConfig
from heart_plan.errors import ModelError
from heart_plan.plan import Plan
from heart_plan.queueing.hypercube import AUTO, Method
from heart_plan.queueing.week import WeekEvaluation, evaluate_week, team_posts_of_deployment
from heart_plan.simulation.deployment import Deployment
from heart_plan.staffing.off_line import hour_segments, service_time_h
from heart_plan.staffing.workload import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from heart_plan.planning.context import PlanningContext


def node_arrivals_per_h(ctx: PlanningContext, beats: list[str]) -> tuple[np.ndarray, list]:
    """``(168, J)`` calls per hour at the demand nodes with calls in ``beats``, and the nodes."""
    calls = ctx.node_beat_calls[beats]
    calls = calls[calls.sum(axis=1) > 0]
    share = ctx.demand.beat_hour_share.copy()
    share.index = share.index.astype(str)
    missing = [b for b in beats if b not in share.index]
    if missing:
        raise ModelError(f"beat {missing[0]!r} has no hour-of-week profile in the demand")
    per_year = calls.to_numpy(dtype=float) @ share.loc[beats].to_numpy(dtype=float)  # (J, 168)
    return per_year.T / WEEKS_PER_YEAR, list(calls.index)


def evaluate_plan(
    ctx: PlanningContext,
    plan: Plan,
    *,
    include_return_drive: bool = False,
    method: Method = AUTO,
    off_line: OffLineConfig | None = None,
) -> tuple[WeekEvaluation, dict[str, float]]:
    """The week evaluation of ``plan`` and its ``predicted`` measures (citywide shares);
    ``off_line`` replaces the scenario's ``[roster.off_line]`` (e.g. ``off_line.NONE``).
    """
    beats = [str(b) for b in plan.service_area_beats]
    arrivals, nodes = node_arrivals_per_h(ctx, beats)
    band_of_hour = ctx.scenario.network.band_of_hour()
    deployment = Deployment.from_plan(plan, band_of_hour)
    sites = [p.site_id for p in plan.posts]
    bands = sorted({band_of_hour[h] for h in range(168) if plan.teams_on_duty[h] > 0})
    drive = {b: ctx.matrix(b).loc[nodes, sites].to_numpy() for b in bands}
    crt = ctx.scenario.crt
    off_line = ctx.scenario.roster.off_line if off_line is None else off_line
    week = evaluate_week(
        arrivals,
        plan.teams_on_duty,
        band_of_hour,
        drive,
        team_posts_of_deployment(deployment),
        standard_s=ctx.scenario.response.standard_s,
        on_scene_mean_h=service_time_h(crt, off_line),
        turnout_s=crt.turnout_s,
        include_return_drive=include_return_drive,
        method=method,
        off_line_segments=hour_segments(plan.teams_on_duty, off_line),
    )
    return week, week.predicted(citywide_calls_per_year=ctx.calls_per_year)
