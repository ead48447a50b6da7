"""Options shared by every command (CONVENTIONS.md): ``--scenario``, ``--out``,
``--mirror``; and helpers to load the scenario and prepare the output folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click

scenario_option = click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Scenario TOML file (default: the embedded Durham scenario).",
)
mirror_option = click.option(
    "--mirror",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data mirror directory (default: $HEART_PLAN_MIRROR, the scenario, ../shared/data/durham).",
)


def out_option(default: str) -> Any:
    """``--out DIR`` with a per-command default under ``outputs/``."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help="Output directory.",
    )


calls_option = click.option(
    "--calls",
    "calls_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Calls export (CSV, GeoJSON, shapefile) instead of the scenario's [calls] dataset.",
)


def scenario_with_calls(scenario: Any, calls_path: Path | None) -> Any:
    """``scenario`` with ``[calls] dataset`` set to ``--calls FILE`` (if given; checked)."""
    if calls_path is None:
        return scenario
    if not calls_path.is_file():
        raise click.BadParameter(f"{calls_path}: file not found", param_hint="--calls")
    from heart_plan.config import with_overrides

    return with_overrides(scenario, {"calls.dataset": str(calls_path.resolve())})


def command_line() -> str:
    """The command line of this run, for plan files and run records."""
    import shlex
    import sys

    return "heart-plan " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def write_calls_quality(out_dir: Path, calls: Any) -> dict[str, Any]:
    """``loaders.quality.write_calls_quality``, imported lazily (``--help`` stays instant)."""
    from heart_plan.loaders.quality import write_calls_quality as write

    return write(out_dir, calls)


def calls_quality_record(calls: Any) -> dict[str, Any]:
    """``loaders.quality.calls_quality_record``, imported lazily."""
    from heart_plan.loaders.quality import calls_quality_record as record

    return record(calls)


def staged(out_dir: Path, owns: Iterable[str]) -> AbstractContextManager[Path]:
    """``atomic.staged_output_dir`` for a command's ``--out`` (all-or-nothing output)."""
    from heart_plan.atomic import staged_output_dir

    return staged_output_dir(out_dir, owns=owns)


class FiniteFloat(click.ParamType):
    """A finite float option (NaN and infinities are usage errors), optionally >= ``min``."""

    name = "number"

    def __init__(self, min: float | None = None) -> None:
        self.min = min

    def convert(self, value, param, ctx):
        import math

        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if self.min is not None and number < self.min:
            self.fail(f"{value!r} must be >= {self.min:g}", param, ctx)
        return number
