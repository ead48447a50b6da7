"""The ``heart-plan`` command line: a click group whose commands live in
``heart_plan.commands``.  Errors are turned into one-line messages here, in one place:
``HeartPlanError`` -> exit 1 (data or model error; 2 for configuration), click usage
errors -> exit 2.  Never a traceback for a user mistake.
"""

from __future__ import annotations

import sys

import click

from heart_plan._version import __version__
from heart_plan.commands import register_all
from heart_plan.errors import HeartPlanError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="heart-plan")
def cli() -> None:
    """Plan where, when and with how many teams Durham's HEART units operate."""


register_all(cli)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point with one-place error handling."""
    try:
        cli.main(args=argv, prog_name="heart-plan", standalone_mode=False)
    except HeartPlanError as exc:
        click.echo(f"heart-plan: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("heart-plan: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError | click.BadParameter) else exc.exit_code)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
