"""``heart-plan init [PATH]``: write a short, commented scenario that extends the Durham
default and shows the commonly changed keys commented out (:data:`TEMPLATE`).
"""

from __future__ import annotations

from pathlib import Path

import click

#: The scenario ``init`` writes; ``{name}`` is the file's stem.  Every key shown exists in
#: the Durham default (``tests/test_planner_cli.py`` loads the template uncommented).
TEMPLATE = """\
# heart_plan scenario: a what-if on top of the Durham default.
#
# Set only what changes; everything else comes from the embedded Durham scenario
# (`extends`): tables merge key by key, lists and values replace the default's.
# Uncomment a line to change it.  Run it with:
#
#   heart-plan run --scenario {path}           # outputs go to outputs/{name}/
#   heart-plan run --scenario {path} --set budget.crt_fte=40   # one-off override
#
# Every key, its default and its source: the Durham default scenario
# (src/heart_plan/scenarios/durham.toml).

extends = "durham"
# Your scenario's own name (required): it names the output folder, outputs/<name>.
name = "{name}"
description = "What-if: describe the change here"

[budget]
# CRT FTE available for the recommended plan.
# crt_fte = 40.0
# Target share of citywide eligible calls reached within the response standard.
# target_reached_share = 0.9

[response]
# Response standard: drive time from post to scene (seconds); 720 = 12 minutes.
# standard_s = 600

[units.crt]
# Crew per team and on-scene time (ASSUMPTIONS in the default).
# crew_size = 2
# on_scene_mean_min = 40.0
# cost_per_staff_hour_usd = 55.0

[expansion]
# A fixed service area for the recommended plan (beat ids; empty = the best candidate area).
# recommend_beats = ["111", "112", "113", "114"]
# The recommended plan's daily window, the same every day: "HH-HH" or "24/7".
# recommend_hours = "07-19"

[current]
# Today's operation (assumed window and teams): citywide, 07:00-19:00, 4 teams.
# hours_start = 7
# hours_end = 19
# teams = 4

[demand]
# Demand growth once service expands (1.3 = 30% more calls).
# growth_factor = 1.3

[simulation]
# Replications of the simulated year (fewer = faster, wider intervals).
# replications = 20
"""

INIT_EXAMPLES = """\\b
Examples:
  heart-plan init                       # writes scenario.toml
  heart-plan init scenarios/night.toml  # name = "night"
  heart-plan run --scenario scenarios/night.toml
"""


@click.command("init", epilog=INIT_EXAMPLES)
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=Path("scenario.toml")
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write a commented scenario to PATH (default scenario.toml) that extends the Durham
    default; edit it and pass it to any command with --scenario PATH.
    """
    from heart_plan.atomic import write_text
    from heart_plan.config import SLUG_RE
    from heart_plan.errors import ConfigError

    if path.exists() and not force:
        raise ConfigError(f"{path} exists; choose another PATH or pass --force to overwrite it")
    name = path.stem if SLUG_RE.fullmatch(path.stem) else "my_scenario"
    write_text(path, TEMPLATE.format(name=name, path=path))
    click.echo(f"wrote {path} (name = {name!r}); edit it, then: heart-plan run --scenario {path}")
