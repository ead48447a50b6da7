"""heart_plan: coverage and scheduling planner for Durham's HEART crisis-response teams.

Data flows one way: load & validate -> network & drive times -> demand -> models /
scheduling -> planning -> simulation -> maps & report -> CLI.  See DESIGN.md at the
repository root.  The analysts' API (:mod:`heart_plan.api`): ``load_scenario``,
``build_context``, ``run_plan``, ``simulate_plan``, ``plan_posts``, ``drive_time_areas``,
``write_plan_gpkg``.
"""

from heart_plan._version import __version__
from heart_plan.api import (
    build_context,
    drive_time_areas,
    load_scenario,
    plan_posts,
    run_plan,
    simulate_plan,
    write_plan_gpkg,
)

__all__ = [
    "__version__",
    "build_context",
    "drive_time_areas",
    "load_scenario",
    "plan_posts",
    "run_plan",
    "simulate_plan",
    "write_plan_gpkg",
]
