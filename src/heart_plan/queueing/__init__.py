"""Analytic queue-aware evaluators (issue 12): the spatial loss-queue (zero-line hypercube).

``hypercube`` evaluates one time band (or one hour): team workloads, per-node dispatch
fractions, reached/served shares and mean drive time, exactly (2^N-state Markov chain) or
by Larson's approximation adapted to loss systems.  ``week`` aggregates 168 hours of week to
annual expected calls served and reached; ``planning.evaluate.evaluate_plan(ctx, plan)`` wires a
``plan.json`` and the planning context to it (imported on demand: it needs the context).
"""

from heart_plan.queueing.hypercube import (
    APPROXIMATE,
    AUTO,
    EXACT,
    EXACT_MAX_TEAMS,
    HypercubeEvaluation,
    LossModel,
    evaluate,
    exact_loss_hypercube,
    larson_loss_approximation,
    loss_correction_factors,
    preference_order,
    solve_loss_model,
)
from heart_plan.queueing.week import WeekEvaluation, evaluate_week, team_posts_of_deployment

__all__ = [
    "APPROXIMATE",
    "AUTO",
    "EXACT",
    "EXACT_MAX_TEAMS",
    "HypercubeEvaluation",
    "LossModel",
    "WeekEvaluation",
    "evaluate",
    "evaluate_week",
    "exact_loss_hypercube",
    "larson_loss_approximation",
    "loss_correction_factors",
    "preference_order",
    "solve_loss_model",
    "team_posts_of_deployment",
]
