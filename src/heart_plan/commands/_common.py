"""Options shared by every command (CONVENTIONS.md): ``--scenario``, ``--out``,
``--mirror``; and helpers to load the scenario and prepare the output folder."""

from __future__ import annotations

from pathlib import Path

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


def out_option(default: str) -> click.Option:
    """``--out DIR`` with a per-command default under ``outputs/``."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help="Output directory.",
    )


def command_line() -> str:
    """The command line of this run, for plan files and run records."""
    import shlex
    import sys

    return "heart-plan " + " ".join(shlex.quote(a) for a in sys.argv[1:])


#: Every output folder of ``heart-plan run``/``demand``/... also holds this table.
CALLS_QUALITY_FILE = "calls_quality.csv"


def write_calls_quality(out_dir: Path, calls) -> dict:
    """Write ``calls_quality.csv`` (see ``loaders.calls``) into ``out_dir``; return it as a
    dict ``{check: {rows, share_of_rows_read, action}}`` for the run record."""
    from heart_plan.atomic import write_csv
    from heart_plan.loaders.calls import calls_quality_table

    table = calls_quality_table(calls)
    write_csv(Path(out_dir) / CALLS_QUALITY_FILE, table)
    return calls_quality_record(calls)


def calls_quality_record(calls) -> dict:
    """The data-quality table as a dict for ``run.json`` / ``run_info.json``."""
    from heart_plan.loaders.calls import calls_quality_table

    table = calls_quality_table(calls)
    return {
        row.check: {"rows": int(row.rows), "share_of_rows_read": float(row.share_of_rows_read),
                    "action": row.action}
        for row in table.itertuples()
    }  # fmt: skip


def staged(out_dir: Path, owns) -> object:
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
