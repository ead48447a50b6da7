"""Options shared by every command (CONVENTIONS.md): ``--scenario`` (with ``--set``),
``--out``, ``--mirror``; and helpers to load the scenario and prepare the output folder.

``--set section.key=value`` (repeatable, TOML value syntax) overrides scenario keys after
the file is loaded (:mod:`heart_plan.overrides`); :func:`load_command_scenario` applies
them.  ``--out`` defaults to ``outputs/<scenario name>`` (``/<command>`` for the
subcommands), so another scenario never overwrites the demo's folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

SETS_KEY = "heart_plan.sets"


def _store_sets(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    """Keep the ``--set`` texts for :func:`load_command_scenario` (parsed there)."""
    ctx.meta[SETS_KEY] = tuple(value or ())


_scenario_path_option = click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Scenario TOML file (default: the embedded Durham scenario; `heart-plan init` "
    "writes one to edit).",
)
_set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    expose_value=False,
    callback=_store_sets,
    help="Override a scenario key, TOML value syntax (repeatable), e.g. --set "
    'budget.crt_fte=40 --set \'baseline.service_area_beats=["111", "112"]\'.',
)


def scenario_option(f: Any) -> Any:
    """``--scenario FILE`` and ``--set section.key=value`` (load with
    :func:`load_command_scenario`).
    """
    return _scenario_path_option(_set_option(f))


def load_command_scenario(path: Path | None, extra: dict[str, Any] | None = None) -> Any:
    """The scenario of ``--scenario`` with the command's ``--set`` overrides and ``extra``
    (a command's own options as dotted keys) applied and validated; one-line errors.
    """
    from heart_plan.config import load_scenario
    from heart_plan.overrides import apply_overrides, parse_overrides

    ctx = click.get_current_context(silent=True)
    texts = ctx.meta.get(SETS_KEY, ()) if ctx is not None else ()
    overrides = parse_overrides(texts) | dict(extra or {})
    return apply_overrides(load_scenario(path), overrides)


mirror_option = click.option(
    "--mirror",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data mirror directory (default: $HEART_PLAN_MIRROR, the scenario, ../shared/data/durham).",
)


def out_option(subfolder: str = "") -> Any:
    """``--out DIR``; default ``outputs/<scenario name>[/<subfolder>]`` (:func:`output_dir`),
    or, for a ``subfolder`` that is a path (``"outputs/sweep"``: commands without a
    scenario), that fixed path.
    """
    if "/" in subfolder:
        return click.option(
            "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
            default=Path(subfolder), show_default=True, help="Output folder.",
        )  # fmt: skip
    where = "outputs/<scenario name>" + (f"/{subfolder}" if subfolder else "")
    durham = "outputs/durham" + (f"/{subfolder}" if subfolder else "")
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Output folder (default: {where}; {durham} for the Durham default).",
    )


def output_dir(out_dir: Path | None, scenario: Any, subfolder: str = "") -> Path:
    """``--out`` if given, else ``outputs/<scenario name>[/<subfolder>]``."""
    if out_dir is not None:
        return out_dir
    base = Path("outputs") / scenario.name
    return base / subfolder if subfolder else base


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


#: Files every command writes besides its own (``README.txt``; ``plan.gpkg`` where a plan).
COMMON_FILES = ("README.txt", "plan.gpkg")


@contextmanager
def staged(out_dir: Path, owns: Iterable[str]) -> Iterator[Path]:
    """``atomic.staged_output_dir`` for a command's ``--out`` (all-or-nothing output); the
    folder's ``README.txt`` (:mod:`heart_plan.output_docs`) is written last.
    """
    from heart_plan.atomic import staged_output_dir
    from heart_plan.output_docs import write_readme

    with staged_output_dir(out_dir, owns=(*owns, *COMMON_FILES)) as stage:
        yield stage
        write_readme(stage, title=f"{command_line()}  ->  {out_dir}")


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
