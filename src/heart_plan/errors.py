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


class PlanError(DataError):
    """A ``plan.json`` is missing, unreadable or fails its schema (a usage error: exit 2)."""

    exit_code = 2


class CacheError(HeartPlanError, OSError):
    """The cache folder cannot be used (not a directory, not writable, disk full)."""


class OutputError(HeartPlanError, OSError):
    """An output path cannot be written, or would escape ``--out`` / the cache."""


def os_error_message(exc: OSError) -> str:
    """One line for an ``OSError``: the path, what went wrong and the fix."""
    import errno

    path = exc.filename if exc.filename is not None else "(unknown path)"
    if exc.filename2 is not None:
        path = f"{path} -> {exc.filename2}"
    reason = exc.strerror or str(exc) or type(exc).__name__
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "choose a writable location (e.g. another --out) or fix the permissions"
    elif code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        fix = "free disk space or write to another disk (--out / $HEART_PLAN_CACHE)"
    elif code == errno.ENOTDIR:
        fix = "a part of the path is a file, not a folder; remove it or choose another path"
    elif code == errno.EISDIR:
        fix = "the path is a folder; pass a file"
    elif code == errno.ENOENT:
        fix = "check that the path exists"
    elif code == errno.EEXIST:
        fix = "remove the existing file or choose another path"
    else:
        fix = "check the path and the disk"
    return f"{path}: {reason}; {fix}"
