"""Options shared by every command (CONVENTIONS.md): ``--scenario``, ``--out``,
``--mirror``; and helpers to load the scenario and prepare the output folder.
"""

from __future__ import annotations

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


def command_line() -> str:
    """The command line of this run, for plan files and run records."""
    import shlex
    import sys

    return "heart-plan " + " ".join(shlex.quote(a) for a in sys.argv[1:])
