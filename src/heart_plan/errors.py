"""One error family for user-facing problems.

Every error raised for bad input, bad data or an unsolvable model is a ``HeartPlanError``.
The CLI turns it into a one-line message and exit code 1 (data/model) or 2 (usage), in one
place (``heart_plan.cli``).  Messages name the file, the field, what was expected and the fix.
"""

from __future__ import annotations


class HeartPlanError(Exception):
    """Base class: a problem the user can fix; printed as one line, never as a traceback."""

    exit_code = 1


class ConfigError(HeartPlanError, ValueError):
    """A scenario file or option is invalid (unknown key, wrong type, out of range)."""

    exit_code = 2


class DataError(HeartPlanError, ValueError):
    """An input dataset is missing, unreadable or fails validation."""


class NetworkError(HeartPlanError, ValueError):
    """The road network cannot answer a request (empty graph, unreachable pairs, ...)."""


class ModelError(HeartPlanError, ValueError):
    """An optimization or queueing model got invalid input."""


class InfeasibleError(ModelError):
    """A model has no feasible solution; the message says which rule binds and a fix."""


class SolverLimitError(ModelError):
    """A solver hit its limit without a feasible solution."""
